"""Suppliers and purchase orders into a real Odoo 19 or 18: each flow against a ceiling and a naive client, same server.

The sandbox benches (bench/supplier_onboarding.py) charge what the contract says a real Odoo
costs; this one asks a real Odoo (--version 19, the default, or 18), started from the cached build
(ofm.testbed: the source in ../shared/odoo19 or OFM_ODOO_SOURCE, ../shared/odoo18 or
OFM_ODOO18_SOURCE), one server for the whole run. On 18 (JSON-RPC only) the policies name its
Belgian chart's taxes and bank-fees account (bench/real_po_sync.py, bench/real_bank.py). Each contender runs in a
fresh process (bench/child.py) against a fresh database copied from the template:

- ceiling: the res.partner values the flow writes (name, VAT, vendor code, contact, address,
           country, payment term, purchase currency, bank account), created raw in batches;
- naive:   the same values, one `create` call per supplier, as a point-to-point script would;
- flow:    the supplier-onboarding Prefect flow end to end, from a JSON export file (inbox,
           mapping, checkpoint, Odoo references, matching, outbox, load, acks, audit).

Set-up is not billed: the database's first request (Odoo loads its registry), activating the
currencies the suppliers invoice in (the Belgian template has EUR and USD only), reading ids, and
the flow's warm-up run (20 other suppliers, in a database of its own). Ratios are taken in one
run; absolute numbers move with the machine's load. Without an Odoo source it says so in one line
and exits 0. The po-sync contenders (bench/real_po_sync.py) follow on the same server, then the
goods-receipt and three-way-match ones (bench/real_p2p.py), then bank-reconciliation's
(bench/real_bank.py); one table at the end puts every flow
against its raw batched ceiling and its naive client. OFM_BENCH_DUMP=file also writes the raw results.
Usage: python -m bench.real_odoo [--version 19] [--n 1000] [--orders 100] [--receipts 50] [--bills 50] [--entries 50]
       [--lines 3] [--suppliers 50] [--batch 200] [--protocol auto]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.child import run_child, spawn

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

TARGET = "OFM_BENCH_REAL_ODOO"  # JSON {url, db, warm_db, login, api_key, version} for the child (kept off its argv)
CURRENCIES = ("GBP", "SEK", "DKK", "PLN", "CHF")
SEED = 42
KINDS = ("ceiling", "naive", "flow")
P2P = {"gr": "goods-receipt", "twm": "three-way-match"}  # child prefix -> flow (bench/real_p2p.py)


def _version() -> int:
    """In a child: the Odoo major version the parent started (19 or 18)."""
    return int(json.loads(os.environ[TARGET]).get("version", 19))


def _client(protocol: str, db_key: str = "db"):
    from ofm.connectors.odoo import OdooClient, OdooConfig

    target = json.loads(os.environ[TARGET])
    client = OdooClient(OdooConfig(url=target["url"], db=target[db_key], login=target["login"],
                                   api_key=target["api_key"], protocol=protocol, timeout_seconds=600))
    if client.version.major != _version():  # untimed; the connector reads it anyway to pick a protocol
        raise SystemExit(f"the bench targets Odoo {_version()} but the server is {client.version}")
    return client


def _prepare(client) -> dict:
    """Untimed: the database's first request, the suppliers' currencies switched on, the ids the values need."""
    from ofm.mappings.engine import bundled_mapping, load_mapping

    inactive = client.search_read("res.currency", [["name", "in", list(CURRENCIES)], ["active", "=", False]],
                                  ["name"])
    if inactive:
        client.write("res.currency", [r["id"] for r in inactive], {"active": True})
    term_names = load_mapping(bundled_mapping("procurement/supplier")).payment_terms_map
    terms = {t["name"]: t["id"] for t in client.search_read("account.payment.term", [], ["name"])}
    return {"countries": {r["code"]: r["id"] for r in client.search_read("res.country", [], ["code"])},
            "currencies": {r["name"]: r["id"] for r in client.search_read("res.currency", [["active", "=", True]],
                                                                          ["name"])},
            "terms": {code: terms[name] for code, name in term_names.items() if name in terms}}


def _vals(records: list[dict], ids: dict) -> list[dict]:
    """The values the flow writes for a new supplier, built the plain way (for the two baselines)."""
    out = []
    for r in records:
        address = r["addresses"][0]
        out.append({
            "name": r["legal_name"], "vat": r["tax_id"] or False, "ref": r["vendor_code"], "email": r["email"],
            "phone": r["phone"], "website": r["website"], "street": address["line1"],
            "street2": address["line2"] or False, "city": address["city"], "zip": address["postal_code"],
            "country_id": ids["countries"][r["country"]],
            "property_supplier_payment_term_id": ids["terms"][r["payment_terms"]],
            "property_purchase_currency_id": ids["currencies"][r["currency"]],
            "supplier_rank": 1, "is_company": True, "active": True,
            "bank_ids": [(0, 0, {"acc_number": b["iban"], "acc_holder_name": b["holder"]})
                         for b in r["bank_accounts"]]})
    return out


def _records(n: int, seed: int = SEED) -> list[dict]:
    from ofm.sandbox.procurement import generate_suppliers

    return generate_suppliers(n, seed=seed, dirty=False)


def _outcome(client, seconds: float, before: Counter, **extra) -> dict:
    calls = client.stats.calls - before
    partners = client.search_count("res.partner", [["supplier_rank", ">", 0]])
    return {"seconds": round(seconds, 3), "calls": sum(calls.values()), "partners": partners,
            "by_method": {f"{m}.{meth}": k for (m, meth), k in sorted(calls.items())}, **extra}


def ceiling(n: int, batch: int, protocol: str) -> dict:
    client = _client(protocol)
    vals = _vals(_records(n), _prepare(client))
    before = Counter(client.stats.calls)
    start = time.perf_counter()
    for i in range(0, len(vals), batch):
        client.create("res.partner", vals[i:i + batch])
    return _outcome(client, time.perf_counter() - start, before)


def naive(n: int, protocol: str) -> dict:
    client = _client(protocol)
    vals = _vals(_records(n), _prepare(client))
    before = Counter(client.stats.calls)
    start = time.perf_counter()
    for v in vals:
        client.create("res.partner", [v])
    return _outcome(client, time.perf_counter() - start, before)


def _flow_run(client, records: list[dict], batch: int, workdir: Path) -> tuple[float, dict]:
    from ofm.flows.supplier_onboarding import supplier_onboarding
    from ofm.settings import Settings
    from ofm.store import Store
    from ofm.tasks.shared.resources import Resources, use_resources

    workdir.mkdir(parents=True, exist_ok=True)
    source = workdir / "suppliers.json"
    source.write_text(json.dumps(records))
    settings = Settings(_env_file=None, database_url=f"sqlite:///{workdir / 'bench.db'}",
                        ack_dir=workdir / "acks", odoo_batch_size=batch)
    store = Store(settings.database_url)
    store.migrate()
    with use_resources(Resources(settings=settings, store=store, odoo=client)):
        start = time.perf_counter()
        result = supplier_onboarding(source=str(source), actor="bench")
        return time.perf_counter() - start, result


def flow(n: int, batch: int, protocol: str) -> dict:
    """The flow under a temporary Prefect server, after a warm-up run in a database of its own."""
    from prefect.testing.utilities import prefect_test_harness

    warm, client = _client(protocol, "warm_db"), _client(protocol)
    _prepare(warm)
    _prepare(client)
    with tempfile.TemporaryDirectory(prefix="ofm-bench-") as tmp, prefect_test_harness(server_startup_timeout=90):
        _flow_run(warm, _records(20, seed=SEED + 1), batch, Path(tmp) / "warm")
        before = Counter(client.stats.calls)
        seconds, result = _flow_run(client, _records(n), batch, Path(tmp) / "run")
    return _outcome(client, seconds, before, counts=result["counts"], reconciles=result["reconciles"],
                    odoo_writes=result["odoo_writes"])


def _spawn(*args: object) -> dict:
    try:
        return spawn("bench.real_odoo", *args)
    except subprocess.CalledProcessError as exc:  # show why the child failed, not only that it did
        sys.stderr.write(exc.stderr or "")
        raise


def _measure(build, url: str, state: dict, kind: str, *args: object) -> dict:
    """One contender in a fresh process, on fresh databases copied from the template (dropped after)."""
    dbs = {"db": build.new_database(f"bench_{kind}"), "warm_db": build.new_database(f"bench_{kind}_warm")}
    os.environ[TARGET] = json.dumps({"url": url, "login": state["login"], "api_key": state["api_key"],
                                     "version": build.source.version, **dbs})
    try:
        return _spawn(kind, *args)
    finally:
        for db in dbs.values():
            build.drop_database(db)


def _po(kind: str, n: int, lines: int, suppliers: int, batch: int, protocol: str) -> dict:
    """A po-sync contender (bench/real_po_sync.py) in this child process."""
    from bench import real_po_sync

    client = _client(protocol)
    client.search_count("res.partner", [])  # the database's first request loads Odoo's registry: not billed
    if kind == "ceiling":
        return real_po_sync.ceiling(client, n, lines, suppliers, batch, _version())
    if kind == "naive":
        return real_po_sync.naive(client, n, lines, suppliers, _version())
    warm = _client(protocol, "warm_db")
    warm.search_count("res.partner", [])
    return real_po_sync.flow(client, warm, n, lines, suppliers, batch, _version())


def _po_child(kind: str, n: int, lines: str, suppliers: str, batch: str, protocol: str) -> dict:
    return _po(kind, n, int(lines), int(suppliers), int(batch), protocol)


def _p2p_child(name: str, kind: str, n: int, lines: str, suppliers: str, batch: str, protocol: str) -> dict:
    """A goods-receipt or three-way-match contender (bench/real_p2p.py) in this child process."""
    from bench import real_p2p

    client, warm = _client(protocol), _client(protocol, "warm_db")
    for c in (client, warm):
        c.search_count("res.partner", [])  # the database's first request loads Odoo's registry: not billed
    return real_p2p.child(name, kind, client, warm, n, int(lines), int(suppliers), int(batch), _version())


def _bank_child(kind: str, m: int, batch: str, protocol: str) -> dict:
    """A bank-reconciliation contender (bench/real_bank.py) in this child process."""
    from bench import real_bank

    client, warm = _client(protocol), _client(protocol, "warm_db")
    for c in (client, warm):
        c.search_count("res.partner", [])  # the database's first request loads Odoo's registry: not billed
    return real_bank.child(kind, client, warm, m, int(batch), _version())


def _suppliers_report(odoo: int, n: int, batch: int, protocol: str, flow_r: dict, ceiling_r: dict,
                      naive_r: dict) -> None:
    print(f"Onboarding {n} suppliers into a real Odoo {odoo} (Community, Belgian company, workers=0, protocol "
          f"{protocol}, batches of {batch}); each contender in a fresh process and a fresh database")
    print(f"  flow: {flow_r['counts']}, reconciles={flow_r['reconciles']}, Odoo write calls {flow_r['odoo_writes']}")
    print(f"  {'contender':<30} {'seconds':>8} {'records/s':>10} {'Odoo calls':>11} {'vendors in Odoo':>16}")
    for name, r in [("ceiling: raw batched create", ceiling_r), ("flow: supplier-onboarding", flow_r),
                    ("naive: one call per record", naive_r)]:
        print(f"  {name:<30} {r['seconds']:8.2f} {n / r['seconds']:10.1f} {r['calls']:11d} {r['partners']:16d}")
    print(f"  flow Odoo calls by method: {flow_r['by_method']}")
    print(f"  flow / ceiling throughput: {ceiling_r['seconds'] / flow_r['seconds']:.2f}   "
          f"flow / naive throughput: {naive_r['seconds'] / flow_r['seconds']:.2f}")


def _po_report(odoo: int, n: int, lines: int, batch: int, flow_r: dict, ceiling_r: dict, naive_r: dict) -> None:
    print(f"Syncing {n} purchase orders ({lines} lines each) into the same real Odoo {odoo} (policy: the server's "
          f"company, Belgian goods taxes); each contender in a fresh process and a fresh database")
    print(f"  flow: {flow_r['counts']}, reconciles={flow_r['reconciles']}, Odoo write calls {flow_r['odoo_writes']}")
    print(f"  {'contender':<34} {'seconds':>8} {'orders/s':>9} {'Odoo calls':>11} {'confirmed':>10}")
    for name, r in [("ceiling: raw batched create+confirm", ceiling_r), ("flow: po-sync", flow_r),
                    ("naive: create+confirm per order", naive_r)]:
        print(f"  {name:<34} {r['seconds']:8.2f} {n / r['seconds']:9.1f} {r['calls']:11d} {r['confirmed']:10d}")
    print(f"  flow Odoo calls by method: {flow_r['by_method']}")
    print(f"  flow / ceiling throughput: {ceiling_r['seconds'] / flow_r['seconds']:.2f}   "
          f"flow / naive throughput: {naive_r['seconds'] / flow_r['seconds']:.2f}")


def _p2p_report(odoo: int, name: str, n: int, lines: int, flow_r: dict, ceiling_r: dict, naive_r: dict) -> None:
    what = {"goods-receipt": f"Receiving {n} confirmed purchase orders ({lines} lines each) in full",
            "three-way-match": f"Billing {n} received purchase orders ({lines} lines each), one bill each"}[name]
    print(f"{what} on the same real Odoo {odoo}; each contender in a fresh process and a fresh database")
    print(f"  flow: {flow_r['counts']}, Odoo write calls {flow_r['odoo_writes']}")
    print(f"  {'contender':<38} {'seconds':>8} {'records/s':>10} {'Odoo calls':>11} {'receipts done':>14} "
          f"{'bills posted':>13}")
    for kind, r in (("ceiling", ceiling_r), ("flow", flow_r), ("naive", naive_r)):
        print(f"  {_label(name, kind):<38} {r['seconds']:8.2f} {n / r['seconds']:10.1f} "
              f"{r['calls']:11d} {r['done']:14d} {r['posted']:13d}")
    print(f"  flow Odoo calls by method: {flow_r['by_method']}")


def _bank_report(odoo: int, m: int, flow_r: dict, ceiling_r: dict, naive_r: dict) -> None:
    print(f"A camt.053 statement of {m} entries paying {m} posted invoices by number, into the same real Odoo {odoo} "
          f"(journal BNK1); each contender in a fresh process and a fresh database")
    print(f"  flow: {flow_r['counts']}, rules {flow_r['rules']}")
    print(f"  {'contender':<38} {'seconds':>8} {'entries/s':>10} {'Odoo calls':>11} {'lines':>6} {'reconciled':>11}")
    for kind, r in (("ceiling", ceiling_r), ("flow", flow_r), ("naive", naive_r)):
        print(f"  {_label('bank-reconciliation', kind):<38} {r['seconds']:8.2f} {m / r['seconds']:10.1f} "
              f"{r['calls']:11d} {r['lines']:6d} {r['reconciled']:11d}")
    print(f"  flow Odoo calls by method: {flow_r['by_method']}")


CONTENDERS = {
    "supplier-onboarding": {"ceiling": "raw batched create", "naive": "one create per supplier"},
    "po-sync": {"ceiling": "raw batched create+confirm", "naive": "create+confirm per order"},
    "goods-receipt": {"ceiling": "batched move writes+validate", "naive": "writes+validate per picking"},
    "three-way-match": {"ceiling": "batched bill create+post", "naive": "create+post per bill"},
    "bank-reconciliation": {"ceiling": "batched import+reconcile per entry", "naive": "import+reconcile per entry"}}


def _label(name: str, kind: str) -> str:
    return f"{kind}: {name if kind == 'flow' else CONTENDERS[name][kind]}"


def _summary(odoo: int, rows: list[tuple[str, int, list[dict]]]) -> None:
    """One table: every flow against its raw batched ceiling and its naive client, same server, same run."""
    print(f"Every flow on the same real Odoo {odoo} "
          "(records/s: suppliers, orders, receipts, bills or entries a second)")
    print(f"  {'flow':<20} {'contender':<38} {'seconds':>8} {'records/s':>10} {'Odoo calls':>11} "
          f"{'/ ceiling':>10} {'x naive':>8}")
    for name, n, (flow_r, ceiling_r, naive_r) in rows:
        for kind, r in (("ceiling", ceiling_r), ("flow", flow_r), ("naive", naive_r)):
            print(f"  {name:<20} {_label(name, kind):<38} {r['seconds']:8.2f} {n / r['seconds']:10.1f} "
                  f"{r['calls']:11d} {ceiling_r['seconds'] / r['seconds']:10.2f} "
                  f"{naive_r['seconds'] / r['seconds']:8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", type=int, default=19, choices=[18, 19],
                        help="the real Odoo to bench (18 speaks JSON-RPC only)")
    parser.add_argument("--n", type=int, default=1000, help="suppliers (0: skip the supplier bench)")
    parser.add_argument("--orders", type=int, default=100, help="purchase orders (0: skip po-sync)")
    parser.add_argument("--lines", type=int, default=3)
    parser.add_argument("--suppliers", type=int, default=50, help="suppliers the orders are spread over")
    parser.add_argument("--receipts", type=int, default=50, help="orders received in full (0: skip goods-receipt)")
    parser.add_argument("--bills", type=int, default=50, help="received orders billed (0: skip three-way-match)")
    parser.add_argument("--entries", type=int, default=50,
                        help="statement entries paying as many invoices (0: skip bank-reconciliation)")
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--protocol", default="auto", choices=["auto", "json2", "jsonrpc"])
    parser.add_argument("--_child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._child:
        run_child(args._child, {
            "ceiling": lambda n, b, p: ceiling(n, int(b), p), "naive": lambda n, p: naive(n, p),
            "flow": lambda n, b, p: flow(n, int(b), p),
            **{f"po_{kind}": functools.partial(_po_child, kind) for kind in KINDS},
            **{f"{prefix}_{kind}": functools.partial(_p2p_child, name, kind)
               for prefix, name in P2P.items() for kind in KINDS},
            **{f"bank_{kind}": functools.partial(_bank_child, kind) for kind in KINDS}})
        return
    from ofm.testbed.realodoo import Build, RealOdooUnavailable, Server, find_source

    try:
        build = Build(find_source(args.version))
    except RealOdooUnavailable as exc:
        print(f"real-Odoo bench skipped: {exc}")
        return
    started = time.monotonic()
    state = build.ensure()
    po_args = (args.orders, args.lines, args.suppliers, args.batch, args.protocol)
    with Server(build) as server:
        def measure(kind: str, *rest: object) -> dict:
            return _measure(build, server.url, state, kind, *rest)

        suppliers = [measure(kind, args.n, *rest) for kind, rest in (
            ("flow", (args.batch, args.protocol)), ("ceiling", (args.batch, args.protocol)),
            ("naive", (args.protocol,)))] if args.n else []
        orders = [measure(f"po_{kind}", *po_args) for kind in ("flow", "ceiling", "naive")] if args.orders else []
        p2p = {prefix: [measure(f"{prefix}_{kind}", size, *po_args[1:]) for kind in ("flow", "ceiling", "naive")]
               for prefix, size in (("gr", args.receipts), ("twm", args.bills)) if size}
        bank = [measure(f"bank_{kind}", args.entries, args.batch, args.protocol)
                for kind in ("flow", "ceiling", "naive")] if args.entries else []
    if suppliers:
        _suppliers_report(args.version, args.n, args.batch, args.protocol, *suppliers)
    if orders:
        _po_report(args.version, args.orders, args.lines, args.batch, *orders)
    if os.environ.get("OFM_BENCH_DUMP"):
        Path(os.environ["OFM_BENCH_DUMP"]).write_text(json.dumps({"suppliers": suppliers, "orders": orders, **p2p,
                                                                  "bank": bank}))
    for prefix, results in p2p.items():
        _p2p_report(args.version, P2P[prefix], {"gr": args.receipts, "twm": args.bills}[prefix], args.lines, *results)
    rows = [("supplier-onboarding", args.n, suppliers), ("po-sync", args.orders, orders),
            *((P2P[prefix], {"gr": args.receipts, "twm": args.bills}[prefix], results)
              for prefix, results in p2p.items()), ("bank-reconciliation", args.entries, bank)]
    if bank:
        _bank_report(args.version, args.entries, *bank)
    _summary(args.version, [row for row in rows if row[2]])
    print(f"(whole bench {time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
