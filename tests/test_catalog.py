"""Catalog reflection against a real Postgres: primary and foreign keys across
schemas, partitioned tables on either side of a foreign key, quoted names."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import psycopg2

from indexer.schema.catalog import ForeignKey, reflect
from tests.harness import Harness

CROSS_SCHEMA_DDL = r'''
CREATE TABLE public.customers (id integer PRIMARY KEY, name text NOT NULL);
CREATE SCHEMA shop;
CREATE TABLE shop.orders (id integer PRIMARY KEY, customer_id integer REFERENCES public.customers, total integer);
CREATE TABLE shop.part (id integer, "K ""ey""" integer, PRIMARY KEY ("K ""ey""", id)) PARTITION BY RANGE ("K ""ey""");
CREATE TABLE shop.part_low PARTITION OF shop.part FOR VALUES FROM (0) TO (10);
CREATE TABLE shop.part_high PARTITION OF shop.part FOR VALUES FROM (10) TO (20);
CREATE TABLE shop.lines (id integer PRIMARY KEY, pid integer, "pK" integer, note text,
    CONSTRAINT "to part" FOREIGN KEY ("pK", pid) REFERENCES shop.part ("K ""ey""", id));
CREATE TABLE shop.ledger (id integer, customer_id integer REFERENCES public.customers, PRIMARY KEY (id))
    PARTITION BY RANGE (id);
CREATE TABLE shop.ledger_1 PARTITION OF shop.ledger FOR VALUES FROM (0) TO (100);
INSERT INTO public.customers VALUES (1, 'Ada'), (2, 'Grace');
INSERT INTO shop.orders VALUES (10, 1, 5), (11, 2, 7), (12, 1, 9), (13, NULL, 1);
'''

TABLES = [
    ("public", "customers"),
    ("shop", "orders"),
    ("shop", "part"),
    ("shop", "part_low"),
    ("shop", "lines"),
    ("shop", "ledger"),
    ("shop", "ledger_1"),
]


def test_keys_are_reflected_as_postgres_defines_them(cluster, make_database) -> None:
    """A foreign key names the schema of the table it references, also when
    that schema is the connection's default one and the referencing table's
    is another; a foreign key to a partitioned table is one key, not one more
    per partition; a leaf partition has the keys it inherits; column order is
    the constraint's, not the table's."""
    database = make_database("template1")
    with contextlib.closing(psycopg2.connect(cluster.dsn_for(database))) as conn:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(CROSS_SCHEMA_DDL)
        catalog = reflect(conn, TABLES)
    tables = catalog.tables
    assert tables[("public", "customers")].primary_key == ("id",)
    assert tables[("shop", "orders")].foreign_keys == (
        ForeignKey("orders_customer_id_fkey", ("customer_id",), "public", "customers", ("id",)),
    )
    assert tables[("shop", "part")].primary_key == ('K "ey"', "id")
    assert tables[("shop", "part_low")].primary_key == ('K "ey"', "id")
    assert tables[("shop", "lines")].foreign_keys == (
        ForeignKey("to part", ("pK", "pid"), "shop", "part", ('K "ey"', "id")),
    )
    ledger_fk = ForeignKey("ledger_customer_id_fkey", ("customer_id",), "public", "customers", ("id",))
    assert tables[("shop", "ledger")].foreign_keys == (ledger_fk,)
    # the leaf's copy of the parent's key keeps the parent's columns and target
    (leaf_fk,) = tables[("shop", "ledger_1")].foreign_keys
    assert (leaf_fk.columns, leaf_fk.ref_schema, leaf_fk.ref_table) == (("customer_id",), "public", "customers")
    assert tables[("shop", "part_low")].foreign_keys == ()


def test_a_child_in_the_default_schema_of_a_root_in_another(cluster, make_database, search_url, tmp_path) -> None:
    """Root shop.orders, child public.customers through orders.customer_id:
    bootstrap resolves the relationship and changes on either side reach the
    documents."""
    database = make_database("template1")
    schema_file: Path = tmp_path / "orders.json"
    node = {
        "schema": "shop",
        "table": "orders",
        "children": [
            {
                "schema": "public",
                "table": "customers",
                "columns": ["name"],
                "relationship": {"variant": "object", "type": "one_to_one"},
            }
        ],
    }
    schema_file.write_text(json.dumps([{"database": database, "index": "orders", "nodes": node}]))
    h = Harness(cluster, database, search_url, schema_file)
    try:
        h.sql(CROSS_SCHEMA_DDL)
        h.cli("bootstrap")
        h.run_once()
        assert h.assert_matches("orders") == 4
        assert h.source("orders", "10")["customers"] == {"name": "Ada"}
        h.sql("UPDATE public.customers SET name = 'Ada L.' WHERE id = 1")
        h.sql("UPDATE shop.orders SET customer_id = 1 WHERE id = 11")
        h.run_once()
        h.assert_matches("orders")
        assert h.source("orders", "12")["customers"] == {"name": "Ada L."}
        assert h.source("orders", "11")["customers"] == {"name": "Ada L."}
    finally:
        h.close()
