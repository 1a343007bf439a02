"""Hostile procurement records (API JSON and export files) through the mappings: any one value anywhere made
hostile (absurd numbers, wrong JSON types, NUL, control characters, Unicode tricks, injections) gives the
canonical record or one error naming the record and the field; never another exception, never a NUL passed on."""

from __future__ import annotations

import copy
import json
from typing import Any

from hostile_kit import ABSURD_DATES, ABSURD_NUMBERS, examples, hostile_text, refused_or
from hypothesis import example, given
from hypothesis import strategies as st
from mapping_factory import api_record, pairs

from ofm.connectors.file_errors import FileFormatError
from ofm.connectors.procurement import ProcurementError
from ofm.connectors.procurement.files import read_export_file, read_supplier_file
from ofm.mappings.engine import bundled_mapping, load_mapping, map_batch
from ofm.mappings.purchase_docs import DocumentError, map_goods_receipt, map_purchase_order
from ofm.mappings.vendor_bill import BillMappingError, map_invoice

ORDER = {"id": "PO-7", "revision": 2, "status": "approved", "legal_entity": "ACME-DE", "currency": "eur",
         "supplier": {"id": "S-1", "vendor_code": "V-1", "tax_id": "de 811 569 869"},
         "lines": [{"line_no": "10", "item_code": "CHAIR", "description": "Chair", "quantity": "2.5", "uom": "C62",
                    "unit_price": "12.50", "tax_code": "VAT19", "need_by": "2026-11-30",
                    "cost_allocation": [{"cost_center": "CC-OPS", "percent": "100"}]}]}
RECEIPT = {"id": "GR-1", "order_id": "PO-7", "received_on": "2026-11-10", "lines": [{"line_no": 10, "quantity": "2"}]}
INVOICE = {"id": "INV-000007", "invoice_number": "F-2026-117", "document_type": "invoice",
           "supplier": {"id": "SUP-000042", "vendor_code": "V-42", "tax_id": "DE 123 456 789", "name": "Chairs AG"},
           "legal_entity": "ACME-DE", "order_id": "PO-2026-0001", "invoice_date": "2026-11-12",
           "accounting_date": None, "due_date": "2026-12-12", "payment_terms": "NET30", "currency": "EUR",
           "lines": [{"line_no": 1, "order_id": None, "order_line_no": 1, "item_code": "OFM-CHAIR",
                      "description": "Office chair", "quantity": "4", "uom": "C62", "unit_price": "120.00",
                      "net_amount": "480.00", "tax_code": "VAT19", "tax_percent": "19"}],
           "untaxed": "480.00", "tax": "91.20", "total": "571.20", "attachments": [],
           "updated_at": "2026-11-12T10:00:00Z"}
API = load_mapping(bundled_mapping("procurement/supplier"))

HOSTILE_VALUES = (st.sampled_from(ABSURD_NUMBERS + ABSURD_DATES) | hostile_text()
                  | st.sampled_from([None, True, False, 0, -1, 10**40, -(10**40), 1e308, float("inf"), float("nan"),
                                     -0.0, 2.5, [], {}, [1, 2], {"a": {"b": None}}, "x" * 100_000]))


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value in a JSON document (dict keys and list indexes)."""
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, child in node.items():
            out += _paths(child, (*prefix, key))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            out += _paths(child, (*prefix, i))
    return out


def _mutated(doc: dict[str, Any], nth: int, value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    paths = _paths(doc)
    path = paths[nth % len(paths)]
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


def _no_nul(model: Any) -> None:
    assert "\\u0000" not in model.model_dump_json(), "a NUL byte reached a canonical record"


DOCS = {"order": (ORDER, map_purchase_order, DocumentError, "PO-7"),
        "receipt": (RECEIPT, map_goods_receipt, DocumentError, "GR-1"),
        "invoice": (INVOICE, map_invoice, BillMappingError, "INV-000007")}


@examples(60)
@given(kind=st.sampled_from(sorted(DOCS)), nth=st.integers(0, 200), value=HOSTILE_VALUES)
@example(kind="order", nth=11, value="²")  # lines[0].line_no
@example(kind="receipt", nth=5, value="²")
@example(kind="order", nth=16, value="1E+999999999")  # lines[0].unit_price
@example(kind="invoice", nth=24, value="1E+999999999")
@example(kind="invoice", nth=28, value="1" + "0" * 29)  # untaxed
@example(kind="invoice", nth=0, value="INV\x00-7")
@example(kind="invoice", nth=33, value=True)  # attachments: found by the deep profile (TypeError)
@example(kind="invoice", nth=200, value=[1, 2])  # document_type: found by the deep profile (TypeError)
@example(kind="order", nth=88, value=True)  # cost_allocation: found by the deep profile (TypeError)
@example(kind="order", nth=90, value="\x00")  # a cost center: found by the deep profile (NUL as analytic key)
@example(kind="order", nth=14, value="a" * 100_000)  # quantity: found by the deep profile (100 kB error text)
def test_any_value_of_an_order_receipt_or_invoice_made_hostile_maps_or_names_record_and_field(kind, nth, value):
    """Found: a line number '²' (a digit to str.isdigit, not to int) escaped the order and receipt mappings
    as a bare ValueError; a 1E+999999999 amount escaped the invoice mapping as decimal.InvalidOperation from
    the totals check; `"attachments": true` and `"document_type": [1, 2]` escaped as TypeError; a NUL cost
    center passed as an analytic key; a 100,000-character value was echoed whole in the error. All fixed."""
    doc, mapper, error, record = DOCS[kind]
    raw = _mutated(doc, nth, value)
    try:
        model = mapper(raw)
    except error as exc:
        text = str(exc)
        assert "\n" not in text and len(text) < 1000
        if isinstance(exc, DocumentError):
            assert exc.field and exc.problem
        else:
            assert exc.path and exc.reason
        return
    _no_nul(model)


@examples(60)
@given(nth=st.integers(0, 200), value=HOSTILE_VALUES, good=st.integers(1, 4))
@example(nth=4, value="Müller\x00 GmbH", good=2)  # legal_name
def test_a_hostile_supplier_value_fails_that_supplier_only_naming_its_field(nth, value, good):
    """Every record ends mapped or as one failure naming a source field; the good ones beside it map."""
    records = [api_record(n) for n in range(1, good + 1)]
    records.insert(good // 2, _mutated(api_record(99), nth, value))
    suppliers, failures = map_batch(API, pairs(records))
    assert len(suppliers) + len(failures) == len(records)
    assert len(suppliers) >= good
    for failure in failures:
        assert failure.record_ref.endswith("SUP-000099") or "(record)" in failure.field or failure.field
        assert "\n" not in failure.message
    for supplier in suppliers:
        _no_nul(supplier)
    if isinstance(value, str) and "\x00" in value and nth % len(_paths(api_record(99))) == 4:
        assert [f.field for f in failures] == ["legal_name"] and "NUL" in failures[0].message


FILE_PREFIXES = [b"", b"[", b"{", b'{"items": [', b"\xef\xbb\xbf", b"\xff\xfe", b"id,name\n", b"id;name\r\n"]


@examples(60)
@example(prefix=b"", junk=b";", suffix=".csv")  # found by the deep profile: StopIteration out of the CSV reader
@given(prefix=st.sampled_from(FILE_PREFIXES), junk=st.binary(max_size=500),
       suffix=st.sampled_from([".json", ".csv", ".txt", ""]))
def test_a_garbage_export_file_is_refused_naming_the_file(tmp_path_factory, prefix, junk, suffix):
    path = tmp_path_factory.mktemp("drop") / f"export{suffix}"
    path.write_bytes(prefix + junk)
    got = refused_or(lambda: read_export_file(path), (FileFormatError,), path.name)
    assert isinstance(got, FileFormatError | list)
    got = refused_or(lambda: read_supplier_file(path), (ProcurementError,), path.name)
    if not isinstance(got, ProcurementError):
        assert all(isinstance(r, dict) for r in got.records)


@examples(30)
@given(data=st.data())
def test_an_export_cut_anywhere_is_refused_never_read_short(tmp_path_factory, data):
    """A JSON export truncated at any byte is refused: JSON has its own end, so a cut one never parses."""
    whole = json.dumps({"items": [ORDER, RECEIPT, INVOICE]}, indent=1).encode()
    cut = data.draw(st.integers(0, len(whole) - 1), label="cut")
    path = tmp_path_factory.mktemp("drop") / "orders.json"
    path.write_bytes(whole[:cut])
    assert isinstance(refused_or(lambda: read_export_file(path), (FileFormatError,), path.name), FileFormatError)
