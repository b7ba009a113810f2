"""Alembic environment: the engine comes from data_access.db, never from an ini file."""
from alembic import context

from data_access.models import Base, on_dialect

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite",
                      include_object=on_dialect(connection.dialect.name))
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
