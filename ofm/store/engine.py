"""Engines and transactions for the two supported databases: SQLite (default) and PostgreSQL.

SQLite: the driver's own transaction handling is switched off and every write transaction starts
with `BEGIN IMMEDIATE`, so writers queue for the database lock up front instead of failing when a
read lock cannot be upgraded. PostgreSQL: writers that must not interleave (audit appends,
quarantine de-duplication, migrations) take a transaction-scoped advisory lock.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

T = TypeVar("T")
log = logging.getLogger(__name__)
SUPPORTED = ("sqlite", "postgresql")
CHUNK = 500  # keys per IN (...) list: far below SQLite's and PostgreSQL's parameter limits
READONLY = "ofm_readonly"
RECONNECT_SECONDS = 60.0  # how long a transaction waits for its PostgreSQL to accept connections again (a restart)


def parse_url(url: str) -> URL:
    """The URL, refused early (without echoing credentials) when it names an unsupported database."""
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError:
        raise ValueError("the store URL is not a SQLAlchemy URL (e.g. sqlite:///var/ofm.db)") from None
    if parsed.get_backend_name() not in SUPPORTED:
        raise ValueError(f"unsupported store database {parsed.get_backend_name()!r}: use sqlite or postgresql")
    return parsed


def is_memory(url: URL) -> bool:
    """An in-memory SQLite database lives in one connection, which the pool must then share."""
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def create_engine(url: str) -> sa.Engine:
    """An engine configured for safe concurrent writers on either database."""
    parsed = parse_url(url)
    if parsed.get_backend_name() != "sqlite":
        # No server-side prepared statements: a generic plan cannot hash a long IN (...) list (100x slower
        # look-ups), and a transaction-pooling PgBouncer in front of the database would break them anyway.
        args = {"prepare_threshold": None} if parsed.get_driver_name() == "psycopg" else {}
        return sa.create_engine(parsed, pool_pre_ping=True, hide_parameters=True, connect_args=args)
    # hide_parameters: a failed statement's exception (and any log of it) names the SQL, never the values bound to it.
    kwargs: dict[str, Any] = {"connect_args": {"timeout": 60, "check_same_thread": False}, "hide_parameters": True}
    if is_memory(parsed):
        kwargs["poolclass"] = StaticPool
    engine = sa.create_engine(parsed, **kwargs)
    memory = is_memory(parsed)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        if not memory:
            dbapi_conn.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
        dbapi_conn.execute("PRAGMA foreign_keys=ON")

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        readonly = conn.get_execution_options().get(READONLY, False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine


@contextmanager
def transaction(engine: sa.Engine, readonly: bool = False,
                patience: float = RECONNECT_SECONDS) -> Iterator[sa.Connection]:
    """One transaction: committed when the block ends, rolled back on an exception.

    `readonly` sees one consistent snapshot on both databases (SQLite: a deferred BEGIN). On PostgreSQL a
    transaction that cannot get a connection (the server restarting: refused, shutting down, starting up) waits
    for it up to `patience` seconds: nothing of it ran yet, so waiting is safe; pre-ping replaces the pooled
    connections the restart killed. A transaction the server kills once it has begun raises: `run_unit` runs
    a unit of work again when that is safe.
    """
    with connect(engine, patience) as conn:
        if readonly:
            options: dict[str, Any] = {READONLY: True}
            if conn.dialect.name == "postgresql":
                # one snapshot for the whole transaction, as SQLite's read transactions already have:
                # a read of several statements (verify_audit) must not see an append land halfway
                options["isolation_level"] = "REPEATABLE READ"
            conn = conn.execution_options(**options)
        with conn.begin():
            yield conn


class CommitUnknown(ConnectionError):
    """The answer to a COMMIT was lost and the server could not say whether the transaction committed (an OSError:
    `ofm run` ends with its one line)."""


def run_unit(engine: sa.Engine, work: Callable[[sa.Connection], T], readonly: bool = False,
             patience: float = RECONNECT_SECONDS) -> T:
    """`work(conn)` in one transaction (see `transaction`), committed, its result returned.

    On PostgreSQL a transaction the server killed by going away (a restart: SQLSTATE 57P01-57P03, or the
    connection closed under a statement) was rolled back by the server, so the unit is run again as a whole on a
    new connection, waiting for the server as `connect` does, for `patience` seconds in all. The one ambiguous
    moment is a COMMIT whose answer was lost: the transaction's id, taken when it began, is looked up on the
    server (`txid_status`): committed, the result stands; aborted, the unit runs again; still in progress (its
    session outlived the connection: the COMMIT never reached it), that session is ended, which rolls it back,
    and the unit runs again; not known (too old), CommitUnknown. A read-only unit is simply run again.
    `work` must only touch the database: it may run more than once.
    """
    if engine.dialect.name != "postgresql":
        with transaction(engine, readonly) as conn:
            return work(conn)
    deadline = time.monotonic() + patience
    while True:
        began, committing = None, False
        try:
            with transaction(engine, readonly, max(deadline - time.monotonic(), 0.0)) as conn:
                if not readonly:
                    began = tuple(conn.execute(sa.text("SELECT txid_current(), pg_backend_pid()")).one())
                result = work(conn)
                committing = True  # the last step of the block: what fails from here on is the COMMIT
            return result
        except sa.exc.DBAPIError as exc:
            if not killed(exc) or time.monotonic() > deadline:
                raise
            if committing and began is not None:
                status = _settled_status(engine, *began, max(deadline - time.monotonic(), 1.0))
                if status == "committed":
                    return result
                if status != "aborted":
                    raise CommitUnknown(f"the store: the answer to a COMMIT was lost and the server shows "
                                        f"transaction {began[0]} {status or 'unknown'}: run again to settle it"
                                        ) from None
            log.warning("the store: PostgreSQL went away under a transaction (%s); running it again",
                        str(exc.orig or exc).strip().splitlines()[0] if str(exc.orig or exc).strip() else "closed")
            time.sleep(0.1)


def _settled_status(engine: sa.Engine, xid: int, pid: int, patience: float) -> str | None:
    """committed / aborted (None: too old to tell) of transaction `xid` of session `pid`, asked on a new connection
    (waiting for the server). In progress: the session is still there, the COMMIT never reached it; it is ended
    (only if it still holds that transaction), which rolls the transaction back, and the status asked again."""
    deadline = time.monotonic() + patience
    while True:
        with connect(engine, max(deadline - time.monotonic(), 0.0)) as conn:
            status = conn.execute(sa.text("SELECT txid_status(:xid)"), {"xid": xid}).scalar()
            if status == "in progress":
                conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                     "WHERE pid = :pid AND backend_xid::text = :xid32"),
                             {"pid": pid, "xid32": str(xid % 2**32)})
            conn.rollback()
        if status != "in progress" or time.monotonic() > deadline:
            return status
        time.sleep(0.1)


def killed(exc: sa.exc.DBAPIError) -> bool:
    """The server went away under the transaction (shut down, restarting, the connection closed): whatever it had
    not committed it rolled back."""
    return bool(exc.connection_invalidated) or (isinstance(exc, sa.exc.OperationalError) and _restarting(exc))


def connect(engine: sa.Engine, patience: float = RECONNECT_SECONDS) -> sa.Connection:
    """A connection; on PostgreSQL, retried (backing off to 2 s) while the server refuses them, for `patience` s."""
    if engine.dialect.name != "postgresql":
        return engine.connect()
    deadline, pause = time.monotonic() + patience, 0.1
    while True:
        try:
            return engine.connect()
        except sa.exc.OperationalError as exc:
            if not _restarting(exc) or time.monotonic() + pause > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 2.0)


RESTARTING = ("57P01", "57P02", "57P03")  # admin shutdown, crash shutdown, cannot connect now (starting up)
# the same in words, for errors that carry no SQLSTATE (a refused or failed connection attempt: "the database system
# is starting up / shutting down / in recovery mode / not yet accepting connections")
GONE = ("connection refused", "server closed the connection", "connection is lost", "terminating connection",
        "the database system is")


def _restarting(exc: sa.exc.OperationalError) -> bool:
    """The server going down or coming up (worth waiting for), not a wrong password or database (fail now)."""
    if getattr(exc.orig, "sqlstate", None) in RESTARTING:
        return True
    return any(words in str(exc.orig).lower() for words in GONE)


def lock(conn: sa.Connection, name: str) -> None:
    """Serialise writers of `name` until the transaction ends (SQLite: BEGIN IMMEDIATE already did)."""
    if conn.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"ofm:{name}".encode()).digest()[:8], "big", signed=True)
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def insert(conn: sa.Connection, table: sa.Table) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """Slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start:start + size]
