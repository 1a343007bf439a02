"""`python -m ofm.testbed build [--version 19]`: build (or find cached) the real Odoo and print its state.

`python -m ofm.testbed serve [--version 19] [--port P]`: also copy a fresh database from the template and
serve it until interrupted, printing the settings (OFM_ODOO_*) that point the middleware at it.

`python -m ofm.testbed capture-fields [--version 19]`: write that server's field names of every model the
flows use to tests/data/real-captures/fields_get_<version>.json (what the version tables are checked against).
"""

from __future__ import annotations

import argparse
import json
import time

from ofm.testbed.realodoo import Build, RealOdooUnavailable, Server, find_source


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m ofm.testbed")
    parser.add_argument("command", choices=["build", "serve", "clean", "capture-fields"])
    parser.add_argument("--version", type=int, default=19, choices=[18, 19])
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args()
    try:
        build = Build(find_source(args.version))
    except RealOdooUnavailable as exc:
        print(exc)  # noqa: T201 - command output
        return 2
    if args.command == "clean":
        print(f"dropped {build.drop_test_databases()} test database(s)")  # noqa: T201
        return 0
    if args.command == "capture-fields":
        from ofm.testbed.fields_capture import write_capture

        print(f"wrote {write_capture(build)}")  # noqa: T201
        return 0
    started = time.monotonic()
    state = build.ensure()
    shown = {k: v for k, v in state.items() if k != "api_key"}
    print(json.dumps({**shown, "cache": str(build.dir), "seconds": round(time.monotonic() - started, 1)}))  # noqa: T201
    if args.command == "serve":
        db = build.new_database("serve")
        with Server(build, args.port) as server:
            print(f"OFM_ODOO_URL={server.url}\nOFM_ODOO_DB={db}\nOFM_ODOO_LOGIN={state['login']}\n"  # noqa: T201
                  "OFM_ODOO_API_KEY=<in the build's state.json>", flush=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
        build.drop_database(db)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
