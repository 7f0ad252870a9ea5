"""Alembic environment: always runs on the connection handed over by askwell.db.migrate."""

from alembic import context

from askwell.db import is_managed_outside_models
from askwell.models import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - guard against running `alembic` by hand
    raise RuntimeError("Run migrations with `askwell migrate`, which provides the connection.")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_object=lambda obj, name, type_, reflected, compare_to: not is_managed_outside_models(name, type_),
)
with context.begin_transaction():
    context.run_migrations()
