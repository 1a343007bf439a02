"""Card settlements on a real Odoo 19 and 18: what the acquirer's settlement reports became in Odoo.

Every assertion reads Odoo back (account.move and account.move.line: refs, dates, states, accounts, debits and
credits), not what the middleware reports. The story runs in file order on one database: November's report
(three payouts, one of them short of its net and quarantined), a re-run that writes nothing, the corrected
report, a report whose summary disagrees, and a report for a locked October booked on the first open date.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ofm.flows.ledger_batch import ledger_batch
from ofm.sandbox.ledger import card_settlements_csv
from ofm.settings import Settings
from ofm.store import Store
from ofm.tasks.shared.resources import Resources, use_resources

# Gross on 400000 Customers, fees on 653000, the net payout on 580000 Internal Transfers of Funds: accounts both
# versions' Belgian chart (be_comp) has with the same type, so one report and the bundled mapping post on either.
pytestmark = pytest.mark.usefixtures("prefect_harness")

NOVEMBER = [date(2026, 11, 28), date(2026, 11, 29), date(2026, 11, 30)]
REPORT = "STL-2026-11-30"


@pytest.fixture(scope="module")
def story(real_odoo, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("real-ledger-cards")
    client = real_odoo.client()
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp / 'ofm.db'}", ack_dir=tmp / "acks",
                        odoo_batch_size=2)
    store = Store(settings.database_url)
    store.migrate()
    with use_resources(Resources(settings=settings, store=store, odoo=client)):
        yield {"client": client, "tmp": tmp, "store": store, "settings": settings,
               "company": client.search_read("res.company", [], ["id"], limit=1)[0]["id"]}


def run(path: Path) -> dict:
    return ledger_batch(source=str(path), actor="real-test")


def moves(real_odoo, prefix: str) -> list[dict]:
    """The account.moves whose ref starts with `prefix`, as Odoo holds them."""
    return real_odoo.read("account.move", [["ref", "=like", prefix + "%"]],
                          ["ref", "name", "date", "state", "move_type", "journal_id"], order="id")


def lines_of(real_odoo, move_id: int) -> list[dict]:
    return real_odoo.read("account.move.line", [["move_id", "=", move_id]],
                          ["account_id", "debit", "credit", "amount_residual", "name"], order="id")


def code(line: dict) -> str:
    return line["account_id"][1].split(" ")[0]


def booked(real_odoo, move: dict) -> list[tuple[str, float, float, str]]:
    return [(code(x), x["debit"], x["credit"], x["name"]) for x in lines_of(real_odoo, move["id"])]


def drop(story, name: str, text: str) -> Path:
    folder = story["tmp"] / f"drop-{name}"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def open_quarantine(story, ref: str) -> list:
    return [q for q in story["store"].list_quarantine(status="open", limit=10_000) if q.record_ref == ref]


def set_lock(client, company: int, **dates) -> None:
    client.call("res.company", "write", args=[[company], {k: (v.isoformat() if v else False)
                                                         for k, v in dates.items()}])


def test_each_payout_is_one_entry_gross_fees_and_net_on_their_accounts(real_odoo, story):
    path = drop(story, f"card-settlement-{REPORT[4:]}.csv", card_settlements_csv(REPORT, "2026-11", NOVEMBER,
                                                                                 dirty=True))
    result = run(path)
    assert result["reconciles"], result["counts"]
    assert result["counts"] == {"received": 3, "posted": 2, "already posted": 0, "quarantined": 1, "deferred": 0,
                                "in progress elsewhere": 0}

    posted = moves(real_odoo, f"ofm:card_settlements:{REPORT}:")
    assert [(m["state"], m["date"], m["move_type"], m["journal_id"][1].split(" ")[0]) for m in posted] == \
        [("posted", "2026-11-28", "entry", "Miscellaneous"), ("posted", "2026-11-30", "entry", "Miscellaneous")]
    assert [m["ref"].split(" ", 1)[1] for m in posted] == [f"PO-{REPORT}-4101", f"PO-{REPORT}-4103"]
    assert booked(real_odoo, posted[0]) == [
        ("400000", 0.0, 2573.35, "Card sales captured (43 transactions)"),
        ("653000", 15.44, 0.0, "Commission"), ("653000", 7.72, 0.0, "Interchange"),
        ("653000", 3.09, 0.0, "Scheme fees"),
        ("580000", 2547.10, 0.0, "Payout to BE71 0961 2345 6769 (4101)")]
    third = booked(real_odoo, posted[1])
    assert [(c, d, k) for c, d, k, _ in third] == [("400000", 0.0, 2920.05), ("653000", 17.52, 0.0),
                                                   ("653000", 8.76, 0.0), ("653000", 3.50, 0.0),
                                                   ("580000", 2890.27, 0.0)]
    # the net waits on the reconcilable transfer account for the bank statement line carrying the payout reference
    [transfer] = [x for x in lines_of(real_odoo, posted[0]["id"]) if code(x) == "580000"]
    assert transfer["amount_residual"] == pytest.approx(2547.10)

    [short] = open_quarantine(story, f"ledger:card_settlements:{REPORT}:4102")
    assert short.field == "lines" and "does not balance" in short.reason and "-1.50 EUR" in short.reason
    assert short.owner_team == "accounting"


def test_a_second_run_of_the_same_report_writes_nothing(real_odoo, story):
    before = moves(real_odoo, "ofm:card_settlements:")
    result = run(story["tmp"] / f"drop-card-settlement-{REPORT[4:]}.csv")
    assert result["odoo_writes"] == 0
    assert result["counts"]["already posted"] == 2 and result["counts"]["posted"] == 0
    assert moves(real_odoo, "ofm:card_settlements:") == before


def test_the_corrected_report_posts_the_refused_payout_and_only_it(real_odoo, story):
    before = moves(real_odoo, f"ofm:card_settlements:{REPORT}:")
    path = drop(story, f"card-settlement-{REPORT[4:]}-corrected.csv",
                card_settlements_csv(REPORT, "2026-11", NOVEMBER))
    result = run(path)
    assert (result["counts"]["posted"], result["counts"]["already posted"]) == (1, 2), result["entries"]
    after = moves(real_odoo, f"ofm:card_settlements:{REPORT}:")
    assert after[:2] == before
    [fixed] = after[2:]
    assert fixed["ref"].startswith(f"ofm:card_settlements:{REPORT}:4102#") and fixed["date"] == "2026-11-29"
    lines = booked(real_odoo, fixed)
    assert sum(x[1] for x in lines) == pytest.approx(sum(x[2] for x in lines)) == pytest.approx(2746.70)
    assert [(c, d, k) for c, d, k, _ in lines if c == "400000"] == \
        [("400000", 0.0, 2746.70), ("400000", 59.90, 0.0), ("400000", 89.90, 0.0)]  # refund and chargeback back


def test_a_report_whose_summary_disagrees_is_refused_whole(real_odoo, story):
    path = drop(story, "card-settlement-bad-summary.csv",
                card_settlements_csv("STL-BAD", "2026-11", NOVEMBER[:2], trailer_credit=Decimal("1.00")))
    result = run(path)
    assert moves(real_odoo, "ofm:card_settlements:STL-BAD:") == []
    assert result["counts"]["quarantined"] == 2 and result["odoo_writes"] == 0
    [q] = open_quarantine(story, "ledger:card_settlements:STL-BAD:4101")
    assert "control totals: the trailer says credit 1.00, the delivery holds 5320.05" in q.reason


def test_a_settlement_of_a_locked_period_is_booked_on_the_first_open_date(real_odoo, story):
    set_lock(story["client"], story["company"], fiscalyear_lock_date=date(2026, 10, 31))
    try:
        path = drop(story, "card-settlement-2026-10-31.csv",
                    card_settlements_csv("STL-2026-10-31", "2026-10", [date(2026, 10, 31)]))
        result = run(path)
    finally:
        set_lock(story["client"], story["company"], fiscalyear_lock_date=None)
    assert result["counts"]["posted"] == 1, result["entries"]
    [moved] = moves(real_odoo, "ofm:card_settlements:STL-2026-10-31:")
    assert (moved["state"], moved["date"]) == ("posted", "2026-11-01")  # not Odoo's silent re-date
    assert moved["ref"].endswith("PO-STL-2026-10-31-4101 (original date 2026-10-31)")
    assert {x[0] for x in booked(real_odoo, moved)} == {"400000", "653000", "580000"}
