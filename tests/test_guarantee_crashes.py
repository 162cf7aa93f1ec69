"""Invariants 2 and 3: a document never goes backwards, and crashes lose nothing.

* A worker that built a document, then stalled, lost its session and its
  partitions to another process, cannot overwrite the newer state when it wakes.
* At least twenty ``kill -9`` of workers and of the supervisor, at random
  moments and at named points (during the backfill, inside a bulk request, after
  a bulk and before its outbox rows are removed), each followed by a restart,
  while writes go on: in the end no missing, extra or stale document.
* A killed backfill resumes from its checkpoint instead of starting over.
"""

from __future__ import annotations

import os
import random
import signal
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from tests.harness import Harness, wait_until
from tests.proxy import SearchProxy
from tests.workload import Writer, drained

SCHEMA = Path(__file__).parent / "schemas" / "pagila_film_actor.json"
FILM = Path(__file__).resolve().parent.parent / "schemas" / "pagila_film.json"


@pytest.fixture
def pagila(make_pagila) -> Harness:
    return make_pagila(SCHEMA, bootstrap=True)


def test_a_stalled_worker_cannot_overwrite_a_newer_document(pagila: Harness) -> None:
    stalled = pagila.spawn("--workers", "1", "--no-progress", env={"INDEXER_FAULTS": "drain_before_bulk=sleep:8"},
                           live=True)  # fmt: skip
    try:
        wait_until(pagila.backfilled, 60, "the backfill")
        pagila.sql("UPDATE film SET title = 'OLD STATE' WHERE film_id = 1")
        # the worker fetches the row and builds OLD STATE, then stalls before its bulk request:
        # its session sits idle with the step after the build (making what it saw durable) as its last statement
        wait_until(
            lambda: pagila.sql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'indexer worker 0'"
                               " AND state = 'idle' AND query LIKE '%pg_logical_emit_message%'")[0][0] == 1
            and pagila.pending() > 0,
            10, "the worker to build and stall",
        )  # fmt: skip
        # its session dies (a network cut, say): its partition locks go with it
        pagila.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'indexer worker 0'")
        with pagila.daemon("--workers", "1") as other:
            pagila.sql("UPDATE film SET title = 'NEW STATE' WHERE film_id = 1")
            wait_until(lambda: (pagila.document("pagila_film", "1") or {}).get("title") == "NEW STATE", 10, "new state")
            # the stalled worker wakes up and sends OLD STATE with its older version: refused,
            # and the newer document stays, checked at every poll until the refusal is logged
            def refused() -> bool:
                assert pagila.source("pagila_film", "1")["title"] == "NEW STATE"
                return bool(pagila.lines(stalled, "version_conflicts"))

            wait_until(refused, 60, "the stalled worker's write to be refused")
            wait_until(lambda: drained(pagila), 30, "the drain")
            assert other.poll() is None
        output = pagila.stop(stalled)
        assert "event=version_conflicts" in output, output[-3000:]
    finally:
        if stalled.poll() is None:
            os.killpg(stalled.pid, signal.SIGKILL)
    pagila.assert_matches("pagila_film")
    pagila.assert_matches("pagila_actor")


def test_backfill_resumes_from_its_checkpoint(cluster, make_database, search_url) -> None:
    proxy = SearchProxy(search_url)
    h = Harness(cluster, make_database("pagila_tpl"), proxy.url, FILM)
    try:
        h.cli("bootstrap")
        process = h.spawn("--workers", "1", "--backfill-page-size", "50", "--no-progress")
        # kill -9 the whole indexer in the middle of the backfill
        wait_until(lambda: (h.sql("SELECT coalesce(sum(docs), 0) FROM indexer.backfill_chunks")[0][0] or 0) >= 300,
                   60, "some backfill progress", interval=0.01)  # fmt: skip
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        done_before = h.sql("SELECT sum(docs) FROM indexer.backfill_chunks")[0][0]
        assert 300 <= done_before < 1000
        sent_before = proxy.bulk_actions
        h.run_once("--workers", "1", "--backfill-page-size", "50")
        resent = proxy.bulk_actions - sent_before
        # resumed from the last checkpoint: at most one page is sent twice
        assert resent <= 1000 - done_before + 50, (resent, done_before)
        h.assert_matches("pagila_film")
    finally:
        h.close()
        proxy.close()


def worker_processes(daemon_pid: int) -> list[psutil.Process]:
    try:
        return [p for p in psutil.Process(daemon_pid).children() if p.is_running()]
    except psutil.Error:
        return []


def progress(h: Harness) -> int:
    """The last document version drawn: every backfill page and every outbox
    batch a worker builds draws one, so it moves whenever a worker works."""
    return int(h.sql("SELECT last_value FROM indexer.version_seq")[0][0])


def moved_on(h: Harness, before: int) -> Callable[[], bool]:
    return lambda: progress(h) != before


@pytest.mark.slow
def test_twenty_kill_nines_lose_nothing(pagila: Harness) -> None:
    faults = "backfill_after_bulk=exit:0.1,drain_during_bulk=exit:0.03,drain_after_bulk=exit:0.03"
    flags = ("--workers", "2", "--backfill-page-size", "100")
    rng = random.Random(7)
    writers = [Writer(pagila, seed, seconds=600) for seed in range(3)]
    for writer in writers:
        writer.start()
    daemon = pagila.spawn(*flags, "--no-progress", env={"INDEXER_FAULTS": faults})
    kills = {"worker": 0, "supervisor": 0}
    try:
        # At least 18 worker kills and 4 whole-host kills, in a random order. (A
        # worker kill finds no victim while the workers restart, which a loaded
        # machine makes frequent; the loop goes on until both counts are reached.)
        while kills["worker"] < 18 or kills["supervisor"] < 4:
            # each kill waits until a worker has built something since the last one (a backfill
            # page or an outbox batch), so every kill lands in work, never in a restart
            wait_until(moved_on(pagila, progress(pagila)), 120, "progress since the last kill")
            host_down = kills["supervisor"] < 4 and (kills["worker"] >= 18 or rng.random() >= 0.7)
            if not host_down:
                victims = worker_processes(daemon.pid)
                if victims:
                    os.kill(rng.choice(victims).pid, signal.SIGKILL)
                    kills["worker"] += 1
            else:
                os.killpg(daemon.pid, signal.SIGKILL)  # the whole host goes down
                daemon.communicate()
                kills["supervisor"] += 1
                daemon = pagila.spawn(*flags, "--no-progress", env={"INDEXER_FAULTS": faults})
    finally:
        for writer in writers:
            writer.halt()
        for writer in writers:
            writer.join(30)
        os.killpg(daemon.pid, signal.SIGKILL)
        daemon.communicate()
    for writer in writers:
        assert writer.error is None, writer.error
    assert sum(w.committed for w in writers) > 50
    # then a clean run catches up
    with pagila.daemon("--workers", "2"):
        wait_until(lambda: pagila.backfilled() and drained(pagila), 180, "the catch-up")
    pagila.assert_matches("pagila_film")
    pagila.assert_matches("pagila_actor")
    assert "missing 0, extra 0, stale 0" in pagila.cli("verify").output
