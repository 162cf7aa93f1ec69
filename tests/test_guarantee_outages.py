"""Invariant 4: outages are survived.

The search server is unreachable for 30 s while writes continue: the indexer
backs off (few log lines, no busy loop), says what is wrong, and catches up with
zero loss. Postgres restarts under a running indexer, and its sessions are
killed: the indexer reconnects and loses nothing.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil
import pytest

from tests.authproxy import AuthProxy
from tests.harness import Harness, wait_until
from tests.proxy import SearchProxy
from tests.workload import Writer, drained

SCHEMA = Path(__file__).parent / "schemas" / "pagila_film_actor.json"


@pytest.fixture
def pagila(make_pagila) -> Harness:
    return make_pagila(SCHEMA)


def cpu_seconds(pid: int) -> float:
    total = 0.0
    try:
        root = psutil.Process(pid)
        for process in [root, *root.children(recursive=True)]:
            times = process.cpu_times()
            total += times.user + times.system
    except psutil.Error:
        pass
    return total


@pytest.mark.slow
def test_search_server_down_for_thirty_seconds(pagila: Harness) -> None:
    direct = pagila.search_url
    proxy = SearchProxy(direct)
    pagila.search_url = proxy.url
    try:
        pagila.cli("bootstrap")
        with pagila.daemon("--workers", "2") as daemon:
            wait_until(pagila.backfilled, 60, "the backfill")
            writer = Writer(pagila, seed=11, seconds=40)
            writer.start()
            proxy.down()
            cpu_before = cpu_seconds(daemon.pid)
            down_at = time.monotonic()
            # the outage lasts 30 s and until writes are waiting in the outbox (a slow box's
            # writer may not have committed any yet)
            wait_until(
                lambda: time.monotonic() - down_at >= 30 and pagila.pending() > 0, 120, "30 s of outage with a backlog"
            )
            cpu_during = cpu_seconds(daemon.pid) - cpu_before
            backlog = pagila.pending()
            proxy.up()
            writer.join(60)
            assert writer.error is None
            wait_until(lambda: drained(pagila), 120, "the catch-up")
        output = pagila.stop(daemon)
        assert backlog > 0  # writes went on and waited in the outbox
        assert cpu_during < 6.0, f"{cpu_during:.1f} CPU seconds in a 30 s outage: a busy loop?"
        outage_lines = [line for line in output.splitlines() if "event=search_unavailable" in line]
        assert outage_lines, output[-3000:]
        assert "cannot reach the search server" in outage_lines[0]
        # capped exponential backoff: a few lines per worker, not a flood
        assert len(outage_lines) <= 30, len(outage_lines)
        assert "event=search_available" in output
    finally:
        proxy.close()
        pagila.search_url = direct
    pagila.assert_matches("pagila_film")
    pagila.assert_matches("pagila_actor")


def indexer_sessions(h: Harness) -> int:
    return int(h.sql("SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'indexer worker%'")[0][0])


def under_way(writer: Writer, transactions: int = 20) -> None:
    """Wait until ``writer`` has committed ``transactions`` more transactions."""
    start = writer.committed
    wait_until(lambda: writer.committed >= start + transactions or not writer.is_alive(), 60, "the writer")


def test_postgres_restart_and_killed_sessions(pagila: Harness) -> None:
    pagila.cli("bootstrap")
    with pagila.daemon("--workers", "2") as daemon:
        wait_until(pagila.backfilled, 60, "the backfill")
        writer = Writer(pagila, seed=5, seconds=25)
        writer.start()
        under_way(writer)
        # every indexer session is cut
        pagila.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'indexer%'")
        wait_until(lambda: indexer_sessions(pagila) >= 2, 60, "the workers to reconnect")
        under_way(writer)
        # the server restarts (fast shutdown: sessions are dropped) ...
        pagila.cluster.restart()
        wait_until(lambda: indexer_sessions(pagila) >= 2, 60, "the workers to reconnect after the restart")
        under_way(writer)
        # ... and crashes (immediate shutdown: crash recovery on start)
        pagila.cluster.stop("immediate")
        pagila.cluster.start()
        writer.join(60)
        assert writer.error is None
        assert writer.committed > 10
        wait_until(lambda: drained(pagila), 120, "the catch-up")
        assert daemon.poll() is None
    output = pagila.stop(daemon)
    assert "event=database_unavailable" in output or "event=slot_unavailable" in output
    assert "Traceback" not in output
    # every change fired its trigger: a restart must not look like bypassed writes
    assert "event=slot_uncovered_changes" not in output, [line for line in output.splitlines() if "uncovered" in line]
    assert "event=slot_repair_verify" not in output
    pagila.assert_matches("pagila_film")
    pagila.assert_matches("pagila_actor")


def test_a_commit_a_crash_would_lose_is_made_durable_before_its_documents_are_written(pagila: Harness) -> None:
    """With synchronous_commit = off a transaction is visible as soon as its
    commit is in the WAL buffers, before the WAL writer flushes it; a server
    crash in between loses it. Documents written from it would then show a
    state the database no longer has, and nothing would correct them. The
    indexer makes what it built from durable before writing. The WAL writer is slowed to
    10 s so that the commit is still unflushed when the indexer reads it (with
    more WAL, a filled WAL page wakes the writer early and the case is gone)."""
    pagila.cli("bootstrap")
    pagila.run_once()
    pagila.sql("ALTER SYSTEM SET wal_writer_delay = '10s'")
    pagila.sql("SELECT pg_reload_conf()")
    try:
        with pagila.daemon("--workers", "1") as daemon:
            wait_until(lambda: indexer_sessions(pagila) >= 1 and pagila.pending() == 0, 60, "the worker")
            with contextlib.closing(pagila.connect(autocommit=False)) as conn, conn.cursor() as cur:
                cur.execute("SET synchronous_commit = off")
                cur.execute("UPDATE film SET title = 'ASYNC COMMIT' WHERE film_id = 7")  # film and actor documents
                conn.commit()
            wait_until(
                lambda: (pagila.document("pagila_film", "7") or {}).get("title") == "ASYNC COMMIT",
                60,
                "the film's document written",
            )
            wait_until(lambda: pagila.pending() == 0, 60, "the actors' documents written")
            pagila.cluster.stop("immediate")  # the server crashes: WAL not yet flushed is lost
            pagila.cluster.start()
            wait_until(lambda: drained(pagila), 120, "the catch-up")
        output = pagila.stop(daemon)
    finally:
        pagila.sql("ALTER SYSTEM RESET wal_writer_delay")
        pagila.sql("SELECT pg_reload_conf()")
    assert "Traceback" not in output
    assert pagila.sql("SELECT title FROM film WHERE film_id = 7") == [("ASYNC COMMIT",)]
    pagila.assert_matches("pagila_film")
    pagila.assert_matches("pagila_actor")


def test_run_waits_for_postgres_and_the_search_server_at_start(pagila: Harness) -> None:
    """A daemon started while Postgres and the search server are down waits
    (with backoff) instead of exiting; `--once` still fails at once."""
    from tests.proxy import TcpProxy

    pagila.cli("bootstrap")
    pagila.run_once()
    postgres = TcpProxy(pagila.cluster.port)
    search = SearchProxy(pagila.search_url)
    direct = pagila.search_url
    try:
        search.down()
        pagila.indexer_port, pagila.search_url = postgres.port, search.url
        once = pagila.spawn("--once", "--no-progress")
        output, _ = once.communicate(timeout=120)
        assert once.returncode == 4, output
        assert "cannot reach Postgres" in output
        with pagila.daemon("--workers", "1", live=True) as daemon:
            wait_until(lambda: len(pagila.lines(daemon, "startup_waiting")) >= 2, 60, "two start-up retries")
            assert daemon.poll() is None
            postgres.up()
            wait_until(lambda: pagila.lines(daemon, "process_started"), 60, "the processes to start")
            pagila.sql("UPDATE film SET title = 'AFTER THE OUTAGE' WHERE film_id = 6")
            wait_until(lambda: pagila.lines(daemon, "search_unavailable"), 60, "the workers to wait for search")
            search.up()
            wait_until(lambda: (pagila.document("pagila_film", "6") or {}).get("title") == "AFTER THE OUTAGE", 60,
                       "the change")  # fmt: skip
            waits = pagila.lines(daemon, "startup_waiting")
        assert daemon.returncode == 0
        assert "retry_in_s=1.0" in waits[0] and "retry_in_s=2.0" in waits[1], waits
    finally:
        postgres.close()
        search.close()
        pagila.indexer_port, pagila.search_url = None, direct


def test_a_slow_engine_gets_smaller_requests_instead_of_the_same_one_forever(make_pagila, search_url: str) -> None:
    """An engine that takes longer than the client's timeout for large bulk
    requests: each such request is sent again in halves (and later ones stay
    smaller) rather than resent whole, which would never pass."""
    proxy = AuthProxy(search_url, None, delay=lambda body: 3.0 if body and len(body) > 256 * 1024 else 0.0)
    try:
        h = make_pagila(Path(__file__).resolve().parent.parent / "schemas" / "pagila_film.json")
        h.search_url = proxy.url
        h.cli("bootstrap")
        output = h.run_once("--search-timeout", "1")
        assert "event=bulk_request_shrunk" in output
        h.search_url = search_url
        assert h.assert_matches("pagila_film") == 1000
    finally:
        proxy.close()


def test_an_engine_slow_per_request_keeps_getting_large_requests(make_pagila, search_url: str) -> None:
    """An engine that takes the same long time for every bulk request, whatever
    its size (osmem-server on an index written in small requests): halving a
    slow request does not make the next one faster, so the writer goes back to
    large requests instead of paying that time for every few documents."""
    sizes: list[int] = []

    def per_request(body: bytes | None) -> float:
        if body and b'"_index"' in body[:200]:  # a bulk request
            sizes.append(len(body))
            return 1.5
        return 0.0

    proxy = AuthProxy(search_url, None, delay=per_request)
    try:
        h = make_pagila(Path(__file__).resolve().parent.parent / "schemas" / "pagila_film.json")
        h.search_url = proxy.url
        h.cli("bootstrap")
        # a 3 s timeout: requests over 1 s are slow, none times out
        output = h.run_once("--search-timeout", "3", "--workers", "1", env={"INDEXER_LOG_LEVEL": "info"})
        assert "event=bulk_latency_per_request" in output, output[-3000:]
        assert "event=bulk_request_shrunk" not in output  # no timeout, no split
        # after the verdict nothing is cut below the page size: a handful of requests, and none
        # small but a page's tail (the writer of before sent its last pages as ~60 KB requests)
        assert len(sizes) <= 6, sizes
        assert sum(1 for size in sizes if size < 100_000) <= 1, sizes
        h.search_url = search_url
        assert h.assert_matches("pagila_film") == 1000
    finally:
        proxy.close()


def test_a_backlog_behind_a_slow_engine_is_sent_in_growing_batches(make_pagila, search_url: str) -> None:
    """1,000 changed films wait in the outbox and every bulk request takes
    1.5 s: after a full batch that slow, the worker fetches twice as many rows
    per batch (100, 200, 400, then the rest), so the backlog goes out in 4
    requests instead of 10, and every document arrives."""
    docs_per_request: list[int] = []

    def per_request(body: bytes | None) -> float:
        if body and b'"_index"' in body[:200]:  # a bulk request
            docs_per_request.append(body.count(b'{"index"'))
            return 1.5
        return 0.0

    h = make_pagila(Path(__file__).resolve().parent.parent / "schemas" / "pagila_film.json")
    h.cli("bootstrap")
    h.run_once()  # the backfill, at full speed
    h.sql("UPDATE film SET title = title || ' (restored)'")
    proxy = AuthProxy(search_url, None, delay=per_request)
    try:
        h.search_url = proxy.url
        output = h.run_once("--batch-size", "100", "--workers", "1", env={"INDEXER_LOG_LEVEL": "info"})
        assert "event=batch_grown" in output, output[-3000:]
        assert docs_per_request[:3] == [100, 200, 400], docs_per_request
        assert sum(docs_per_request) == 1000 and len(docs_per_request) == 4, docs_per_request
    finally:
        proxy.close()
    h.search_url = search_url
    assert h.assert_matches("pagila_film") == 1000


def test_a_worker_killed_during_a_grown_batch_loses_nothing(make_pagila, search_url: str) -> None:
    """The slow backlog above; as the third, grown batch (400 documents) reaches
    the engine, its worker is killed with -9 and the request is dropped. The
    outbox then holds exactly those 400 rows and the 300 never fetched (the
    batches of 100 and 200 were deleted only after the engine took them); the
    restarted worker starts again from --batch-size, and every document arrives."""
    requests: list[int] = []
    at_kill: dict[str, int] = {}

    def bulk_docs(body: bytes | None) -> int:
        return body.count(b'{"index"') if body and b'"_index"' in body[:200] else 0

    def check(_method: str, _path: str, headers: Any, body: bytes | None) -> bool:
        docs = bulk_docs(body)
        if docs:
            requests.append(docs)
        if docs == 400 and not at_kill:
            port = int(headers["X-Client-Port"])
            # the sender's end of its connection to the proxy: another process may use the same
            # local port number towards another address (the proxy's own upstream connections)
            (pid,) = {
                c.pid
                for c in psutil.net_connections("tcp")
                if c.laddr and c.laddr.port == port and c.raddr and c.raddr.port == proxy_port
            }
            victim = psutil.Process(pid)
            victim.kill()
            victim.wait(30)
            at_kill.update(pending=h.pending(), pid=pid)
            return False  # dropped: it never reaches the engine
        return True

    h = make_pagila(Path(__file__).resolve().parent.parent / "schemas" / "pagila_film.json")
    h.cli("bootstrap")
    h.run_once()  # the backfill, at full speed
    h.sql("UPDATE film SET title = title || ' (restored)'")
    proxy = AuthProxy(search_url, None, check=check, delay=lambda body: 1.5 if bulk_docs(body) else 0.0)
    proxy_port = urlsplit(proxy.url).port
    try:
        h.search_url = proxy.url
        output = h.run_once("--batch-size", "100", "--workers", "1", env={"INDEXER_LOG_LEVEL": "info"})
    finally:
        proxy.close()
    assert at_kill.get("pending") == 700, (at_kill, requests, output[-3000:])
    assert "event=process_died" in output and "exit_code=-9" in output, output[-3000:]
    assert requests[:3] == [100, 200, 400], requests
    # the new worker knows nothing of the old one's growth: it starts from --batch-size again
    assert requests[3] == 100 and sum(requests[3:]) == 700, requests
    h.search_url = search_url
    assert h.pending() == 0
    assert h.assert_matches("pagila_film") == 1000
