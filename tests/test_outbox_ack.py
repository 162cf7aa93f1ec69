"""The acknowledgement of a batch deletes exactly the outbox rows that were
fetched and not changed since: a row updated by another session between the
fetch and the ack stays, to be processed again, whether that session commits
before the ack or while the ack waits for its lock, and so does a new row that
took the place (the ctid) of a fetched row deleted meanwhile (two connections,
interleaved in a stated order)."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

from indexer.pipeline.vacuum import MIN_ROWS_PER_WORKER, OutboxVacuum
from indexer.state import StateStore
from tests.harness import wait_until

SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "pagila_film.json"


def test_an_ack_deletes_the_fetched_rows_and_keeps_one_updated_meanwhile(make_pagila) -> None:
    h = make_pagila(SCHEMA, bootstrap=True)
    h.run_once()  # the backfill: the live version exists, so changed rows are eligible
    h.sql("UPDATE film SET title = title || '!' WHERE film_id <= 5")  # five outbox rows, no daemon running
    partitions = [row[0] for row in h.sql("SELECT generate_series(0, partitions - 1) FROM indexer.installation")]
    fetch = {
        "indexes": ["pagila_film"],
        "lanes": [0] * len(partitions) + [1] * len(partitions),
        "partitions": partitions * 2,
        "limit": 100,
    }
    with contextlib.closing(h.connect()) as worker, contextlib.closing(h.connect(autocommit=False)) as other:
        store = StateStore(worker, "indexer")
        # 1. the worker fetches the batch
        (group,) = store.rows("fetch_batch", fetch)
        assert group[4] == 5
        # 2. another session updates film 2's row and commits
        with other.cursor() as cur:
            cur.execute("UPDATE indexer.outbox SET held = true WHERE root_key = '{\"film_id\": 2}'")
            assert cur.rowcount == 1
        other.commit()
        # 3. another session updates film 3's row and holds its lock
        with other.cursor() as cur:
            cur.execute("UPDATE indexer.outbox SET held = true WHERE root_key = '{\"film_id\": 3}'")
            assert cur.rowcount == 1
        # 4. the worker acknowledges the batch: it waits for that row's lock
        ack = {"ctids": group[2], "ids": group[3]}
        done = threading.Event()

        def acknowledge() -> None:
            store.run("ack_batch", ack)
            done.set()

        acked = threading.Thread(target=acknowledge)
        acked.start()
        wait_until(
            lambda: h.sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")[0][0] >= 1,
            30,
            "the ack waiting for the row lock",
        )
        assert not done.is_set()
        # 5. the other session commits; the ack finishes and leaves both updated rows alone
        other.commit()
        acked.join(30)
        assert done.is_set()
    left = h.sql("SELECT root_key->>'film_id', held FROM indexer.outbox WHERE index_name = 'pagila_film' ORDER BY 1")
    assert left == [("2", True), ("3", True)]
    # the test acknowledged films 1, 4 and 5 without writing them: change them again so
    # they are written; the rows that stayed (films 2 and 3) are processed with them
    h.sql("UPDATE film SET last_update = now() WHERE film_id IN (1, 4, 5)")
    h.run_once()
    assert h.assert_matches("pagila_film") == 1000
    assert h.sql("SELECT count(*) FROM indexer.outbox") == [(0,)]


def test_an_ack_keeps_a_new_row_in_the_place_of_a_fetched_one(make_pagila) -> None:
    """A fetched row deleted by someone else and vacuumed away frees its slot;
    a row inserted next can take the same ctid. The ack must not delete it."""
    h = make_pagila(SCHEMA, bootstrap=True)
    h.run_once()
    h.sql("UPDATE film SET title = title || '!' WHERE film_id <= 5")
    partitions = [row[0] for row in h.sql("SELECT generate_series(0, partitions - 1) FROM indexer.installation")]
    fetch = {
        "indexes": ["pagila_film"],
        "lanes": [0] * len(partitions) + [1] * len(partitions),
        "partitions": partitions * 2,
        "limit": 100,
    }
    with contextlib.closing(h.connect()) as worker:
        store = StateStore(worker, "indexer")
        (group,) = store.rows("fetch_batch", fetch)
        assert group[4] == 5
        # another session deletes film 3's row, the outbox is vacuumed, and a new change takes its slot
        (freed,) = h.sql("DELETE FROM indexer.outbox WHERE root_key = '{\"film_id\": 3}' RETURNING ctid::text")[0]
        h.sql("VACUUM indexer.outbox")
        h.sql("UPDATE film SET title = title || '?' WHERE film_id = 7")
        (taken,) = h.sql("SELECT ctid::text FROM indexer.outbox WHERE root_key = '{\"film_id\": 7}'")[0]
        assert taken == freed, "the new row did not take the freed slot; the case is not set up"
        store.run("ack_batch", {"ctids": group[2], "ids": group[3]})
    left = h.sql("SELECT root_key->>'film_id' FROM indexer.outbox WHERE index_name = 'pagila_film'")
    assert left == [("7",)]
    h.sql("UPDATE film SET last_update = now() WHERE film_id IN (1, 2, 3, 4, 5)")  # acknowledged without writing
    h.run_once()
    assert h.assert_matches("pagila_film") == 1000


def test_workers_vacuum_the_outbox_once_a_backlog_is_drained(make_pagila) -> None:
    """Autovacuum visits a database once per naptime (60 s): workers reclaim
    the rows they acknowledged themselves, so fetches do not walk dead rows."""
    h = make_pagila(SCHEMA, bootstrap=True)
    h.run_once()

    def manual_vacuums() -> int:
        h.sql("SELECT pg_stat_clear_snapshot()")
        return h.sql("SELECT vacuum_count FROM pg_stat_user_tables WHERE relid = 'indexer.outbox'::regclass")[0][0]

    before = manual_vacuums()
    for n in range(12):  # 12,000 outbox rows, more than the 10,000 between two vacuums
        h.sql(f"UPDATE film SET rental_rate = rental_rate + 0.01 WHERE film_id > {n}")
    h.sql("UPDATE film SET rental_rate = rental_rate - 0.12 WHERE film_id > 0")
    assert h.sql("SELECT count(*) FROM indexer.outbox")[0][0] == 12_000 - 66 + 1_000  # one row per film changed
    h.run_once("--batch-size", "500")
    assert h.sql("SELECT count(*) FROM indexer.outbox") == [(0,)]
    wait_until(lambda: manual_vacuums() > before, 30, "a worker's VACUUM of the outbox")
    assert h.assert_matches("pagila_film") == 1000


def test_a_role_that_may_not_vacuum_the_outbox_never_tries(make_pagila) -> None:
    """``indexer run`` needs no ownership: such a role leaves the outbox to
    autovacuum instead of drawing a warning from Postgres at every attempt."""
    h = make_pagila(SCHEMA, bootstrap=True)
    h.sql("DO $$ BEGIN CREATE ROLE outbox_reader LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    h.sql("GRANT USAGE ON SCHEMA indexer TO outbox_reader")
    h.sql("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA indexer TO outbox_reader")
    for user, allowed in (("postgres", True), ("outbox_reader", False)):
        with contextlib.closing(h.connect(user=user)) as conn:
            conn.notices.clear()
            vacuum = OutboxVacuum(StateStore(conn, "indexer"), workers=1, every=1)
            assert vacuum.after_batch(MIN_ROWS_PER_WORKER, full=False) is allowed
            assert vacuum.allowed is allowed
            assert not [n for n in conn.notices if "skipping" in n]


def test_batches_of_large_documents_are_capped_by_bytes(make_pagila) -> None:
    """700 changed films of about 8 kB each, and a bulk request limit of
    1 MiB: after the first batch (500 rows, before any size is known) a worker
    fetches only as many outbox rows as fill about 1 MiB of documents (about
    125, not the default batch of 2,000), so it never holds a whole backlog of
    large documents at once; every document arrives."""
    h = make_pagila(SCHEMA, bootstrap=True)
    h.run_once()
    h.sql("UPDATE film SET description = repeat(md5(film_id::text), 250) WHERE film_id <= 700")  # 8,000 characters
    output = h.run_once("--workers", "1", env={"INDEXER_LOG_LEVEL": "info", "ELASTICSEARCH_MAX_CHUNK_BYTES": "1048576"})
    capped = [line for line in output.splitlines() if "event=batch_capped" in line]
    assert len(capped) == 1, output[-3000:]
    rows = int(capped[0].split("rows=")[1].split()[0])
    assert 100 <= rows <= 140, capped
    assert "event=batch_grown" not in output
    assert h.assert_matches("pagila_film") == 1000
