"""`indexer run` as a daemon: changes arrive within a second at idle, SIGTERM
stops it cleanly, and the Elasticsearch client path works end to end."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from indexer.locks import advisory_key
from tests.harness import Harness, wait_until
from tests.proxy import SearchProxy

SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "pagila_film.json"


@pytest.fixture
def pagila(make_pagila) -> Harness:
    return make_pagila(SCHEMA)


def test_committed_changes_become_searchable_at_idle(pagila: Harness) -> None:
    """Each change, committed while the daemon is idle, is found by a search.
    How fast is measured by the benchmark (loadtest/), not here."""
    pagila.cli("bootstrap")

    def hits(title: str) -> int:
        found = pagila.http("POST", "/pagila_film/_search", {"query": {"match_phrase": {"title": title}}})
        return int(found["hits"]["total"]["value"])

    with pagila.daemon("--workers", "2") as daemon:
        wait_until(lambda: pagila.sql("SELECT backfill_state FROM indexer.indexes") == [("done",)], 60, "the backfill")
        wait_until(lambda: pagila.pending() == 0, 30, "an idle outbox")
        for film_id, title in [(1, "FIRST CHANGE"), (500, "SECOND CHANGE"), (999, "THIRD CHANGE")]:
            pagila.sql("UPDATE film SET title = %s WHERE film_id = %s", (title, film_id))
            wait_until(lambda t=title: hits(t) == 1, 60, f"{title!r} to be searchable")  # type: ignore[misc]
        assert daemon.poll() is None
    assert daemon.returncode == 0
    pagila.assert_matches("pagila_film")


def test_sigterm_finishes_the_batch_and_exits_zero(pagila: Harness) -> None:
    pagila.cli("bootstrap")
    process = pagila.spawn("--workers", "2", "--no-progress")
    wait_until(lambda: pagila.sql("SELECT backfill_state FROM indexer.indexes") == [("done",)], 60, "the backfill")
    pagila.sql("UPDATE language SET name = 'Changed' WHERE language_id = 1")  # 1,000 documents to rebuild
    output = pagila.stop(process)
    assert process.returncode == 0, output
    assert "event=stopping" in output and "signal=SIGTERM" in output
    assert "Traceback" not in output
    # whatever was not finished is still in the outbox, and a restart completes it
    pagila.run_once()
    pagila.assert_matches("pagila_film")


def test_sigterm_stops_a_worker_waiting_for_the_backfill_plan(pagila: Harness) -> None:
    """Another session holds the lock under which a backfill is planned (as a
    worker on another host would while it plans): the worker polls for it,
    and SIGTERM still stops it at once with exit 0, well before the
    supervisor's 60 s grace would kill it. Once the lock is free the
    backfill runs."""
    pagila.cli("bootstrap")
    key = advisory_key("indexer", "plan", "pagila_film")
    with contextlib.closing(pagila.connect()) as holder:
        with holder.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(%s)", (key,))
        process = pagila.spawn("--workers", "1", "--no-progress", live=True)

        def polling_for_the_lock() -> bool:
            # the worker's last statement tried that very lock (psycopg2 sends the key inline,
            # a negative one after a space)
            rows = pagila.sql(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'indexer worker 0' AND query LIKE %s",
                (f"%pg_try_advisory_lock(%{key})%",),
            )
            return bool(rows[0][0])

        wait_until(polling_for_the_lock, 60, "the worker polling for the plan lock")
        assert pagila.sql("SELECT backfill_state FROM indexer.indexes") == [("pending",)]
        output = pagila.stop(process, timeout=30)  # fails the test if it is still running then
        assert process.returncode == 0, output
        assert "Traceback" not in output
    pagila.run_once()
    pagila.assert_matches("pagila_film")


def test_elasticsearch_client_through_an_elasticsearch_8_proxy(pagila: Harness) -> None:
    proxy = SearchProxy(pagila.search_url, mode="elasticsearch")
    try:
        pagila.search_url = proxy.url
        result = pagila.cli("bootstrap")
        assert "engine=elasticsearch version=8.15.0" in result.output
        pagila.run_once()
        pagila.sql("UPDATE film SET title = 'THROUGH ELASTICSEARCH' WHERE film_id = 3")
        pagila.run_once()
        pagila.assert_matches("pagila_film")
        # the official client spoke Elasticsearch 8 media types, which the proxy accepted
        assert any("compatible-with=8" in value for value in proxy.seen_media_types), proxy.seen_media_types
        assert not any("compatible-with=9" in value for value in proxy.seen_media_types)
        assert any("x-ndjson" in value for value in proxy.seen_media_types)  # bulk requests went through it
    finally:
        proxy.close()


def test_opensearch_detected_and_spoken_to_in_plain_json(pagila: Harness) -> None:
    proxy = SearchProxy(pagila.search_url)  # passes everything through, records media types
    try:
        pagila.search_url = proxy.url
        result = pagila.cli("bootstrap")
        assert "engine=opensearch" in result.output
        pagila.run_once()
        pagila.assert_matches("pagila_film")
        assert proxy.seen_media_types
        assert not any("vnd.elasticsearch" in value for value in proxy.seen_media_types), proxy.seen_media_types
    finally:
        proxy.close()


def test_metrics_are_served(pagila: Harness) -> None:
    import urllib.request

    from indexer.embedded import free_port

    port = free_port()
    pagila.cli("bootstrap")
    with pagila.daemon("--workers", "2", "--metrics-port", str(port)):
        wait_until(lambda: pagila.sql("SELECT backfill_state FROM indexer.indexes") == [("done",)], 60, "the backfill")
        pagila.sql("UPDATE film SET title = 'MEASURED' WHERE film_id = 8")

        def metrics() -> str:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
                return str(response.read().decode())

        wait_until(lambda: 'indexer_documents_indexed_total{index="pagila_film",phase="drain"} 1.0' in metrics(), 15,
                   "the drain to be counted")  # fmt: skip
        text = metrics()
        assert 'indexer_documents_indexed_total{index="pagila_film",phase="backfill"} 1000.0' in text
        assert 'indexer_outbox_pending{index="pagila_film"}' in text
        assert "indexer_slot_retained_bytes" in text
        assert "indexer_workers_alive 3.0" in text
        assert "indexer_batch_seconds_bucket" in text
