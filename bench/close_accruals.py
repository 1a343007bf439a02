"""Goods-received-not-invoiced accruals at volume: the rule on N purchase order lines.

Synthetic but shaped like a month's open purchasing: 2,000 orders' lines over 40 expense accounts and
25 analytic distributions, one line in three fully billed, one in three partly, one in three not at all,
one in twenty billed ahead of its goods, 5 % in USD. The lines are built first (not timed), then the
rule (ofm/rules/close/accruals.py) is timed alone, in this process, with the peak resident memory
(ru_maxrss) of the process. The baseline is the same arithmetic done the way a spreadsheet export
does it: each line's value rounded to the cent before it is summed (faster by the rounding it skips,
and wrong by up to half a cent per line: the difference is printed). Target (issue 10): 100,000 lines
in under 2 s.

Usage: python -m bench.close_accruals [--sizes 10000,100000,1000000] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from ofm.rules.close import ReceivedLine, goods_received_not_invoiced

CENT = Decimal("0.01")


def lines(n: int, seed: int) -> list[ReceivedLine]:
    rnd = random.Random(seed)
    accounts = [f"6{i:05d}" for i in range(40)]
    splits = [((str(i), Decimal(100)),) for i in range(20)] + \
        [((str(i), Decimal(60)), (str(i + 1), Decimal(40))) for i in range(5)]
    out = []
    for i in range(n):
        ordered = Decimal(rnd.randint(1, 50))
        received = ordered if rnd.random() < 0.9 else Decimal(rnd.randint(0, int(ordered)))
        kind = rnd.random()
        invoiced = received if kind < 1 / 3 else (received / 2).quantize(Decimal(1)) if kind < 2 / 3 else Decimal(0)
        if rnd.random() < 0.05:
            invoiced = ordered + 1  # billed ahead of its goods
        price = Decimal(rnd.randint(100, 99_999)) / 100
        out.append(ReceivedLine(line_id=i, order=f"P{i // 5:06d}", company_id=1,
                                currency="USD" if rnd.random() < 0.05 else "EUR", qty_ordered=ordered,
                                qty_received=received, qty_invoiced=invoiced,
                                price_subtotal=(ordered * price * Decimal("0.97")).quantize(CENT), price_unit=price,
                                account_code=rnd.choice(accounts), analytic=rnd.choice(splits)))
    return out


def rounded_per_line(rows: list[ReceivedLine], rate: Decimal) -> dict:
    sums: dict = defaultdict(Decimal)
    for r in rows:
        qty = r.qty_received - r.qty_invoiced
        if qty > 0:
            value = qty * r.net_unit_price / (rate if r.currency == "USD" else 1)
            sums[(r.account_code, r.analytic)] += value.quantize(CENT, rounding=ROUND_HALF_UP)
    return sums


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rate = Decimal("1.08")
    print(f"{'lines':>10} {'accrual s':>10} {'per-line rounding s':>20} {'rule/baseline':>13} {'accrual lines':>14} "
          f"{'total EUR':>16} {'rounding drift':>15} {'peak MB':>8}")
    for n in (int(s) for s in args.sizes.split(",")):
        rows = lines(n, args.seed)
        started = time.perf_counter()
        out = goods_received_not_invoiced(rows, {1: "EUR"}, {(1, "USD"): rate})
        took = time.perf_counter() - started
        started = time.perf_counter()
        naive = rounded_per_line(rows, rate)
        naive_took = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        drift = sum(naive.values(), Decimal(0)) - out.total(1)
        print(f"{n:>10,} {took:>10.3f} {naive_took:>20.3f} {took / naive_took:>13.2f} {len(out.lines):>14,} "
              f"{out.total(1):>16,} {drift:>15} {peak:>8.0f}")
        del rows


if __name__ == "__main__":
    main()
