"""The ledger-source API client: the deliveries listed after a cursor, and each one downloaded as written.

`GET /deliveries?since=<cursor>&limit=<n>` pages through the deliveries in the platform's stable order;
every delivery carries the cursor that resumes right after it, so a caller can save progress up to any
delivery it has finished with. `GET /deliveries/{id}` answers the file byte for byte; the download is
bounded (`max_bytes`) and must match the listed size and sha256, else it is read again (a truncated or
corrupted answer may pass). Retries live in `retry.py`; `transport`, `sleep` and `jitter` are parameters
so tests (and the in-process sandbox) stand in for the network. The token is only ever unwrapped into
the Authorization header: no log line and no error message carries it.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from ofm.connectors.http_retry import default_jitter, should_retry, tenacity_wait
from ofm.connectors.ledger.config import LedgerApiConfig
from ofm.connectors.ledger.errors import LedgerApiAuthError, LedgerApiError, LedgerApiTransientError
from ofm.connectors.ledger.models import Delivery, DeliveryPage
from ofm.connectors.retry_after import parse_retry_after

log = logging.getLogger("ofm.connectors.ledger")
USER_AGENT = "ofm-ledger-connector/1"
T = TypeVar("T")


class LedgerApiClient:
    """A synchronous client for one sub-ledger platform's delivery API and one integration token."""

    def __init__(self, config: LedgerApiConfig, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep, jitter: Callable[[], float] = default_jitter) -> None:
        self.config = config
        self._sleep = sleep
        self._jitter = jitter
        self._http = httpx.Client(base_url=config.url, transport=transport, timeout=config.timeout_seconds,
                                  headers={"User-Agent": USER_AGENT})

    def __enter__(self) -> LedgerApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    # -- reading ---------------------------------------------------------------------------------------
    def list_page(self, since: str | None = None) -> DeliveryPage:
        """One page of the deliveries after `since` (from the first when None)."""
        params: dict[str, Any] = {"limit": self.config.page_size}
        if since:
            params["since"] = since
        what = "GET /deliveries"
        body = self._call(what, "/deliveries", params, _json_object)
        items, next_cursor, has_more = body.get("items"), body.get("next_cursor"), body.get("has_more")
        if not isinstance(items, list) or not isinstance(has_more, bool):
            raise LedgerApiError(f"ledger API: unexpected answer to {what}: no 'items' list or 'has_more' flag")
        try:
            deliveries = [Delivery.from_listing(item) for item in items]
        except ValueError as exc:
            raise LedgerApiError(f"ledger API: unexpected answer to {what}: {exc}") from None
        if next_cursor is not None and not isinstance(next_cursor, str):
            raise LedgerApiError(f"ledger API: unexpected answer to {what}: 'next_cursor' is not text")
        return DeliveryPage(deliveries, next_cursor or (deliveries[-1].cursor if deliveries else since), has_more)

    def iter_deliveries(self, since: str | None = None) -> Iterator[Delivery]:
        """Every delivery after `since`, in the platform's order, page by page."""
        cursor, seen = since, set()
        while True:
            page = self.list_page(cursor)
            yield from page.deliveries
            if not page.has_more:
                return
            if not page.next_cursor or page.next_cursor == cursor or page.next_cursor in seen:
                raise LedgerApiError("ledger API: GET /deliveries returned a cursor that does not advance")
            seen.add(page.next_cursor)
            cursor = page.next_cursor

    def download(self, delivery: Delivery) -> bytes:
        """The delivery's file as the sender wrote it, checked against its listed size and sha256."""
        if delivery.size > self.config.max_bytes:
            raise LedgerApiError(f"ledger API: delivery {delivery.id} ({delivery.file_name}) has {delivery.size} "
                                 f"bytes, more than the {self.config.max_bytes} a delivery may have")
        what = f"GET /deliveries/{delivery.id}"

        def read(response: httpx.Response) -> bytes:
            data = bytearray()
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > self.config.max_bytes:
                    raise LedgerApiError(f"ledger API: {what} sent more than {self.config.max_bytes} bytes")
            if len(data) != delivery.size or hashlib.sha256(data).hexdigest() != delivery.sha256:
                raise LedgerApiTransientError(f"ledger API: {what} answered {len(data)} bytes that do not match "
                                              f"the listed size {delivery.size} and sha256")
            return bytes(data)

        return self._call(what, f"/deliveries/{quote(delivery.id, safe='')}", None, read)

    # -- one request, retried when the failure may pass -------------------------------------------------
    def _call(self, what: str, path: str, params: dict[str, Any] | None,
              read: Callable[[httpx.Response], T]) -> T:
        retrying = Retrying(retry=retry_if_exception_type(LedgerApiTransientError),
                            stop=stop_after_attempt(self.config.max_attempts),
                            wait=tenacity_wait(self.config, LedgerApiTransientError, self._jitter), sleep=self._sleep,
                            before_sleep=_log_retry, reraise=True)
        try:
            return retrying(self._send, what, path, params, read)
        except LedgerApiTransientError as exc:
            raise LedgerApiTransientError(f"{exc} (gave up after {self.config.max_attempts} attempts)",
                                          exc.status) from None

    def _send(self, what: str, path: str, params: dict[str, Any] | None, read: Callable[[httpx.Response], T]) -> T:
        headers = {"Authorization": f"Bearer {self.config.token.get_secret_value()}"}
        try:
            with self._http.stream("GET", path, params=params, headers=headers) as response:
                status = response.status_code
                if status in (401, 403):
                    raise LedgerApiAuthError(f"ledger API token refused (HTTP {status}); check OFM_LEDGER_API_TOKEN",
                                             status)
                if should_retry(status):
                    raise LedgerApiTransientError(f"ledger API unavailable: {what} answered HTTP {status}", status,
                                                  retry_after=parse_retry_after(response.headers.get("Retry-After")))
                if status >= 300:
                    response.read()
                    raise LedgerApiError(f"ledger API refused {what} (HTTP {status}){self._detail(response)}", status)
                return read(response)
        except httpx.TimeoutException:
            raise LedgerApiTransientError(f"ledger API: {what} timed out") from None
        except httpx.TransportError as exc:
            reason = self._scrub(str(exc) or type(exc).__name__)
            raise LedgerApiTransientError(f"ledger API: {what} failed: {reason}") from None

    def _detail(self, response: httpx.Response) -> str:
        """The server's own reason, short and one line, with the token masked should it echo it."""
        try:
            body = response.json()
            text = body.get("detail") if isinstance(body, dict) else body
        except ValueError:
            text = response.text
        text = " ".join(str(text or "").split())[:200]
        return f": {self._scrub(text)}" if text else ""

    def _scrub(self, text: str) -> str:
        token = self.config.token.get_secret_value()
        return text.replace(token, "***") if token else text


def _json_object(response: httpx.Response) -> dict[str, Any]:
    response.read()
    try:
        decoded = response.json()
    except ValueError:
        raise LedgerApiError(f"ledger API: {response.request.url.path} answered with no JSON",
                             response.status_code) from None
    if not isinstance(decoded, dict):
        raise LedgerApiError(f"ledger API: {response.request.url.path} answered something other than an object",
                             response.status_code)
    return decoded


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    delay = state.next_action.sleep if state.next_action else 0.0
    log.warning("%s; attempt %d, retrying in %.1f s", error, state.attempt_number, delay)
