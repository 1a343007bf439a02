"""Approvals: a person's decision on a held record (a supplier's bank account, a purchase order), applied once."""
