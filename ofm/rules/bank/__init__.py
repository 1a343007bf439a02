"""Bank statement checks, entry identities and the bank matching engine. Pure: no I/O but the policy file."""

from ofm.rules.bank.checks import Imported, Problem, check_balance, check_continuity, check_statements, imported_of
from ofm.rules.bank.engine import MATCH_COLUMNS, Match, MatchResult, Suggestion, Unmatched, match
from ofm.rules.bank.frames import ITEM_FIELDS, entries_frame, items_frame, partner_banks_frame
from ofm.rules.bank.identity import entry_id, entry_ids, identity_key, same_account
from ofm.rules.bank.policy import MatchingPolicy, PolicyError, Tolerance, load_policy, parse_policy

__all__ = [
    "ITEM_FIELDS", "MATCH_COLUMNS", "Imported", "Match", "MatchResult", "MatchingPolicy", "PolicyError", "Problem",
    "Suggestion", "Tolerance", "Unmatched", "check_balance", "check_continuity", "check_statements",
    "entries_frame", "entry_id", "entry_ids", "identity_key", "imported_of", "items_frame", "load_policy", "match",
    "parse_policy", "partner_banks_frame", "same_account",
]
