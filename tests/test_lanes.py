"""Outbox lanes: a change to one root row is taken before a fan-out queued
ahead of it (a shared row whose change reaches every document)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from indexer.state import StateStore

SCHEMA = Path(__file__).parent / "schemas" / "pagila_film_actor.json"


def test_a_root_change_is_fetched_before_a_fan_out_queued_ahead_of_it(make_pagila) -> None:
    h = make_pagila(SCHEMA, bootstrap=True)
    h.run_once()
    h.sql("UPDATE language SET name = 'Klingon' WHERE language_id = 1")  # every film, every actor
    h.sql("UPDATE film SET title = 'FIRST IN LINE' WHERE film_id = 999")  # one film, committed after
    h.sql("INSERT INTO film (film_id, title, language_id) SELECT 6000 + n, 'BULK ' || n, 2 FROM generate_series(1, 100) n")
    films = "SELECT lane, (root_key->>'film_id')::int AS film FROM indexer.outbox WHERE index_name = 'pagila_film'"
    assert h.sql(f"SELECT film FROM ({films}) o WHERE lane = 0") == [(999,)]
    # the fan-out and the 100-row INSERT (more rows than the cached capture serves) are lane 1
    assert h.sql(f"SELECT count(*) FROM ({films}) o WHERE lane = 1 AND film > 6000") == [(100,)]
    assert h.sql(f"SELECT count(*) > 500 FROM ({films}) o WHERE lane = 1 AND film <= 1000") == [(True,)]
    partitions = [row[0] for row in h.sql("SELECT generate_series(0, partitions - 1) FROM indexer.installation")]
    with contextlib.closing(h.connect()) as conn:
        store = StateStore(conn, "indexer")
        fetch = {
            "indexes": ["pagila_film"],
            "lanes": [0] * len(partitions) + [1] * len(partitions),
            "partitions": partitions * 2,
            "limit": 5,
        }
        (group,) = store.rows("fetch_batch", fetch)
    assert '{"film_id": 999}' in group[1], group[1]
    h.run_once()
    assert h.assert_matches("pagila_film") == 1100
    assert h.assert_matches("pagila_actor") == 200
