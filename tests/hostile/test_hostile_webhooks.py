"""The webhook intake under hostile requests: random bodies and headers, bad signatures, signatures over another
body, stale and future timestamps, replays, oversized payloads (declared and not), non-JSON and JSON of the wrong
shape. Each gets its documented status (401, 413, 422, or 200 for a replayed duplicate), nothing is stored or
emitted for a refused request, and the app keeps serving: a good request after each bad one is accepted (202)."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import httpx
import pytest
import sqlalchemy as sa
from hostile_kit import examples, hostile_text
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import SecretStr
from webhook_world import SECRET, Clock, Recorder, TestClient, bank_event, po_event, signed

from ofm.settings import Settings
from ofm.store import Store
from ofm.store import tables as t
from ofm.webhooks.app import create_app
from ofm.webhooks.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

LIMIT = 4096
TOLERANCE = 300
_ids = itertools.count(1)


class Intake:
    """One app for a whole property: it must keep serving across every example."""

    def __init__(self, client: TestClient, store: Store, recorder: Recorder, clock: Clock) -> None:
        self.client, self.store, self.recorder, self.clock = client, store, recorder, clock

    def stored(self) -> int:
        with self.store.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(t.inbox)).scalar_one()

    def post(self, body: bytes | Iterator[bytes], headers: dict) -> int:
        """Through httpx's ASGI transport, which hands the app the header bytes as sent (Starlette's test client
        re-encodes them, so a latin-1 byte like '²' would never arrive as a real server passes it)."""

        async def send() -> int:
            content = body if isinstance(body, bytes) else _chunks(body)
            transport = httpx.ASGITransport(app=self.client.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
                return (await client.post("/webhooks/procurement", content=content, headers=headers)).status_code

        return asyncio.run(send())


    def refused(self, body: bytes | Iterator[bytes], headers: dict, statuses: set[int]) -> None:
        """The request gets one of `statuses`, stores and emits nothing; a good one right after is accepted."""
        before, emitted = self.stored(), len(self.recorder.events)
        status = self.post(body, headers)
        assert status in statuses, f"got {status}, expected one of {sorted(statuses)}"
        assert (self.stored(), len(self.recorder.events)) == (before, emitted), "a refused request left a trace"
        self.accepts_a_good_one()

    def accepts_a_good_one(self) -> None:
        good = signed(po_event(event_id=f"evt-good-{next(_ids)}"), self.clock.now)
        assert self.post(good.body, good.headers) == 202


@pytest.fixture(scope="module")
def intake(tmp_path_factory) -> Iterator[Intake]:
    url = f"sqlite:///{tmp_path_factory.mktemp('intake') / 'store.db'}"
    yield from _intake(url)


def _intake(url: str) -> Iterator[Intake]:
    settings = Settings(_env_file=None, database_url=url, webhook_relay_seconds=3600, webhook_max_body_bytes=LIMIT,
                        webhook_tolerance_seconds=TOLERANCE, webhook_secrets={"procurement": SecretStr(SECRET)})
    store, recorder, clock = Store(url), Recorder(), Clock()
    store.migrate()
    with TestClient(create_app(settings, store=store, client=recorder, clock=clock)) as client:
        yield Intake(client, store, recorder, clock)
    store.close()


HEADER_VALUES = st.text(st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=40) | st.sampled_from(
    ["²", "¹²³", "1e9", "-1", "+1", " 1767225600 ", "0", "9" * 13, "sha256=", "sha256=" + "0" * 64, "", "\x00"])


@examples(40)
@given(body=st.binary(max_size=600), timestamp=HEADER_VALUES | st.none(), signature=HEADER_VALUES | st.none())
@example(body=json.dumps(po_event()).encode(), timestamp="²", signature="sha256=" + "0" * 64)
def test_random_bodies_and_headers_are_401_and_leave_nothing(intake, body, timestamp, signature):
    """Found: a timestamp '²' (a digit to str.isdigit, not to int) made the intake answer 500; now 401."""
    headers = {k: v.encode("latin-1") for k, v in ((TIMESTAMP_HEADER, timestamp), (SIGNATURE_HEADER, signature))
               if v is not None}
    intake.refused(body, headers, {401})


@examples(20)
@given(declared=st.sampled_from(["²", "-1", "1e3", "0x10", " ", "99999999999999999999", str(LIMIT + 1)]))
def test_a_declared_length_that_is_no_plain_number_or_over_the_limit_is_413(intake, declared):
    """Found: a Content-Length '²' made the intake answer 500; now 413 like any length it cannot trust."""
    request = signed(po_event(event_id=f"evt-cl-{next(_ids)}"), intake.clock.now)
    headers = {**{k: v.encode() for k, v in request.headers.items()}, b"content-length": declared.encode("latin-1")}
    intake.refused(request.body, headers, {413})


@examples(20)
@given(extra=st.integers(1, 3 * LIMIT), chunk=st.integers(1, 5000), declared=st.booleans())
def test_oversized_bodies_are_413_declared_or_not(intake, extra, chunk, declared):
    body = json.dumps({**po_event(event_id=f"evt-big-{next(_ids)}"), "pad": "x" * (LIMIT + extra)}).encode()
    request = signed(body, intake.clock.now)
    content = body if declared else (body[i:i + chunk] for i in range(0, len(body), chunk))
    intake.refused(content, request.headers, {413})


@examples(30)
@given(other=st.binary(max_size=300), secret=st.sampled_from([SECRET, "whsec-somebody-else-entirely-00"]))
def test_a_signature_over_another_body_or_with_another_secret_is_401(intake, other, secret):
    body = json.dumps(po_event(event_id=f"evt-sig-{next(_ids)}")).encode()
    ts = str(int(intake.clock.now))
    if other == body and secret == SECRET:
        return
    intake.refused(body, {TIMESTAMP_HEADER: ts, SIGNATURE_HEADER: sign(secret, ts, other if other else body + b" ")},
                   {401})


@examples(30)
@given(skew=st.integers(TOLERANCE + 1, 10**9) | st.integers(-(10**9), -(TOLERANCE + 1)))
def test_a_stale_or_future_timestamp_is_401_even_when_signed(intake, skew):
    request = signed(po_event(event_id=f"evt-ts-{next(_ids)}"), intake.clock.now + skew)
    intake.refused(request.body, request.headers, {401})


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                      max_size=3), max_leaves=8)


@examples(60)
@given(data=st.data())
@example(data=None)
def test_signed_json_of_the_wrong_shape_or_not_json_is_422(intake, data):
    if data is None:
        body = b'{"id": "evt-x", "type": "purchase_order.approved", "data": {"po_id": 1e999}}'
    else:
        event = po_event(event_id=f"evt-shape-{next(_ids):09d}") if data.draw(st.booleans()) else bank_event(
            event_id=f"evt-shape-{next(_ids):09d}")
        where = data.draw(st.sampled_from(["id", "type", "data", "occurred_at", *event["data"]]))
        value = data.draw(JSON_VALUES)
        (event if where in ("id", "type", "data", "occurred_at") else event["data"])[where] = value
        body = json.dumps(event).encode()
        if data.draw(st.booleans()):
            body = body[:data.draw(st.integers(0, len(body) - 1))]  # cut: never JSON
    request = signed(body, intake.clock.now)
    before = intake.stored()
    status = intake.post(request.body, request.headers)
    assert status in (200, 202, 422), status  # 200: the mutated id is one stored before (a duplicate)
    if status != 202:
        assert intake.stored() == before
    intake.accepts_a_good_one()


@examples(15)
@given(later=st.integers(0, TOLERANCE), times=st.integers(1, 3))
def test_a_captured_request_replayed_in_the_window_is_a_duplicate_and_emits_nothing(intake, later, times):
    request = signed(po_event(event_id=f"evt-replay-{next(_ids)}"), intake.clock.now)
    assert intake.post(request.body, request.headers) == 202
    stored, emitted = intake.stored(), len(intake.recorder.events)
    intake.clock.now += later
    try:
        for _ in range(times):
            assert intake.post(request.body, request.headers) == (200 if later < TOLERANCE else 401)
    finally:
        intake.clock.now -= later
    assert (intake.stored(), len(intake.recorder.events)) == (stored, emitted)


def test_text_fields_with_nul_and_tricks_are_stored_as_sent_or_refused(store_url):
    """Signed approvals whose names hold NUL, control characters, RTL overrides or injections: 202 and stored
    exactly as sent, or 422; never a 500 from the store (PostgreSQL refuses NUL in text and \\u0000 in jsonb)."""
    with contextmanager(_intake)(store_url) as intake:

        @examples(10)
        @given(name=hostile_text())
        @example(name="Dana\x00Buyer")
        @example(name="\x1c")  # found by the deep profile: accepted, then the audit chain refused a blank actor: 500
        def stored_as_sent_or_refused(name: str) -> None:
            event = po_event(event_id=f"evt-nul-{next(_ids)}", approved_by=name)
            req = signed(json.dumps(event).encode(), intake.clock.now)
            status = intake.post(req.body, req.headers)
            assert status in (202, 413, 422), status  # 413: a long name over the intake's body limit
            if status == 202:
                with intake.store.engine.connect() as conn:
                    payload = conn.execute(sa.select(t.inbox.c.payload).order_by(t.inbox.c.id.desc())).scalar()
                assert name.strip() in [v.strip() for v in _strings(payload)], "not stored as sent"
            intake.accepts_a_good_one()

        stored_as_sent_or_refused()


async def _chunks(parts: Iterator[bytes]) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def _strings(node: object) -> list[str]:
    if isinstance(node, str):  # the raw body is kept as text: its values count too
        try:
            inner = json.loads(node) if node.startswith("{") else None
        except ValueError:
            inner = None
        return [node, *_strings(inner)]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    return [s for v in node for s in _strings(v)] if isinstance(node, list) else []
