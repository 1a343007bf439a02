"""The unit of work: deferred accounting computations run when the outermost operation of a call ends.

Odoo recomputes on flush and checks balance when its outermost create/write returns; the sandbox
does the same with `unit(env)` around create/write/unlink and the accounting methods. The order
matters: lines whose reconciliations changed first, then invoices' receivable/payable lines, then
the balance check, then move totals/payment states, then statement lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ofm.sandbox.odoo.accounting import moves, reconcile, statements
from ofm.sandbox.odoo.accounting.base import BALANCE, REFRESH_LINES, STATEMENT, SYNC, TOTALS, mark, take

if TYPE_CHECKING:
    from ofm.sandbox.odoo.orm import Env

_ROUNDS = 20  # each round settles what the previous one scheduled; a loop would be a sandbox bug


@contextmanager
def unit(env: Env) -> Iterator[None]:
    """Run the block; when it is the outermost one and succeeds, run the deferred work."""
    env.depth += 1
    try:
        yield
    finally:
        env.depth -= 1
    if env.depth == 0 and env.pending:
        env.depth += 1
        try:
            flush(env)
        finally:
            env.depth -= 1


def flush(env: Env) -> None:
    for _ in range(_ROUNDS):
        if not env.pending:
            return
        refresh = [rid for rid in take(env, REFRESH_LINES) if rid in env.db["account.move.line"]]
        if refresh:
            reconcile.settle(env, refresh)
        for move_id in take(env, SYNC):
            moves.sync_invoice(env, move_id)
            mark(env, BALANCE, [move_id])
            mark(env, TOTALS, [move_id])
        if env.pending.get(REFRESH_LINES) or env.pending.get(SYNC):
            continue
        moves.check_balanced(env, take(env, BALANCE))
        for move_id in take(env, TOTALS):
            moves.recompute(env, move_id)
        for st_id in take(env, STATEMENT):
            statements.recompute(env, st_id)
    raise RuntimeError(f"accounting work did not settle: {sorted(env.pending)}")
