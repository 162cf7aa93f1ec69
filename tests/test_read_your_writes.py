"""Read-your-writes: after wait_searchable() returns true, a search sees the
committed value, every time, under a concurrent workload."""

from __future__ import annotations

import contextlib
import re
import threading
from pathlib import Path

import pytest

from indexer.consistency import wait_searchable
from tests.harness import Harness, wait_until

FILM = Path(__file__).resolve().parent.parent / "schemas" / "pagila_film.json"


@pytest.fixture
def pagila(make_pagila) -> Harness:
    return make_pagila(FILM, bootstrap=True)


def hits(h: Harness, title: str) -> int:
    body = {"query": {"match_phrase": {"title": title}}}
    return int(h.http("POST", "/pagila_film/_search", body)["hits"]["total"]["value"])


def test_after_the_wait_the_committed_value_is_searchable_every_time(pagila: Harness) -> None:
    stop = threading.Event()

    def background() -> None:  # other films keep changing meanwhile
        with contextlib.closing(pagila.connect()) as conn, conn.cursor() as cur:
            n = 0
            while not stop.is_set():
                n += 1
                cur.execute("UPDATE film SET description = %s WHERE film_id = %s", (f"busy {n}", 500 + n % 400))
                stop.wait(0.02)

    with pagila.daemon("--workers", "2"):
        wait_until(pagila.backfilled, 120, "the backfill")
        load = threading.Thread(target=background, daemon=True)
        load.start()
        try:
            with contextlib.closing(pagila.connect(autocommit=False)) as conn:
                for i in range(8):
                    title = f"WRITTEN AND READ {i}"
                    with conn.cursor() as cur:
                        cur.execute("UPDATE film SET title = %s WHERE film_id = %s", (title, 10 + i))
                    conn.commit()
                    assert wait_searchable(conn, "pagila_film", timeout=60)
                    assert hits(pagila, title) == 1, f"{title!r} not searchable after the wait"
        finally:
            stop.set()
            load.join(10)


def test_the_wait_times_out_while_nothing_drains(pagila: Harness) -> None:
    with contextlib.closing(pagila.connect()) as conn:
        assert wait_searchable(conn, "pagila_film", timeout=0.2) is False  # the backfill's keys are not indexed yet
        pagila.run_once()
        conn.cursor().execute("UPDATE film SET title = 'PENDING' WHERE film_id = 1")
        assert wait_searchable(conn, "pagila_film", timeout=0.3) is False  # no indexer running
        with conn.cursor() as cur:
            cur.execute("BEGIN")
            with pytest.raises(ValueError, match="commit first"):
                wait_searchable(conn, "pagila_film")
            cur.execute("ROLLBACK")
    pagila.run_once()
    with contextlib.closing(pagila.connect()) as conn:
        assert wait_searchable(conn, "pagila_film", timeout=1) is True


def test_status_watch_shows_backlog_rates_and_the_last_error(pagila: Harness) -> None:
    pagila.run_once()
    pagila.sql("UPDATE film SET title = title || '!' WHERE film_id <= 30")
    pagila.sql(
        "INSERT INTO indexer.dead_letters (index_name, root_key, doc_id, reason, error)"
        " VALUES ('pagila_film', '{\"film_id\": 7}', '7', 'mapper_parsing_exception', '{\"reason\": \"bad date\"}')"
    )
    screen = pagila.cli("status", "--watch", "--interval", "0.2", "--rounds", "2").output
    assert screen.count("pagila_film") >= 2  # two screens
    assert "0 worker(s); outbox captured" in screen and "drained" in screen and "retaining" in screen

    def balanced() -> bool:  # every partition held, by the two workers (a handover may be under way)
        busy = pagila.cli("status", "--watch", "--interval", "0.2", "--rounds", "1").output
        held = [int(n) for n in re.findall(r"pid \d+: (\d+)", busy)]
        return "2 worker(s)" in busy and len(held) == 2 and sum(held) == 32

    with pagila.daemon("--workers", "2"):
        wait_until(balanced, 60, "two workers holding all 32 partitions")
    row = next(line for line in screen.splitlines() if "pagila_film" in line and "done" in line)
    assert " 30 " in row and "mapper_parsing_exception: bad date" in row
