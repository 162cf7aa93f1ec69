"""Versioned installs: ``sql/schema.sql`` (fresh installs) and the numbered
migrations (upgrades) give the same state schema, and a database bootstrapped
by the previous release upgrades in place: pending outbox rows and the
replication slot survive, and the changes they stand for reach the index."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

from indexer.sqlfiles import latest_format, migration_ddl, schema_ddl
from tests.harness import Harness, _clean_env

ROOT = Path(__file__).resolve().parent.parent
RELEASES = ROOT / "tests" / "releases"
FILM = ROOT / "tests" / "schemas" / "pagila_film_actor.json"

DESCRIBE = """
SELECT 'relation', c.relname, c.relkind::text, coalesce(array_to_string(c.reloptions, ','), ''), ''
FROM pg_class c WHERE c.relnamespace = %(ns)s::regnamespace
UNION ALL
SELECT 'column', c.relname, a.attnum::text || ' ' || a.attname,
       format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
         || ' ' || a.attidentity::text || a.attgenerated::text,
       coalesce(pg_get_expr(d.adbin, d.adrelid), '')
FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
WHERE c.relnamespace = %(ns)s::regnamespace AND c.relkind IN ('r', 'v')
UNION ALL
SELECT 'constraint', c.relname, k.conname, pg_get_constraintdef(k.oid), ''
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid WHERE c.relnamespace = %(ns)s::regnamespace
UNION ALL
SELECT 'index', c.relname, i.relname, pg_get_indexdef(i.oid), ''
FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
WHERE c.relnamespace = %(ns)s::regnamespace
UNION ALL
SELECT 'view', c.relname, '', pg_get_viewdef(c.oid), ''
FROM pg_class c WHERE c.relnamespace = %(ns)s::regnamespace AND c.relkind = 'v'
UNION ALL
SELECT 'function', p.proname, pg_get_function_identity_arguments(p.oid), pg_get_functiondef(p.oid), ''
FROM pg_proc p WHERE p.pronamespace = %(ns)s::regnamespace
UNION ALL
SELECT 'comment', coalesce(c.relname, ''), '', d.description, ''
FROM pg_description d LEFT JOIN pg_class c ON c.oid = d.objoid
WHERE d.objoid = %(ns)s::regnamespace OR c.relnamespace = %(ns)s::regnamespace
ORDER BY 1, 2, 3
"""


def describe(cur: Any, schema: str) -> list[tuple[str, ...]]:
    cur.execute(DESCRIBE, {"ns": schema})
    return [tuple(str(v).replace(schema, "<state>") for v in row) for row in cur.fetchall()]


def test_fresh_install_equals_every_migration_applied(cluster, make_database) -> None:
    database = make_database("pagila_tpl")
    with contextlib.closing(__import__("psycopg2").connect(cluster.dsn_for(database))) as conn, conn.cursor() as cur:
        cur.execute(schema_ddl("fresh", 32))
        for number in range(1, latest_format() + 1):
            cur.execute(migration_ddl(number, "migrated", 32))
        fresh, migrated = describe(cur, "fresh"), describe(cur, "migrated")
    assert len(fresh) > 50
    assert fresh == migrated


def unpack(release: str, into: Path) -> Path:
    with tarfile.open(RELEASES / f"pg-search-indexer-{release}.tar.gz") as archive:
        archive.extractall(into, filter="data")
    return into / f"pg-search-indexer-{release}"


def old_indexer(h: Harness, source: Path, *args: str) -> str:
    """``indexer <args>`` as the old release, from its own source tree."""
    env = {**_clean_env(), "PYTHONPATH": str(source)}
    result = subprocess.run(
        [sys.executable, "-m", "indexer", *args, *h.flags()],
        cwd=source, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def test_upgrade_from_0_1_0_keeps_pending_changes_and_the_slot(make_pagila, tmp_path: Path) -> None:
    pagila = make_pagila(FILM)
    source = unpack("0.1.0", tmp_path)
    assert "0.1.0" in (source / "indexer" / "__init__.py").read_text()
    old_indexer(pagila, source, "bootstrap")
    old_indexer(pagila, source, "run", "--once", "--no-progress")
    assert pagila.sql("SELECT format_version FROM indexer.installation") == [(1,)]
    slot_before = pagila.sql("SELECT slot_name, restart_lsn::text FROM pg_replication_slots"
                             " WHERE database = current_database()")  # fmt: skip
    # Changes the old release captured but never indexed (it was stopped for the upgrade) ...
    pagila.sql("UPDATE film SET title = 'CHANGED BEFORE THE UPGRADE' WHERE film_id = 7")
    pagila.sql("UPDATE actor SET last_name = 'UPGRADED' WHERE actor_id = 9")
    pending = pagila.pending()
    assert pending > 0
    # ... and one only the slot saw.
    pagila.sql("ALTER TABLE language DISABLE TRIGGER ALL")
    pagila.sql("UPDATE language SET name = 'Lingua' WHERE language_id = 1")
    pagila.sql("ALTER TABLE language ENABLE TRIGGER ALL")

    result = pagila.cli("bootstrap")
    assert "state_schema_migrated" in result.output or "bootstrap complete" in result.output
    assert pagila.sql("SELECT format_version FROM indexer.installation") == [(latest_format(),)]
    assert pagila.pending() >= pending  # nothing pending was dropped
    # The old release's generated column and the new writers agree on every row's partition.
    pagila.sql("UPDATE film SET title = 'CHANGED AFTER THE UPGRADE' WHERE film_id = 8")
    [(rows, misplaced)] = pagila.sql(
        "SELECT count(*), count(*) FILTER (WHERE partition <> indexer.outbox_partition(index_name, root_key))"
        " FROM indexer.outbox"
    )
    assert rows > pending and misplaced == 0
    slot_after = pagila.sql("SELECT slot_name, restart_lsn::text FROM pg_replication_slots"
                            " WHERE database = current_database()")  # fmt: skip
    assert slot_after == slot_before  # the same slot, not recreated: its unread WAL is still there

    output = pagila.run_once()
    assert "slot_missing_recreated" not in output
    assert pagila.source("pagila_film", "7")["title"] == "CHANGED BEFORE THE UPGRADE"
    assert pagila.source("pagila_film", "8")["title"] == "CHANGED AFTER THE UPGRADE"
    assert pagila.source("pagila_film", "1")["language"]["name"].startswith("Lingua")
    pagila.assert_matches("pagila_film")
    pagila.assert_matches("pagila_actor")
    assert os.environ.get("PYTHONPATH", "") != str(source)
