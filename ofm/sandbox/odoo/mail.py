"""The chatter: mail.message, `message_post` and `message_ids` on the documents the middleware annotates.

As captured (traces/trace_e_message_post.json, json2/e_message_post_json2.json):
- `message_post(body=, message_type=, subtype_xmlid=, body_is_html=)` on one account.move, purchase.order,
  stock.picking or account.analytic.account answers the new message as a recordset: `[id]` over both
  protocols; the author is the calling user's partner, `is_internal` false, the subtype the one of
  `subtype_xmlid` or, when none is given, "Note" (mail.mt_note), as the capture shows;
- a plain-text body is HTML-escaped (`&`, `<`, `>`) and wrapped in `<p>…</p>`; with `body_is_html`
  it is stored as given;
- creating an invoice-type account.move logs the "Vendor Bill Created" ("Invoice Created", ...)
  notification: message_type notification, subtype Note, `is_internal` true;
- `message_ids` lists the record's messages newest first; `record_name` is the record's display
  name (computed on read, so a bill posted later reads with its new name), except that a draft move
  without a number reads "Draft Bill (<ref>)" as captured, without the "(* <id>)" its display name
  has; deleting a record deletes its messages (mail.thread's unlink).

Simplified on purpose: no followers, notifications, e-mails, attachments or tracking values; HTML
bodies are not sanitized; a plain-text body keeps its line breaks as `<br>` (Odoo's exact
plaintext-to-HTML rules for blank lines and links are not emulated); keyword arguments other than
body, subject, message_type, subtype_xmlid, subtype_id, author_id, parent_id, partner_ids,
email_from and body_is_html are refused with a ValueError of the sandbox's own wording; only the
subtypes mail.mt_comment ("Discussions", id 1) and mail.mt_note ("Note", id 2) exist; other
document types (journal entries, orders) log no creation message.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

from ofm.sandbox.odoo import exceptions as exc
from ofm.sandbox.odoo.accounting.base import require

if TYPE_CHECKING:
    from ofm.sandbox.odoo.orm import Env

MESSAGE, SUBTYPE = "mail.message", "mail.message.subtype"
THREADS = ("account.move", "purchase.order", "stock.picking", "account.analytic.account")
SUBTYPES = {"mail.mt_comment": (1, "Discussions"), "mail.mt_note": (2, "Note")}
POST_ARGS = frozenset({"body", "subject", "message_type", "subtype_xmlid", "subtype_id", "author_id", "parent_id",
                       "partner_ids", "email_from", "body_is_html"})
CREATED = {"in_invoice": "Vendor Bill Created", "in_refund": "Refund Created", "in_receipt": "Purchase Receipt Created",
           "out_invoice": "Invoice Created", "out_refund": "Credit Note Created",
           "out_receipt": "Sales Receipt Created"}
Row = dict[str, Any]


def seed_mail(env: Env) -> None:
    """The two message subtypes (ids as in a fresh Odoo: Discussions 1, Note 2)."""
    for rid, name in sorted(SUBTYPES.values()):
        env.db[SUBTYPE].insert({"name": name}, rid)


def message_post(env: Env, model: str, ids: list[int], args: dict[str, Any]) -> list[int]:
    """Post one message on one record; answers `[message id]` (a mail.message recordset)."""
    env.check_access(model, "write")  # mail.thread's default `_mail_post_access`
    ids = require(env, model, ids)
    if len(ids) != 1:
        raise exc.builtin("ValueError", f"Expected singleton: {model}({', '.join(map(str, ids))})")
    unsupported = sorted(set(args) - POST_ARGS)
    if unsupported:
        raise exc.builtin("ValueError", f"Those values are not supported when posting or notifying: "
                                        f"{', '.join(unsupported)}")
    message_type = args.get("message_type") or "notification"
    if message_type == "user_notification":
        raise exc.builtin("ValueError", "Use message_notify to send a notification to an user.")
    body = args.get("body") or ""
    vals: Row = {"model": model, "res_id": ids[0], "message_type": message_type,
                 "body": body_html(body, bool(args.get("body_is_html"))),
                 "subtype_id": args.get("subtype_id") or subtype(args.get("subtype_xmlid") or "mail.mt_note"),
                 "author_id": args.get("author_id") or _author(env), "date": env.now(), "is_internal": False}
    for name in ("subject", "parent_id", "email_from", "partner_ids"):
        if args.get(name):
            vals[name] = args[name]
    return [env.create_one(MESSAGE, vals)]


def body_html(body: Any, is_html: bool) -> str:
    """The stored body: HTML as given, or plain text escaped and wrapped in a paragraph."""
    text = body if isinstance(body, str) else str(body)
    if is_html or not text:
        return text
    return "<p>" + re.sub(r"\r\n|\r|\n", "<br>", html.escape(text, quote=False)) + "</p>"


def subtype(xmlid: Any) -> int:
    if xmlid not in SUBTYPES:
        raise exc.builtin("ValueError", f"External ID not found in the system: {xmlid}")
    return SUBTYPES[xmlid][0]


def _author(env: Env) -> int | bool:
    return (env.db["res.users"].get(env.uid) or {}).get("partner_id") or False


def after_create(env: Env, model: str, rid: int) -> None:
    """Odoo's creation message (`_creation_message`), for invoices and bills only."""
    if model != "account.move" or env.context.get("mail_create_nolog"):
        return
    text = CREATED.get(env.db[model].rows[rid].get("move_type") or "")
    if text:
        env.create_one(MESSAGE, {"model": model, "res_id": rid, "message_type": "notification",
                                 "body": f"<p>{text}</p>", "subtype_id": SUBTYPES["mail.mt_note"][0],
                                 "author_id": _author(env), "date": env.now(), "is_internal": True})


def before_unlink(env: Env, model: str, ids: list[int]) -> None:
    """A deleted document takes its messages with it."""
    if model not in THREADS:
        return
    for rid in ids:
        for mid in _messages(env, model, rid):
            env.delete(MESSAGE, mid)


def _messages(env: Env, model: str, rid: int) -> list[int]:
    table = env.db[MESSAGE]
    return sorted((m for m in table.lookup("res_id", rid) if table.rows[m].get("model") == model), reverse=True)


def _record_name(env: Env, row: Row) -> str | bool:
    model = row.get("model")
    if not model or model not in env.schema or not row.get("res_id"):
        return False
    name = env.display_name(model, row["res_id"])
    if model == "account.move" and isinstance(name, str):  # captured: "Draft Bill (ref)", no "(* id)"
        name = re.sub(r"\(\* \d+\) ?", "", name).strip()
    return name


def _preview(_env: Env, row: Row) -> str:
    text = re.sub(r"<[^>]*>", " ", row.get("body") or "")
    return " ".join(html.unescape(text).split())


COMPUTE: dict[tuple[str, str], Any] = {
    (MESSAGE, "record_name"): _record_name,
    (MESSAGE, "preview"): _preview,
    **{(model, "message_ids"): (lambda m: lambda env, row: _messages(env, m, row["id"]))(model) for model in THREADS},
}
DISPLAY_NAMES = {MESSAGE: lambda env, row: _record_name(env, row) or ""}
METHODS: dict[tuple[str, str], dict[str, Any]] = {
    (model, "message_post"): {"run": message_post, "writes": True, "var_kw": True} for model in THREADS}
