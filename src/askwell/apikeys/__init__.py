"""API keys: admin-issued Bearer credentials for programs, scoped to assistants and actions."""
