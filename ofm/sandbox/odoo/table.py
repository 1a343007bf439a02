"""In-memory tables with per-value indexes and an undo journal (one RPC call = one transaction).

A row holds the stored fields of one record (`False` for an empty value, a list of ids for a
many2many). Indexed fields map each value to the set of ids holding it, so `=`/`in` searches on
them stay O(matches) for tens of thousands of records. Every change appends its inverse to the
database's journal; a failing call replays the journal backwards, leaving nothing applied.
Sequences are not rolled back, like PostgreSQL's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Undo = Callable[[], None]


def _key(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


class Table:
    """The rows of one model."""

    def __init__(self, model: str, indexed: tuple[str, ...], journal: Callable[[], list[Undo] | None]) -> None:
        self.model = model
        self.rows: dict[int, dict[str, Any]] = {}
        self.next_id = 1
        self.indexes: dict[str, dict[Any, set[int]]] = {name: {} for name in indexed}
        self._journal = journal

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, rid: object) -> bool:
        return rid in self.rows

    def __iter__(self) -> Iterator[int]:
        return iter(self.rows)

    def get(self, rid: int) -> dict[str, Any] | None:
        return self.rows.get(rid)

    def lookup(self, name: str, value: Any) -> set[int]:
        """Ids whose indexed field `name` equals `value` (do not mutate the answer)."""
        return self.indexes[name].get(_key(value), set())

    def insert(self, row: dict[str, Any], rid: int | None = None) -> int:
        """Add a row; its id comes from the sequence unless given (seeding, loading)."""
        if rid is None:
            rid, self.next_id = self.next_id, self.next_id + 1
        else:
            self.next_id = max(self.next_id, rid + 1)
        row["id"] = rid
        self.rows[rid] = row
        self._index_row(rid, row, add=True)
        self._log(lambda: self._drop(rid))
        return rid

    def update(self, rid: int, name: str, value: Any) -> None:
        """Set one stored field of one row."""
        row = self.rows[rid]
        old = row.get(name, False)
        if old == value and type(old) is type(value):
            return
        index = self.indexes.get(name)
        if index is not None:
            self._unindex(index, old, rid)
            index.setdefault(_key(value), set()).add(rid)
        row[name] = value
        self._log(lambda: self.update(rid, name, old))

    def delete(self, rid: int) -> None:
        row = self.rows[rid]
        self._drop(rid)
        self._log(lambda: self._restore(rid, row))

    def load(self, rows: list[dict[str, Any]], next_id: int) -> None:
        """Replace the content (state file), rebuilding the indexes."""
        self.rows = {}
        for index in self.indexes.values():
            index.clear()
        for row in rows:
            self.rows[row["id"]] = row
            self._index_row(row["id"], row, add=True)
        self.next_id = max(next_id, max(self.rows, default=0) + 1)

    def _drop(self, rid: int) -> None:
        row = self.rows.pop(rid)
        self._index_row(rid, row, add=False)

    def _restore(self, rid: int, row: dict[str, Any]) -> None:
        self.rows[rid] = row
        self._index_row(rid, row, add=True)

    def _index_row(self, rid: int, row: dict[str, Any], add: bool) -> None:
        for name, index in self.indexes.items():
            value = row.get(name, False)
            if add:
                index.setdefault(_key(value), set()).add(rid)
            else:
                self._unindex(index, value, rid)

    @staticmethod
    def _unindex(index: dict[Any, set[int]], value: Any, rid: int) -> None:
        ids = index.get(_key(value))
        if ids is not None:
            ids.discard(rid)
            if not ids:
                del index[_key(value)]

    def _log(self, undo: Undo) -> None:
        journal = self._journal()
        if journal is not None:
            journal.append(undo)


class Database:
    """All tables of the sandbox's one database, and its transactions."""

    def __init__(self, indexes: dict[str, tuple[str, ...]]) -> None:
        self._journal: list[Undo] | None = None
        self.tables = {model: Table(model, idx, lambda: self._journal) for model, idx in indexes.items()}

    def __getitem__(self, model: str) -> Table:
        return self.tables[model]

    def __contains__(self, model: object) -> bool:
        return model in self.tables

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Apply everything in the block or, if it raises, nothing."""
        if self._journal is not None:
            yield
            return
        self._journal = journal = []
        try:
            yield
        except BaseException:
            self._journal = None
            for undo in reversed(journal):
                undo()
            raise
        finally:
            self._journal = None
