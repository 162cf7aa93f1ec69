"""The capture's cost follows the rows a statement changes, whatever the
session ran before (a plan cached for a one-row statement must not be reused
for a 16,000-row one)."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

CUSTOMERS = [
    {
        "database": "pagila",
        "index": "customers",
        "nodes": {
            "table": "customer",
            "columns": ["customer_id", "first_name", "last_name"],
            "children": [
                {
                    "table": "rental",
                    "label": "rentals",
                    "columns": ["rental_id", "rental_date", "return_date"],
                    "relationship": {"variant": "object", "type": "one_to_many"},
                },
                {
                    "table": "address",
                    "columns": ["address", "district"],
                    "relationship": {"variant": "object", "type": "one_to_one"},
                },
            ],
        },
    }
]

BIG = "UPDATE rental SET return_date = return_date + interval '1 second'"


def _timed(conn, statements: list[str]) -> float:
    with conn.cursor() as cur:
        for statement in statements[:-1]:
            cur.execute(statement)
        started = time.monotonic()
        cur.execute(statements[-1])
        return time.monotonic() - started


def test_a_large_update_after_a_small_one_in_the_same_session(make_pagila, tmp_path: Path) -> None:
    schema = tmp_path / "customers.json"
    schema.write_text(json.dumps(CUSTOMERS))
    h = make_pagila(schema, bootstrap=True)
    with contextlib.closing(h.connect()) as fresh:
        alone = _timed(fresh, [BIG])
    with contextlib.closing(h.connect()) as pooled:
        after_small = _timed(pooled, [f"{BIG} WHERE rental_id = 2", f"{BIG} WHERE rental_id = 3", BIG])
    # Generous: a cached plan for a few rows made this 30-80 times slower.
    assert after_small < 5 * alone + 3, f"{after_small:.1f} s after a small update, {alone:.1f} s alone"
    assert h.sql("SELECT count(DISTINCT root_key) FROM indexer.outbox") == [(599,)]


def test_an_update_of_columns_no_document_reads_enqueues_nothing_and_is_vouched_for(make_pagila, tmp_path: Path) -> None:
    """Rows whose watched columns did not change (here ``last_update`` and
    ``staff_id``, which the document does not read) enqueue nothing and take no
    capture lock, yet the slot reconciler counts them as covered; in a statement
    that also changes a watched column of one row, that row's root is enqueued."""
    schema = tmp_path / "customers.json"
    schema.write_text(json.dumps(CUSTOMERS))
    h = make_pagila(schema, bootstrap=True)
    h.run_once()
    with contextlib.closing(h.connect()) as conn, conn.cursor() as cur:
        cur.execute("UPDATE rental SET last_update = now(), staff_id = 3 - staff_id WHERE rental_id <= 500")
        cur.execute("UPDATE rental SET last_update = now() WHERE rental_id = 7")  # one row: the cached path
        assert h.pending() == 0
        cur.execute(
            "UPDATE rental SET last_update = now(), return_date = CASE WHEN rental_id = 9"
            " THEN return_date + interval '1 day' ELSE return_date END WHERE rental_id <= 100"
        )
    assert h.sql("SELECT root_key->>'customer_id' FROM indexer.outbox") == [
        (str(h.sql("SELECT customer_id FROM rental WHERE rental_id = 9")[0][0]),)
    ]
    output = h.run_once()
    assert "event=slot_uncovered_changes" not in output, output[-3000:]
    assert h.sql("SELECT uncovered_changes FROM indexer.slot_state") == [(0,)]
    h.assert_matches("customers")
