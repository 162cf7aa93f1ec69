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
import time
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
    assert pagila.source("pagila_film", "10")["title"] == "AS A REPLICA"


@pytest.mark.parametrize("identity", ["full", "keep"])
def test_changes_with_disabled_triggers_are_found_in_the_slot(pagila: Harness, identity: str) -> None:
    """With REPLICA IDENTITY FULL (bootstrap's default where link columns are
    not in the key) every change is turned into its keys; with ``keep`` the
    changes whose old link is missing from the WAL are repaired by a verify."""
    if identity == "keep":
        pagila.cli("bootstrap", "--replica-identity", "keep")
    assert pagila.sql("SELECT relreplident FROM pg_class WHERE oid = 'inventory'::regclass") == [
        ("f" if identity == "full" else "d",)
    ]
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
    # keep: the inventory changes needed a comparison; full: their keys were in the WAL
    assert ("event=slot_repair_verify" in output) == (identity == "keep"), output
    assert pagila.sql("SELECT uncovered_changes > 0 FROM indexer.slot_state") == [(True,)]
    pagila.assert_matches("pagila_film")
    pagila.assert_matches("pagila_actor")
    assert pagila.source("pagila_film", "7001")["actors"][0]["actor_id"] == 1


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
    assert "Sci-Fi" in pagila.source("pagila_film", "1")["categories"]


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
        assert "Classics" in pagila.source("pagila_film", "20")["categories"]
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
    assert pagila.source("pagila_actor", "20")["first_name"] == "LOST"
    assert pagila.pending() == 0


def test_a_slot_invalidated_by_max_slot_wal_keep_size_is_recreated(pagila: Harness) -> None:
    """A stopped indexer's slot outlived max_slot_wal_keep_size: Postgres marks it
    lost (it still exists but can no longer be read). It is dropped and recreated
    with a repair of every index, like a missing one, not read in a crash loop."""
    slot = pagila.sql("SELECT slot_name FROM indexer.installation")[0][0]
    pagila.sql("ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'")
    pagila.sql("SELECT pg_reload_conf()")
    try:
        pagila.sql("ALTER TABLE actor DISABLE TRIGGER ALL")
        pagila.sql("UPDATE actor SET first_name = 'BEYOND THE WAL' WHERE actor_id = 21")
        pagila.sql("ALTER TABLE actor ENABLE TRIGGER ALL")
        pagila.sql("CREATE TABLE wal_filler (n integer, pad text)")

        def lost() -> bool:
            pagila.sql("INSERT INTO wal_filler SELECT g, repeat('x', 2000) FROM generate_series(1, 5000) g")
            pagila.sql("SELECT pg_switch_wal()")
            pagila.sql("CHECKPOINT")
            return pagila.sql("SELECT wal_status FROM pg_replication_slots WHERE slot_name = %s", (slot,)) == [
                ("lost",)
            ]

        wait_until(lost, 120, "the slot to be invalidated", interval=0.1)
    finally:
        pagila.sql("ALTER SYSTEM RESET max_slot_wal_keep_size")
        pagila.sql("SELECT pg_reload_conf()")
    output = pagila.run_once()
    assert "event=slot_missing_recreated" in output
    assert pagila.sql("SELECT wal_status <> 'lost' FROM pg_replication_slots WHERE slot_name = %s", (slot,)) == [
        (True,)
    ]
    assert pagila.source("pagila_actor", "21")["first_name"] == "BEYOND THE WAL"
    pagila.assert_matches("pagila_actor")


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
        reconciler.advance(reconciler.pass_once())
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
            reconciler.advance(passed)
        later = reconciler.pass_once()
        reconciler.advance(later)
        assert passed.uncovered + later.uncovered == 1, (passed, later)
    finally:
        conn.close()
        for op in ("insert", "update", "delete", "truncate"):
            pagila.sql(f"ALTER TABLE film ENABLE ALWAYS TRIGGER indexer_capture_{op}")
    pagila.run_once()
    assert pagila.source("pagila_film", "33")["title"] == "NOT YET FLUSHED"


def test_run_once_covers_an_asynchronous_commit_the_wal_writer_has_not_flushed(pagila: Harness) -> None:
    """``run --once`` ends when every change committed before it started is
    indexed. A commit with synchronous_commit = off is visible before the WAL
    writer flushes it, and decoding reads only flushed WAL: here the triggers
    are bypassed, so only the slot can find the change, and the lazy WAL writer
    leaves its commit unwritten, in a partial page, unless the run flushes it
    (without that, the test fails whenever nothing concurrent writes the WAL
    first; seen in CI as a change lost by an ``ENABLE TRIGGER ALL`` test)."""
    pagila.sql("ALTER TABLE film DISABLE TRIGGER ALL")
    try:
        with lazy_wal_writer(pagila, "10s"), contextlib.closing(pagila.connect()) as writer:
            pagila.sql("SELECT pg_switch_wal()")  # everything before is written: the writer rests
            with writer.cursor() as cur:
                cur.execute("SET synchronous_commit = off")
                cur.execute("UPDATE film SET title = 'ASYNC, NOT FLUSHED' WHERE film_id = 44")
            output = pagila.run_once()
        assert pagila.source("pagila_film", "44")["title"] == "ASYNC, NOT FLUSHED", output
        assert "event=slot_uncovered_changes" in output
    finally:
        for op in ("insert", "update", "delete", "truncate"):
            pagila.sql(f"ALTER TABLE film ENABLE ALWAYS TRIGGER indexer_capture_{op}")


CUSTOMER = [
    {
        "database": "pagila",
        "index": "customers",
        "nodes": {
            "table": "customer",
            "columns": ["customer_id", "first_name", "last_name"],
            "children": [
                {
                    "table": "payment",
                    "label": "payments",
                    "columns": ["payment_id", "amount", "payment_date"],
                    "relationship": {
                        "variant": "object",
                        "type": "one_to_many",
                        "foreign_key": {"child": ["customer_id"], "parent": ["customer_id"]},
                    },
                }
            ],
        },
    }
]


def test_partitioned_child_moves_and_partition_writes(make_pagila, tmp_path: Path) -> None:
    """payment is partitioned by date. A payment moved to another partition by
    an UPDATE of the parent is one captured UPDATE (not an uncovered change);
    a DELETE straight from a partition fires no trigger and is turned into the
    customer's key from the old row in the WAL, with no verify."""
    import json

    schema = tmp_path / "customers.json"
    schema.write_text(json.dumps(CUSTOMER))
    h = make_pagila(schema, bootstrap=True)
    assert h.sql("SELECT count(*) FROM pg_class WHERE relname LIKE 'payment_p2022%%' AND relreplident = 'f'")[0][0] >= 6
    h.run_once()
    moved, customer = h.sql("SELECT payment_id, customer_id FROM payment WHERE payment_date < '2022-02-01' LIMIT 1")[0]
    h.sql("UPDATE payment SET payment_date = payment_date + interval '3 months' WHERE payment_id = %s", (moved,))
    output = h.run_once()
    assert "event=slot_uncovered_changes" not in output, output
    doc = h.document("customers", str(customer))
    assert any(p["payment_id"] == moved and p["payment_date"].startswith("2022-04") for p in doc["payments"]), doc
    gone, owner = h.sql("SELECT payment_id, customer_id FROM payment_p2022_03 LIMIT 1")[0]
    h.sql("DELETE FROM payment_p2022_03 WHERE payment_id = %s", (gone,))
    output = h.run_once()
    assert "event=slot_uncovered_changes" in output and "public.payment DELETE=1" in output, output
    assert "event=slot_repair_verify" not in output, output
    assert gone not in [p["payment_id"] for p in h.document("customers", str(owner))["payments"]]
    h.assert_matches("customers")


def test_a_repair_owed_survives_a_search_outage_and_a_kill(pagila: Harness) -> None:
    """The slot is lost and recreated, so every index is owed a verification.
    The search server is down: the verification fails, is retried with growing
    pauses, and the daemon is then killed with -9. The repair is still owed,
    and the next run does it."""
    import os
    import signal

    from tests.proxy import SearchProxy

    slot = pagila.sql("SELECT slot_name FROM indexer.installation")[0][0]
    pagila.sql("SELECT pg_drop_replication_slot(%s)", (slot,))
    pagila.sql("ALTER TABLE actor DISABLE TRIGGER ALL")
    pagila.sql("UPDATE actor SET first_name = 'IN THE GAP' WHERE actor_id = 21")
    pagila.sql("ALTER TABLE actor ENABLE TRIGGER ALL")
    for op in ("insert", "update", "delete", "truncate"):
        pagila.sql(f"ALTER TABLE actor ENABLE ALWAYS TRIGGER indexer_capture_{op}")
    direct = pagila.search_url
    proxy = SearchProxy(direct)
    try:
        proxy.down()
        pagila.search_url = proxy.url
        daemon = pagila.spawn("--workers", "1", "--no-progress")

        def attempts() -> int:
            rows = pagila.sql("SELECT coalesce(max(attempts), 0) FROM indexer.repairs")
            return int(rows[0][0])

        wait_until(lambda: attempts() >= 1, 120, "a failed verification")
        first = time.monotonic()
        # the outage goes on: the retries back off (2 s after the first attempt, 4 s after the second)
        wait_until(lambda: attempts() >= 3, 120, "two more attempts")
        assert time.monotonic() - first >= 5.0, "retried without backing off"
        assert sorted(r[0] for r in pagila.sql("SELECT index_name FROM indexer.repairs")) == [
            "pagila_actor",
            "pagila_film",
        ]
        os.killpg(daemon.pid, signal.SIGKILL)
        daemon.communicate()
        assert pagila.sql("SELECT count(*) FROM indexer.repairs") == [(2,)]  # still owed after the kill
        proxy.up()
        output = pagila.run_once()
        assert "event=slot_repair_verify" in output
    finally:
        proxy.close()
        pagila.search_url = direct
    assert pagila.sql("SELECT count(*) FROM indexer.repairs") == [(0,)]
    assert pagila.source("pagila_actor", "21")["first_name"] == "IN THE GAP"
    pagila.assert_matches("pagila_actor")
    pagila.assert_matches("pagila_film")


def test_changes_found_in_the_slot_are_enqueued_once_when_the_pass_dies_before_advancing(pagila: Harness) -> None:
    """The slot process dies after enqueuing a pass's keys and before advancing
    the slot, again and again; the changes are counted and enqueued once."""
    pagila.sql("ALTER TABLE film DISABLE TRIGGER ALL")
    pagila.sql("UPDATE film SET title = 'ONCE ONLY' WHERE film_id = 44")
    pagila.sql("ALTER TABLE film ENABLE TRIGGER ALL")
    for op in ("insert", "update", "delete", "truncate"):
        pagila.sql(f"ALTER TABLE film ENABLE ALWAYS TRIGGER indexer_capture_{op}")
    faults = {"INDEXER_FAULTS": "slot_before_advance=exit"}
    with pagila.daemon("--workers", "1", env=faults, live=True) as daemon:
        wait_until(lambda: pagila.source("pagila_film", "44")["title"] == "ONCE ONLY", 60, "the change")

        def slot_deaths() -> int:
            return sum("process=slot-" in line for line in pagila.lines(daemon, "process_died"))

        wait_until(lambda: slot_deaths() >= 3, 60, "the slot process to die three times")
    output = pagila.outputs[daemon.pid]
    assert output.count("event=slot_uncovered_changes") == 1, output[-3000:]
    assert pagila.sql("SELECT uncovered_changes FROM indexer.slot_state") == [(1,)]
    assert pagila.sql("SELECT count(*) FROM indexer.outbox WHERE op LIKE 'slot:%%'") == [(0,)]


def test_randomized_asynchronous_commits_that_bypass_the_triggers_all_arrive(pagila: Harness) -> None:
    """Single-row updates, committed asynchronously at random intervals with
    the capture triggers disabled, while the WAL writer flushes lazily (so WAL
    is often written but not yet flushed) and the slot passes are slow (so the
    flush moves on while a pass is under way): every one reaches the index."""
    import random

    rng = random.Random(20261205)
    films = rng.sample(range(1, 1001), 60)
    pagila.sql("ALTER TABLE film DISABLE TRIGGER ALL")
    try:
        with (
            lazy_wal_writer(pagila, "1s"),
            pagila.daemon("--workers", "1", env={"INDEXER_FAULTS": "slot_before_advance=sleep:1.5"}),
            contextlib.closing(pagila.connect()) as conn,
            conn.cursor() as cur,
        ):
            cur.execute("SET synchronous_commit = off")
            for film in films:
                cur.execute("UPDATE film SET title = %s WHERE film_id = %s", (f"ASYNC {film}", film))
                if rng.random() < 0.3:
                    # now and then the next commit waits until this one's WAL is flushed, so commits
                    # land both just after a flush and in bunches still unflushed, on any machine
                    committed = lsn(pagila, "pg_current_wal_insert_lsn()")
                    flushed = lambda upto=committed: lsn(pagila, "pg_current_wal_flush_lsn()") >= upto  # noqa: E731
                    wait_until(flushed, 30, "a WAL flush")
            pagila.sql("SET synchronous_commit = on; SELECT txid_current()")

            def arrived() -> int:
                return sum((pagila.document("pagila_film", str(f)) or {}).get("title") == f"ASYNC {f}" for f in films)

            wait_until(lambda: arrived() == len(films) or pagila.settled_slot(), 120, "the slot to catch up")
            assert arrived() == len(films)
    finally:
        pagila.sql("ALTER TABLE film ENABLE TRIGGER ALL")
        for op in ("insert", "update", "delete", "truncate"):
            pagila.sql(f"ALTER TABLE film ENABLE ALWAYS TRIGGER indexer_capture_{op}")


def trigger_states(h: Harness, table: str) -> set[str]:
    return {row[0] for row in h.sql(
        "SELECT tgenabled FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname LIKE 'indexer\\_capture\\_%%'", (table,)
    )}  # fmt: skip


def test_enable_trigger_all_does_not_leave_the_capture_origin_only(pagila: Harness) -> None:
    """`ALTER TABLE ... ENABLE TRIGGER ALL` makes every trigger origin-only,
    so writes under session_replication_role = replica would skip the capture.
    The event trigger puts them back at once; without it (bootstrap by a
    non-superuser) status warns and the slot process puts them back, while the
    slot covers the writes in between."""
    pagila.sql("ALTER TABLE film DISABLE TRIGGER ALL")
    assert trigger_states(pagila, "film") == {"D"}  # disabling is left alone
    pagila.sql("ALTER TABLE film ENABLE TRIGGER ALL")
    assert trigger_states(pagila, "film") == {"A"}  # the event trigger, in the same statement
    pagila.sql("DROP EVENT TRIGGER indexer_keep_capture_always")
    pagila.sql("ALTER TABLE film ENABLE TRIGGER ALL")
    assert trigger_states(pagila, "film") == {"O"}
    status = pagila.cli("status").output
    assert "4 capture trigger(s) origin only (ENABLE TRIGGER ALL?) on public.film" in status, status
    with contextlib.closing(pagila.connect()) as conn, conn.cursor() as cur:
        cur.execute("SET session_replication_role = replica")
        cur.execute("UPDATE film SET title = 'WHILE ORIGIN ONLY' WHERE film_id = 12")
    assert pagila.pending() == 0  # no capture ran
    output = pagila.run_once()
    assert "event=capture_trigger_reenabled" in output and "was=O" in output
    assert trigger_states(pagila, "film") == {"A"}
    assert pagila.source("pagila_film", "12")["title"] == "WHILE ORIGIN ONLY", output  # found in the slot
    assert "28 of 28 enabled ALWAYS" in pagila.cli("status").output
