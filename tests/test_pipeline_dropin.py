"""PGSync schema.json forms end to end: tables of the project's own, each form
bootstrapped, backfilled, changed and compared with the independent reference
(tests/reference.py), and the index mapping the forms ask for checked on the
search server."""

from __future__ import annotations

import base64
import json
import os
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.authproxy import AuthProxy, sigv4_check
from tests.conftest import SCHEMAS
from tests.harness import ROOT, Harness

DDL = """
CREATE TABLE publisher (id integer PRIMARY KEY, name text, is_active boolean);
CREATE TABLE book (id integer PRIMARY KEY, isbn text, title text, tags text[], price numeric(8, 2),
    publisher_id integer REFERENCES publisher);
CREATE TABLE profile (id integer PRIMARY KEY, doc jsonb, note text);
CREATE TABLE node (id integer PRIMARY KEY, name text, node_id integer REFERENCES node);
CREATE TABLE parent (id integer PRIMARY KEY, name text);
CREATE TABLE surrogate (id integer PRIMARY KEY, parent_id integer REFERENCES parent);
CREATE TABLE child (id integer PRIMARY KEY, name text, surrogate_id integer REFERENCES surrogate);

INSERT INTO publisher VALUES (1, 'Oxford', true), (2, 'Penguin', false), (3, '', NULL);
INSERT INTO book VALUES
    (1, '001-00-9', 'Alpha', '{a-b,c}', 9.80, 1),
    (2, '002-00-8', 'Beta', '{}', 0, 2),
    (3, NULL, NULL, NULL, NULL, NULL),
    (4, '004', 'Delta', '{x-y}', 12, 3);
INSERT INTO profile VALUES
    (1, '{"first": "Ada", "address": {"city": "London"}, "tags": ["x", "y"], "n": 3}', 'a'),
    (2, '{"first": "Alan", "address": {"city": "Wilmslow"}, "tags": [], "n": {"k": 1}}', 'b'),
    (3, '{}', 'c'),
    (4, NULL, 'd');
INSERT INTO node VALUES (1, 'root', NULL), (2, 'kid a', 1), (3, 'kid b', 1), (4, 'grandkid', 2);
INSERT INTO parent VALUES (1, 'P1'), (2, 'P2');
INSERT INTO surrogate VALUES (10, 1), (11, 1), (12, 2);
INSERT INTO child VALUES (100, 'c100', 10), (101, 'c101', 11), (102, 'c102', 12), (103, 'c103', NULL);
"""

SCHEMA = [
    {
        "database": "$DROPIN_DATABASE",
        "index": "dropin_book",
        "mappings": {"properties": {"title": {"type": "text"}, "tags": {"type": "text"}}},
        "mapping": {"tags": {"type": "keyword"}},
        "nodes": {
            "table": "book",
            "columns": [],
            "transform": {
                "replace": {"isbn": {"00": "XX", "-": ""}, "tags": {"-": "="}},
                "rename": {"id": "book_id", "isbn": "book_isbn"},
                "concat": {"columns": ["book_id", "title", "price", "tag"], "destination": "label", "delimiter": "_"},
                "mapping": {"book_id": {"type": "long"}, "label": {"type": "keyword"}},
            },
            "children": [
                {
                    "table": "publisher",
                    "label": None,
                    "columns": ["name", "id", "is_active"],
                    "relationship": {"variant": "object", "type": "one_to_one"},
                    "transform": {
                        "rename": {"id": "publisher_id", "name": "publisher_name"},
                        "concat": [
                            {
                                "columns": ["publisher_id", "publisher_name", "is_active"],
                                "destination": "xyz",
                                "delimiter": "-",
                            },
                        ],
                        "move": {"column": "id", "destination": "$root.author.author_id"},
                    },
                }
            ],
        },
    },
    {
        "database": "$DROPIN_DATABASE",
        "index": "dropin_profile",
        "nodes": {
            "table": "profile",
            "columns": ["id", "doc->>'first'", "doc#>'{address,city}'", "doc->'tags'->0", "doc->>n"],
        },
    },
    {
        "database": "$DROPIN_DATABASE",
        "index": "dropin_node",
        "nodes": {
            "table": "node",
            "label": "parent",
            "children": [
                {
                    "table": "node",
                    "label": "child",
                    "columns": ["id", "name"],
                    "relationship": {"variant": "object", "type": "one_to_many"},
                    "children": [
                        {
                            "table": "node",
                            "label": "grand_child",
                            "columns": ["name"],
                            "relationship": {"variant": "scalar", "type": "one_to_one"},
                        }
                    ],
                }
            ],
        },
    },
    {
        "database": "$DROPIN_DATABASE",
        "index": "dropin_ancestry",
        "nodes": [
            {
                "table": "parent",
                "columns": [],
                "children": [
                    {
                        "table": "child",
                        "columns": [],
                        "label": "children",
                        "relationship": {"variant": "object", "type": "one_to_many", "through_tables": ["surrogate"]},
                    }
                ],
            }
        ],
    },
]

INDEXES = ["dropin_book", "dropin_profile", "dropin_node", "dropin_ancestry"]


@pytest.fixture
def dropin(cluster, make_database, search_url, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DROPIN_DATABASE", "replaced-by---database")
    database = make_database("template1")
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(json.dumps(SCHEMA))
    h = Harness(cluster, database, search_url, schema_file)
    h.sql(DDL)
    try:
        yield h
    finally:
        h.close()


def test_pgsync_schema_forms_backfill_and_follow_changes(dropin: Harness) -> None:
    h = dropin
    result = h.cli("bootstrap")
    assert "event=schema_key_ignored" in result.output and "transform.move" in result.output
    h.run_once()
    for index in INDEXES:
        h.assert_matches(index)
    # spot checks of PGSync's semantics, beside the reference
    book = h.document("dropin_book", "1")
    assert book is not None
    assert book["book_isbn"] == "XX1XX9" and book["tags"] == ["a=b", "c"]
    assert book["label"] == "1_Alpha_9.8_tag"  # price 9.80 as PGSync's float, "tag" is no field: literal
    assert book["publisher"]["xyz"] == "1-Oxford-True"
    assert h.source("dropin_book", "2")["label"] == "2_Beta_tag"  # 0 is left out, as PGSync's filter(None)
    assert h.document("dropin_profile", "1") == {
        "id": 1, "doc_first": "Ada", "doc_address,city": "London", "doc_tags_0": "x", "doc_n": "3"
    }  # fmt: skip
    assert [c["name"] for c in h.source("dropin_node", "1")["child"]] == ["kid a", "kid b"]
    assert [c["id"] for c in h.source("dropin_ancestry", "1")["children"]] == [100, 101]

    # the mapping: transform.mapping by the renamed name, "mappings" and "mapping" merged
    (physical,) = h.http("GET", "/dropin_book/_mapping").values()
    properties = physical["mappings"]["properties"]
    assert properties["book_id"]["type"] == "long"
    assert properties["label"]["type"] == "keyword"
    assert properties["tags"]["type"] == "keyword"  # "mapping" wins over "mappings"
    assert properties["title"]["type"] == "text"  # from "mappings"

    # a column no JSON entry reads does not reach the outbox; the JSON column does
    h.sql("UPDATE profile SET note = 'changed' WHERE id = 1")
    assert h.pending() == 0
    for statement in [
        "UPDATE profile SET doc = jsonb_set(doc, '{address,city}', '\"Paris\"') WHERE id = 1",
        "UPDATE book SET isbn = '100-00', tags = '{q-r}' WHERE id = 2",
        "UPDATE publisher SET name = 'Oxford UP', is_active = false WHERE id = 1",
        "UPDATE node SET node_id = 3 WHERE id = 4",
        "INSERT INTO node VALUES (5, 'kid c', 1)",
        "UPDATE child SET surrogate_id = 12 WHERE id = 101",
        "UPDATE surrogate SET parent_id = 2 WHERE id = 10",
        "DELETE FROM child WHERE id = 102",
    ]:
        h.sql(statement)
    assert h.pending() > 0
    h.run_once()
    for index in INDEXES:
        h.assert_matches(index)
    assert h.source("dropin_profile", "1")["doc_address,city"] == "Paris"
    assert h.source("dropin_book", "1")["publisher"]["xyz"] == "1-Oxford UP"
    assert [c["id"] for c in h.source("dropin_ancestry", "2")["children"]] == [100, 101]


PAGILA_RENTALS = [
    {
        "database": "pagila",
        "index": "rentals",
        "nodes": {
            "table": "inventory",
            "columns": [],
            "children": [
                {
                    "table": "staff",
                    "columns": ["first_name", "last_name", "email"],
                    "relationship": {"type": "one_to_many", "variant": "object", "through_tables": ["rental"]},
                    "children": [
                        {
                            # store has a key to staff (its manager) and staff one to store:
                            # the staff member's own store is meant, as PGSync reads it
                            "table": "address",
                            "columns": ["address", "district"],
                            "relationship": {"type": "one_to_many", "variant": "object", "through_tables": ["store"]},
                        }
                    ],
                },
                {
                    # payment is reached from rental by payment.rental_id (the key points at the through table)
                    "table": "payment",
                    "columns": ["amount", "payment_date"],
                    "relationship": {"type": "one_to_many", "variant": "object", "through_tables": ["rental"]},
                    "children": [
                        {
                            "table": "customer",
                            "columns": ["first_name", "email"],
                            "label": None,
                            "relationship": {
                                "type": "one_to_one",
                                "variant": "object",
                                "foreign_key": {"child": ["customer_id"], "parent": ["customer_id"]},
                            },
                        }
                    ],
                },
            ],
        },
    }
]


def test_through_tables_reached_either_way_on_pagila(make_pagila, tmp_path: Path) -> None:
    schema = tmp_path / "rentals.json"
    schema.write_text(json.dumps(PAGILA_RENTALS))
    h = make_pagila(schema)
    # Pagila declares payment's foreign keys on its partitions only; the parent gets the one the schema uses
    h.sql("ALTER TABLE payment ADD FOREIGN KEY (rental_id) REFERENCES rental")
    h.cli("bootstrap")
    h.run_once()
    assert h.assert_matches("rentals") == 4581
    staff = h.source("rentals", "1")["staff"]
    assert staff and all(s["address"] for s in staff)
    for statement in [
        "UPDATE store SET address_id = 3 WHERE store_id = 1",
        "UPDATE staff SET store_id = 2 WHERE staff_id = 1",
        "UPDATE payment SET amount = amount + 1 WHERE payment_id % 50 = 0",
        "UPDATE customer SET email = upper(email) WHERE customer_id < 20",
    ]:
        h.sql(statement)
    h.run_once()
    h.assert_matches("rentals")


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"ELASTICSEARCH_BEARER_AUTH": "s3cret-token"}, "Bearer s3cret-token"),
        ({"ELASTICSEARCH_HTTP_AUTH": "elastic:pa:ss"}, "Basic " + _b64("elastic:pa:ss")),
        ({"ELASTICSEARCH_API_KEY_ID": "id1", "ELASTICSEARCH_API_KEY": "k2"}, "ApiKey " + _b64("id1:k2")),
    ],
    ids=["bearer", "http-auth", "api-key"],
)
def test_pgsync_credential_variables_reach_the_server(
    make_pagila, search_url: str, monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], expected: str
) -> None:
    """PGSync's credential variables, checked on the wire by a proxy that refuses
    anything else; a wrong credential is one clear error."""
    proxy = AuthProxy(search_url, expected)
    try:
        h = make_pagila(SCHEMAS / "pagila_actor.json")
        h.search_url = proxy.url
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("REDIS_HOST", "redis.example")  # a PGSync setting with no meaning here
        result = h.cli("bootstrap")
        assert "event=pgsync_setting_not_needed" in result.output and "name=REDIS_HOST" in result.output
        h.run_once(env=variables)
        assert proxy.accepted > 0 and proxy.refused == 0
        h.search_url = search_url
        assert h.assert_matches("pagila_actor") == 200
        h.search_url = proxy.url
        for name in variables:
            monkeypatch.setenv(name, "wrong")
        refused = h.cli("verify", expect=None)
        assert refused.exit_code != 0 and proxy.refused > 0
        assert "refused the credentials (HTTP 401)" in refused.output and "Traceback" not in refused.output
    finally:
        proxy.close()


PLUGIN_MODULE = """
from pgsync import plugin


class FullName(plugin.Plugin):
    name = "FullName"

    def transform(self, doc, **kwargs):
        doc["full_name"] = f"{doc['first_name']} {doc['last_name']}"
        doc["seen_as"] = [kwargs["_id"], kwargs["_index"]]
        return doc


class Shout(plugin.Plugin):
    name = "Shout"

    def transform(self, doc, **kwargs):
        doc["full_name"] = doc["full_name"].upper()  # needs FullName to have run first
        return doc


class Gatekeeper(plugin.Plugin):
    name = "Gatekeeper"

    def transform(self, doc, **kwargs):
        if doc["actor_id"] == 7:
            raise ValueError(f"cannot handle actor {doc['actor_id']}")
        return None if doc["last_name"] == "DROP" else doc


class Unlisted(plugin.Plugin):
    name = "Unlisted"

    def transform(self, doc, **kwargs):
        raise AssertionError("never listed, never run")
"""


def test_pgsync_plugins_transform_drop_and_dead_letter(
    make_pagila, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "__init__.py").write_text("")
    (tmp_path / "plugins" / "actors.py").write_text(PLUGIN_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [m for m in sys.modules if m == "plugins" or m.startswith("plugins.")]:
        monkeypatch.delitem(sys.modules, name)
    env = {"PYTHONPATH": f"{ROOT}{os.pathsep}{tmp_path}"}
    entry = {
        "database": "pagila",
        "index": "actors",
        "plugins": ["FullName", "Shout", "Gatekeeper"],
        "nodes": {"table": "actor", "columns": ["actor_id", "first_name", "last_name"]},
    }
    schema = tmp_path / "actors.json"
    schema.write_text(json.dumps([dict(entry, plugins=["FullName", "Nope"])]))
    h = make_pagila(schema)
    refused = h.cli("bootstrap", expect=2)
    assert "[0].plugins: plugin 'Nope' not found in package 'plugins'" in refused.output
    assert "known plugins: FullName, Gatekeeper, Shout, Unlisted" in refused.output
    schema.write_text(json.dumps([entry]))
    h.sql("UPDATE actor SET last_name = 'DROP' WHERE actor_id = 3")
    h.cli("bootstrap")
    h.run_once(env=env)

    def expected() -> dict[str, dict[str, object]]:
        out = {}
        for doc_id, doc in h.reference("actors").items():
            if doc["actor_id"] == 7 or doc["last_name"] == "DROP":
                continue
            full = f"{doc['first_name']} {doc['last_name']}".upper()
            out[doc_id] = dict(doc, full_name=full, seen_as=[doc_id, "actors"])
        return out

    assert h.documents("actors") == expected()
    dead = h.sql("SELECT doc_id, reason, error->>'reason' FROM indexer.dead_letters")
    assert dead == [("7", "plugin_error", "plugin Gatekeeper: ValueError: cannot handle actor 7")]
    h.sql("UPDATE actor SET first_name = 'Neo' WHERE actor_id = 11")
    h.sql("UPDATE actor SET last_name = 'DROP' WHERE actor_id = 12")  # indexed before: deleted now
    h.sql("UPDATE actor SET last_name = 'BACK' WHERE actor_id = 3")  # dropped before: indexed now
    h.run_once(env=env)
    assert h.documents("actors") == expected()
    assert h.source("actors", "11")["full_name"] == "NEO " + h.source("actors", "11")["last_name"].upper()
    # verify applies the same plugins to what Postgres holds before comparing
    assert "missing 0, extra 0, stale 0" in h.cli("verify").output
    h.http("DELETE", "/actors/_doc/15?refresh=true")
    assert "missing 1, extra 0, stale 0" in h.cli("verify", expect=1).output


def test_pgsync_command_spellings(dropin: Harness) -> None:
    h = dropin
    analyze = h.cli("run", "--analyze")
    assert "no index on public.child (surrogate_id)" in analyze.output and "CREATE INDEX" in analyze.output
    assert h.sql("SELECT to_regnamespace('indexer')") == [(None,)]  # analyze changes nothing
    boot = h.cli("bootstrap", "--host", "127.0.0.1", "--port", str(h.cluster.port), "--user", "postgres", "-v")
    assert "level=debug event=plan_loaded" in boot.output
    assert "level=debug" not in h.cli("bootstrap").output
    h.run_once("-d")
    h.assert_matches("dropin_node")
    down = h.cli("bootstrap", "--teardown")
    assert "dropped" in down.output and h.sql("SELECT to_regnamespace('indexer')") == [(None,)]
    wrong = h.cli("bootstrap", "--port", "1", expect=4)
    assert "127.0.0.1:1" in wrong.output  # --port overrides the connection string's port


VIEW_DDL = """
CREATE TABLE publisher (id integer PRIMARY KEY, name text, is_active boolean);
CREATE TABLE book (id integer PRIMARY KEY, isbn text, title text, description text,
    publisher_id integer REFERENCES publisher);
CREATE VIEW book_view AS
    SELECT id, isbn, upper(title) AS title, coalesce(description, '-') AS description, publisher_id FROM book;
CREATE VIEW publisher_view AS SELECT id, name, is_active FROM publisher WHERE is_active IS NOT false;
CREATE MATERIALIZED VIEW book_snapshot AS SELECT id, title FROM book;
INSERT INTO publisher VALUES (1, 'Oxford', true), (2, 'Penguin', false), (3, 'Wiley', NULL);
INSERT INTO book SELECT g, 'isbn-' || g, 'title ' || g, CASE WHEN g % 3 = 0 THEN NULL ELSE 'about ' || g END,
    1 + g % 3 FROM generate_series(1, 60) g;
"""

VIEW_SCHEMA = [
    {
        "database": "views",
        "index": "book_view",
        "nodes": {
            "table": "book_view",
            "base_tables": ["book"],
            "columns": ["id", "isbn", "title", "description"],
            "primary_key": ["id"],
            "children": [
                {
                    "table": "publisher_view",
                    "base_tables": ["public.publisher"],
                    "columns": ["name", "id", "is_active"],
                    "primary_key": ["id"],
                    "label": "publisher_label",
                    "relationship": {
                        "variant": "object",
                        "type": "one_to_one",
                        "foreign_key": {"child": ["id"], "parent": ["publisher_id"]},
                    },
                }
            ],
        },
    }
]


def test_views_as_nodes_follow_their_base_tables(cluster, make_database, search_url, tmp_path: Path) -> None:
    schema_file = tmp_path / "schema.json"
    h = Harness(cluster, make_database("template1"), search_url, schema_file)
    try:
        h.sql(VIEW_DDL)
        # a view without base_tables is refused with the reason
        schema_file.write_text(json.dumps([{**VIEW_SCHEMA[0], "nodes": {"table": "book_view", "primary_key": ["id"]}}]))
        assert "name the tables whose changes change its rows" in h.cli("bootstrap", expect=2).output
        schema_file.write_text(json.dumps(VIEW_SCHEMA))
        boot = h.cli("bootstrap")
        assert "no index on public.book_view" not in boot.output
        assert h.sql("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'book'::regclass AND tgname LIKE 'indexer%'")[0][
            0
        ]
        h.run_once()
        assert h.assert_matches("book_view") == 60
        assert h.source("book_view", "3")["title"] == "TITLE 3" and h.source("book_view", "3")["description"] == "-"
        for statement in [
            "UPDATE book SET title = 'renamed' WHERE id = 4",
            "UPDATE book SET description = NULL WHERE id = 5",
            "UPDATE publisher SET name = 'Oxford UP' WHERE id = 1",
            "UPDATE publisher SET is_active = false WHERE id = 3",  # leaves the view: its books lose the publisher
            "UPDATE book SET publisher_id = 2 WHERE id = 7",
            "DELETE FROM book WHERE id = 8",
            "INSERT INTO book VALUES (100, 'isbn-100', 'new', NULL, 1)",
        ]:
            h.sql(statement)
        h.run_once()
        assert h.assert_matches("book_view") == 60
        assert h.source("book_view", "4")["title"] == "RENAMED"
        assert h.document("book_view", "8") is None
    finally:
        h.close()


SHAPE_DDL = """
CREATE TABLE reading (id integer PRIMARY KEY, value numeric, ratio double precision, taken timestamptz);
CREATE TABLE note (id integer PRIMARY KEY, reading_id integer REFERENCES reading, body text);
INSERT INTO reading VALUES (1, 1.50, 'Infinity', '2020-01-02 03:04:05.123+02'), (2, 'NaN', 0.1, NULL),
    (3, 12345678901234567890.123456789, -0.0, '2020-06-01 00:00:00+00');
INSERT INTO note VALUES (10, 1, 'first'), (11, 1, 'second'), (12, 1, 'third');
"""


def test_intentional_document_differences_from_pgsync(cluster, make_database, search_url, tmp_path: Path) -> None:
    """What README lists as intentional differences: numbers keep Postgres's
    exact text (scale and all digits); NaN and infinities are JSON strings,
    which numeric fields refuse, so those documents are dead letters with the
    engine's reason; arrays follow the child's key, so an update does not
    reorder them."""
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(json.dumps([{"database": "x", "index": "readings", "nodes": {"table": "reading",
        "children": [{"table": "note", "label": "notes", "columns": ["id", "body"],
                      "relationship": {"variant": "object", "type": "one_to_many"}}]}}]))  # fmt: skip
    h = Harness(cluster, make_database("template1"), search_url, schema_file)
    try:
        h.sql(SHAPE_DDL)
        h.cli("bootstrap")
        h.run_once()
        body = urllib.request.urlopen(f"{h.search_url}/readings/_doc/3", timeout=30).read()
        assert b'"value":12345678901234567890.123456789' in body.replace(b" ", b"")  # every digit, as bytes
        # NaN and infinities are JSON strings; the engines refuse them in numeric fields: dead letters, named
        dead = dict(h.sql("SELECT doc_id, error->'caused_by'->>'reason' FROM indexer.dead_letters"))
        assert set(dead) == {"1", "2"} and "only finite values" in dead["1"]
        h.sql("UPDATE reading SET ratio = 2.5 WHERE id = 1")
        h.sql("UPDATE note SET body = 'first, edited' WHERE id = 10")  # PGSync's aggregation order may move it
        h.run_once()
        assert [n["id"] for n in h.source("readings", "1")["notes"]] == [10, 11, 12]
        assert set(h.source("readings", "1")) == {"id", "value", "ratio", "taken", "notes"}  # no _meta of PGSync's
        assert h.document("readings", "2") is None  # still a dead letter until its value is finite
        assert set(h.documents("readings")) == {"1", "3"}
    finally:
        h.close()


ROUTING_DDL = """
CREATE TABLE account (id integer PRIMARY KEY, tenant text, name text);
CREATE TABLE item (id integer PRIMARY KEY, account_id integer REFERENCES account, label text);
INSERT INTO account SELECT g, 'tenant-' || (g % 4), 'account ' || g FROM generate_series(1, 40) g;
INSERT INTO item SELECT g, 1 + g % 40, 'item ' || g FROM generate_series(1, 120) g;
"""


def _hit(h: Harness, index: str, doc_id: str) -> dict[str, object] | None:
    hits = h.http("POST", f"/{index}/_search", {"query": {"ids": {"values": [doc_id]}}})["hits"]["hits"]
    return hits[0] if hits else None


def test_routing_by_a_root_field_including_deletes(cluster, make_database, search_url, tmp_path: Path) -> None:
    """PGSync's ``routing``: every write carries the root's routing value (the
    index requires it), and a deleted row's document is deleted with its old
    value, whether the delete fired the triggers or bypassed them."""
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(json.dumps([{"database": "x", "index": "accounts", "routing": "org",
        "nodes": {"table": "account", "transform": {"rename": {"tenant": "org"}},
                  "children": [{"table": "item", "label": "items", "columns": ["id", "label"],
                                "relationship": {"variant": "object", "type": "one_to_many"}}]}}]))  # fmt: skip
    h = Harness(cluster, make_database("template1"), search_url, schema_file)
    try:
        h.sql(ROUTING_DDL)
        boot = h.cli("bootstrap")
        assert "REPLICA IDENTITY FULL on public.account" in boot.output  # the old routing value of deletes
        (physical,) = h.http("GET", "/accounts/_mapping").values()
        assert physical["mappings"]["_routing"] == {"required": True}
        h.run_once()
        assert h.assert_matches("accounts") == 40
        assert (_hit(h, "accounts", "5") or {}).get("_routing") == "tenant-1"
        for statement in [
            "UPDATE account SET name = 'renamed' WHERE id = 5",
            "UPDATE item SET label = 'relabelled' WHERE id = 7",  # found through the root's routing
            "DELETE FROM item WHERE account_id = 9; DELETE FROM account WHERE id = 9",
            "UPDATE account SET tenant = 'tenant-9' WHERE id = 10",  # the routing value changes
            "INSERT INTO account VALUES (41, NULL, 'no tenant')",  # the index refuses it: a dead letter
        ]:
            h.sql(statement)
        h.sql("SET session_replication_role = replica; DELETE FROM item WHERE account_id = 11;"
              " DELETE FROM account WHERE id = 11")  # bypasses the triggers: the slot finds it  # fmt: skip
        h.run_once()
        assert _hit(h, "accounts", "9") is None and _hit(h, "accounts", "11") is None
        assert (_hit(h, "accounts", "10") or {}).get("_routing") == "tenant-9"
        dead = h.sql("SELECT doc_id, reason FROM indexer.dead_letters")
        assert dead == [("41", "routing_missing_exception")], dead
        h.sql("DELETE FROM account WHERE id = 41")  # nothing to delete: no delete without routing is sent
        h.run_once()
        assert h.sql("SELECT count(*) FROM indexer.dead_letters") == [(1,)]
        assert h.assert_matches("accounts") == 38
    finally:
        h.close()


def test_ingest_pipeline_is_applied_on_backfill_and_stream(make_pagila, search_url: str, tmp_path: Path) -> None:
    """``pipeline`` reaches the server on every bulk request, backfill and
    stream alike (the test server has no ingest API: a proxy applies it)."""

    def shout(doc: dict[str, object]) -> dict[str, object]:
        return {**doc, "first_name": str(doc["first_name"]).upper(), "piped": True}

    proxy = AuthProxy(search_url, None, pipelines={"shout": shout})
    try:
        schema = tmp_path / "actors.json"
        schema.write_text(json.dumps([{"database": "pagila", "index": "actors", "pipeline": "shout",
                                       "nodes": {"table": "actor", "columns": ["actor_id", "first_name"]}}]))  # fmt: skip
        h = make_pagila(schema)
        h.search_url = proxy.url
        h.cli("bootstrap")
        h.run_once()
        h.sql("UPDATE actor SET first_name = 'Zed' WHERE actor_id = 3")
        h.run_once()
        docs = h.documents("actors")
        assert len(docs) == 200 and all(d["piped"] is True for d in docs.values())
        assert docs["3"]["first_name"] == "ZED"
        expected = {k: shout(v) for k, v in h.reference("actors").items()}
        assert docs == expected
    finally:
        proxy.close()


def test_a_materialized_view_is_read_again_after_refresh(cluster, make_database, search_url, tmp_path: Path) -> None:
    """A materialized view's rows change only on REFRESH: an event trigger turns
    each refresh into an owed verification with repair of the indexes reading
    it, which the slot process carries out (updated, added and removed rows)."""
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(json.dumps([{"database": "x", "index": "snapshots", "nodes": {
        "table": "book_snapshot", "primary_key": ["id"], "children": [
            {"table": "publisher", "columns": ["name"], "relationship": {"variant": "scalar", "type": "one_to_one",
             "foreign_key": {"child": ["id"], "parent": ["publisher_id"]}}}]}}]))  # fmt: skip
    h = Harness(cluster, make_database("template1"), search_url, schema_file)
    try:
        h.sql(
            VIEW_DDL.replace("SELECT id, title FROM book", "SELECT id, upper(title) AS title, publisher_id FROM book")
        )
        h.sql("REFRESH MATERIALIZED VIEW book_snapshot")  # it was created before the books were inserted
        h.cli("bootstrap")
        h.run_once()
        assert h.assert_matches("snapshots") == 60
        h.sql("UPDATE book SET title = 'changed' WHERE id = 4")
        h.sql("DELETE FROM book WHERE id = 5")
        h.sql("INSERT INTO book VALUES (61, 'isbn-61', 'added', NULL, 1)")
        h.run_once()
        assert h.source("snapshots", "4")["title"] == "TITLE 4"  # not refreshed yet: the view still says so
        h.sql("REFRESH MATERIALIZED VIEW book_snapshot")
        assert h.sql("SELECT index_name FROM indexer.repairs") == [("snapshots",)]
        h.sql("UPDATE publisher SET name = 'Oxford UP' WHERE id = 1")  # a child table is captured as usual
        h.run_once()
        assert h.source("snapshots", "4")["title"] == "CHANGED"
        assert h.document("snapshots", "5") is None and h.source("snapshots", "61")["title"] == "ADDED"
        assert h.assert_matches("snapshots") == 60
        assert h.sql("SELECT count(*) FROM indexer.repairs") == [(0,)]
    finally:
        h.close()


def test_a_document_made_only_of_materialized_views(cluster, make_database, search_url, tmp_path: Path) -> None:
    """PGSync's book_view example: every node a materialized view with its
    base_tables. No table is captured, so the publication holds none (created
    empty, or emptied when a table node goes away); REFRESH still drives it."""
    snapshot: dict[str, Any] = {"table": "book_snapshot", "primary_key": ["id"], "base_tables": ["book"], "children": [
        {"table": "publisher", "columns": ["name"], "relationship": {"variant": "scalar", "type": "one_to_one",
         "foreign_key": {"child": ["id"], "parent": ["publisher_id"]}}}]}  # fmt: skip
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(json.dumps([{"database": "x", "index": "snapshots", "nodes": snapshot}]))
    h = Harness(cluster, make_database("template1"), search_url, schema_file)
    try:
        h.sql(VIEW_DDL.replace("SELECT id, title FROM book", "SELECT id, title, publisher_id FROM book"))
        h.sql("CREATE MATERIALIZED VIEW publisher_snapshot AS SELECT id, name FROM publisher")
        h.sql("REFRESH MATERIALIZED VIEW book_snapshot")
        h.cli("bootstrap")  # the publication holds the publisher table
        h.run_once()
        assert h.assert_matches("snapshots") == 60
        child = snapshot["children"][0]
        child.update(table="publisher_snapshot", base_tables=["publisher"], primary_key=["id"])
        schema_file.write_text(json.dumps([{"database": "x", "index": "snapshots", "nodes": snapshot}]))
        h.cli("bootstrap")
        assert h.sql("SELECT count(*) FROM pg_publication_tables WHERE pubname = 'indexer_publication'") == [(0,)]
        h.run_once()
        assert h.assert_matches("snapshots") == 60
        h.sql("UPDATE publisher SET name = 'Oxford UP' WHERE id = 1")
        h.sql("UPDATE book SET title = 'changed' WHERE id = 4")
        h.run_once()
        assert h.source("snapshots", "4")["title"] == "title 4"  # neither view refreshed yet
        h.sql("REFRESH MATERIALIZED VIEW book_snapshot")
        h.sql("REFRESH MATERIALIZED VIEW publisher_snapshot")
        h.run_once()
        assert h.source("snapshots", "4")["title"] == "changed"
        assert h.assert_matches("snapshots") == 60
        h.cli("teardown")  # and teardown copes with the empty publication
        h.cli("bootstrap")  # created empty this time
        assert h.sql("SELECT count(*) FROM pg_publication WHERE pubname = 'indexer_publication'") == [(1,)]
    finally:
        h.close()


def test_foreign_key_names_the_columns_of_a_through_table_without_constraints(
    cluster, make_database, search_url, tmp_path: Path
) -> None:
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(json.dumps([{"database": "x", "index": "posts", "nodes": {"table": "post", "children": [
        {"table": "tag", "label": "tags", "columns": ["name"],
         "relationship": {"variant": "scalar", "type": "one_to_many", "through_tables": ["post_tag"],
                          "foreign_key": {"child": ["t_id"], "parent": ["p_id"]}}}]}}]))  # fmt: skip
    h = Harness(cluster, make_database("template1"), search_url, schema_file)
    try:
        h.sql(
            "CREATE TABLE post (id integer PRIMARY KEY, title text);"
            "CREATE TABLE tag (id integer PRIMARY KEY, name text);"
            "CREATE TABLE post_tag (p_id integer, t_id integer, PRIMARY KEY (p_id, t_id));"  # no foreign keys
            "INSERT INTO post SELECT g, 'post ' || g FROM generate_series(1, 20) g;"
            "INSERT INTO tag SELECT g, 'tag ' || g FROM generate_series(1, 5) g;"
            "INSERT INTO post_tag SELECT p, 1 + (p + k) % 5 FROM generate_series(1, 20) p, generate_series(0, 1) k;"
        )
        h.cli("bootstrap")
        h.run_once()
        assert h.assert_matches("posts") == 20
        h.sql("UPDATE tag SET name = 'renamed' WHERE id = 2")
        h.sql("DELETE FROM post_tag WHERE p_id = 3")
        h.sql("INSERT INTO post_tag VALUES (4, 3)")
        h.run_once()
        h.assert_matches("posts")
        assert h.source("posts", "3")["tags"] is None
    finally:
        h.close()


def test_aws_sigv4_signatures_are_checked_on_the_wire(
    make_pagila, search_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PGSync's ELASTICSEARCH_AWS_HOSTED: every request is signed with SigV4
    from botocore's credentials; a proxy recomputes each signature and refuses
    any mismatch, so a wrong secret is one clear error."""
    aws = {
        "ELASTICSEARCH_AWS_HOSTED": "true",
        "ELASTICSEARCH_AWS_REGION": "eu-west-3",
        "AWS_ACCESS_KEY_ID": "AKIDTESTINDEXER",
        "AWS_SECRET_ACCESS_KEY": "s3cret/Key+value",
    }
    proxy = AuthProxy(search_url, None, check=sigv4_check("AKIDTESTINDEXER", "s3cret/Key+value", "eu-west-3", "es"))
    try:
        h = make_pagila(SCHEMAS / "pagila_actor.json")
        h.search_url = proxy.url
        for name, value in aws.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        h.cli("bootstrap")
        h.run_once(env=aws)
        assert proxy.accepted > 0 and proxy.refused == 0
        h.search_url = search_url
        assert h.assert_matches("pagila_actor") == 200
        h.search_url = proxy.url
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
        refused = h.cli("verify", expect=None)
        assert refused.exit_code != 0 and proxy.refused > 0
        assert "refused the credentials (HTTP 401)" in refused.output and "Traceback" not in refused.output
    finally:
        proxy.close()


CHAIN_DDL = """
CREATE SCHEMA legal;
CREATE TABLE author (id integer PRIMARY KEY, name text);
CREATE TABLE publisher (id integer PRIMARY KEY, name text);
CREATE TABLE book (id integer PRIMARY KEY, title text, publisher_id integer REFERENCES publisher);
CREATE TABLE legal."Contract" (id integer PRIMARY KEY, author_id integer REFERENCES author, signed date);
CREATE TABLE contract_book (contract_id integer REFERENCES legal."Contract", book_id integer REFERENCES book,
    PRIMARY KEY (contract_id, book_id));
INSERT INTO author SELECT g, 'author ' || g FROM generate_series(1, 30) g;
INSERT INTO publisher SELECT g, 'publisher ' || g FROM generate_series(1, 4) g;
INSERT INTO book SELECT g, 'book ' || g, 1 + g % 4 FROM generate_series(1, 80) g;
INSERT INTO legal."Contract" SELECT g, 1 + g % 25, date '2020-01-01' + g FROM generate_series(1, 50) g;
INSERT INTO contract_book SELECT 1 + g % 50, g FROM generate_series(1, 80) g;
INSERT INTO contract_book SELECT 1 + (g * 7) % 50, g FROM generate_series(1, 80, 3) g ON CONFLICT DO NOTHING;
"""

CHAIN_SCHEMA = [{"database": "x", "index": "authors", "nodes": {"table": "author", "children": [
    {"table": "book", "label": "books", "columns": ["id", "title"],
     "relationship": {"variant": "object", "type": "one_to_many",
                      "through_tables": ["legal.Contract", "contract_book"]},
     "children": [{"table": "publisher", "columns": ["name"],
                   "relationship": {"variant": "scalar", "type": "one_to_one"}}]}]}}]  # fmt: skip


def test_a_chain_of_through_tables(cluster, make_database, search_url, tmp_path: Path) -> None:
    """Two through tables between a parent and its children (author, its
    contracts, the books of each contract): documents follow changes in every
    table of the chain, through the triggers and, with them disabled, the slot."""
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(json.dumps(CHAIN_SCHEMA))
    h = Harness(cluster, make_database("template1"), search_url, schema_file)
    try:
        h.sql(CHAIN_DDL)
        h.cli("bootstrap")
        h.run_once()
        assert h.assert_matches("authors") == 30
        assert any(len(doc["books"] or ()) > 2 for doc in h.documents("authors").values())
        changes = [
            "UPDATE book SET title = 'renamed' WHERE id = 5",
            "UPDATE publisher SET name = 'Oxford' WHERE id = 2",  # three levels below the root
            "UPDATE legal.\"Contract\" SET author_id = 30 WHERE id = 7",  # a contract moves: both authors
            "UPDATE legal.\"Contract\" SET signed = signed + 1",  # no column the documents read
            "UPDATE contract_book SET contract_id = 1 WHERE book_id = 9",
            "DELETE FROM contract_book WHERE contract_id = 3",
            "INSERT INTO contract_book VALUES (4, 70), (4, 71)",
            "DELETE FROM legal.\"Contract\" WHERE id = 40 AND NOT EXISTS (SELECT FROM contract_book WHERE contract_id = 40)",
            "INSERT INTO legal.\"Contract\" VALUES (51, 29, NULL)",
            "INSERT INTO contract_book VALUES (51, 1), (51, 2)",
        ]
        for statement in changes:
            h.sql(statement)
        h.run_once()
        assert h.assert_matches("authors") == 30
        assert h.pending() == 0
        h.sql('UPDATE legal."Contract" SET signed = signed + 1')
        assert h.pending() == 0  # the chain's tables are watched for the columns it reads only
        h.sql("TRUNCATE contract_book")
        h.run_once()
        assert h.assert_matches("authors") == 30
        assert all(doc["books"] is None for doc in h.documents("authors").values())
        for statement in [  # with the triggers off, the slot finds the keys
            'ALTER TABLE legal."Contract" DISABLE TRIGGER ALL',
            'UPDATE legal."Contract" SET author_id = 1 WHERE id <= 5',
            'ALTER TABLE legal."Contract" ENABLE TRIGGER ALL',
            "ALTER TABLE contract_book DISABLE TRIGGER ALL",
            "INSERT INTO contract_book SELECT 1 + g % 50, g FROM generate_series(1, 60) g",
            "ALTER TABLE contract_book ENABLE TRIGGER ALL",
        ]:
            h.sql(statement)
        assert h.pending() == 0
        h.run_once()
        assert h.assert_matches("authors") == 30
    finally:
        h.close()
