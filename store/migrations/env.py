"""Alembic environment: runs on the engine handed over by `store.db.migrate`."""

from alembic import context

from store.schema import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:
    from core.settings import get_settings
    from store.db import make_engine

    engine = make_engine(get_settings().sql_url)

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
