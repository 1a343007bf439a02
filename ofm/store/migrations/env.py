"""Alembic environment: runs on the connection `ofm.store.migrate` hands over (no alembic.ini).

To write a new revision against a scratch database:
    from alembic import command
    from ofm.store import Store
    from ofm.store.migrate import alembic_config
    cfg = alembic_config(); store = Store("sqlite:///var/scratch.db"); store.migrate()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.revision(cfg, "what changed", autogenerate=True, rev_id="0002")
"""

from alembic import context

from ofm.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("run migrations through Store.migrate() or `ofm db upgrade`, which pass a connection")

context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
with context.begin_transaction():
    context.run_migrations()
