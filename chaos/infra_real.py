"""The faults a real Odoo 19 produces for every flow, not only supplier onboarding and the ledger:

- `killed`: `ofm run <flow>` SIGKILLed at a seeded moment after Odoo committed its first record, for po-sync,
  goods-receipt, three-way-match, bank-reconciliation and month-end-close; then the operator's re-run;
- `overlap`: two `ofm run` processes of one flow started together on one PostgreSQL store (suppliers, po-sync, bank);
- `approval-replay`: bank-account changes held for approval (quarantine category `approval`), the approval
  replayed by two `ofm quarantine replay` processes at once, one of them SIGKILLed mid-replay, then replayed again.

Each flow's Odoo state is set up on the real database as the real-Odoo tests do it (the catalogue and vendors of
`ofm.testbed.seed_p2p`, the procurement sandbox's day-1 documents of the Belgian buyer, the bank sandbox's documents
and day-one statement), by clean in-process runs of the flows before it (`setup`); the flow under test then runs
as an operator runs it (`ofm run <flow> --source FILE --json` processes). Cells are read back from Odoo by each
record's anchor (order origin, receipt mark, bill number, statement line ref, journal entry ref, bank account
number) plus the store's open quarantine, with `chaos.core.tally`.
"""

from __future__ import annotations

import contextlib
import json
import random
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chaos.core import Cell, tally
from chaos.infra_kit import (
    OFM,
    PgCluster,
    Readback,
    Run,
    finish,
    kill_at,
    prefect_server,
    real_odoo,
    run,
    run_env,
    start_run,
    supplier_counts,
    supplier_file,
    wait_until,
)

Evidence = dict[str, Any]
REPO = Path(__file__).resolve().parents[1]
MAPPINGS = REPO / "ofm" / "mappings"
P2P_POLICY = MAPPINGS / "procurement" / "p2p.real.yaml"  # the real Odoo 19's company and chart's taxes
BANK_POLICY = MAPPINGS / "bank" / "matching.real.yaml"   # the real chart's bank-fees account (657200)
TOKEN = "sandbox-token"
PERIOD = "2026-11"
KILLED_FLOWS = ("po-sync", "goods-receipt", "three-way-match", "bank-reconciliation", "month-end-close")
OVERLAP_FLOWS = ("supplier-onboarding", "po-sync", "bank-reconciliation")
# how late after the first record in Odoo the kill may come: the flows writing few records end soon after it
KILL_WINDOW = {"month-end-close": 0.4, "three-way-match": 1.0, "goods-receipt": 1.0}


@dataclass
class RealCase:
    """One flow's input on a real database: the `ofm run` arguments, what was sent in, how to find it again."""

    args: list[str]
    received: list[str]
    in_odoo: Callable[[], dict[str, int]]  # source key -> Odoo records carrying its anchor ("?x": nobody sent x)
    key: Callable[[str], str | None] = field(default=lambda ref: ref.rsplit(":", 1)[-1])  # quarantine ref -> key
    env: dict[str, str] = field(default_factory=dict)  # the flow's settings (policies, folders)


def held(store_url: str, key: Callable[[str], str | None]) -> set[str]:
    """Source keys of the records waiting in the store's open quarantine."""
    from ofm.store import Store

    store = Store(store_url)
    try:
        refs = [row.record_ref for row in store.list_quarantine("open", limit=1_000_000)]
    finally:
        store.close()
    return {k for k in map(key, refs) if k is not None}


def _by_anchor(anchors: list[str], keys_of: dict[str, str]) -> dict[str, int]:
    out: Counter[str] = Counter()
    for anchor in anchors:
        out[keys_of.get(anchor, f"?{anchor}")] += 1
    return dict(out)


def _settings_env(scratch: Path) -> dict[str, str]:
    """The OFM_* settings every flow of this module runs with (the same for the set-up and the runs)."""
    routing = scratch / "journals.yaml"
    from ofm.sandbox.odoo.accounting_fixtures import COMPANY_IBAN

    routing.write_text(f"accounts:\n  {COMPANY_IBAN}: {{journal: BNK1}}\n", encoding="utf-8")
    return {"OFM_P2P_POLICY": str(P2P_POLICY), "OFM_BANK_ROUTING_FILE": str(routing),
            "OFM_BANK_MATCHING_POLICY": str(BANK_POLICY), "OFM_CLOSE_DIR": str(scratch / "close")}


@contextlib.contextmanager
def setup(back: Readback, store_url: str, scratch: Path) -> Iterator[Any]:
    """The flows' resources on the real database and the run's store, for clean in-process set-up runs; yields the
    Odoo client."""
    from ofm.settings import Settings
    from ofm.store import Store
    from ofm.tasks.shared.resources import Resources, use_resources

    env = _settings_env(scratch)
    settings = Settings(_env_file=None, database_url=store_url, ack_dir=scratch / "acks", odoo_batch_size=25,
                        p2p_policy=Path(env["OFM_P2P_POLICY"]), bank_routing_file=Path(env["OFM_BANK_ROUTING_FILE"]),
                        bank_matching_policy=Path(env["OFM_BANK_MATCHING_POLICY"]), close_dir=scratch / "close")
    store = Store(store_url)
    store.migrate()
    try:
        with use_resources(Resources(settings=settings, store=store, odoo=back.client())):
            yield back.client()
    finally:
        store.close()


# ---- the procure-to-pay documents of the Belgian buyer, day 1 ----------------------------------------------------

def p2p_feed(seed: int) -> dict[str, list[dict[str, Any]]]:
    """The procurement sandbox's suppliers and day-1 orders, receipts and bills as the Belgian buyer (ACME-BE of
    p2p.real.yaml) sends them; the story is fixed, the seed draws the suppliers' details."""
    import httpx

    from ofm.sandbox.procurement import InProcessTransport, create_app

    app = create_app(n=60, seed=7 + seed, token=TOKEN, buyer="BE")
    feed = {}
    with httpx.Client(transport=InProcessTransport(app), base_url="http://procurement.test") as client:
        for kind in ("suppliers", "purchase-orders", "receipts", "invoices"):
            answer = client.get(f"/api/v1/{kind}", params={"limit": 1000}, headers={"Authorization": f"Bearer {TOKEN}"})
            answer.raise_for_status()
            feed[kind] = answer.json()["items"]
    return feed


def _export(scratch: Path, name: str, items: list[dict[str, Any]]) -> Path:
    path = scratch / f"{name}.json"
    path.write_text(json.dumps({"items": items}), encoding="utf-8")
    return path


def _vendors(feed: dict[str, list[dict[str, Any]]], scratch: Path) -> Path:
    """The suppliers the documents name, as a supplier export (onboarded by a clean run of supplier onboarding)."""
    named = {d["supplier"]["vendor_code"] for kind in ("purchase-orders", "invoices") for d in feed[kind]}
    path = scratch / "suppliers.json"
    path.write_text(json.dumps({"suppliers": [s for s in feed["suppliers"] if s["vendor_code"] in named]}),
                    encoding="utf-8")
    return path


STEPS = ("po-sync", "goods-receipt", "three-way-match")


def p2p_case(flow: str, back: Readback, store_url: str, scratch: Path, seed: int) -> RealCase:
    """The Odoo state `flow` starts from (vendors and catalogue seeded; orders and receipts by clean runs of the
    flows before it) and its input file."""
    from ofm.flows.goods_receipt import goods_receipt
    from ofm.flows.po_sync import po_sync
    from ofm.flows.supplier_onboarding import supplier_onboarding
    from ofm.testbed.seed_p2p import seed_catalog

    feed = p2p_feed(seed)
    files = {"po-sync": _export(scratch, "orders", feed["purchase-orders"]),
             "goods-receipt": _export(scratch, "receipts", feed["receipts"]),
             "three-way-match": _export(scratch, "invoices", feed["invoices"])}
    with setup(back, store_url, scratch) as odoo:
        supplier_onboarding(source=str(_vendors(feed, scratch)), actor="setup")
        seed_catalog(odoo)
        before = STEPS[:STEPS.index(flow)] if flow in STEPS else STEPS[:2]
        for step, run_step in (("po-sync", po_sync), ("goods-receipt", goods_receipt)):
            if step in before:
                run_step(source=str(files[step]), actor="setup")
    client = back.client()
    if flow == "po-sync":
        offered = [o["id"] for o in feed["purchase-orders"] if o["status"] == "approved"]

        def in_odoo() -> dict[str, int]:
            rows = client.search_read("purchase.order", [["origin", "!=", False]], ["origin"])
            return _by_anchor([r["origin"] for r in rows], {k: k for k in offered})
    elif flow == "goods-receipt":
        offered = [r["id"] for r in feed["receipts"]]

        def in_odoo() -> dict[str, int]:
            # validated pickings only: the backorder Odoo makes of a partial receipt copies the note (the mark)
            rows = client.search_read("stock.picking", [["note", "ilike", "ofm-receipt:"], ["state", "=", "done"]],
                                      ["note"])
            marks = [r["note"].split("ofm-receipt:", 1)[1].split("<", 1)[0].strip() for r in rows]
            return _by_anchor(marks, {k: k for k in offered})
    elif flow == "three-way-match":
        offered = [i["id"] for i in feed["invoices"]]
        number_of = {i["invoice_number"]: i["id"] for i in feed["invoices"]}

        def in_odoo() -> dict[str, int]:
            rows = client.search_read("account.move", [["move_type", "in", ["in_invoice", "in_refund"]]], ["ref"])
            return _by_anchor([r["ref"] or "" for r in rows], number_of)
    else:  # month-end-close: the state only
        return RealCase([], [], dict, env=_settings_env(scratch))
    return RealCase([flow, "--source", str(files.get(flow, ""))], offered, in_odoo, env=_settings_env(scratch))


def bank_case(back: Readback, store_url: str, scratch: Path, seed: int) -> RealCase:
    """The bank sandbox's customers, vendors and their posted documents in Odoo, journal BNK1 on the company's
    IBAN, and the day-one camt.053 paying them every way."""
    from ofm.rules.bank.identity import entry_ids
    from ofm.sandbox.bank.documents import day_one, seed_documents
    from ofm.sandbox.odoo.accounting_fixtures import COMPANY_IBAN

    client = back.client()
    with setup(back, store_url, scratch):
        [journal] = client.search_read("account.journal", [["code", "=", "BNK1"]], ["bank_account_id"])
        if not journal["bank_account_id"]:
            [company] = client.search_read("res.company", [], ["partner_id"], limit=1)
            [bank_id] = client.create("res.partner.bank", [{"acc_number": COMPANY_IBAN,
                                                            "partner_id": company["partner_id"][0]}])
            client.write("account.journal", [journal["id"]], {"bank_account_id": bank_id})
        seed_documents(client)
        path, statement, _ = day_one(client, scratch)
    [ids] = entry_ids([statement])

    def in_odoo() -> dict[str, int]:
        rows = client.search_read("account.bank.statement.line", [["ref", "=like", "ofm:%"]], ["ref"])
        found = _by_anchor([r["ref"].removeprefix("ofm:").split()[0] for r in rows], {k: k for k in ids})
        offs = Counter(r["ref"] for r in client.search_read("account.move", [["ref", "=like", "OFM write-off %"]],
                                                           ["ref"]))
        return {**found, **{f"?{ref} twice": n - 1 for ref, n in offs.items() if n > 1}}

    def key(ref: str) -> str | None:
        tail = ref.rsplit(":", 1)[-1]
        return tail if tail in ids else None

    return RealCase(["bank-reconciliation", "--file", str(path)], list(ids), in_odoo, key, _settings_env(scratch))


def close_case(back: Readback, store_url: str, scratch: Path, seed: int) -> RealCase:
    """November's close over the day-1 orders received and not billed: its accrual and the recurring entries due."""
    from chaos.flows import _ledger_key, close_keys
    from ofm.rules.ledger.checks import parse_anchor

    case = p2p_case("month-end-close", back, store_url, scratch, seed)  # orders and receipts in Odoo
    keys = close_keys()
    client = back.client()

    def in_odoo() -> dict[str, int]:
        rows = client.search_read("account.move", [["ref", "=like", "ofm:%"], ["state", "!=", "cancel"]], ["ref"])
        anchors = [":".join(p[:3]) for r in rows if (p := parse_anchor(r["ref"] or ""))]
        return _by_anchor(anchors, {k: k for k in keys})

    return RealCase(["month-end-close", "--period", PERIOD], keys, in_odoo, _ledger_key(keys), case.env)


def supplier_case(back: Readback, store_url: str, scratch: Path, seed: int, suppliers: int) -> RealCase:
    source = scratch / "suppliers.json"
    anchors = supplier_file(source, suppliers, seed, f"RS{seed}")
    with setup(back, store_url, scratch):
        pass  # the store migrated, as `ofm db upgrade` would
    return RealCase(["supplier-onboarding", "--source", str(source)], list(anchors),
                    lambda: supplier_counts(back, anchors), env=_settings_env(scratch))


def case_for(flow: str, back: Readback, store_url: str, scratch: Path, seed: int, suppliers: int = 60) -> RealCase:
    if flow == "supplier-onboarding":
        return supplier_case(back, store_url, scratch, seed, suppliers)
    if flow == "bank-reconciliation":
        return bank_case(back, store_url, scratch, seed)
    if flow == "month-end-close":
        return close_case(back, store_url, scratch, seed)
    return p2p_case(flow, back, store_url, scratch, seed)


def _odoo(odoo_env: dict[str, str] | None) -> contextlib.AbstractContextManager:
    """A real Odoo 19 of the scenario's own (fresh database), or the fresh database `odoo_env` names."""
    return contextlib.nullcontext((None, odoo_env)) if odoo_env else real_odoo()


def _cell(flow: str, fault: str, case: RealCase, seen: dict[str, int], quarantined: set[str], started: float,
          note: str) -> Cell:
    return tally(flow, fault, "odoo19", 0, received=case.received, in_odoo=seen, quarantined=quarantined,
                 seconds=time.monotonic() - started, note=note)


def _seeded(cell: Cell, seed: int) -> Cell:
    from dataclasses import replace

    return replace(cell, seed=seed)


# ---- the scenarios ---------------------------------------------------------------------------------------------

def killed(seed: int, scratch: Path, flow: str, odoo_env: dict[str, str] | None = None) -> tuple[Cell, Evidence]:
    """`ofm run <flow>` against a real Odoo 19 SIGKILLed at a seeded moment after its first record is in Odoo
    (0-1.5 s; less for the flows writing few records), then the operator's re-run; read back by anchor."""
    started = time.monotonic()
    moment = random.Random(seed).uniform(0, KILL_WINDOW.get(flow, 1.5))
    with _odoo(odoo_env) as (_server, odoo), prefect_server(scratch) as api:
        store_url = f"sqlite:///{scratch / 'ofm.db'}"
        back = Readback(odoo)
        try:
            case = case_for(flow, back, store_url, scratch, seed)
            env = run_env(odoo, store_url, scratch, api, OFM_ODOO_BATCH_SIZE="2", **case.env)
            proc = start_run(case.args, env, scratch)
            wait_until(lambda: proc.poll() is not None or sum(case.in_odoo().values()) > 0, 300, "the first record")
            was_killed = kill_at(proc, moment)
            at_kill = sum(case.in_odoo().values())
            first = finish(proc)
            second = run(case.args, env, scratch)
            seen = case.in_odoo()
            quarantined = held(store_url, case.key)
        finally:
            back.close()
    evidence = {"killed": was_killed, "first_exit": first.code, "records_at_kill": at_kill,
                "rerun_exit": second.code, "rerun_tail": second.tail(4), "rerun": second.result}
    note = f"SIGKILL {moment:.2f} s after the first record ({at_kill} in Odoo)" if was_killed else \
        f"the run ended before the kill at {moment:.2f} s"
    note += f"; re-run exit {second.code}"
    return _seeded(_cell(flow, "killed", case, seen, quarantined, started, note), seed), evidence


def overlap(seed: int, scratch: Path, flow: str, odoo_env: dict[str, str] | None = None,
            suppliers: int = 60) -> tuple[Cell, Evidence]:
    """Two `ofm run <flow>` processes started together on one input, one PostgreSQL store (a private cluster) and
    one real Odoo 19, as a person starting a run while the schedule runs it; read back by anchor."""
    started = time.monotonic()
    with PgCluster() as pg, _odoo(odoo_env) as (_server, odoo), prefect_server(scratch) as api:
        back = Readback(odoo)
        try:
            case = case_for(flow, back, pg.url, scratch, seed, suppliers)
            env = run_env(odoo, pg.url, scratch, api, OFM_ODOO_BATCH_SIZE="5", **case.env)
            procs = [start_run(case.args, env, scratch) for _ in range(2)]
            runs = [finish(p) for p in procs]
            seen = case.in_odoo()
            quarantined = held(pg.url, case.key)
        finally:
            back.close()
    results = [r.result or {} for r in runs]
    evidence = {"exits": [r.code for r in runs], "tails": [r.tail(4) for r in runs], "results": results}
    note = f"two runs at once, exits {[r.code for r in runs]}"
    return _seeded(_cell(flow, "overlap", case, seen, quarantined, started, note), seed), evidence


# ---- approval replayed twice, at once, killed mid-replay ----------------------------------------------------------

def _changed_banks(suppliers: list[dict[str, Any]], seed: int, changed: int, among: set[str]) -> dict[str, str]:
    """`changed` suppliers of `among` (source ids; seeded) given a new bank account in place of theirs, revision
    bumped; returns source id -> the new account's IBAN (compact)."""
    from ofm.sandbox.procurement import generate_suppliers

    rng = random.Random(seed)
    chosen = rng.sample([i for i, s in enumerate(suppliers) if s["id"] in among], min(changed, len(among)))
    fresh = [s for s in generate_suppliers(changed * 3, seed=seed + 9000, dirty=False, id_prefix="NB")
             if s["bank_accounts"]][:changed]
    out = {}
    for i, new in zip(chosen, fresh, strict=True):
        s = suppliers[i]
        account = {**new["bank_accounts"][0], "holder": s["legal_name"]}
        s["bank_accounts"] = [account]
        s["revision"] += 1
        s["updated_at"] = "2026-11-02T08:00:00Z"
        out[s["id"]] = account["iban"].replace(" ", "").upper()
    return out


def _replay(ids: list[int], env: dict[str, str], cwd: Path, actor: str) -> subprocess.Popen:
    return subprocess.Popen([*OFM, "quarantine", "replay", *map(str, ids), "--actor", actor], env=env, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def approval_replay(seed: int, scratch: Path, odoo_env: dict[str, str] | None = None, suppliers: int = 24,
                    changed: int = 8) -> tuple[Cell, Evidence]:
    """Suppliers onboarded into a real Odoo 19; `changed` of them come back with a new bank account, held for
    approval (category `approval`). Treasury's approval is then replayed by two `ofm quarantine replay` processes
    started together, one SIGKILLed at a seeded moment (0-3 s), then once more after both ended. Each new account
    must be in Odoo exactly once, or its entry still open; read back by account number on the supplier."""
    from ofm.flows.supplier_onboarding import supplier_onboarding
    from ofm.sandbox.procurement import generate_suppliers
    from ofm.store import Store

    started = time.monotonic()
    moment = random.Random(seed).uniform(0, 3)
    with _odoo(odoo_env) as (_server, odoo), prefect_server(scratch) as api:
        store_url = f"sqlite:///{scratch / 'ofm.db'}"
        back = Readback(odoo)
        try:
            rows = generate_suppliers(suppliers, seed=seed, dirty=False, id_prefix=f"AR{seed}")
            rows = [s for s in rows if s["bank_accounts"]]
            code_of = {s["id"]: s["vendor_code"] for s in rows}
            (scratch / "day1.json").write_text(json.dumps({"suppliers": rows}), encoding="utf-8")
            with setup(back, store_url, scratch):
                supplier_onboarding(source=str(scratch / "day1.json"), actor="setup")
                onboarded = {k for k, n in supplier_counts(back, code_of).items() if n}
                new_iban = _changed_banks(rows, seed, changed, onboarded)  # suppliers Odoo has, with a new account
                (scratch / "day2.json").write_text(json.dumps({"suppliers": rows}), encoding="utf-8")
                supplier_onboarding(source=str(scratch / "day2.json"), actor="setup")
            store = Store(store_url)
            try:
                waiting = [r for r in store.list_quarantine("open", category="approval", limit=1000)
                           if r.field == "bank_accounts"]
            finally:
                store.close()
            ids = sorted(r.id for r in waiting)
            key_of_ref = {r.record_ref: r.record_ref.rsplit(":", 1)[-1] for r in waiting}

            def in_odoo() -> dict[str, int]:
                partners = back.client().call("res.partner", "search_read",
                                              args=[[["ref", "in", sorted(code_of.values())]]],
                                              kwargs={"fields": ["ref"], "context": {"active_test": False}})
                key_of_partner = {p["id"]: k for p in partners for k, c in code_of.items() if c == p["ref"]}
                banks = back.client().search_read("res.partner.bank", [["partner_id", "in", list(key_of_partner)]],
                                                  ["partner_id", "sanitized_acc_number"])
                out: Counter[str] = Counter()
                for b in banks:
                    key = key_of_partner[b["partner_id"][0]]
                    if new_iban.get(key) == b["sanitized_acc_number"]:
                        out[key] += 1
                return dict(out)

            env = run_env(odoo, store_url, scratch, api, OFM_ODOO_BATCH_SIZE="2", **_settings_env(scratch))
            at_hold = sum(in_odoo().values())
            first, second = _replay(ids, env, scratch, "treasury-a"), _replay(ids, env, scratch, "treasury-b")
            was_killed = kill_at(first, moment)
            runs = [finish(first), finish(second)]
            third = finish(_replay(ids, env, scratch, "treasury-c"))
            seen = in_odoo()
            quarantined = held(store_url, lambda ref: key_of_ref.get(ref))
        finally:
            back.close()
    evidence = {"held": len(ids), "new_accounts_before_replay": at_hold, "killed": was_killed,
                "exits": [r.code for r in (*runs, third)], "tails": [r.tail(3) for r in (*runs, third)]}
    note = f"{len(ids)} held; two replays at once, " + (f"one SIGKILLed at {moment:.2f} s" if was_killed else
                                                         f"both ended before the kill at {moment:.2f} s")
    note += f"; exits {evidence['exits']}"
    return tally("supplier-onboarding", "approval-replay", "odoo19", seed, received=new_iban, in_odoo=seen,
                 quarantined=quarantined, seconds=time.monotonic() - started, note=note), evidence


def _first(scenario: Callable[..., tuple[Cell, Evidence]], **kwargs: Any) -> Callable[[int, Path], Cell]:
    return lambda seed, scratch: scenario(seed, scratch, **kwargs)[0]


__all__ = ["KILLED_FLOWS", "OVERLAP_FLOWS", "Run", "approval_replay", "case_for", "killed", "overlap"]
