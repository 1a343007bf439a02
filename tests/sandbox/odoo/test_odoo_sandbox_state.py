"""The state file: loaded on start, saved (atomically) after each write call and only then."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from odoo_sandbox_testkit import make_client, supplier

from ofm.connectors.odoo import OdooRequestError
from ofm.sandbox.odoo import OdooSandbox
from ofm.sandbox.odoo import state as state_module

IBAN = "FR76 3000 6000 0112 3456 7890 189"


def test_round_trip_keeps_records_ids_and_indexes(tmp_path: Path) -> None:
    path = tmp_path / "odoo.json"
    first = OdooSandbox(state_file=path)
    client = make_client(first)
    ids = client.create("res.partner", [supplier(1, bank_ids=[(0, 0, {"acc_number": IBAN})]), supplier(2)])
    client.write("res.partner", [ids[1]], {"active": False})
    assert json.loads(path.read_text())["format"] == "ofm-odoo-sandbox/1"

    second = OdooSandbox(state_file=path)
    again = make_client(second)
    rows = again.search_read("res.partner", [["vat", "in", ["DE100000001", "DE100000002"]],
                                             "|", ["active", "=", True], ["active", "=", False]],
                             ["name", "active", "bank_ids"])
    assert [(r["id"], r["active"]) for r in rows] == [(ids[0], True), (ids[1], False)]
    banks = again.search_read("res.partner.bank", [["acc_number", "=", IBAN.replace(" ", "")]], ["partner_id"])
    assert [b["id"] for b in banks] == rows[0]["bank_ids"] and banks[0]["partner_id"][0] == ids[0]
    [new] = again.create("res.partner", [supplier(3)])
    assert new == max(ids) + 1  # the sequence goes on, no id is reused
    assert len(again.search_read("res.currency", [], ["name"])) == 7  # seed data came back too


def test_saved_after_writes_only_and_never_half_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    saves: list[Path] = []
    real_save = state_module.save
    monkeypatch.setattr(state_module, "save", lambda db, path: (saves.append(path), real_save(db, path)))
    sandbox = OdooSandbox(state_file=tmp_path / "odoo.json")
    client = make_client(sandbox, "jsonrpc")
    client.search_read("res.partner", [], ["name"])
    client.read("res.partner", [1], ["name"])
    assert saves == []
    client.create("res.partner", [supplier(i) for i in range(50)])  # one batch, one save
    assert len(saves) == 1
    with pytest.raises(OdooRequestError):
        client.create("res.partner", [supplier(99, no_such_field=1)])
    assert len(saves) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["odoo.json"]  # no temp file left behind


def test_a_foreign_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"hello": "world"}))
    with pytest.raises(ValueError, match="not an Odoo sandbox state file"):
        OdooSandbox(state_file=path)
