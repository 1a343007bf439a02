"""A failed store statement's exception names the SQL, never the values bound to it.

The store's rows carry supplier data and, before scrubbing, whatever a source sent; a statement that fails (the
server restarted under it, a full disk) surfaces as an exception that Prefect logs with its text and that a run
may print. SQLAlchemy appends `[parameters: ...]` to that text unless the engine hides them.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

VALUE = "IBAN-DE89370400440532013000-api-key-7f3a"


def test_a_failing_statement_shows_its_sql_and_not_its_values(store, backend):
    with pytest.raises(sa.exc.DBAPIError) as caught, store.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO no_such_table (payload) VALUES (:payload)"), {"payload": VALUE})
    text = str(caught.value)
    assert "no_such_table" in text  # the statement is named ...
    assert VALUE not in text and "parameters hidden" in text  # ... its values are not
