"""The procurement API client: records changed since a watermark, page by page, and acks back.

Suppliers, purchase orders, receipts and invoices are read alike (`iter_pages(kind, since)`)
from /api/v1/<kind>; acknowledgements go to /api/v1/<kind>/acknowledgements.

Reading is incremental: `updated_since` is inclusive on the server (>=), so a record updated
in the same second as the saved watermark is read again rather than missed; the inbox drops
identical payloads. Each page carries the largest `updated_at` seen so far; the flow saves it
only after every record has an outcome. Prefer cursor pagination (the default): with page
numbers, a record updated while the pages are read moves to the end and shifts the rest back,
so one record at a page boundary can be skipped. Retries live in `retry.py`; `transport`,
`sleep` and `jitter` are parameters so tests (and the in-process sandbox) stand in for the network.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from ofm.connectors.http_retry import default_jitter, should_retry, tenacity_wait
from ofm.connectors.procurement.config import ProcurementConfig
from ofm.connectors.procurement.errors import ProcurementAuthError, ProcurementError, ProcurementTransientError
from ofm.connectors.procurement.models import ACK_STATUSES_BY_KIND, Acknowledgement, Page
from ofm.connectors.retry_after import parse_retry_after

log = logging.getLogger("ofm.connectors.procurement")
KINDS = ("suppliers", "purchase-orders", "receipts", "invoices")
SUPPLIERS_PATH = "/api/v1/suppliers"
ACKS_PATH = "/api/v1/suppliers/acknowledgements"
ACK_BATCH = 500
USER_AGENT = "ofm-procurement-connector/1"


class ProcurementClient:
    """A synchronous client for one procurement platform and one integration token."""

    def __init__(self, config: ProcurementConfig, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 jitter: Callable[[], float] = default_jitter) -> None:
        self.config = config
        self._sleep = sleep
        self._jitter = jitter
        self._http = httpx.Client(base_url=config.url, transport=transport, timeout=config.timeout_seconds,
                                  headers={"User-Agent": USER_AGENT, "Accept": "application/json"})

    def __enter__(self) -> ProcurementClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    # -- reading ---------------------------------------------------------------------------
    def iter_supplier_pages(self, since: str | None = None) -> Iterator[Page]:
        """Suppliers updated at or after `since` (all when None), oldest first, one page at a time."""
        return self.iter_pages("suppliers", since)

    def iter_pages(self, kind: str, since: str | None = None) -> Iterator[Page]:
        """Records of `kind` (see KINDS) updated at or after `since` (all when None), oldest first, by page."""
        path = f"/api/v1/{_checked(kind)}"
        watermark = since
        pages = self._by_number(path, since) if self.config.pagination == "page" else self._by_cursor(path, since)
        for records in pages:
            watermark = latest_updated_at(watermark, records)
            yield Page(records=records, next_watermark=watermark)

    def _by_number(self, path: str, since: str | None) -> Iterator[list[dict[str, Any]]]:
        page = 1
        while True:
            params: dict[str, Any] = {"page": page, "page_size": self.config.page_size}
            if since:
                params["updated_since"] = since
            what = f"GET {path} (page {page})"
            body = self._call("GET", path, what, params=params)
            items = _items(body, what)
            pages = body.get("pages")
            if not isinstance(pages, int) or isinstance(pages, bool):
                raise ProcurementError(f"procurement API: unexpected answer to {what}: no 'pages' number")
            yield items
            if not items or page >= pages:
                return
            page += 1

    def _by_cursor(self, path: str, since: str | None) -> Iterator[list[dict[str, Any]]]:
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            params: dict[str, Any] = {"limit": self.config.page_size}
            if since:
                params["updated_since"] = since
            if cursor:
                params["cursor"] = cursor
            what = f"GET {path} (request {len(seen) + 1})"
            body = self._call("GET", path, what, params=params)
            yield _items(body, what)
            cursor = body.get("next_cursor")
            if cursor is None:
                return
            if not isinstance(cursor, str) or not cursor or cursor in seen:
                raise ProcurementError(f"procurement API: {what} returned a cursor that does not advance")
            seen.add(cursor)

    # -- writing ---------------------------------------------------------------------------
    def acknowledge(self, acks: Sequence[Acknowledgement], kind: str = "suppliers") -> int:
        """Tell the platform what happened to each record of `kind`, in batches of 500; returns how many.

        A status the kind does not know is refused before anything is sent (ValueError).
        """
        path = f"/api/v1/{_checked(kind)}/acknowledgements"
        allowed = ACK_STATUSES_BY_KIND[kind]
        wrong = sorted({ack.status for ack in acks} - allowed)
        if wrong:
            raise ValueError(f"acknowledgement status {wrong[0]!r} is not one of {sorted(allowed)} for {kind}")
        for start in range(0, len(acks), ACK_BATCH):
            batch = [_ack_body(ack, kind) for ack in acks[start:start + ACK_BATCH]]
            self._call("POST", path, f"POST {path}", body={"acknowledgements": batch})
        return len(acks)

    # -- one request, retried when the failure may pass --------------------------------------
    def _call(self, method: str, path: str, what: str, params: dict[str, Any] | None = None,
              body: dict[str, Any] | None = None) -> dict[str, Any]:
        retrying = Retrying(retry=retry_if_exception_type(ProcurementTransientError),
                            stop=stop_after_attempt(self.config.max_attempts),
                            wait=tenacity_wait(self.config, ProcurementTransientError, self._jitter), sleep=self._sleep,
                            before_sleep=_log_retry, reraise=True)
        try:
            return retrying(self._send, method, path, what, params, body)
        except ProcurementTransientError as exc:
            raise ProcurementTransientError(f"{exc} (gave up after {self.config.max_attempts} attempts)",
                                            exc.status) from None

    def _send(self, method: str, path: str, what: str, params: dict[str, Any] | None,
              body: dict[str, Any] | None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.config.token.get_secret_value()}"}
        try:
            response = self._http.request(method, path, params=params, json=body, headers=headers)
        except httpx.TimeoutException:
            raise ProcurementTransientError(f"procurement API: {what} timed out") from None
        except httpx.TransportError as exc:
            reason = self._scrub(str(exc) or type(exc).__name__)
            raise ProcurementTransientError(f"procurement API: {what} failed: {reason}") from None
        status = response.status_code
        if status in (401, 403):
            raise ProcurementAuthError(f"procurement token refused (HTTP {status})", status)
        if should_retry(status):
            raise ProcurementTransientError(f"procurement API unavailable: {what} answered HTTP {status}", status,
                                            retry_after=parse_retry_after(response.headers.get("Retry-After")))
        if status >= 300:
            raise ProcurementError(f"procurement API refused {what} (HTTP {status}){self._detail(response)}", status)
        try:
            decoded = response.json()
        except ValueError:
            raise ProcurementError(f"procurement API: {what} answered HTTP {status} with no JSON", status) from None
        if not isinstance(decoded, dict):
            raise ProcurementError(f"procurement API: unexpected answer to {what}: not a JSON object", status)
        return decoded

    def _detail(self, response: httpx.Response) -> str:
        """The server's own reason, short and one line, with the token masked should it echo it."""
        try:
            body = response.json()
            text = (body.get("detail") or body.get("error") or body.get("message")) if isinstance(body, dict) else body
        except ValueError:
            text = response.text
        text = " ".join(str(text or "").split())[:200]
        return f": {self._scrub(text)}" if text else ""

    def _scrub(self, text: str) -> str:
        token = self.config.token.get_secret_value()
        return text.replace(token, "***") if token else text


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    delay = state.next_action.sleep if state.next_action else 0.0
    log.warning("%s; attempt %d, retrying in %.1f s", error, state.attempt_number, delay)


def _checked(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown procurement record kind {kind!r}; expected one of {', '.join(KINDS)}")
    return kind


def _ack_body(ack: Acknowledgement, kind: str) -> dict[str, Any]:
    """The ack as sent; supplier acks carry odoo_ref only when set (that API predates it)."""
    body = asdict(ack)
    if kind == "suppliers" and body["odoo_ref"] is None:
        del body["odoo_ref"]
    return body


def _items(body: dict[str, Any], what: str) -> list[dict[str, Any]]:
    items = body.get("items")
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ProcurementError(f"procurement API: unexpected answer to {what}: 'items' is not a list of objects")
    return items


def parse_timestamp(value: Any) -> datetime | None:
    """An ISO 8601 timestamp ("...Z" accepted) as an aware datetime; None if it is not one."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def latest_updated_at(watermark: str | None, records: list[dict[str, Any]]) -> str | None:
    """The largest of `watermark` and the records' `updated_at` (compared as instants, kept as sent)."""
    best, best_at = watermark, parse_timestamp(watermark)
    for record in records:
        value = record.get("updated_at")
        at = parse_timestamp(value)
        if at is not None and (best_at is None or at > best_at):
            best, best_at = value, at
    return best
