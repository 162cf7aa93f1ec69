"""Golden renders of the SQL generated for every schema in schemas/: document
queries (by keys, backfill page) and capture functions, rendered against the
real catalog. A change to generation shows as a reviewable diff of
tests/golden/*.sql; after reviewing it, `UPDATE_GOLDEN=1 pytest
tests/test_golden_sql.py` writes the new renders."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import psycopg2
import pytest

from indexer.plan import load_plan
from indexer.schema.parse import load_schema
from loadtest.books import DDL as BOOKS_DDL
from tests.conftest import SCHEMAS

GOLDEN = Path(__file__).resolve().parent / "golden"
TEMPLATES = {"pagila": "pagila_tpl", "northwind": "northwind_tpl", "books": "template1"}


def render(conn: object, schema_file: Path, database: str) -> str:
    schema = load_schema(schema_file, environ={}).with_database(database)
    plan = load_plan(
        conn,
        schema,
        database,
        state_schema="indexer",
        partitions=32,
        slot_name="golden",
    )
    parts = []
    for index_plan in plan.indexes:
        queries, statements = index_plan.queries, index_plan.statements
        # the texts workers run are rendered once, at plan load: each is its composed statement
        assert statements.by_keys == queries.by_keys().as_string(conn)
        for lower in (False, True):
            for upper in (False, True):
                rendered = statements.page(lower=lower, upper=upper).as_string(conn)
                assert rendered == queries.page(lower=lower, upper=upper).as_string(conn), (lower, upper)
        parts.append(f"-- index {index_plan.index.name}: documents by key\n{statements.by_keys};")
        parts.append(
            f"-- index {index_plan.index.name}: backfill page\n{statements.page(lower=True, upper=True).as_string(conn)};"
        )
    for capture in plan.captures:
        parts.append(f"-- capture of {capture.table.display}\n{capture.function.as_string(conn)};")
    return "\n\n".join(parts) + "\n"


@pytest.mark.parametrize("schema_file", sorted(SCHEMAS.glob("*.json")), ids=lambda p: p.stem)
def test_generated_sql_matches_the_golden_render(cluster, make_database, schema_file: Path) -> None:
    source_database = load_schema(schema_file, environ={}).databases()[0]
    database = make_database(TEMPLATES[source_database])
    dsn = cluster.dsn_for(database)
    with contextlib.closing(psycopg2.connect(dsn)) as conn:
        if source_database == "books":
            conn.autocommit = True
            conn.cursor().execute(BOOKS_DDL)
        text = render(conn, schema_file, database)
    golden = GOLDEN / f"{schema_file.stem}.sql"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_text(text)
    assert golden.is_file(), f"no golden render for {schema_file.name}: run with UPDATE_GOLDEN=1 and review it"
    assert text == golden.read_text(), f"generated SQL for {schema_file.name} changed: review, then UPDATE_GOLDEN=1"
