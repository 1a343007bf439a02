"""Every flow that writes to Odoo, as the fault suite drives it: its input, one run, and how its records are found
again in Odoo (by their anchors) and in the quarantine.

Inputs are what the sandboxes produce, dirty records included: the procurement sandbox's suppliers and its day-1
procure-to-pay story (orders, receipts, bills), the bank sandbox's day-one camt.053 paying Odoo's open items every
way, the ledger sandbox's November deliveries (one unbalanced expense report, one on an account Odoo lacks) and
November's close over the received orders. `received` is read from the source (the feed, the file), never from
what the middleware reports; records the source does not offer for delivery (a supplier or an order not approved
there) are not counted in.

The Odoo state a flow starts from (suppliers onboarded, the catalogue, orders, receipts) is built once per process
by the flows before it, kept as a sandbox state file, and loaded into a fresh sandbox per cell.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from chaos.world import World, world
from ofm.sandbox.odoo import OdooSandbox

SUPPLIERS = 30  # the supplier feed under test: every dirty case occurs at least once
STORY_SUPPLIERS = 60  # the feed the procure-to-pay story's orders name
PERIOD = "2026-11"
Readback = Callable[[], dict[str, int]]


@dataclass
class Case:
    """One flow's input in one world: how to run it, what was sent in, how to find it again."""

    run: Callable[[], Any]
    received: list[str]
    readback: Readback  # source key -> Odoo records carrying its anchor ("?<anchor>" for anchors nobody sent)
    key: Callable[[str], str | None]  # a quarantine entry's record_ref -> source key (None: not this flow's)


@dataclass(frozen=True)
class FlowSpec:
    """A flow under test: the Odoo state it starts from and how its input is laid out in a world."""

    name: str
    base: str  # a key of BASES
    prepare: Callable[[World, Path], Case]
    suppliers: int = STORY_SUPPLIERS
    company_iban: bool = False
    settings: Callable[[Path], dict[str, Any]] | None = None  # settings of the cell's own (folders, mappings)


def _procurement_ref(ref: str) -> str | None:
    return ref.removeprefix("procurement:") if ref.startswith("procurement:") else None


def _feed(w: World, kind: str) -> list[dict[str, Any]]:
    answer = w.procurement.get(f"/api/v1/{kind}", params={"page": 1, "page_size": 1000},
                               headers={"Authorization": "Bearer sandbox-token"})
    answer.raise_for_status()
    return answer.json()["items"]


def _by_anchor(anchors: Iterable[str], keys_of: dict[str, list[str]]) -> dict[str, int]:
    """Odoo records per source key, from the anchor each record carries (one anchor may name several keys)."""
    out: Counter[str] = Counter()
    for anchor in anchors:
        for key in keys_of.get(anchor) or [f"?{anchor}"]:
            out[key] += 1
    return dict(out)


def _index(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for anchor, key in pairs:
        out.setdefault(anchor, []).append(key)
    return out


# ---- procurement: suppliers, orders, receipts, bills --------------------------------------------------------------

def suppliers(w: World, _scratch: Path) -> Case:
    from ofm.flows.supplier_onboarding import supplier_onboarding

    feed = _feed(w, "suppliers")
    offered = [r for r in feed if r["status"] == "approved"]
    keys_of = _index((r["vendor_code"], r["id"]) for r in offered)

    def readback() -> dict[str, int]:
        rows = w.sandbox.records("res.partner", [["supplier_rank", ">", 0]], ["ref"])
        return _by_anchor((r["ref"] or "" for r in rows), keys_of)

    return Case(lambda: supplier_onboarding(actor="chaos"), [r["id"] for r in offered], readback, _procurement_ref)


def orders(w: World, _scratch: Path) -> Case:
    from ofm.flows.po_sync import po_sync

    offered = [o["id"] for o in _feed(w, "purchase-orders") if o["status"] == "approved"]

    def readback() -> dict[str, int]:
        rows = w.sandbox.records("purchase.order", [], ["origin"])
        return _by_anchor((r["origin"] or "" for r in rows), _index((k, k) for k in offered))

    return Case(lambda: po_sync(actor="chaos"), offered, readback, _procurement_ref)


def receipts(w: World, _scratch: Path) -> Case:
    from ofm.flows.goods_receipt import goods_receipt

    offered = [r["id"] for r in _feed(w, "receipts")]

    def readback() -> dict[str, int]:
        rows = w.sandbox.records("stock.picking", [["note", "ilike", "ofm-receipt:"]], ["note"])
        marks = [r["note"].split("ofm-receipt:", 1)[1].split("<", 1)[0].strip() for r in rows]
        return _by_anchor(marks, _index((k, k) for k in offered))

    return Case(lambda: goods_receipt(actor="chaos"), offered, readback, _procurement_ref)


def bills(w: World, _scratch: Path) -> Case:
    from ofm.flows.three_way_match import three_way_match

    feed = _feed(w, "invoices")
    keys_of = _index((i["invoice_number"], i["id"]) for i in feed)

    def readback() -> dict[str, int]:
        rows = w.sandbox.records("account.move", [["move_type", "in", ["in_invoice", "in_refund"]]], ["ref"])
        return _by_anchor((r["ref"] or "" for r in rows), keys_of)

    return Case(lambda: three_way_match(actor="chaos"), [i["id"] for i in feed], readback, _procurement_ref)


# ---- bank ---------------------------------------------------------------------------------------------------------

def bank(w: World, scratch: Path) -> Case:
    from ofm.flows.bank_reconciliation import bank_reconciliation
    from ofm.rules.bank.identity import entry_ids
    from ofm.sandbox.bank.documents import day_one, seed_documents

    seed_documents(w.odoo)
    file, statement, _ = day_one(w.odoo, scratch)
    [ids] = entry_ids([statement])

    def readback() -> dict[str, int]:
        rows = w.sandbox.records("account.bank.statement.line", [], ["ref"])
        anchors = [(r["ref"] or "").removeprefix("ofm:").split()[0] if r["ref"] else "" for r in rows]
        found = _by_anchor(anchors, _index((k, k) for k in ids))
        # a fee's write-off is one entry per bank entry: a second one is a duplicate too
        offs = Counter(r["ref"] for r in w.sandbox.records("account.move", [["ref", "=like", "OFM write-off %"]],
                                                              ["ref"]))
        return {**found, **{f"?{ref} twice": n - 1 for ref, n in offs.items() if n > 1}}

    def key(ref: str) -> str | None:
        tail = ref.rsplit(":", 1)[-1]
        return tail if tail in ids else None

    return Case(lambda: bank_reconciliation(file=str(file), actor="chaos"), list(ids), readback, key)


# ---- ledger and close ---------------------------------------------------------------------------------------------

def ledger_settings(scratch: Path) -> dict[str, Any]:
    """The bundled ledger mappings routed to the sandbox's company, and a close folder of the cell's own."""
    from ofm.cli.demo import SANDBOX_COMPANY, sandbox_ledger_mappings

    return {"ledger_mapping_dir": sandbox_ledger_mappings(scratch / "mappings", SANDBOX_COMPANY),
            "close_dir": scratch / "close"}


def _chart(w: World) -> None:
    """The sandbox's chart completed as the demo's controller does it."""
    from ofm.cli.demo import sandbox_chart

    sandbox_chart(admin_client(w.sandbox), 1)


def _closing(w: World) -> None:
    """The day-1 story received, the chart completed, and October's accrual posted (November's close reverses it)."""
    from ofm.flows.ledger_batch import ledger_batch

    _story("received")(w)
    _chart(w)
    ledger_batch(source=october_accrual(w.settings.ledger_mapping_dir.parent / "october"), actor="setup")


def admin_client(sandbox: OdooSandbox):
    """The sandbox's administrator over JSON-RPC: what a controller setting up the chart and locks uses."""
    from pydantic import SecretStr

    from ofm.connectors.odoo import OdooClient, OdooConfig, RetryPolicy
    from ofm.sandbox.odoo import SandboxTransport

    return OdooClient(OdooConfig(url="http://odoo.sandbox", db="sandbox", login="admin", api_key=SecretStr("admin"),
                                 protocol="jsonrpc", retry=RetryPolicy(max_attempts=1)),
                      transport=SandboxTransport(sandbox), sleep=lambda _s: None, jitter=lambda: 0.0)


def _ledger_keys(files: Iterable[Path]) -> list[str]:
    from ofm.mappings.ledger import mapping_for, parse_delivery

    keys = []
    for path in files:
        batch = parse_delivery(mapping_for(path.name), path.read_text(encoding="utf-8"), path.name).batch
        keys += [f"{batch.source}:{batch.batch_id}:{e.number}" for e in batch.entries]
    return keys


def _ledger_readback(w: World, keys: list[str]) -> Readback:
    from ofm.rules.ledger.checks import parse_anchor

    def readback() -> dict[str, int]:
        rows = w.sandbox.records("account.move", [["ref", "=like", "ofm:%"], ["state", "!=", "cancel"]], ["ref"])
        anchors = [":".join(p[:3]) for r in rows if (p := parse_anchor(r["ref"] or ""))]
        return _by_anchor(anchors, _index((k, k) for k in keys))

    return readback


def _ledger_key(keys: list[str]) -> Callable[[str], str | None]:
    def key(ref: str) -> str | None:
        found = [k for k in keys if ref.endswith(k) or ref.endswith(k.replace(":", "/"))]
        return found[0] if found else None

    return key


def ledger(w: World, scratch: Path) -> Case:
    """November's sample deliveries (payroll, expenses with two bad reports, sales) dropped in a folder."""
    from ofm.flows.ledger_batch import ledger_batch
    from ofm.sandbox.ledger import write_samples

    folder = scratch / "drop"
    files = write_samples(folder, PERIOD, date(2026, 11, 30), dirty=True)
    keys = _ledger_keys(files.values())
    return Case(lambda: ledger_batch(source=str(folder), actor="chaos"), keys, _ledger_readback(w, keys),
                _ledger_key(keys))


def close(w: World, scratch: Path) -> Case:
    """November's close after October's accrual: November's accrual (goods received, not billed, on the story's
    orders), the recurring entries, and October's accrual reversed. The records: those entries and the reversal."""
    from ofm.flows.month_end_close import month_end_close

    [accrual] = w.sandbox.records("account.move", [["ref", "=like", "ofm:accruals:grni-2026-10-%"]], ["id"])
    reversal = f"reversal:{accrual['id']}"
    keys = [reversal]

    def readback() -> dict[str, int]:
        found = _ledger_readback(w, keys)()
        found.pop("accruals:grni-2026-10-ACME-BE:1", None)  # October's accrual: set-up, not this run's
        found = {k: n for k, n in found.items() if not k.startswith("?accruals:grni-2026-10")}
        rows = w.sandbox.records("account.move", [["reversed_entry_id", "=", accrual["id"]]], ["state"])
        return {**found, **({reversal: len(rows)} if rows else {})}

    keys += close_keys()
    return Case(lambda: month_end_close(period=PERIOD, actor="chaos"), keys, readback, _ledger_key(keys))


def close_keys() -> list[str]:
    """The entries November's close must post: its accrual and the recurring entries due (from the schedules)."""
    from ofm.mappings.close_policy import load_recurring
    from ofm.rules.close.recurring import recurring_entries
    from ofm.tasks.close.run import RECURRING, SOURCE, batch_id, recurring_batch_id

    entity = "ACME-BE"
    keys = [f"{SOURCE}:{batch_id(PERIOD, entity)}:1"]
    batch = recurring_batch_id(PERIOD, entity)
    keys += [f"{RECURRING}:{batch}:{e.number}" for e in recurring_entries(*load_recurring(None), PERIOD, entity)]
    return keys


def october_accrual(folder: Path, amount: str = "250.00") -> str:
    """The delivery October's close wrote: goods received not invoiced, dated 31 October."""
    import json

    doc = {"batch": {"id": "grni-2026-10-ACME-BE", "entity": "ACME-BE", "period": "2026-10"},
           "entries": [{"number": "1", "date": "2026-10-31", "ref": "GRNI 2026-10", "lines": [
               {"account": "600000", "debit": amount, "credit": "0", "currency": "EUR", "analytic": {},
                "text": "Goods received not invoiced: P00001"},
               {"account": "444000", "debit": "0", "credit": amount, "currency": "EUR",
                "text": "Goods received not invoiced 2026-10"}]}],
           "control": {"debit": amount, "credit": amount, "lines": 2, "entries": 1}}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "accruals-2026-10-ACME-BE.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


# ---- the Odoo states the flows start from ---------------------------------------------------------------------------

def _story(upto: str) -> Callable[[World], None]:
    """The day-1 story in Odoo up to (and including) `upto`, each step a clean run of its flow."""
    def build(w: World) -> None:
        from ofm.flows.goods_receipt import goods_receipt
        from ofm.flows.po_sync import po_sync
        from ofm.flows.supplier_onboarding import supplier_onboarding
        from ofm.sandbox.procurement.odoo_seed import seed_catalog

        steps = [("catalog", lambda: (supplier_onboarding(actor="setup"), seed_catalog(w.odoo))),
                 ("ordered", lambda: po_sync(actor="setup")), ("received", lambda: goods_receipt(actor="setup"))]
        for name, step in steps:
            step()
            if name == upto:
                return

    return build


BASES: dict[str, Callable[[World], None] | None] = {
    "empty": None, "catalog": _story("catalog"), "ordered": _story("ordered"), "received": _story("received"),
    "chart": _chart, "closing": _closing}
_BUILT: dict[str, Path] = {}


def base_sandbox(name: str, company_iban: bool = False) -> OdooSandbox:
    """A fresh Odoo sandbox holding the base state `name` (built by clean flow runs the first time in a process)."""
    from ofm.sandbox.odoo.accounting_fixtures import COMPANY_IBAN

    iban = COMPANY_IBAN if company_iban else None
    build = BASES[name]
    if build is None:
        return OdooSandbox(company_iban=iban)
    if name not in _BUILT:
        if not _BUILT:
            atexit.register(forget_bases)
        folder = Path(tempfile.mkdtemp(prefix=f"ofm-chaos-base-{name}-"))
        with world(folder, suppliers=STORY_SUPPLIERS, sandbox=OdooSandbox(company_iban=iban),
                   **ledger_settings(folder)) as w:
            build(w)
            path = folder / "odoo-state.json"
            w.sandbox.state_file = path
            w.sandbox.save()
        _BUILT[name] = path
    sandbox = OdooSandbox(state_file=_BUILT[name], company_iban=iban)
    sandbox.state_file = None  # a copy in memory: the cell's writes stay in the cell
    return sandbox


def forget_bases() -> None:
    """Drop the base states built in this process."""
    for path in _BUILT.values():
        shutil.rmtree(path.parent, ignore_errors=True)
    _BUILT.clear()


FLOWS: dict[str, FlowSpec] = {spec.name: spec for spec in (
    FlowSpec("supplier-onboarding", "empty", suppliers, suppliers=SUPPLIERS),
    FlowSpec("po-sync", "catalog", orders),
    FlowSpec("goods-receipt", "ordered", receipts),
    FlowSpec("three-way-match", "received", bills),
    FlowSpec("bank-reconciliation", "empty", bank, suppliers=1, company_iban=True),
    FlowSpec("ledger-batch", "chart", ledger, suppliers=1, settings=ledger_settings),
    FlowSpec("month-end-close", "closing", close, settings=ledger_settings),
)}
