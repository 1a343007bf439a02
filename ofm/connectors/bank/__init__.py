"""Bank statement files (camt.052/053/054, MT940, OFX, CSV) into canonical BankStatements.

`parse_file` / `parse_bytes` detect the format and return every statement in the file or raise
one `BankFileError` (file, position, reason); `statements_to_json` renders them for `--json`.
"""

from ofm.connectors.bank.csv_mapping import CsvMapping, bundled_csv_mappings, load_csv_mapping
from ofm.connectors.bank.detect import detect_format
from ofm.connectors.bank.errors import BankFileError
from ofm.connectors.bank.json_out import statements_to_json
from ofm.connectors.bank.reader import DEFAULT_MAX_BYTES, parse_bytes, parse_file

__all__ = [
    "DEFAULT_MAX_BYTES", "BankFileError", "CsvMapping", "bundled_csv_mappings", "detect_format",
    "load_csv_mapping", "parse_bytes", "parse_file", "statements_to_json",
]
