"""Versioned indexes behind an alias: a deleted index is rebuilt with its own
mappings (never auto-created by a bulk request), an existing index named like
the alias (PGSync's) is adopted, and a changed schema.json is rebuilt in the
background and swapped in atomically while writes and searches go on."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.harness import Harness, wait_until
from tests.workload import Writer, drained

SCHEMA = Path(__file__).parent / "schemas" / "pagila_film_actor.json"
FILM = Path(__file__).resolve().parent.parent / "schemas" / "pagila_film.json"


@pytest.fixture
def pagila(make_pagila, tmp_path: Path) -> Harness:
    schema = tmp_path / "schema.json"  # a copy, edited in place by the schema-change test
    schema.write_text(SCHEMA.read_text())
    return make_pagila(schema, bootstrap=True)


def alias_targets(h: Harness, alias: str) -> list[str]:
    try:
        return sorted(h.http("GET", f"/_alias/{alias}"))
    except Exception:
        return []


def live(h: Harness, index: str) -> str | None:
    rows = h.sql("SELECT live_physical FROM indexer.indexes WHERE index_name = %s", (index,))
    return rows[0][0] if rows else None


def exists(h: Harness, name: str) -> bool:
    try:
        h.http("GET", f"/{name}")
    except Exception:
        return False
    return True


def search_films(h: Harness, problems: list[str], stop: threading.Event) -> None:
    """Search the alias until ``stop``, noting every failure or short count:
    the writers delete a few of films 1-100, never hundreds."""
    while not stop.is_set():
        try:
            body = {"query": {"range": {"film_id": {"lte": 1000}}}, "size": 0, "track_total_hits": True}
            total = h.http("POST", "/pagila_film/_search", body)["hits"]["total"]["value"]
            if total < 990:
                problems.append(f"{total} films found")
        except Exception as exc:
            problems.append(repr(exc))
        stop.wait(0.02)  # the searcher's rhythm; returns at once when the test ends


def field_type(h: Harness, alias: str, field: str) -> str | None:
    mapping = h.http("GET", f"/{alias}/_mapping")
    (only,) = mapping.values()
    return only["mappings"]["properties"].get(field, {}).get("type")


def test_a_deleted_index_is_rebuilt_with_its_mappings_not_auto_created(pagila: Harness) -> None:
    with pagila.daemon("--workers", "2", live=True) as daemon:
        wait_until(lambda: live(pagila, "pagila_film") == "pagila_film_v1" and drained(pagila), 60, "v1 to be live")
        pagila.http("DELETE", "/pagila_film_v1")
        pagila.sql("UPDATE film SET title = 'AFTER THE DELETE', rental_rate = 1.25 WHERE film_id = 9")
        wait_until(lambda: alias_targets(pagila, "pagila_film") == ["pagila_film_v2"], 60, "the rebuilt version")
        wait_until(lambda: drained(pagila) and pagila.sql(
            "SELECT building_physical IS NULL FROM indexer.indexes WHERE index_name = 'pagila_film'")[0][0], 120,
            "the rebuild")  # fmt: skip
        incidents = pagila.lines(daemon, "index_missing")
    assert incidents and "pagila_film_v1" in incidents[0], incidents
    assert field_type(pagila, "pagila_film", "rental_rate") == "double"  # the schema's, not dynamic
    assert pagila.source("pagila_film", "9")["title"] == "AFTER THE DELETE"
    pagila.assert_matches("pagila_film")
    pagila.assert_matches("pagila_actor")


def test_a_deleted_index_with_no_traffic_is_noticed(pagila: Harness) -> None:
    pagila.run_once()
    with pagila.daemon("--workers", "1", live=True) as daemon:
        wait_until(lambda: pagila.lines(daemon, "worker_connected"), 60, "the worker")
        pagila.http("DELETE", "/pagila_actor_v1")
        wait_until(lambda: alias_targets(pagila, "pagila_actor") == ["pagila_actor_v2"], 60, "the periodic check")
        assert "noticed_by=" in pagila.lines(daemon, "index_missing")[0]
    pagila.run_once()
    pagila.assert_matches("pagila_actor")


def test_an_existing_index_named_like_the_alias_is_adopted(make_pagila) -> None:
    """PGSync (or an earlier release) made a plain index ``pagila_film``: it keeps
    serving while ``pagila_film_v1`` is built, then one alias action replaces it."""
    h = make_pagila(FILM)
    h.http("PUT", "/pagila_film", {"mappings": {"properties": {"title": {"type": "text"}}}})
    h.http("PUT", "/pagila_film/_doc/1?refresh=true", {"film_id": 1, "title": "FROM PGSYNC"})
    result = h.cli("bootstrap")
    assert "an index named pagila_film exists" in result.output, result.output
    assert "pagila_film (an index, not an alias) keeps serving" in result.output
    h.run_once()
    assert alias_targets(h, "pagila_film") == ["pagila_film_v1"]
    h.assert_matches("pagila_film")
    assert "nothing changed" in h.cli("bootstrap").output


def test_a_changed_schema_is_rebuilt_behind_the_alias_while_writes_and_searches_go_on(
    pagila: Harness, tmp_path: Path
) -> None:
    """schema.json gains a field and a mapping change. Bootstrap, run while the
    daemon streams, builds pagila_film_v2 from Postgres while v1 keeps getting
    changes; searches never fail and never miss a film; after the swap v2 equals
    the reference and v1 is deleted."""
    pagila.run_once()
    problems: list[str] = []
    stop = threading.Event()

    searcher = threading.Thread(target=search_films, args=(pagila, problems, stop), daemon=True)
    entries: list[dict[str, Any]] = json.loads(SCHEMA.read_text())
    entries[0]["nodes"]["columns"].append("original_language_id")
    entries[0].setdefault("mappings", {"properties": {"title": {"type": "keyword"}}})

    with pagila.daemon("--workers", "2", "--retire-after", "1", live=True) as daemon:
        searcher.start()
        writers = [Writer(pagila, seed, seconds=20) for seed in range(2)]
        for writer in writers:
            writer.start()
        wait_until(lambda: all(w.committed >= 20 for w in writers), 60, "the workload under way before the change")
        pagila.schema_file.write_text(json.dumps(entries))  # edited in place, as users do
        result = pagila.cli("bootstrap")
        assert "build pagila_film_v2 in the background" in result.output, result.output
        for writer in writers:
            writer.join(60)
            assert writer.error is None
        wait_until(lambda: alias_targets(pagila, "pagila_film") == ["pagila_film_v2"], 120, "the swap")
        wait_until(lambda: drained(pagila), 120, "the drain")
        wait_until(lambda: not alias_targets(pagila, "pagila_film_v1") and not exists(pagila, "pagila_film_v1"), 60,
                   "v1 to be deleted")  # fmt: skip
        stop.set()
        searcher.join(10)
        swaps = pagila.lines(daemon, "index_swapped")
        reloads = pagila.lines(daemon, "process_reloading")
    assert not problems, problems[:10]
    assert swaps and reloads
    assert field_type(pagila, "pagila_film", "title") == "keyword"
    assert "original_language_id" in pagila.source("pagila_film", "1")
    pagila.assert_matches("pagila_film")
    pagila.assert_matches("pagila_actor")


def test_a_worker_with_the_old_plan_never_builds_the_new_version(pagila: Harness) -> None:
    """Bootstrap installs a new document shape while a worker, its plan checked
    a moment before, is about to look at the index versions: it must reload,
    not fill the new version with documents of the old shape."""
    stall = {"INDEXER_FAULTS": "worker_after_plan_check=sleep:3"}
    with pagila.daemon("--workers", "1", env=stall, live=True) as daemon:
        wait_until(pagila.backfilled, 120, "the first backfill")
        entries: list[dict[str, Any]] = json.loads(SCHEMA.read_text())
        entries[0]["nodes"]["columns"].append("original_language_id")
        pagila.schema_file.write_text(json.dumps(entries))
        # Each loop of the worker now stalls 3 s right after its plan check, so
        # the bootstrap almost always lands there (and the check catches it otherwise).
        assert "build pagila_film_v2 in the background" in pagila.cli("bootstrap").output
        wait_until(lambda: alias_targets(pagila, "pagila_film") == ["pagila_film_v2"], 180, "the swap")
        wait_until(lambda: drained(pagila), 120, "the drain")
    assert pagila.lines(daemon, "plan_changed") or pagila.lines(daemon, "process_reloading")
    assert "original_language_id" in pagila.source("pagila_film", "1")
    pagila.assert_matches("pagila_film")


def test_reindex_rebuilds_behind_the_alias_while_writes_and_searches_go_on(pagila: Harness) -> None:
    """`indexer reindex`: a new version filled in the background under writes;
    searches never fail or miss films; the old version is deleted after the swap."""
    pagila.run_once()
    problems: list[str] = []
    stop = threading.Event()

    searcher = threading.Thread(target=search_films, args=(pagila, problems, stop), daemon=True)
    with pagila.daemon("--workers", "2", "--retire-after", "1"):
        searcher.start()
        writers = [Writer(pagila, seed, seconds=10) for seed in range(2)]
        for writer in writers:
            writer.start()
        result = pagila.cli("reindex", "--index", "pagila_film")
        assert "pagila_film: building pagila_film_v2 in the background" in result.output
        for writer in writers:
            writer.join(60)
            assert writer.error is None
        wait_until(lambda: alias_targets(pagila, "pagila_film") == ["pagila_film_v2"], 120, "the swap")
        wait_until(lambda: drained(pagila), 120, "the drain")
        wait_until(lambda: not exists(pagila, "pagila_film_v1"), 60, "v1 to be deleted")
        stop.set()
        searcher.join(10)
    assert not problems, problems[:10]
    pagila.assert_matches("pagila_film")
    assert alias_targets(pagila, "pagila_actor") == ["pagila_actor_v1"]  # only the index asked for


def test_reindex_where_builds_just_those_documents_again(pagila: Harness) -> None:
    pagila.run_once()
    pagila.http("DELETE", "/pagila_film/_doc/10?refresh=true")
    tampered = pagila.source("pagila_film", "20")
    tampered["title"] = "TAMPERED"
    pagila.http("PUT", "/pagila_film/_doc/20?refresh=true", tampered)
    result = pagila.cli("reindex", "--index", "pagila_film", "--where", "n0.film_id IN (10, 20)")
    assert "pagila_film: enqueued 2 document(s) to build again" in result.output
    pagila.run_once()
    pagila.assert_matches("pagila_film")
    bad = pagila.cli("reindex", "--index", "nope", expect=2)
    assert "'nope' is not an index of" in bad.output
