"""Alembic environment of the central schema: runs on the engine handed over by sync.admin."""

from alembic import context

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=None,
                      version_table="tawasul_central_version")
    with context.begin_transaction():
        context.run_migrations()
