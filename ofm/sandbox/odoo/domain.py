"""Odoo domains: prefix notation (`&`, `|`, `!`, implicit AND) evaluated over the tables.

A domain becomes a small tree, validated entirely before anything is evaluated (an unknown field
fails with Odoo's message even if an earlier condition matched nothing). Evaluation works on id
sets: `=`/`in` on an indexed field is a dict lookup, other conditions filter the ids that the
conditions before them left (indexed conditions of an AND run first). NULL semantics follow
Odoo: `!=`, `not in` and `not (i)like` also match empty values; `= False` matches them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ofm.sandbox.odoo import exceptions as exc
from ofm.sandbox.odoo.predicates import TEXT, compares_names, predicate
from ofm.sandbox.odoo.schema import X2MANY, FieldDef
from ofm.sandbox.odoo.values import empty, sanitize_account_number

if TYPE_CHECKING:
    from ofm.sandbox.odoo.orm import Env

Node = tuple[Any, ...]
OPERATORS = frozenset({"=", "!=", "<>", "in", "not in", "like", "ilike", "not like", "not ilike", "=like", "=ilike",
                       "<", "<=", ">", ">=", "=?", "any", "not any", "child_of", "parent_of"})
TRUE: Node = ("and", [])


def parse(domain: Any) -> Node:
    """The tree of a prefix-notation domain (a list of operators and [field, op, value] terms)."""
    if not isinstance(domain, list | tuple):
        raise exc.builtin("ValueError", f"Invalid domain: {domain!r}")
    stack: list[Node] = []
    for term in reversed(domain):
        if term in ("&", "|"):
            if len(stack) < 2:
                raise exc.builtin("ValueError", f"Domain {list(domain)!r} is syntactically not correct.")
            first, second = stack.pop(), stack.pop()
            stack.append(("and" if term == "&" else "or", [first, second]))
        elif term == "!":
            if not stack:
                raise exc.builtin("ValueError", f"Domain {list(domain)!r} is syntactically not correct.")
            stack.append(("not", stack.pop()))
        elif isinstance(term, list | tuple) and len(term) == 3 and isinstance(term[1], str):
            stack.append(_term(term))
        else:
            raise exc.builtin("ValueError", f"Invalid domain term {term!r}")
    return ("and", list(reversed(stack)))


def _term(term: list[Any] | tuple[Any, ...]) -> Node:
    left, op, value = term
    if left in (0, 1) and op == "=" and value == 1:  # Odoo's TRUE_LEAF / FALSE_LEAF
        return TRUE if left == 1 else ("or", [])
    if not isinstance(left, str):
        raise exc.builtin("ValueError", f"Invalid domain term {term!r}")
    return ("leaf", left, "!=" if op == "<>" else op, value, tuple(term))


def mentions(domain: Any, name: str) -> bool:
    """Whether a raw domain has a condition on `name` (Odoo's test for its `active` filter)."""
    return isinstance(domain, list | tuple) and any(
        isinstance(t, list | tuple) and len(t) == 3 and t[0] == name for t in domain)


class Evaluator:
    """Evaluates domain trees of one model for one environment."""

    def __init__(self, env: Env, model: str) -> None:
        self.env = env
        self.model = env.schema[model]
        self.table = env.db[model]

    def validate(self, node: Node) -> None:
        """Raise Odoo's error for the first unknown field or operator, before evaluating anything."""
        if node[0] == "leaf":
            _, path, op, _value, raw = node
            field = self.model.fields.get(path.split(".", 1)[0])
            if field is None:
                raise exc.builtin("ValueError", f"Invalid field {self.model.name}.{path.split('.', 1)[0]} "
                                                f"in condition {raw!r}")
            if op not in OPERATORS:
                raise exc.builtin("ValueError", f"Invalid operator {op!r} in condition {raw!r}")
            if "." in path and field.relation is None:
                raise exc.builtin("ValueError", f"Invalid field {self.model.name}.{path} in condition {raw!r}")
        elif node[0] == "not":
            self.validate(node[1])
        else:
            for child in node[1]:
                self.validate(child)

    def ids(self, node: Node, candidates: set[int] | None = None) -> set[int]:
        """Ids of the rows matching `node`, among `candidates` (None: all rows)."""
        kind = node[0]
        if kind == "and":
            for child in sorted(node[1], key=lambda n: not self._indexable(n)):
                candidates = self.ids(child, candidates)
                if not candidates:
                    return set()
            return set(self.table.rows) if candidates is None else candidates
        if kind == "or":
            out: set[int] = set()
            for child in node[1]:
                out |= self.ids(child, candidates)
            return out
        if kind == "not":
            base = set(self.table.rows) if candidates is None else candidates
            return base - self.ids(node[1], base)
        return self._leaf(node, candidates)

    # -- one condition ---------------------------------------------------------------------
    def _leaf(self, node: Node, candidates: set[int] | None) -> set[int]:
        _, path, op, value, _raw = node
        name, _, rest = path.partition(".")
        field = self.model.fields[name]
        if self.model.name == "res.partner.bank" and name == "acc_number" and not rest:
            name, field = "sanitized_acc_number", self.model.fields["sanitized_acc_number"]
            value = [sanitize_account_number(v) for v in value] if isinstance(value, list) else \
                sanitize_account_number(value)
        if op == "=?":
            if empty(value):
                return set(self.table.rows) if candidates is None else candidates
            op = "="
        if field.relation and (rest or op in ("any", "not any") or compares_names(field, value)):
            return self._related(field, rest, op, value, candidates)
        if op in ("child_of", "parent_of"):
            return self._hierarchy(field, op, value, candidates)
        if self._indexable(("leaf", name, op, value)):
            found = self._lookup(field, op, value)
            return found & candidates if candidates is not None else found
        test = predicate(field, op, value)
        pool: Iterable[int] = self.table.rows if candidates is None else candidates
        if field.stored:
            rows = self.table.rows
            return {i for i in pool if test(rows[i].get(name, False))}
        return {i for i in pool if test(self.env.value(self.model.name, self.table.rows[i], name))}

    def _indexable(self, node: Node) -> bool:
        if node[0] != "leaf" or node[2] not in ("=", "in") or (node[1] not in self.table.indexes and node[1] != "id"):
            return False
        values = node[3] if isinstance(node[3], list) else [node[3]]
        return all(isinstance(v, str | int | float | bool) or v is None for v in values)

    def _lookup(self, field: FieldDef, op: str, value: Any) -> set[int]:
        values = value if isinstance(value, list) else [value]
        if field.name == "id":  # the rows are keyed by id already
            return {v for v in values if isinstance(v, int) and v in self.table.rows}
        if field.type == "boolean":
            values = [bool(v) for v in values]
        elif any(empty(v) for v in values):
            values = [v for v in values if not empty(v)] + [False] + ([""] if field.type in TEXT else [])
        found: set[int] = set()
        for v in values:
            found |= self.table.lookup(field.name, v)
        return found

    def _related(self, field: FieldDef, rest: str, op: str, value: Any, candidates: set[int] | None) -> set[int]:
        """Conditions through a relation: a path, `any`, or names instead of ids on a many2one."""
        comodel = field.relation or ""
        negate = False
        if op in ("any", "not any"):
            sub = parse(value)
            negate = op == "not any"
        elif rest:
            sub = parse([[rest, op, value]])
        else:  # names on a many2one: match the comodel's display names, then compare ids
            negate = op in ("!=", "not in", "not like", "not ilike")
            positive = {"!=": "=", "not in": "in", "not like": "like", "not ilike": "ilike"}.get(op, op)
            sub = ("leaf", "display_name", positive, value, (field.name, op, value))
        matched = self.env.search_ids(comodel, sub, active_test=field.type in X2MANY)
        pool: Iterable[int] = self.table.rows if candidates is None else candidates
        if field.type == "many2one" and field.stored and field.name in self.table.indexes:
            hits = set().union(*(self.table.lookup(field.name, m) for m in matched)) if matched else set()
            hits = hits & (candidates if candidates is not None else hits)  # the index answers without the rows
        else:
            test = predicate(field, "in", sorted(matched))
            hits = {i for i in pool if test(self.env.value(self.model.name, self.table.rows[i], field.name))}
        return (set(pool) - hits) if negate else hits

    def _hierarchy(self, field: FieldDef, op: str, value: Any, candidates: set[int] | None) -> set[int]:
        """`child_of` / `parent_of` along the model's `parent_id`."""
        start = set(value if isinstance(value, list) else [value])
        parent = "parent_id" if "parent_id" in self.model.fields else None
        found = set(start)
        frontier = set(start)
        while parent and frontier:
            if op == "child_of":
                nxt = set().union(*(self.table.lookup(parent, i) for i in frontier)) if parent in self.table.indexes \
                    else {i for i, r in self.table.rows.items() if r.get(parent) in frontier}
            else:
                nxt = {self.table.rows[i].get(parent) for i in frontier if i in self.table.rows} - {False, None}
            frontier = nxt - found
            found |= frontier
        if field.name != "id":
            test = predicate(field, "in", sorted(found))
            pool = self.table.rows if candidates is None else candidates
            return {i for i in pool if test(self.table.rows[i].get(field.name, False))}
        return found & candidates if candidates is not None else found & set(self.table.rows)
