"""Invariant 6: the logical replication slot is the completeness net.

Writes that fire no capture trigger (disabled triggers, ``pg_restore
--disable-triggers``, rows applied by a logical replication subscription, whose
apply workers fire row triggers only) are found in the slot and indexed; writes
under ``session_replication_role = replica`` fire the capture triggers, which
are enabled ALWAYS. The
slot's position advances as the stream is reconciled, so retained WAL falls back
after a drain; a lost slot is recreated and the gap repaired by a verify pass.
"""

from __future__ import annotations

import contextlib
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from tests.harness import Harness, wait_until

SCHEMA = Path(__file__).parent / "schemas" / "pagila_film_actor.json"


@pytest.fixture
def pagila(make_pagila) -> Harness:
    harness = make_pagila(SCHEMA, bootstrap=True)
    harness.run_once()
    return harness


def test_session_replication_role_replica_still_fires_the_triggers(pagila: Harness) -> None:
    with contextlib.closing(pagila.connect()) as conn, conn.cursor() as cur:
        cur.execute("SET session_replication_role = replica")
        cur.execute("UPDATE film SET title = 'AS A REPLICA' WHERE film_id = 10")
    assert pagila.sql("SELECT DISTINCT source_table FROM indexer.outbox") == [("public.film",)]
    pagila.run_once()
    assert pagila.document("pagila_film", "10")["title"] == "AS A REPLICA"


def test_changes_with_disabled_triggers_are_found_in_the_slot(pagila: Harness) -> None:
    statements = [
        # a root row: its key is in the WAL
        "ALTER TABLE film DISABLE TRIGGER ALL",
        "UPDATE film SET title = 'BEHIND THE BACK' WHERE film_id = 11",
        "INSERT INTO film (film_id, title, language_id, fulltext) VALUES (7001, 'SNEAKED IN', 1, to_tsvector('sneaked'))",
        "ALTER TABLE film ENABLE TRIGGER ALL",
        # a through table whose key holds both link columns
        "ALTER TABLE film_actor DISABLE TRIGGER ALL",
        "DELETE FROM film_actor WHERE film_id = 12",
        "INSERT INTO film_actor (actor_id, film_id) VALUES (1, 7001)",
        "ALTER TABLE film_actor ENABLE TRIGGER ALL",
        # a child whose old link is not in the WAL (replica identity is its key only)
        "ALTER TABLE inventory DISABLE TRIGGER ALL",
        "UPDATE inventory SET film_id = 13 WHERE inventory_id = (SELECT min(inventory_id) FROM inventory WHERE film_id = 14)",
        "DELETE FROM inventory WHERE inventory_id = (SELECT min(inventory_id) FROM inventory WHERE film_id = 15)",
        "ALTER TABLE inventory ENABLE TRIGGER ALL",
        # a lookup table (fans out to every film of the language)
        "ALTER TABLE language DISABLE TRIGGER ALL",
        "UPDATE language SET name = 'Unseen' WHERE language_id = 3",
        "ALTER TABLE language ENABLE TRIGGER ALL",
    ]
    for statement in statements:
        pagila.sql(statement)
    assert pagila.pending() == 0  # no trigger saw any of it
    output = pagila.run_once()
    assert "event=slot_uncovered_changes" in output
    assert "event=slot_repair_verify" in output  # the inventory changes needed a comparison
    assert pagila.sql("SELECT uncovered_changes > 0 FROM indexer.slot_state") == [(True,)]
    pagila.assert_matches("pagila_film")
    pagila.assert_matches("pagila_actor")
    assert pagila.document("pagila_film", "7001")["actors"][0]["actor_id"] == 1


def test_rows_restored_by_pg_restore_with_disabled_triggers(pagila: Harness, make_database, tmp_path: Path) -> None:
    source = make_database("pagila_tpl")
    with contextlib.closing(psycopg2.connect(pagila.cluster.dsn_for(source))) as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO film_category (film_id, category_id) SELECT film_id, 14 FROM film WHERE film_id <= 50"
                    " ON CONFLICT DO NOTHING")  # fmt: skip
        conn.commit()
    dump = tmp_path / "film_category.dump"
    bindir = pagila.cluster.bindir
    subprocess.run(
        [str(bindir / "pg_dump"), "-Fc", "--data-only", "-t", "film_category", "-f", str(dump),
         pagila.cluster.dsn_for(source)],
        check=True,
    )  # fmt: skip
    pagila.sql("TRUNCATE film_category")  # captured by the truncate trigger
    pagila.run_once()
    subprocess.run(
        [str(bindir / "pg_restore"), "--data-only", "--disable-triggers", "-d", pagila.cluster.dsn_for(pagila.database),
         str(dump)],
        check=True,
    )  # fmt: skip
    assert pagila.pending() == 0
    pagila.run_once()
    pagila.assert_matches("pagila_film")
    pagila.assert_matches("pagila_actor")
    assert "Sci-Fi" in pagila.document("pagila_film", "1")["categories"]


def test_rows_applied_by_a_logical_replication_subscription(pagila: Harness, make_database) -> None:
    publisher = make_database("pagila_tpl")
    assert pagila.sql("SELECT count(*) FROM film_category WHERE film_id = 20 AND category_id = 4") == [(0,)]
    slot = f"sub_{uuid.uuid4().hex[:8]}"
    with contextlib.closing(psycopg2.connect(pagila.cluster.dsn_for(publisher))) as conn, conn.cursor() as cur:
        conn.autocommit = True
        cur.execute("CREATE PUBLICATION upstream FOR TABLE film_category")
        cur.execute("SELECT pg_create_logical_replication_slot(%s, 'pgoutput')", (slot,))
    pagila.sql(
        f"CREATE SUBSCRIPTION {slot} CONNECTION 'host=127.0.0.1 port={pagila.cluster.port} user=postgres"
        f" dbname={publisher}' PUBLICATION upstream WITH (create_slot = false, slot_name = '{slot}', copy_data = false)"
    )
    try:
        with contextlib.closing(psycopg2.connect(pagila.cluster.dsn_for(publisher))) as conn, conn.cursor() as cur:
            cur.execute("INSERT INTO film_category (film_id, category_id) VALUES (20, 4)")
            conn.commit()
        # the apply worker writes the row here, under session_replication_role = replica
        wait_until(lambda: pagila.sql("SELECT count(*) FROM film_category WHERE film_id = 20 AND category_id = 4")[0][0],
                   30, "the subscription to apply the row")  # fmt: skip
        # apply workers fire row triggers only, so no capture ran: the slot must find the row
        assert pagila.pending() == 0
        output = pagila.run_once()
        assert "event=slot_uncovered_changes" in output
        assert "Classics" in pagila.document("pagila_film", "20")["categories"]
        pagila.assert_matches("pagila_film")
    finally:
        pagila.sql(f"ALTER SUBSCRIPTION {slot} DISABLE")
        pagila.sql(f"ALTER SUBSCRIPTION {slot} SET (slot_name = NONE)")
        pagila.sql(f"DROP SUBSCRIPTION {slot}")


def retained_wal(h: Harness) -> int:
    return int(h.sql(
        "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) FROM pg_replication_slots"
        " WHERE database = current_database() AND slot_name LIKE 'indexer%'"
    )[0][0])  # fmt: skip


def test_retained_wal_falls_back_after_a_drain(pagila: Harness) -> None:
    before = retained_wal(pagila)
    for _ in range(5):
        pagila.sql("UPDATE film SET description = description || ' ' WHERE film_id <= 1000")
    grown = retained_wal(pagila)
    assert grown > before + 2_000_000, (before, grown)
    pagila.run_once()
    pagila.sql("CHECKPOINT")  # logs the running transactions the slot needs to move its restart point
    pagila.run_once()
    after = retained_wal(pagila)
    assert after < grown / 4, (before, grown, after)
    pagila.assert_matches("pagila_film")


def test_a_lost_slot_is_recreated_and_the_gap_repaired(pagila: Harness) -> None:
    slot = pagila.sql("SELECT slot_name FROM indexer.installation")[0][0]
    pagila.sql("SELECT pg_drop_replication_slot(%s)", (slot,))  # lost, as in a failover to a standby
    # changes in the gap that no trigger saw either
    pagila.sql("ALTER TABLE actor DISABLE TRIGGER ALL")
    pagila.sql("UPDATE actor SET first_name = 'LOST' WHERE actor_id = 20")
    pagila.sql("ALTER TABLE actor ENABLE TRIGGER ALL")
    output = pagila.run_once()
    assert "event=slot_missing_recreated" in output
    assert pagila.sql("SELECT count(*) FROM pg_replication_slots WHERE slot_name = %s", (slot,)) == [(1,)]
    assert pagila.sql("SELECT recreated_at IS NOT NULL FROM indexer.slot_state") == [(True,)]
    pagila.assert_matches("pagila_actor")
    pagila.assert_matches("pagila_film")
    assert pagila.document("pagila_actor", "20")["first_name"] == "LOST"
    assert pagila.pending() == 0


@contextlib.contextmanager
def lazy_wal_writer(h: Harness, delay: str) -> Iterator[None]:
    """The WAL writer writes asynchronous commits without flushing them for up
    to ``delay`` (and never for volume), so WAL is often written but not flushed."""
    h.sql(f"ALTER SYSTEM SET wal_writer_delay = '{delay}'")
    h.sql("ALTER SYSTEM SET wal_writer_flush_after = '1GB'")
    h.sql("SELECT pg_reload_conf()")
    try:
        yield
    finally:
        h.sql("ALTER SYSTEM RESET wal_writer_delay")
        h.sql("ALTER SYSTEM RESET wal_writer_flush_after")
        h.sql("SELECT pg_reload_conf()")


def lsn(h: Harness, expression: str) -> int:
    return int(h.sql(f"SELECT pg_wal_lsn_diff({expression}, '0/0')")[0][0])


def test_the_slot_is_not_advanced_past_wal_it_has_not_decoded(pagila: Harness) -> None:
    """Logical decoding reads only flushed WAL. A transaction committed
    asynchronously whose commit is written but not yet flushed when a pass
    starts must be read by a later pass, even if the flush moves past it before
    the pass advances the slot."""
    from indexer.pipeline.slot import Reconciler
    from indexer.runtime import load_running_plan
    from indexer.settings import build_settings

    settings = build_settings(
        {"config": str(SCHEMA), "dsn": pagila.base_dsn, "search_url": pagila.search_url, "database": pagila.database},
        {},
    )
    pagila.sql("ALTER TABLE film DISABLE TRIGGER ALL")  # only the slot can see the change
    pagila.sql("CREATE TABLE wal_noise (pad text)")
    conn = pagila.connect()
    try:
        reconciler = Reconciler(conn, load_running_plan(conn, settings, pagila.database))
        reconciler.commit(reconciler.pass_once())
        with lazy_wal_writer(pagila, "10s"), contextlib.closing(pagila.connect()) as writer:
            with writer.cursor() as cur:
                cur.execute("SET synchronous_commit = off")
            for _attempt in range(10):
                pagila.sql("SELECT pg_switch_wal()")  # a fresh segment: nothing below forces a flush
                with writer.cursor() as cur:
                    cur.execute("UPDATE film SET title = 'NOT YET FLUSHED' WHERE film_id = 33")
                committed = lsn(pagila, "pg_current_wal_insert_lsn()")
                with writer.cursor() as cur:  # fills the WAL buffers: written, not flushed
                    cur.execute("INSERT INTO wal_noise SELECT repeat('x', 500) FROM generate_series(1, 20000)")
                if lsn(pagila, "pg_current_wal_flush_lsn()") < committed < lsn(pagila, "pg_current_wal_lsn()"):
                    break
            else:
                pytest.fail("could not get the commit written but not flushed")
            passed = reconciler.pass_once()
            pagila.sql("SET synchronous_commit = on; INSERT INTO wal_noise VALUES ('flush')")  # the flush moves on
            reconciler.commit(passed)
        later = reconciler.pass_once()
        reconciler.commit(later)
        assert passed.uncovered + later.uncovered == 1, (passed, later)
    finally:
        conn.close()
        for op in ("insert", "update", "delete", "truncate"):
            pagila.sql(f"ALTER TABLE film ENABLE ALWAYS TRIGGER indexer_capture_{op}")
    pagila.run_once()
    assert pagila.document("pagila_film", "33")["title"] == "NOT YET FLUSHED"
