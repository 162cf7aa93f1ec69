"""Pagila end to end: backfill, then a scripted mix of changes, and after each
step every document of the film and actor indexes equals the reference."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import Harness

SCHEMA = Path(__file__).parent / "schemas" / "pagila_film_actor.json"


@pytest.fixture
def pagila(make_pagila) -> Harness:
    return make_pagila(SCHEMA)


def test_backfill_then_scripted_changes_match_reference(pagila: Harness) -> None:
    pagila.cli("bootstrap")
    pagila.run_once()
    assert pagila.assert_matches("pagila_film") == 1000
    assert pagila.assert_matches("pagila_actor") == 200

    steps = [
        # an actor renamed: every film of that actor changes
        "UPDATE actor SET first_name = 'RENAMED' WHERE actor_id = 1",
        # film_actor insert and delete
        "INSERT INTO film_actor (actor_id, film_id) VALUES (2, 1)",
        "DELETE FROM film_actor WHERE actor_id = 10 AND film_id = 191",
        # a film moves to another category
        "UPDATE film_category SET category_id = (SELECT min(c.category_id) FROM category c WHERE NOT EXISTS"
        " (SELECT FROM film_category x WHERE x.film_id = 5 AND x.category_id = c.category_id))"
        " WHERE film_id = 5 AND category_id = 9",
        # a language renamed: every film (and every actor's films) changes
        "UPDATE language SET name = 'Klingon' WHERE language_id = 1",
        # a film inserted with children, another deleted, another given a new key
        "INSERT INTO film (film_id, title, language_id) VALUES (5001, 'NEW FILM', 2);"
        " INSERT INTO film_actor (actor_id, film_id) VALUES (3, 5001), (4, 5001);"
        " INSERT INTO film_category (film_id, category_id) VALUES (5001, 5)",
        "DELETE FROM film_actor WHERE film_id = 14; DELETE FROM film_category WHERE film_id = 14;"
        " DELETE FROM film WHERE film_id = 14",
        "UPDATE film SET film_id = 6000 WHERE film_id = 7",
        # a 10,000-row single INSERT and a 10,000-row single UPDATE
        "INSERT INTO inventory (film_id, store_id) SELECT f.film_id, 1 FROM generate_series(1, 10) g, film f",
        "UPDATE inventory SET store_id = 2 WHERE inventory_id > 4581",
        # an update of a column no document reads
        "UPDATE film_actor SET last_update = now() WHERE actor_id = 5",
    ]
    for statement in steps:
        pagila.sql(statement)
    pagila.run_once()
    pagila.assert_matches("pagila_film")
    pagila.assert_matches("pagila_actor")
    assert pagila.document("pagila_film", "14") is None
    assert pagila.document("pagila_film", "7") is None
    assert pagila.source("pagila_film", "6000")["language"]["name"].strip() == "Klingon"

    # TRUNCATE of a child table
    pagila.sql("TRUNCATE film_category")
    pagila.run_once()
    pagila.assert_matches("pagila_film")
    pagila.assert_matches("pagila_actor")
    assert pagila.source("pagila_film", "1")["categories"] is None


def test_unused_column_update_enqueues_nothing(pagila: Harness) -> None:
    pagila.cli("bootstrap")
    pagila.sql("UPDATE film_actor SET last_update = now()")  # 5,462 rows, no document reads last_update
    pagila.sql("UPDATE film_category SET category_id = category_id")  # identical values for every watched column
    assert pagila.pending() == 0
    pagila.sql("UPDATE film SET rental_rate = rental_rate + 1 WHERE film_id <= 3")
    keys = pagila.sql("SELECT index_name, root_key->>'film_id' FROM indexer.outbox ORDER BY 1, 2")
    assert keys == [("pagila_film", "1"), ("pagila_film", "2"), ("pagila_film", "3")]


def test_single_row_updates_enqueue_each_index_that_reads_the_change(pagila: Harness) -> None:
    """The single-row path of the capture: film is the root of pagila_film
    and a child of pagila_actor, which reads fewer of its columns."""
    pagila.cli("bootstrap")
    pagila.sql("UPDATE film_actor SET last_update = now() WHERE actor_id = 1 AND film_id = 1")
    pagila.sql("UPDATE film_category SET category_id = category_id WHERE film_id = 1")  # watched values unchanged
    assert pagila.pending() == 0
    pagila.sql("UPDATE film SET rental_rate = rental_rate + 1 WHERE film_id = 4")  # only pagila_film reads it
    keys = pagila.sql("SELECT index_name, root_key->>'film_id', lane FROM indexer.outbox ORDER BY 1, 2")
    assert keys == [("pagila_film", "4", 0)]
    pagila.sql("DELETE FROM indexer.outbox")
    pagila.sql("UPDATE film SET title = 'RETITLED' WHERE film_id = 4")  # both read it
    actors = {str(a) for (a,) in pagila.sql("SELECT actor_id FROM film_actor WHERE film_id = 4")}
    keys = pagila.sql("SELECT index_name, coalesce(root_key->>'film_id', root_key->>'actor_id') FROM indexer.outbox")
    assert sorted(keys) == sorted([("pagila_film", "4")] + [("pagila_actor", a) for a in actors])
    assert actors
    pagila.run_once()
    pagila.assert_matches("pagila_film")
    pagila.assert_matches("pagila_actor")


def test_moving_a_child_enqueues_both_roots(pagila: Harness) -> None:
    pagila.cli("bootstrap")
    pagila.sql("UPDATE inventory SET film_id = 2 WHERE inventory_id = 1")  # inventory 1 belonged to film 1
    rows = pagila.sql(
        "SELECT root_key->>'film_id', op, source_table FROM indexer.outbox WHERE index_name = 'pagila_film' ORDER BY 1"
    )
    assert rows == [("1", "update", "public.inventory"), ("2", "update", "public.inventory")]


def test_statement_level_capture_writes_once_per_root(pagila: Harness) -> None:
    pagila.cli("bootstrap")
    pagila.sql("UPDATE language SET name = 'Klingon' WHERE language_id = 1")
    # one outbox row per affected film, written by one INSERT ... SELECT
    (films,) = pagila.sql("SELECT count(*) FROM film WHERE language_id = 1")[0]
    rows = pagila.sql(
        "SELECT count(*), count(DISTINCT xid), count(DISTINCT root_key) FROM indexer.outbox"
        " WHERE index_name = 'pagila_film'"
    )
    assert rows == [(films, 1, films)]
