"""Invariants 7 and 8, and `indexer verify`.

* Two `indexer run` processes (two hosts) share the partitions without ever
  holding the same one, and when one dies the other takes its partitions over
  within seconds.
* `indexer run` works as a role without superuser: SELECT on the tracked
  tables, rights on the state schema, REPLICATION for the slot.
* `indexer verify` reports missing, extra and stale documents with sample ids,
  and `--repair` enqueues the fixes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import pytest

from tests.harness import Harness, wait_until
from tests.workload import Writer, drained

SCHEMA = Path(__file__).parent / "schemas" / "pagila_film_actor.json"
PARTITIONS = 32


@pytest.fixture
def pagila(make_pagila) -> Harness:
    return make_pagila(SCHEMA, bootstrap=True)


def partition_owners(h: Harness) -> dict[int, list[int]]:
    """pid -> partitions it holds, read from pg_locks (advisory keys of the partitions)."""
    from indexer.locks import advisory_key, split_key

    keys = {split_key(advisory_key("indexer", "partition", str(p))): p for p in range(PARTITIONS)}
    owners: dict[int, list[int]] = {}
    for pid, classid, objid in h.sql(
        "SELECT pid, classid::bigint, objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND objsubid = 1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    ):
        partition = keys.get((classid, objid))
        if partition is not None:
            owners.setdefault(pid, []).append(partition)
    return owners


def backends_of(h: Harness, daemon_pid: int) -> set[int]:
    """Postgres backend pids serving the worker processes of one `indexer run`."""
    import psutil

    local_pids = {p.pid for p in psutil.Process(daemon_pid).children()}
    rows = h.sql("SELECT pid, client_port FROM pg_stat_activity WHERE application_name LIKE 'indexer worker%'")
    ports = {}
    for conn in psutil.net_connections(kind="tcp"):
        if conn.pid in local_pids and conn.raddr and conn.raddr.port == h.cluster.port:
            ports[conn.laddr.port] = conn.pid
    return {pid for pid, port in rows if port in ports}


def test_two_hosts_share_partitions_and_take_over_from_a_dead_one(pagila: Harness) -> None:
    first = pagila.spawn("--workers", "2", "--no-progress")
    second = pagila.spawn("--workers", "2", "--no-progress")
    try:
        wait_until(pagila.backfilled, 60, "the backfill")

        def balanced() -> bool:
            owners = partition_owners(pagila)
            held = [p for parts in owners.values() for p in parts]
            assert len(held) == len(set(held)), owners  # never the same partition twice, at any moment
            return (
                len(owners) == 4
                and sorted(held) == list(range(PARTITIONS))
                and all(len(parts) == PARTITIONS // 4 for parts in owners.values())
            )

        # hand-overs go one partition at a time: wait until they have settled into equal shares
        wait_until(balanced, 60, "four workers to split the partitions equally")
        writer = Writer(pagila, seed=3, seconds=12)
        writer.start()
        wait_until(lambda: writer.committed >= 20, 60, "the writer under way")
        os.killpg(first.pid, signal.SIGKILL)  # one host dies
        first.communicate()
        killed_at = time.monotonic()
        survivors = backends_of(pagila, second.pid)

        def taken_over() -> bool:
            owners = partition_owners(pagila)
            return sorted(p for pid, parts in owners.items() if pid in survivors for p in parts) == list(
                range(PARTITIONS)
            )

        wait_until(taken_over, 10, "the survivor to own every partition")
        assert time.monotonic() - killed_at < 10
        writer.join(60)
        assert writer.error is None
        wait_until(lambda: drained(pagila), 60, "the drain")
    finally:
        for process in (first, second):
            if process.poll() is None:
                pagila.stop(process)
    pagila.assert_matches("pagila_film")
    pagila.assert_matches("pagila_actor")


def test_run_works_with_least_privilege(pagila: Harness) -> None:
    tracked = "public.film, public.language, public.film_category, public.category, public.film_actor, public.actor," \
              " public.inventory"  # fmt: skip
    for statement in [
        "DO $$ BEGIN CREATE ROLE indexer_run LOGIN REPLICATION; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
        f"GRANT SELECT ON {tracked} TO indexer_run",
        "GRANT USAGE ON SCHEMA indexer TO indexer_run",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA indexer TO indexer_run",
        "GRANT USAGE, UPDATE ON ALL SEQUENCES IN SCHEMA indexer TO indexer_run",
    ]:
        pagila.sql(statement)
    assert pagila.sql("SELECT rolsuper FROM pg_roles WHERE rolname = 'indexer_run'") == [(False,)]
    pagila.user = "indexer_run"
    try:
        pagila.run_once()
        pagila.sql("SELECT 1")  # as indexer_run, which cannot write the tables: writes come from the owner
    finally:
        pagila.user = "postgres"
    pagila.sql("UPDATE film SET title = 'LEAST PRIVILEGE' WHERE film_id = 5")
    pagila.sql("ALTER TABLE film DISABLE TRIGGER ALL")
    pagila.sql("UPDATE film SET title = 'VIA THE SLOT' WHERE film_id = 6")
    pagila.sql("ALTER TABLE film ENABLE TRIGGER ALL")
    pagila.user = "indexer_run"
    try:
        output = pagila.run_once()
        assert "event=slot_uncovered_changes" in output
        status = pagila.cli("status")
        assert "backfill" in status.output and "done" in status.output
    finally:
        pagila.user = "postgres"
    assert pagila.source("pagila_film", "5")["title"] == "LEAST PRIVILEGE"
    assert pagila.source("pagila_film", "6")["title"] == "VIA THE SLOT"
    pagila.assert_matches("pagila_film")


def test_verify_finds_and_repairs_every_kind_of_difference(pagila: Harness) -> None:
    pagila.run_once()
    clean = pagila.cli("verify")
    assert "pagila_film: 1000 in Postgres, 1000 in the index; missing 0, extra 0, stale 0" in clean.output
    # damage the index behind the indexer's back
    pagila.http("DELETE", "/pagila_film/_doc/10?refresh=true")
    pagila.http("PUT", "/pagila_film/_doc/99999?refresh=true", {"film_id": 99999, "title": "NOT IN POSTGRES"})
    doc = pagila.source("pagila_film", "20")
    doc["title"] = "TAMPERED"
    pagila.http("PUT", "/pagila_film/_doc/20?refresh=true", doc)
    # and a change that is still in the outbox is not a difference
    pagila.sql("UPDATE film SET title = 'IN FLIGHT' WHERE film_id = 30")
    report = pagila.cli("verify", "--index", "pagila_film", expect=1)
    assert "missing 1, extra 1, stale 1, in flight 1" in report.output
    assert "missing: 10" in report.output and "extra: 99999" in report.output and "stale: 20" in report.output
    repaired = pagila.cli("verify", "--index", "pagila_film", "--repair", expect=1)
    assert "enqueued 3 repairs" in repaired.output
    pagila.run_once()
    final = pagila.cli("verify")
    assert "missing 0, extra 0, stale 0, in flight 0" in final.output
    pagila.assert_matches("pagila_film")
    with contextlib.suppress(Exception):
        assert pagila.document("pagila_film", "99999") is None


def test_run_without_grants_stops_with_a_clear_message(pagila: Harness) -> None:
    pagila.sql("DO $$ BEGIN CREATE ROLE bare_user LOGIN REPLICATION; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    pagila.sql("GRANT SELECT ON ALL TABLES IN SCHEMA public TO bare_user")
    pagila.user = "bare_user"
    try:
        process = pagila.spawn("--once", "--no-progress")
        output, _ = process.communicate(timeout=60)
    finally:
        pagila.user = "postgres"
    assert process.returncode != 0
    assert "permission denied" in output
    assert "`indexer run` needs: SELECT on every tracked table" in output
    assert "Traceback" not in output
