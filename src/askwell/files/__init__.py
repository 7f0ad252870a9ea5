"""Where uploaded files' bytes live: a FileStore by name (local folder, the database, S3)."""
