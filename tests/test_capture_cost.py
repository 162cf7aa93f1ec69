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
