"""Alembic environment: always runs on the connection handed over by askwell.db.migrate."""

from alembic import context

from askwell.models import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - guard against running `alembic` by hand
    raise RuntimeError("Run migrations with `askwell migrate`, which provides the connection.")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
