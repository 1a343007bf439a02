"""p2p.yaml validation and the raw order / receipt mapping: errors name the file and key, or the record and field."""

from __future__ import annotations

import pytest
import yaml

from ofm.mappings.p2p_policy import BUNDLED, P2PPolicyError, parse_p2p_policy
from ofm.mappings.purchase_docs import DocumentError, map_goods_receipt, map_purchase_order


def bundled() -> dict:
    return yaml.safe_load(BUNDLED.read_text())


def test_the_bundled_policy_is_valid():
    policy = parse_p2p_policy(bundled(), "p2p.yaml")
    assert policy.status["approved"] == "sync" and policy.companies["ACME-DE"] == "Sandbox Company"
    assert policy.analytic_code("CC-OPS") == "CC-OPS" and policy.backorder == "create"


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(colour=1), "p2p.yaml: colour: unknown key"),
    (lambda d: d["status"].update(approved="post"), "p2p.yaml: status.approved: 'post' is not one of"),
    (lambda d: d.pop("taxes"), "p2p.yaml: taxes: missing"),
    (lambda d: d["legal_entities"].update({"X": {"firm": "Y"}}), "p2p.yaml: legal_entities.X.firm: unknown key"),
    (lambda d: d["receipts"].update(backorder="maybe"), "p2p.yaml: receipts.backorder: 'maybe'"),
    (lambda d: d["receipts"].update(over_receipt_percent="lots"), "p2p.yaml: receipts.over_receipt_percent"),
    (lambda d: d["taxes"].update(VAT19=""), "p2p.yaml: taxes.VAT19: must be a non-empty name"),
])
def test_a_wrong_policy_names_the_file_and_the_key(change, message):
    doc = bundled()
    change(doc)
    with pytest.raises(P2PPolicyError) as caught:
        parse_p2p_policy(doc, "p2p.yaml")
    assert str(caught.value).startswith(message)


ORDER = {"id": "PO-7", "revision": 2, "status": "approved", "legal_entity": "ACME-DE", "currency": "eur",
         "supplier": {"id": "S-1", "vendor_code": "V-1", "tax_id": "de 811 569 869"},
         "lines": [{"line_no": "10", "item_code": "CHAIR", "description": "Chair", "quantity": "2.5", "uom": "C62",
                    "unit_price": "12.50", "tax_code": "VAT19", "need_by": "2026-11-30",
                    "cost_allocation": [{"cost_center": "CC-OPS", "percent": "100"}]}]}


def test_a_raw_order_maps_to_the_canonical_one():
    po = map_purchase_order(ORDER)
    assert (po.number, po.revision, po.currency, po.supplier_code, po.supplier_vat) == \
        ("PO-7", 2, "EUR", "V-1", "DE811569869")
    [line] = po.lines
    assert (line.line_ref, str(line.quantity), str(line.unit_price.amount), line.taxes[0].code) == \
        ("10", "2.5", "12.50", "VAT19")
    assert line.analytic_distribution == {"CC-OPS": 100}


@pytest.mark.parametrize(("path", "value", "message"), [
    (("lines", 0, "quantity"), 2.5, "PO-7 lines[0].quantity: Value error, must not be a float"),
    (("lines", 0, "line_no"), "A", "PO-7 lines[0].line_no: must be a positive whole line number"),
    (("lines", 0, "unit_price"), "abc", "PO-7 lines[0].unit_price"),
    (("status",), "on_hold", "PO-7 status: unknown status 'on_hold'"),
    (("supplier",), None, "PO-7 supplier.id: missing"),
    (("lines",), [], "PO-7 lines: an order needs at least one line"),
    (("lines", 0, "cost_allocation", 0, "percent"), "60", "PO-7 lines[0].cost_allocation: Value error, "
                                                          "analytic_distribution: percents sum to 60, not 100"),
])
def test_a_raw_order_that_does_not_map_names_the_record_and_field(path, value, message):
    import copy

    doc = copy.deepcopy(ORDER)
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(DocumentError) as caught:
        map_purchase_order(doc)
    assert str(caught.value).startswith(message)


def test_receipts_map_and_refuse_repeated_lines():
    gr = map_goods_receipt({"id": "GR-1", "order_id": "PO-7", "received_on": "2026-11-10",
                            "lines": [{"line_no": 10, "quantity": "2"}]})
    assert (gr.order_number, gr.lines[0].order_line_ref, str(gr.lines[0].quantity_received)) == ("PO-7", "10", "2")
    with pytest.raises(DocumentError, match=r"GR-1 lines: order line repeated \(\['1'\]\)"):
        map_goods_receipt({"id": "GR-1", "order_id": "PO-7", "received_on": "2026-11-10",
                           "lines": [{"line_no": 1, "quantity": "2"}, {"line_no": 1, "quantity": "1"}]})
    with pytest.raises(DocumentError, match="GR-1 lines\\[0\\].quantity"):
        map_goods_receipt({"id": "GR-1", "order_id": "PO-7", "received_on": "2026-11-10",
                           "lines": [{"line_no": 1, "quantity": "0"}]})


def test_the_real_18_policy_is_the_19_one_but_for_18s_tax_names():
    """Odoo 18's Belgian chart names its purchase taxes "21% M" where 19's has "21% G"; nothing else differs."""
    from ofm.mappings.p2p_policy import load_p2p_policy

    real19, real18 = BUNDLED.with_name("p2p.real.yaml"), BUNDLED.with_name("p2p.real18.yaml")
    doc19, doc18 = yaml.safe_load(real19.read_text()), yaml.safe_load(real18.read_text())
    taxes19, taxes18 = doc19.pop("taxes"), doc18.pop("taxes")
    assert doc18 == doc19, "p2p.real18.yaml drifted from p2p.real.yaml"
    assert set(taxes18) == set(taxes19) and taxes18["VAT21"] == "21% M" and taxes19["VAT21"] == "21% G"
    assert load_p2p_policy(real18).taxes == taxes18
