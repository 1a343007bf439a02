"""account.move: defaults, the invoice's receivable/payable line, balance, totals, posting.

Follows the captures and Odoo 19's account_move.py:
- the journal defaults by move type (sale documents -> the first sale journal, bills -> purchase,
  entries -> general); `date` defaults to the invoice date or today; drafts have no name (`false`);
- an invoice's product lines get their counterpart like `_sync_dynamic_lines`: one `payment_term`
  line on the partner's receivable (customer documents) or payable (vendor documents) account,
  balancing the move, due on `invoice_date_due` (the invoice date: payment terms are not applied);
  its product lines' taxes give one `tax` line each first (purchase/bills.py);
- "The entry is not balanced." (UserError, captured) at the end of any call leaving a move unbalanced;
- `action_post` collects Odoo 19's checks and raises them together (captured texts: "The Bill/Refund
  date is required to validate this document.", "Even magicians can't post nothing!", "The entry
  BILL/2026/11/0012 (id 830) must be in draft."), sets a customer invoice's date to today when
  missing, numbers the move (sequence.py), sets a customer invoice's `payment_reference` to its
  number and returns False;
- a posted move refuses writes of its protected fields (captured: "You cannot modify the following
  readonly fields on a posted move: date");
- posting re-dates a move of a locked period and `button_draft` refuses one (locks.py); a draft
  journal entry's taxes give its tax lines (taxes.py);
- amounts as `_compute_amount`, payment state as `_compute_payment_state` without account.payment
  (Community: `in_payment` only arises from unmatched payments, which the sandbox has none of).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ofm.sandbox.odoo import exceptions as exc
from ofm.sandbox.odoo.accounting import lines as aml
from ofm.sandbox.odoo.accounting import locks, reconcile, sequence, taxes
from ofm.sandbox.odoo.accounting.base import (
    JOURNAL_OF,
    NOTE_TYPES,
    PURCHASE_TYPES,
    REC_PAY,
    SALE_TYPES,
    TOTALS,
    Hooks,
    Row,
    company_currency,
    direction_sign,
    is_invoice,
    is_zero,
    lines_of,
    mark,
    rnd,
    set_fields,
    today,
    user_error,
    with_context,
)

if TYPE_CHECKING:
    from ofm.sandbox.odoo.orm import Env

MOVE = "account.move"
LINE = "account.move.line"
# Odoo 19 account.move.write: fields a posted move refuses (unless skip_readonly_check).
UNMODIFIABLE_POSTED = ("invoice_line_ids", "line_ids", "invoice_date", "date", "partner_id",
                       "invoice_payment_term_id", "currency_id", "fiscal_position_id", "invoice_cash_rounding_id")
LINE_FIELDS_FROM_MOVE = ("name", "state", "date", "invoice_date", "ref", "journal_id", "company_id",
                         "statement_line_id")


def default_journal(env: Env, move_type: str) -> int | bool:
    """The journal Odoo picks for a move type: the first active one of the right type, by sequence."""
    ids = journals_of(env, JOURNAL_OF.get(move_type, "general"))
    return ids[0] if ids else False


def journals_of(env: Env, kind: str) -> list[int]:
    """Active journals of a type, in the journals' order."""
    from ofm.sandbox.odoo.order import sort_ids

    table = env.db["account.journal"]
    ids = {rid for rid in table.lookup("type", kind) if table.rows[rid].get("active")}
    return sort_ids(env, "account.journal", ids, env.schema["account.journal"].order)


def commercial_partner(env: Env, partner_id: Any) -> int | bool:
    partners = env.db["res.partner"].rows
    row = partners.get(partner_id or 0)
    seen: set[int] = set()
    while row is not None and not row.get("is_company") and row.get("parent_id") and row["id"] not in seen:
        seen.add(row["id"])
        row = partners.get(row["parent_id"]) or row
    return row["id"] if row is not None else False


def partner_account(env: Env, partner_id: Any, kind: str) -> int | bool:
    """The partner's receivable or payable account (its property, else the chart's default)."""
    from ofm.sandbox.odoo.accounting.chart import default_account

    field = "property_account_receivable_id" if kind == "asset_receivable" else "property_account_payable_id"
    partner = env.db["res.partner"].rows.get(partner_id or 0) or {}
    return partner.get(field) or default_account(env, kind)


# -- hooks -------------------------------------------------------------------------------------
def _before_create(env: Env, vals: Row) -> Row:
    vals = dict(vals)
    invoice = (vals.get("move_type") or "entry") in SALE_TYPES | PURCHASE_TYPES
    for key in ("line_ids", "invoice_line_ids"):
        if isinstance(vals.get(key), list | tuple):
            vals[key] = [_strip_command(c, invoice) for c in vals[key]]
    move_type = vals.get("move_type") or "entry"
    if not vals.get("journal_id"):
        vals["journal_id"] = default_journal(env, move_type)
        if not vals["journal_id"]:
            company = env.display_name("res.company", env.company_id())
            raise user_error(f"No journal could be found in company {company} "
                             f"for any of those types: {JOURNAL_OF.get(move_type, 'general')}")
    journal = env.db["account.journal"].rows.get(vals["journal_id"]) if isinstance(vals["journal_id"], int) else None
    if journal is not None:
        vals.setdefault("company_id", journal.get("company_id") or env.company_id())
        if not vals.get("currency_id"):
            vals["currency_id"] = journal.get("currency_id") or company_currency(env)
    if not vals.get("currency_id"):
        vals["currency_id"] = company_currency(env)
    if not vals.get("date"):
        vals["date"] = vals.get("invoice_date") if move_type in SALE_TYPES | PURCHASE_TYPES and \
            vals.get("invoice_date") else today(env)
    if move_type in SALE_TYPES | PURCHASE_TYPES and "invoice_date_due" not in vals:
        vals["invoice_date_due"] = vals.get("invoice_date") or False
    return vals


def _strip_command(command: Any, invoice: bool = False) -> Any:
    if isinstance(command, list | tuple) and len(command) >= 3 and command[0] in (0, 1) \
            and isinstance(command[2], dict):
        return [command[0], command[1], aml.strip_taxes(command[2], invoice)]
    return command


def _fill(env: Env, row: Row, vals: Row, old: Row | None) -> None:
    if old is None or "partner_id" in vals:
        row["commercial_partner_id"] = commercial_partner(env, row.get("partner_id"))
    if old is None:
        row.update(name=row.get("name") if row.get("name") not in (None, "/") else False, payment_state="not_paid")
        return
    if "invoice_date" in vals and is_invoice(row) and row.get("state") == "draft":
        if "date" not in vals and row.get("invoice_date"):
            row["date"] = row["invoice_date"]
        if "invoice_date_due" not in vals:
            row["invoice_date_due"] = row.get("invoice_date") or False


def _after_create(env: Env, rid: int, vals: Row) -> None:
    aml.touch_moves(env, [rid])


def _before_write(env: Env, ids: list[int], vals: Row) -> Row:
    moves = env.db[MOVE].rows
    invoice = all(is_invoice(moves[rid]) for rid in ids if rid in moves)
    for key in ("line_ids", "invoice_line_ids"):
        if isinstance(vals.get(key), list | tuple):
            vals[key] = [_strip_command(c, invoice) for c in vals[key]]
    if not env.context.get("skip_readonly_check"):
        for rid in ids:
            state = vals.get("state", moves[rid].get("state"))
            readonly = [name for name in vals if name in UNMODIFIABLE_POSTED]
            if state == "posted" and readonly:
                raise user_error("You cannot modify the following readonly fields on a posted move: "
                                 + ", ".join(readonly))
    return vals


def _after_write(env: Env, ids: list[int], vals: Row) -> None:
    if any(name in vals for name in LINE_FIELDS_FROM_MOVE):
        aml.refresh(env, [lid for mid in ids for lid in lines_of(env, mid)])
    aml.touch_moves(env, ids)


def _before_unlink(env: Env, ids: list[int]) -> None:
    doomed = [lid for mid in ids for lid in lines_of(env, mid)]
    if doomed:
        with with_context(env, dynamic_unlink=True):
            env.unlink(LINE, doomed)


HOOKS = Hooks(before_create=_before_create, fill=_fill, after_create=_after_create, before_write=_before_write,
              after_write=_after_write, before_unlink=_before_unlink)


# -- deferred work -----------------------------------------------------------------------------
def sync_invoice(env: Env, move_id: int) -> None:
    """Regenerate a draft invoice's receivable/payable line (Odoo's `_sync_dynamic_lines`)."""
    move = env.db[MOVE].rows.get(move_id)
    if move is None or move.get("state") != "draft":
        return
    if not is_invoice(move):
        taxes.sync_entry_taxes(env, move_id)
        return
    from ofm.sandbox.odoo.purchase.bills import sync_taxes

    table = env.db[LINE]
    sync_taxes(env, move_id, move, lines_of(env, move_id))
    ids = lines_of(env, move_id)
    terms = [lid for lid in ids if table.rows[lid].get("display_type") == "payment_term"]
    others = [lid for lid in ids if table.rows[lid].get("display_type") not in NOTE_TYPES | {"payment_term"}]
    if not others:
        _drop(env, terms)
        return
    total = rnd(sum(table.rows[lid].get("balance") or 0.0 for lid in others))
    total_currency = rnd(sum(table.rows[lid].get("amount_currency") or 0.0 for lid in others))
    kind = "asset_receivable" if move["move_type"] in SALE_TYPES else "liability_payable"
    partner = move.get("commercial_partner_id") or False
    target = {"partner_id": partner, "balance": -total, "amount_currency": -total_currency,
              "currency_id": move.get("currency_id") or company_currency(env), "name": term_label(move),
              "date_maturity": move.get("invoice_date_due") or move.get("invoice_date") or move.get("date"),
              "display_type": "payment_term"}
    if terms:
        keep = table.rows[terms[0]]
        account = env.db["account.account"].rows.get(keep.get("account_id") or 0) or {}
        if account.get("account_type") != kind:
            target["account_id"] = partner_account(env, partner, kind)
        _update_line(env, terms[0], target)
        _drop(env, terms[1:])
    else:
        target["account_id"] = partner_account(env, partner, kind)
        env.create_one(LINE, {**target, "move_id": move_id})


def term_label(move: Row) -> str | bool:
    """The label of an invoice's receivable/payable line: its payment reference (a bill's: its ref)."""
    if move.get("payment_reference"):
        return move["payment_reference"]
    if move.get("move_type") in PURCHASE_TYPES and move.get("ref"):
        return move["ref"]
    return False


def _update_line(env: Env, line_id: int, values: Row) -> None:
    table = env.db[LINE]
    old = table.rows[line_id]
    row = {**old, **values}
    aml.derive(env, row, values, old)
    set_fields(env, LINE, line_id, {name: row.get(name, False) for name in row if name != "id"})


def _drop(env: Env, line_ids: list[int]) -> None:
    if line_ids:
        with with_context(env, dynamic_unlink=True, force_delete=True):
            env.unlink(LINE, line_ids)


def check_balanced(env: Env, move_ids: list[int]) -> None:
    """Odoo's `_check_balanced` (captured: UserError "The entry is not balanced.") and line/account checks."""
    moves = env.db[MOVE].rows
    table = env.db[LINE]
    accounts = env.db["account.account"].rows
    for mid in move_ids:
        move = moves.get(mid)
        if move is None:
            continue
        ids = lines_of(env, mid)
        if not is_zero(sum(table.rows[lid].get("balance") or 0.0 for lid in ids)):
            raise user_error("The entry is not balanced.")
        journal = env.db["account.journal"].rows.get(move.get("journal_id") or 0) or {}
        kind = move.get("move_type")
        if kind in PURCHASE_TYPES and journal.get("type") != "purchase":
            raise exc.odoo("ValidationError", "Cannot create a purchase document in a non purchase journal")
        if kind in SALE_TYPES and journal.get("type") != "sale":
            raise exc.odoo("ValidationError", "Cannot create a sale document in a non sale journal")
        if kind in SALE_TYPES | PURCHASE_TYPES:
            own, other = ("asset_receivable", "liability_payable") if kind in SALE_TYPES else \
                ("liability_payable", "asset_receivable")
            for lid in ids:
                line = table.rows[lid]
                account = accounts.get(line.get("account_id") or 0) or {}
                if account.get("account_type") == other:
                    usage = "purchase" if kind in PURCHASE_TYPES else "sale"
                    label = "payable" if other == "liability_payable" else "receivable"
                    raise user_error(f"Account {account.get('code')} is of {label} type, but is used in a "
                                     f"{usage} operation.")
                if line.get("display_type") not in NOTE_TYPES and \
                        (line.get("display_type") == "payment_term") != (account.get("account_type") == own):
                    label = "receivable" if own == "asset_receivable" else "payable"
                    raise user_error(f"Any journal item on a {label} account must have a due date and vice versa.")


def recompute(env: Env, move_id: int) -> None:
    """Amounts, residual and payment state of one move (Odoo's `_compute_amount`, `_compute_payment_state`)."""
    move = env.db[MOVE].rows.get(move_id)
    if move is None:
        return
    table = env.db[LINE]
    ids = lines_of(env, move_id)
    untaxed = untaxed_cur = tax = tax_cur = total = total_cur = residual = residual_cur = 0.0
    invoice = is_invoice(move)
    for lid in ids:
        line = table.rows[lid]
        kind = line.get("display_type")
        balance, currency = line.get("balance") or 0.0, line.get("amount_currency") or 0.0
        if invoice:
            if kind == "tax":
                tax, tax_cur = tax + balance, tax_cur + currency
                total, total_cur = total + balance, total_cur + currency
            elif kind in ("product", "rounding"):
                untaxed, untaxed_cur = untaxed + balance, untaxed_cur + currency
                total, total_cur = total + balance, total_cur + currency
            elif kind == "payment_term":
                residual += line.get("amount_residual") or 0.0
                residual_cur += line.get("amount_residual_currency") or 0.0
        elif (line.get("debit") or 0.0) > 0:
            total, total_cur = total + balance, total_cur + currency
    sign = direction_sign(move)
    values = {
        "amount_untaxed": rnd(sign * untaxed_cur), "amount_tax": rnd(sign * tax_cur),
        "amount_total": rnd(sign * total_cur), "amount_residual": rnd(-sign * residual_cur),
        "amount_untaxed_signed": rnd(-untaxed), "amount_residual_signed": rnd(residual),
        "amount_total_signed": rnd(abs(total) if move.get("move_type") == "entry" else -total),
    }
    values["payment_state"] = payment_state(env, move, ids, values["amount_residual"])
    set_fields(env, MOVE, move_id, values)


def payment_state(env: Env, move: Row, line_ids: list[int], amount_residual: float) -> str:
    """not_paid / partial / paid / reversed as Odoo 19 Community computes them (no account.payment here)."""
    if move.get("state") != "posted" or not is_invoice(move):
        return "not_paid"
    table = env.db[LINE]
    partials = env.db[reconcile.PARTIAL].rows
    counterparts: list[int] = []
    for lid in line_ids:
        if table.rows[lid].get("account_type") not in REC_PAY:
            continue
        for pid in reconcile.partials_of(env, lid):
            other = partials[pid]["credit_move_id"] if partials[pid]["debit_move_id"] == lid else \
                partials[pid]["debit_move_id"]
            counterparts.append(table.rows[other]["move_id"] if other in table.rows else 0)
    if is_zero(amount_residual):
        moves = env.db[MOVE].rows
        reversing = [moves[m]["move_type"] for m in counterparts
                     if m in moves and moves[m].get("reversed_entry_id") == move["id"]]
        kind = move["move_type"]
        if (kind in ("in_invoice", "in_receipt") and reversing == ["in_refund"]) \
                or (kind in ("out_invoice", "out_receipt") and reversing == ["out_refund"]) \
                or (kind in ("entry", "out_refund", "in_refund") and reversing == ["entry"]):
            return "reversed"
        return "paid"
    return "partial" if counterparts else "not_paid"


# -- actions -------------------------------------------------------------------------------------
def action_post(env: Env, ids: list[int]) -> bool:
    """`account.move.action_post`: Odoo 19's `_post(soft=False)`; returns False like Odoo."""
    moves = env.db[MOVE].rows
    table = env.db[LINE]
    messages: dict[str, None] = {}
    for mid in ids:
        move = moves[mid]
        if not is_invoice(move):
            continue
        if move.get("amount_total", 0.0) < -0.005:
            messages["You cannot validate an invoice with a negative total amount. You should create a credit note "
                     "instead. Use the action menu to transform it into a credit note or refund."] = None
        if not move.get("partner_id"):
            if move["move_type"] in SALE_TYPES:
                messages["The 'Customer' field is required to validate the invoice.\nYou probably don't want to "
                         "explain to your auditor that you invoiced an invisible man :)"] = None
            else:
                messages["The field 'Vendor' is required, please complete it to validate the Vendor Bill."] = None
        if not move.get("invoice_date"):
            if move["move_type"] in SALE_TYPES:
                env.write(MOVE, [mid], {"invoice_date": today(env)})
            else:
                messages["The Bill/Refund date is required to validate this document."] = None
    for mid in ids:
        move = moves[mid]
        if move.get("state") in ("posted", "cancel"):
            messages[f"The entry {move.get('name')} (id {mid}) must be in draft."] = None
        if not [lid for lid in lines_of(env, mid) if table.rows[lid].get("display_type") not in NOTE_TYPES]:
            messages["Even magicians can't post nothing!"] = None
        if move.get("auto_post", "no") != "no" and (move.get("date") or "") > today(env):
            y, m, d = move["date"][:10].split("-")
            messages[f"This move is configured to be auto-posted on {m}/{d}/{y}"] = None
        journal = env.db["account.journal"].rows.get(move.get("journal_id") or 0) or {}
        if not journal.get("active", True):
            messages[f"You cannot post an entry in an archived journal ({journal.get('name')})"] = None
    if messages:
        raise user_error("\n".join(messages))
    post(env, ids)
    return False


def post(env: Env, ids: list[int]) -> None:
    """Number and post moves (checks done), in date order like Odoo; a move dated in a locked period is first
    re-dated, silently, as Odoo's `_post` does (locks.py)."""
    moves = env.db[MOVE].rows
    for mid in ids:
        new_date = locks.redate_locked(env, mid)
        if new_date:
            set_fields(env, MOVE, mid, {"date": new_date})
    for mid in sorted(ids, key=lambda m: (moves[m].get("date") or "", moves[m].get("ref") or "", m)):
        move = moves[mid]
        values: Row = {"state": "posted", "posted_before": True, "checked": True}
        if not move.get("name") or move.get("name") == "/":
            name, prefix, number = sequence.next_name(env, move)
            values.update(name=name, sequence_prefix=prefix, sequence_number=number)
            sequence.remember(env, prefix, number, mid)
        if move.get("move_type") in SALE_TYPES and not move.get("payment_reference"):
            values["payment_reference"] = invoice_reference(env, move, values.get("name") or move.get("name"))
        set_fields(env, MOVE, mid, values)
        label = term_label(moves[mid])
        for lid in lines_of(env, mid):
            line = env.db[LINE].rows[lid]
            if line.get("display_type") == "payment_term" and is_invoice(move) and label and not line.get("name"):
                set_fields(env, LINE, lid, {"name": label})
        aml.refresh(env, lines_of(env, mid))
        mark(env, TOTALS, [mid])
        aml.touch_moves(env, [mid])


def invoice_reference(env: Env, move: Row, name: Any) -> Any:
    """What customers' payments should quote (`_get_invoice_computed_reference`): the number (captured, the
    journal's default "odoo" standard), or with the "euro" standard the ISO 11649 reference of the move id."""
    journal = env.db["account.journal"].rows.get(move.get("journal_id") or 0) or {}
    if journal.get("invoice_reference_model") == "euro" and journal.get("invoice_reference_type") == "invoice":
        return structured_reference(move["id"])
    return name


def structured_reference(number: int) -> str:
    """Odoo's `format_structured_reference_iso`: 43 -> "RF07 43" (check digits: ISO 7064 mod 97-10)."""
    digits = "".join(str(int(c, 36)) for c in f"{number}RF")
    check = (98 - 100 * int(digits)) % 97
    text = str(number)
    return f"RF{check:02d} " + " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def button_draft(env: Env, ids: list[int]) -> None:
    """Reset posted/cancelled moves to draft; Odoo 19 keeps their name and reconciliations."""
    moves = env.db[MOVE].rows
    if any(moves[mid].get("state") not in ("cancel", "posted") for mid in ids):
        raise user_error("Only posted/cancelled journal entries can be reset to draft.")
    locks.check_fiscal_lock_dates(env, [mid for mid in ids if moves[mid].get("state") == "posted"])
    with with_context(env, skip_readonly_check=True):
        env.write(MOVE, ids, {"state": "draft"})


def button_cancel(env: Env, ids: list[int]) -> None:
    """Cancel moves: a posted one is reset to draft first (Odoo 19)."""
    moves = env.db[MOVE].rows
    posted = [mid for mid in ids if moves[mid].get("state") == "posted"]
    if posted:
        button_draft(env, posted)
    if any(moves[mid].get("state") != "draft" for mid in ids):
        raise user_error("Only draft journal entries can be cancelled.")
    with with_context(env, skip_readonly_check=True):
        env.write(MOVE, ids, {"auto_post": "no", "state": "cancel"})
