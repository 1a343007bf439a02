"""File drops: JSON and CSV exports read into raw records, or one line naming file and position."""

from __future__ import annotations

import json

import pytest

from ofm.connectors.procurement import ProcurementError, read_supplier_file
from ofm.connectors.procurement import files as files_module

RECORD = {"id": "SUP-000001", "legal_name": "Müller Feinmechanik GmbH", "tax_id": None}


@pytest.mark.parametrize("payload", [[RECORD], {"suppliers": [RECORD]}, {"items": [RECORD], "page": 1}])
def test_json_list_or_wrapped(tmp_path, payload):
    path = tmp_path / "suppliers.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    batch = read_supplier_file(path)
    assert batch.format == "json" and batch.records == [RECORD]


def test_bad_json_names_file_line_and_column(tmp_path):
    path = tmp_path / "suppliers.json"
    path.write_text('[\n  {"id": "SUP-1"},\n  {"id": "SUP-2" "x": 1}\n]', encoding="utf-8")
    with pytest.raises(ProcurementError) as caught:
        read_supplier_file(path)
    assert str(caught.value) == "suppliers.json: line 3 column 18: Expecting ',' delimiter"


@pytest.mark.parametrize("payload, message", [
    ({"data": []}, "expected a list of suppliers or an object with a 'suppliers' or 'items' list"),
    ("text", "expected a list of suppliers, found str"),
    ([RECORD, 3], "supplier 2 is not an object but int"),
])
def test_json_of_the_wrong_shape(tmp_path, payload, message):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(payload))
    with pytest.raises(ProcurementError, match=f"^export.json: {message}$"):
        read_supplier_file(path)


def test_csv_with_bom_empty_cells_and_blank_rows(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes("\ufeffsupplier_no,name,vat_number\r\nS1,Müller GmbH,\r\n,,\r\n\r\nS2, ,DE1\r\n".encode())
    batch = read_supplier_file(path)
    assert batch.format == "csv"
    assert batch.records == [{"supplier_no": "S1", "name": "Müller GmbH", "vat_number": None},
                             {"supplier_no": "S2", "name": None, "vat_number": "DE1"}]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_csv_delimiter_is_sniffed(tmp_path, delimiter):
    path = tmp_path / "export.csv"
    rows = [["supplier_no", "name", "street"], ["S1", "Dupont, Fils et Cie SARL", "12, rue Haute"]]
    path.write_text("\n".join(delimiter.join(f'"{c}"' if "," in c else c for c in r) for r in rows),
                    encoding="utf-8")
    assert read_supplier_file(path).records == [
        {"supplier_no": "S1", "name": "Dupont, Fils et Cie SARL", "street": "12, rue Haute"}]


def test_ragged_csv_names_the_line(tmp_path):
    path = tmp_path / "export.csv"
    lines = ["a,b,c", "1,2,3", "", '4,"multi\nline",6', "7,8,9", "1,2,3,4"]
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ProcurementError) as caught:
        read_supplier_file(path)
    assert str(caught.value) == "export.csv: line 7: 4 cells, header has 3"


@pytest.mark.parametrize("text, message", [
    ("", "empty file; a CSV export needs a header row"),
    ("a,,c\n1,2,3", "line 1: column 2 of the header has no name"),
    ("a,b,a\n1,2,3", "line 1: column 'a' appears twice in the header"),
])
def test_csv_header_problems(tmp_path, text, message):
    path = tmp_path / "export.csv"
    path.write_text(text)
    with pytest.raises(ProcurementError, match=f"^export.csv: {message}$"):
        read_supplier_file(path)


def test_format_is_sniffed_without_a_known_extension(tmp_path):
    as_json, as_csv = tmp_path / "drop.txt", tmp_path / "drop"
    as_json.write_text("  [" + json.dumps(RECORD) + "]")
    as_csv.write_text("id,name\nS1,X\n")
    assert read_supplier_file(as_json).format == "json"
    assert read_supplier_file(as_csv).records == [{"id": "S1", "name": "X"}]


def test_size_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(files_module, "MAX_FILE_BYTES", 10)
    path = tmp_path / "big.json"
    path.write_text("[" + " " * 20 + "]")
    with pytest.raises(ProcurementError, match=r"^big.json: 22 bytes is more than the 10 bytes a supplier file"):
        read_supplier_file(path)


def test_the_real_bound_is_200_mb():
    assert files_module.MAX_FILE_BYTES == 200 * 1024 * 1024


def test_unreadable_and_not_utf8(tmp_path):
    with pytest.raises(ProcurementError, match="^missing.csv: cannot read the file: No such file or directory$"):
        read_supplier_file(tmp_path / "missing.csv")
    path = tmp_path / "latin1.csv"
    path.write_bytes("id,name\nS1,M\u00fcller\n".encode("latin-1"))
    with pytest.raises(ProcurementError, match=r"^latin1.csv: line 2: not UTF-8 \(byte 0xfc at offset 12\)$"):
        read_supplier_file(path)
