"""Invariant 5: bad documents do not block good ones.

Films longer than 127 minutes do not fit the index's ``byte`` mapping of
``length``: the engine rejects them. They go to the dead letters with the
engine's reason, the rest of each batch is indexed, their partitions keep
flowing, and once the mapping is fixed ``indexer dead-letters requeue`` brings
them in.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.harness import Harness, wait_until
from tests.workload import drained

FILM = Path(__file__).resolve().parent.parent / "schemas" / "pagila_film.json"


def test_rejected_documents_go_to_dead_letters_and_come_back(cluster, make_database, search_url, tmp_path) -> None:
    entry = json.loads(FILM.read_text())
    entry[0]["nodes"]["transform"] = {"mapping": {"length": {"type": "byte"}}}
    schema = tmp_path / "film.json"
    schema.write_text(json.dumps(entry))
    h = Harness(cluster, make_database("pagila_tpl"), search_url, schema)
    try:
        h.cli("bootstrap")
        too_long = {str(r[0]) for r in h.sql("SELECT film_id FROM film WHERE length > 127")}
        assert 100 < len(too_long) < 900
        with h.daemon("--workers", "2"):
            wait_until(lambda: h.sql("SELECT backfill_state FROM indexer.indexes")[0][0] == "done", 60, "backfill")
            dead = {r[0] for r in h.sql("SELECT doc_id FROM indexer.dead_letters")}
            assert dead == too_long
            reasons = h.sql("SELECT DISTINCT reason, error->>'status' FROM indexer.dead_letters")
            assert len(reasons) == 1 and reasons[0][1] == "400", reasons
            assert "byte" in h.sql("SELECT error::text FROM indexer.dead_letters LIMIT 1")[0][0]
            assert set(h.documents("pagila_film")) == {str(i) for i in range(1, 1001)} - too_long
            # the change stream keeps flowing, good and bad documents alike
            good, bad = min(set(map(str, range(1, 1001))) - too_long, key=int), min(too_long, key=int)
            h.sql("UPDATE film SET title = 'STILL FLOWING' WHERE film_id IN (%s, %s)", (int(good), int(bad)))
            wait_until(lambda: drained(h), 30, "the drain")
            assert h.source("pagila_film", good)["title"] == "STILL FLOWING"
            assert h.sql("SELECT count(*) FROM indexer.dead_letters WHERE doc_id = %s", (bad,))[0][0] == 2
        listing = h.cli("dead-letters list", "--limit", "3").output
        assert (
            "mapper_parsing_exception" in listing
            or "illegal_argument_exception" in listing
            or "document_parsing" in listing
        )
        # the operator fixes the mapping, then requeues
        h.http("PUT", "/pagila_film/_mapping", {"properties": {"length": {"type": "byte", "ignore_malformed": True}}})
        result = h.cli("dead-letters requeue")
        assert f"requeued {len(too_long)} document(s)" in result.output
        h.run_once()
        assert h.sql("SELECT count(*) FROM indexer.dead_letters") == [(0,)]
        h.assert_matches("pagila_film")
    finally:
        h.close()
