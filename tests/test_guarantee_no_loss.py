"""Invariant 1: nothing committed is lost, whatever the commit order.

Two connections interleaved in a stated order (a transaction that starts first
and commits last must not be skipped), then a randomized workload of several
writers with inserts, updates, deletes and key changes on root, child and
through tables, long transactions and rollbacks, while the indexer runs. At the
end every document equals the reference: zero differences.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from tests.harness import Harness, wait_until
from tests.workload import Writer, drained

SCHEMA = Path(__file__).parent / "schemas" / "pagila_film_actor.json"


@pytest.fixture
def pagila(make_pagila) -> Harness:
    return make_pagila(SCHEMA, bootstrap=True)


def title_of(h: Harness, film_id: int) -> str | None:
    doc = h.document("pagila_film", str(film_id))
    return doc["title"] if doc else None


def settled(h: Harness) -> bool:
    """Everything processable is processed: only rechecks waiting for open transactions remain."""
    lsn = h.sql("SELECT pg_current_wal_lsn()::text")[0][0]
    reconciled = h.sql("SELECT coalesce(reconciled_lsn >= %s::pg_lsn, false) FROM indexer.slot_state", (lsn,))[0][0]
    eligible = h.sql(
        "SELECT count(*) FROM indexer.outbox WHERE pg_xact_status(after_xid) IS DISTINCT FROM 'in progress'"
    )[0][0]
    return bool(reconciled) and eligible == 0


def test_transaction_that_starts_first_and_commits_last_is_not_skipped(pagila: Harness) -> None:
    with pagila.daemon("--workers", "2"):
        wait_until(pagila.backfilled, 60, "backfill")
        a = pagila.connect(autocommit=False)
        b = pagila.connect()
        try:
            with a.cursor() as cur:  # 1. A starts first and takes its outbox ids first
                cur.execute("UPDATE film SET title = 'WRITTEN BY A' WHERE film_id = 1")
                cur.execute("SELECT max(id) FROM indexer.outbox")
            with b.cursor() as cur:  # 2. B changes the same document (another row) and another one, and commits
                cur.execute("INSERT INTO film_actor (actor_id, film_id) VALUES (200, 1)")
                cur.execute("UPDATE film SET title = 'WRITTEN BY B' WHERE film_id = 2")

            def actors_of_film_1() -> list[int]:
                return [a["actor_id"] for a in (pagila.document("pagila_film", "1") or {}).get("actors") or []]

            # 3. the indexer processes B's rows, whose ids are higher than A's
            wait_until(lambda: title_of(pagila, 2) == "WRITTEN BY B", 10, "B's change")
            wait_until(lambda: 200 in actors_of_film_1(), 10, "B's change to film 1")
            assert title_of(pagila, 1) != "WRITTEN BY A"
            a.commit()  # 4. A commits last
            wait_until(lambda: title_of(pagila, 1) == "WRITTEN BY A", 10, "A's change, committed last")
            assert 200 in actors_of_film_1()
        finally:
            a.close()
            b.close()
        wait_until(lambda: drained(pagila), 30, "the drain")
    pagila.assert_matches("pagila_film")
    pagila.assert_matches("pagila_actor")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(
            "UPDATE category SET name = 'Renamed' WHERE category_id = 1",
            "INSERT INTO film_category (film_id, category_id) SELECT 2, 1 WHERE NOT EXISTS"
            " (SELECT FROM film_category WHERE film_id = 2 AND category_id = 1)",
            id="grandchild-renamed-while-a-film-joins-its-category",
        ),
        pytest.param(
            "UPDATE language SET name = 'Esperanto' WHERE language_id = 2",
            "UPDATE film SET language_id = 2 WHERE film_id = (SELECT min(film_id) FROM film WHERE language_id <> 2)",
            id="lookup-renamed-while-a-film-switches-to-it",
        ),
        pytest.param(
            "UPDATE actor SET last_name = 'MOVED' WHERE actor_id = 7",
            "INSERT INTO film_actor (actor_id, film_id)"
            " SELECT 7, min(film_id) FROM film WHERE film_id NOT IN (SELECT film_id FROM film_actor WHERE actor_id = 7)",
            id="child-renamed-while-linked-to-another-root",
        ),
    ],
)
def test_link_added_while_the_linked_row_changes_in_an_open_transaction(
    pagila: Harness, first: str, second: str
) -> None:
    """A changes a row and stays open; B links a new root to that row and
    commits; the indexer builds the new root's document before A commits. A's
    keys, computed before B's link existed, do not include that root, yet its
    document must end up with A's change."""
    with pagila.daemon("--workers", "2"):
        wait_until(pagila.backfilled, 60, "backfill")
        a = pagila.connect(autocommit=False)
        try:
            with a.cursor() as cur:
                cur.execute(first)  # 1. A changes the row, keys computed now
            pagila.sql(second)  # 2. B links a root to it and commits
            wait_until(lambda: settled(pagila), 15, "B's change to be processed while A is open")
            a.commit()  # 3. A commits last
        finally:
            a.close()
        wait_until(lambda: drained(pagila), 30, "the drain")
    pagila.assert_matches("pagila_film")
    pagila.assert_matches("pagila_actor")


def test_rolled_back_changes_leave_nothing(pagila: Harness) -> None:
    with contextlib.closing(pagila.connect(autocommit=False)) as conn, conn.cursor() as cur:
        cur.execute("UPDATE actor SET first_name = 'GHOST' WHERE actor_id = 3")
        conn.rollback()
    assert pagila.pending() == 0


def test_randomized_workload_ends_with_zero_differences(pagila: Harness) -> None:
    with pagila.daemon("--workers", "2") as daemon:
        writers = [Writer(pagila, seed, seconds=25) for seed in range(4)]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join(120)
        for writer in writers:
            assert writer.error is None, writer.error
        assert sum(w.committed for w in writers) > 100
        assert sum(w.rolled_back for w in writers) > 5
        wait_until(lambda: drained(pagila), 120, "the drain")
        assert daemon.poll() is None
    pagila.assert_matches("pagila_film")
    pagila.assert_matches("pagila_actor")
    result = pagila.cli("verify")
    assert "missing 0, extra 0, stale 0" in result.output


def test_capturing_transaction_that_began_after_the_checkers_snapshot_is_named_exactly(pagila: Harness) -> None:
    """A worker asks which capturing transactions are still running. Interleaving:
    A takes its snapshot; C consumes a transaction id; B begins and captures;
    then A asks. B's id is above A's snapshot, and the cluster's epoch is above 0:
    A must name B's full xid8 (not one from another epoch) and wait for it."""
    from indexer.pipeline.drain import InFlight
    from indexer.state import StateStore

    assert pagila.sql("SELECT pg_current_xact_id()::text::bigint >> 32")[0][0] >= 1, "the test cluster's epoch is 0"
    a = pagila.connect(autocommit=False)
    b = pagila.connect(autocommit=False)
    try:
        with a.cursor() as cur:  # 1. A: a snapshot that will not move
            cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            cur.execute("SELECT 1")
        pagila.sql("SELECT txid_current()")  # 2. C: a transaction id is used up
        with b.cursor() as cur:  # 3. B: captures and stays open
            cur.execute("UPDATE film SET title = 'HELD BY B' WHERE film_id = 5")
            cur.execute("SELECT pg_current_xact_id()::text")
            (b_xid,) = cur.fetchone()
        assert pagila.pending() == 0  # B's outbox rows are not visible yet
        in_flight = InFlight(StateStore(a, "indexer"), max_wait=0.2)
        assert in_flight.settle() == [b_xid]  # 4. A names B, still running after the wait
        b.rollback()
        assert InFlight(StateStore(a, "indexer"), max_wait=0.2).settle() == []
    finally:
        a.close()
        b.close()
