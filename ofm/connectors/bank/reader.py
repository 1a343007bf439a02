"""Read one bank statement file, whatever its format, into canonical statements: all of it or nothing.

The file is bounded before it is read (a 50 MB default, configurable per call), its format is
detected from its content, and any failure, including one we did not foresee in a hostile file,
comes back as a BankFileError naming the file, so a caller never sees a traceback or half a file.
"""

from __future__ import annotations

import re
from pathlib import Path

from ofm.canonical.bank import BankStatement
from ofm.connectors.bank.camt import is_camt, parse_camt
from ofm.connectors.bank.csv_format import parse_csv
from ofm.connectors.bank.csv_mapping import load_csv_mapping
from ofm.connectors.bank.detect import detect_format
from ofm.connectors.bank.errors import BankFileError, describe
from ofm.connectors.bank.mt940 import parse_mt940
from ofm.connectors.bank.ofx import parse_ofx
from ofm.connectors.bank.xml_safe import parse_xml

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_CSV_MAPPING = "generic"


def parse_file(path: Path, csv_mapping: str | Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
               default_currency: str | None = None) -> list[BankStatement]:
    """The statements in the file at `path`; refused unread when it is larger than `max_bytes`.

    `default_currency` (ISO 4217) is the account's currency for an MT940 file that never writes one.
    """
    name = str(path)
    try:
        size = Path(path).stat().st_size
        if size > max_bytes:
            raise BankFileError(name, None, f"{size} bytes, more than the {max_bytes} bytes a bank file may have")
        with Path(path).open("rb") as handle:
            data = handle.read(max_bytes + 1)  # the file may have grown since stat(): parse_bytes refuses
    except OSError as exc:
        raise BankFileError(name, None, f"cannot read the file: {exc.strerror or exc}") from None
    return parse_bytes(data, name, csv_mapping=csv_mapping, max_bytes=max_bytes, default_currency=default_currency)


def parse_bytes(data: bytes, name: str, csv_mapping: str | Path | None = None,
                max_bytes: int = DEFAULT_MAX_BYTES, default_currency: str | None = None) -> list[BankStatement]:
    """The statements in `data` (read from a file called `name`); a CSV mapping forces CSV."""
    if default_currency is not None and not re.fullmatch(r"[A-Z]{3}", default_currency):
        raise ValueError(f"default currency must be an ISO 4217 code like 'EUR', got {default_currency!r}")
    if len(data) > max_bytes:
        raise BankFileError(name, None, f"{len(data)} bytes, more than the {max_bytes} bytes a bank file may have")
    if not data.strip():
        raise BankFileError(name, None, "the file is empty")
    try:
        return _parse(data, name, csv_mapping, default_currency)
    except BankFileError:
        raise
    except RecursionError:
        raise BankFileError(name, None, "nested too deeply to be a bank statement") from None
    except Exception as exc:  # a hostile file must not surface as a traceback; keep the cause chained
        raise BankFileError(name, None, f"cannot be read ({type(exc).__name__}: {describe(exc)})") from exc


def _parse(data: bytes, name: str, csv_mapping: str | Path | None,
           default_currency: str | None) -> list[BankStatement]:
    fmt = "csv" if csv_mapping is not None else detect_format(data, name)
    if fmt == "camt":
        root, namespace = parse_xml(data, name)
        if not is_camt(namespace):
            raise BankFileError(name, None, f"XML in namespace {namespace!r} is not camt.052/053/054")
        return parse_camt(root, namespace, name)
    if fmt == "ofx":
        return parse_ofx(data, name)
    if fmt == "mt940":
        return parse_mt940(_text(data), name, default_currency)
    if fmt == "csv":
        return parse_csv(data, name, load_csv_mapping(csv_mapping or DEFAULT_CSV_MAPPING))
    raise BankFileError(name, None, "not a bank statement format we read (camt.052/053/054, MT940, OFX; "
                        "CSV with --csv-mapping)")


def _text(data: bytes) -> str:
    """MT940 text: UTF-8 when it is, else Latin-1 (German banks' usual), which decodes any byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")
