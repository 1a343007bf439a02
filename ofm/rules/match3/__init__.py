"""Three-way match of supplier bills against purchase order lines and receipts (pure, vectorised)."""

from ofm.rules.match3.engine import BillDecision, Reason, ThreeWayResult, match_bills
from ofm.rules.match3.policy import MatchPolicy, PolicyError, Tolerance, load_policy, parse_policy

__all__ = ["BillDecision", "MatchPolicy", "PolicyError", "Reason", "ThreeWayResult", "Tolerance", "load_policy",
           "match_bills", "parse_policy"]
