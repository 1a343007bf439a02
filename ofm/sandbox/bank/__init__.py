"""Bank-side stand-ins for demos and tests: statement files written the way banks write them."""

from ofm.sandbox.bank.camt_writer import write_camt053

__all__ = ["write_camt053"]
