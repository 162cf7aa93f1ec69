"""Identifiers with quotes, capitals, unicode and schema prefixes; several
schemas (one index per tenant); composite primary and foreign keys."""

from __future__ import annotations

import json
from pathlib import Path

from tests.harness import Harness

TENANT_DDL = r'''
CREATE SCHEMA "{schema}";
CREATE TABLE "{schema}"."Shop ""Main""" ("Region" text, "ID" integer, "Name" text NOT NULL,
    PRIMARY KEY ("Region", "ID"));
CREATE TABLE "{schema}"."Книга" ("Ключ" serial PRIMARY KEY, "Region" text, "Shop ID" integer, "Titel Ä" text,
    "Preis" numeric(6, 2),
    FOREIGN KEY ("Region", "Shop ID") REFERENCES "{schema}"."Shop ""Main""" ("Region", "ID") ON UPDATE CASCADE);
CREATE TABLE "{schema}"."author's" (id integer PRIMARY KEY, "full name" text);
CREATE TABLE "{schema}"."book$author" ("Book" integer REFERENCES "{schema}"."Книга", author integer
    REFERENCES "{schema}"."author's", PRIMARY KEY ("Book", author));
INSERT INTO "{schema}"."Shop ""Main""" VALUES ('EU', 1, 'Berlin {schema}'), ('EU', 2, 'Paris'), ('US', 1, 'Boston');
INSERT INTO "{schema}"."author's" VALUES (1, 'Ada "the" Lovelace'), (2, 'Grace Hopper'), (3, 'Alan Turing');
INSERT INTO "{schema}"."Книга" ("Region", "Shop ID", "Titel Ä", "Preis")
SELECT (ARRAY['EU','EU','US'])[1 + g % 3], 1 + (g % 3 = 1)::int, 'Buch ' || g, g * 1.5 FROM generate_series(1, 60) g;
INSERT INTO "{schema}"."book$author" SELECT "Ключ", 1 + "Ключ" % 3 FROM "{schema}"."Книга";
INSERT INTO "{schema}"."book$author" SELECT "Ключ", 1 + ("Ключ" + 1) % 3 FROM "{schema}"."Книга" WHERE "Ключ" % 2 = 0;
'''


def tenant_entry(database: str, schema: str) -> dict[str, object]:
    return {
        "database": database,
        "index": f"shops-{schema.lower().replace(' ', '-')}",
        "nodes": {
            "schema": schema,
            "table": 'Shop "Main"',
            "transform": {"rename": {"Name": "name"}},
            "children": [
                {
                    "schema": schema,
                    "table": "Книга",
                    "label": "Bücher",
                    "relationship": {"variant": "object", "type": "one_to_many"},
                    "children": [
                        {
                            "schema": schema,
                            "table": "author's",
                            "label": "Autoren",
                            "columns": ["full name"],
                            "relationship": {
                                "variant": "scalar",
                                "type": "one_to_many",
                                "through_tables": [f"{schema}.book$author"],
                            },
                        }
                    ],
                }
            ],
        },
    }


def test_quoted_unicode_multi_tenant_composite_keys(cluster, make_database, search_url, tmp_path: Path) -> None:
    database = make_database("pagila_tpl")
    tenants = ["Tenant One", "tenant_two"]
    schema_file = tmp_path / "shops.json"
    schema_file.write_text(json.dumps([tenant_entry(database, t) for t in tenants]))
    h = Harness(cluster, database, search_url, schema_file, state_schema="Indexer_State")
    try:
        for tenant in tenants:
            h.sql(TENANT_DDL.format(schema=tenant.replace('"', '""')))
        h.cli("bootstrap")
        h.run_once()
        for tenant in tenants:
            index = f"shops-{tenant.lower().replace(' ', '-')}"
            assert h.assert_matches(index) == 3
        first = '"Tenant One"'
        for statement in [
            f'UPDATE {first}."author\'s" SET "full name" = \'Ada L.\' WHERE id = 1',
            f'UPDATE {first}."Shop ""Main""" SET "ID" = 9 WHERE "Region" = \'EU\' AND "ID" = 2',  # composite key change
            f'DELETE FROM {first}."book$author" WHERE "Book" = 3',
            f'UPDATE {first}."Книга" SET "Titel Ä" = \'Neu\', "Preis" = 1.10 WHERE "Ключ" = 4',
            'UPDATE tenant_two."Книга" SET "Region" = \'US\', "Shop ID" = 1 WHERE "Ключ" = 5',
        ]:
            h.sql(statement)
        h.run_once()
        for tenant in tenants:
            h.assert_matches(f"shops-{tenant.lower().replace(' ', '-')}")
        # key ("Region", "ID"): the _id joins the values with the columns sorted by name, as PGSync does
        assert h.source("shops-tenant-one", "9|EU")["name"] == "Paris"
        assert h.document("shops-tenant-one", "2|EU") is None
        books = h.source("shops-tenant-one", "1|EU")["Bücher"]
        assert any("Ada L." in (book["Autoren"] or []) for book in books)
        h.cli("teardown", "--delete-index")
        assert h.sql("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'Indexer_State%'") == [(0,)]
    finally:
        h.close()


def test_composite_keys_whose_values_contain_the_separator(make_pagila, tmp_path: Path) -> None:
    """('pi|pe', 'b') and ('pi', 'pe|b') would both be 'pi|pe|b' joined plainly:
    their ids stay distinct, deleting one leaves the other, and verify works."""
    schema = tmp_path / "pairs.json"
    schema.write_text(json.dumps([{"database": "pagila", "index": "pairs", "nodes": {"table": "pair"}}]))
    h = make_pagila(schema)
    h.sql("CREATE TABLE pair (a text, b text, note text, PRIMARY KEY (a, b))")
    h.sql("INSERT INTO pair VALUES ('pi|pe', 'b', 'first'), ('pi', 'pe|b', 'second'), ('x', 'y', 'plain'),"
          " ('back\\', 'slash', 'lone backslash'), ('back\\|', '|', 'both')")  # fmt: skip
    h.cli("bootstrap")
    h.run_once()
    assert h.assert_matches("pairs") == 5
    assert h.source("pairs", "x|y")["note"] == "plain"  # no separator inside: PGSync's id
    assert h.source("pairs", "back\\|slash")["note"] == "lone backslash"
    assert h.source("pairs", "pi\\|pe|b")["note"] == "first"
    h.sql("DELETE FROM pair WHERE a = 'pi|pe'")
    h.run_once()
    assert h.source("pairs", "pi|pe\\|b")["note"] == "second"
    h.assert_matches("pairs")
    result = h.cli("verify")
    assert "missing 0, extra 0, stale 0" in result.output
    # an extra document (its row deleted behind the indexer's back) is found and removed by id
    h.sql("ALTER TABLE pair DISABLE TRIGGER ALL")
    h.sql("DELETE FROM pair WHERE a = 'back\\|'")
    h.sql("ALTER TABLE pair ENABLE TRIGGER ALL")
    h.sql("ALTER TABLE pair ENABLE ALWAYS TRIGGER indexer_capture_delete")
    verify = h.cli("verify", "--repair", expect=1)
    assert "extra 1" in verify.output
    h.run_once()
    h.assert_matches("pairs")


def test_verify_survives_duplicate_ids(make_pagila, tmp_path: Path) -> None:
    """A primary_key override that is not unique gives two rows one _id; verify
    counts them as duplicates instead of failing."""
    schema = tmp_path / "dupes.json"
    schema.write_text(json.dumps([{"database": "pagila", "index": "dupes",
                                   "nodes": {"table": "film", "primary_key": ["rental_duration"],
                                             "columns": ["rental_duration"]}}]))  # fmt: skip
    h = make_pagila(schema)
    h.cli("bootstrap")
    h.run_once()
    result = h.cli("verify", expect=None)
    assert "duplicate ids 995" in result.output and "Traceback" not in result.output, result.output


CHUNKED_DDL = r'''
CREATE SCHEMA "Ch ""unk""";
CREATE TABLE "Ch ""unk"""."Zeilen ""Ä""" ("Région" text, rn integer, "Wert" text NOT NULL, PRIMARY KEY ("Région", rn));
INSERT INTO "Ch ""unk"""."Zeilen ""Ä""" SELECT 'R' || g % 4, g, 'w' || g FROM generate_series(1, 20000) g;
'''


def test_a_backfill_in_chunks_with_a_quoted_composite_key(cluster, make_database, search_url, tmp_path: Path) -> None:
    """20,000 root rows are backfilled in two chunks (MIN_CHUNK_ROWS is
    10,000) by two workers: the chunk bounds are read by the boundaries query
    on a composite key of quoted, unicode columns, one of them named like the
    query's own row number column, and no chunk is empty."""
    database = make_database("template1")
    schema_file = tmp_path / "chunked.json"
    root = {"schema": 'Ch "unk"', "table": 'Zeilen "Ä"'}
    schema_file.write_text(json.dumps([{"database": database, "index": "chunked", "nodes": root}]))
    h = Harness(cluster, database, search_url, schema_file)
    try:
        h.sql(CHUNKED_DDL)
        h.cli("bootstrap")
        h.run_once("--workers", "2")
        chunks = h.sql("SELECT docs, done, lower_key, upper_key FROM indexer.backfill_chunks ORDER BY chunk")
        # the bound is the 10,000th key in key order: the last of region 'R1' (regions 'R0' and 'R1'
        # come first, 5,000 rows each); 20,000 is also a bound, and its chunk (after it) would be empty
        assert chunks == [
            (10000, True, None, {"Région": "R1", "rn": 19997}),
            (10000, True, {"Région": "R1", "rn": 19997}, None),
        ]
        assert h.assert_matches("chunked") == 20000
    finally:
        h.close()
