"""The sandbox's backorder wizard answers as the real Odoo 19 did: the capture taken on the real server
(tests/data/real-captures/backorder_wizard.json, by tests/real/test_real_goods_receipt.py) replayed call
by call, each answer and the state after it compared. Above all: without the action's context,
`process` and `process_cancel_backorder` return True and change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from odoo_sandbox_testkit import PROTOCOLS, make_client

from ofm.sandbox.odoo import OdooSandbox
from ofm.testbed.backorder_capture import CASES, comparable, run_case

CAPTURE = Path(__file__).resolve().parents[2] / "data" / "real-captures" / "backorder_wizard.json"


def captured() -> dict:
    return json.loads(CAPTURE.read_text())


def test_the_capture_is_from_a_real_odoo_19_and_shows_the_wizard_ignoring_a_call_without_context() -> None:
    doc = captured()
    assert doc["server"][:2] == [19, 0]
    for case, steps in doc["cases"].items():
        without, with_context = steps[3], steps[5]
        assert without["call"]["context"] is None and without["answer"] is True
        assert without["then"] == steps[1]["then"] and without["then"]["picking"] == "assigned", case
        assert with_context["call"]["context"] == "$action.context" and with_context["then"]["picking"] == "done"


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_the_sandbox_replays_the_real_servers_answers(case: str, protocol: str) -> None:
    client = make_client(OdooSandbox(), protocol)
    got = comparable({case: run_case(client, case)})[case]
    expected = comparable(captured()["cases"])[case]
    for n, (mine, theirs) in enumerate(zip(got, expected, strict=True)):
        assert mine == theirs, f"step {n} ({theirs['call']['method']}): sandbox {mine} != real {theirs}"
