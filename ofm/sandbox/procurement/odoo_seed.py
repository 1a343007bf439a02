"""Odoo master data the procurement sandbox's documents refer to: its products and cost centers.

Odoo owns products and analytic accounts; procurement only names them (item code, cost center).
The demo and the flow tests create them in an Odoo (sandbox or real) before purchasing starts, the
same way on both (`ofm.testbed.seed_p2p`: kg items in kg, a plan for the cost centers). Idempotent.
"""

from __future__ import annotations


def seed_catalog(odoo) -> tuple[int, int]:
    """The sandbox catalog's products and cost centers in Odoo: (products, cost centers) it knows."""
    from ofm.testbed.seed_p2p import seed_catalog as seed

    catalog = seed(odoo)
    return len(catalog.products), len(catalog.analytic)
