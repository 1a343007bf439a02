"""The real Odoo 19 as a demo service: built once (cached), one persistent database `<prefix>_t_demo`.

`make demo ODOO=real` tells the demo's story against it instead of the Odoo sandbox; the database
lives until `make clean` (or `python -m ofm.testbed clean`), so a second demo finds everything in place.
"""

from __future__ import annotations

from ofm.cli.services import Service
from ofm.testbed.realodoo import Build, database_exists, find_source

DEMO_PORT = 8069


def real_odoo_service(port: int = DEMO_PORT, fresh: bool = False) -> tuple[Service, dict[str, str]]:
    """The service that serves the demo database, and the OFM_ODOO_* settings that point at it.

    `fresh`: the demo's own state is gone (a first demo, or after `make clean`), so the database starts
    over from the template too: a story told twice into one database would not be the story."""
    build = Build(find_source(19))
    state = build.ensure()
    db = f"{build.prefix}_t_demo"
    if fresh and database_exists(db):
        build.drop_database(db)
    if not database_exists(db):
        build.new_database_named(db)
    conf = build.config_file(port)
    service = Service("odoo-real", f"http://127.0.0.1:{port}/web/health",
                      [str(build.python), str(build.src / "odoo-bin"), "-c", str(conf)], {}, 120.0)
    env = {"OFM_ODOO_URL": f"http://127.0.0.1:{port}", "OFM_ODOO_DB": db, "OFM_ODOO_LOGIN": state["login"],
           "OFM_ODOO_API_KEY": state["api_key"]}
    return service, env
