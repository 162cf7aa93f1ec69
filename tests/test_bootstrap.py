"""Bootstrap and teardown: idempotence, clean removal, and a clear message with
a non-zero exit and no half-installed state for every kind of bad input."""

from __future__ import annotations

import contextlib
import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2
import pytest

from indexer.embedded import LocalPostgres
from tests.conftest import DATASETS
from tests.harness import Harness, wait_until

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
FILM = SCHEMAS / "pagila_film.json"
ACTOR = SCHEMAS / "pagila_actor.json"


@pytest.fixture
def pagila(make_pagila) -> Harness:
    return make_pagila(FILM)


def installed_objects(h: Harness) -> dict[str, Any]:
    """Everything bootstrap may create, with identities that change on re-creation."""
    return {
        "functions": h.sql(
            "SELECT p.oid, p.xmin::text, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = 'indexer' ORDER BY p.proname"
        ),
        "triggers": h.sql(
            "SELECT t.oid, t.xmin::text, t.tgrelid::regclass::text, t.tgname, t.tgenabled FROM pg_trigger t"
            " WHERE t.tgname LIKE 'indexer\\_capture\\_%' ORDER BY 3, 4"
        ),
        "schema": h.sql("SELECT oid FROM pg_namespace WHERE nspname = 'indexer'"),
        "tables": h.sql(
            "SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'indexer' ORDER BY 2"
        ),
        "publication": h.sql("SELECT oid, pubname FROM pg_publication"),
        "published": h.sql("SELECT schemaname, tablename FROM pg_publication_tables ORDER BY 1, 2"),
        "slots": h.sql("SELECT slot_name, plugin FROM pg_replication_slots WHERE database = current_database()"),
        "event_triggers": h.sql("SELECT oid, evtname FROM pg_event_trigger"),
        "installation": h.sql("SELECT fingerprint, updated_at FROM indexer.installation")
        if h.sql("SELECT to_regclass('indexer.installation')")[0][0]
        else [],
    }


def test_bootstrap_twice_changes_nothing(pagila: Harness) -> None:
    first = pagila.cli("bootstrap")
    assert "bootstrap complete" in first.output
    before = installed_objects(pagila)
    assert len(before["triggers"]) == 4 * 7  # film, language, film_category, category, film_actor, actor, inventory
    assert {row[4] for row in before["triggers"]} == {"A"}  # enabled ALWAYS
    assert len(before["slots"]) == 1 and before["slots"][0][1] == "pgoutput"
    assert len(before["published"]) == 7
    assert [name for _oid, name in before["event_triggers"]] == ["indexer_keep_capture_always"]
    second = pagila.cli("bootstrap")
    assert "nothing changed" in second.output
    assert installed_objects(pagila) == before


def test_teardown_leaves_nothing(pagila: Harness) -> None:
    pagila.cli("bootstrap")
    aliases = pagila.http("GET", "/pagila_film")["pagila_film_v1"]["aliases"]
    # the public alias, and the write alias the backfill uses until the version is built
    assert set(aliases) == {"pagila_film", "pagila_film_v1-write"}
    result = pagila.cli("teardown", "--delete-index")
    assert "dropped" in result.output
    after = installed_objects(pagila)
    assert after == {
        "functions": [],
        "triggers": [],
        "schema": [],
        "tables": [],
        "publication": [],
        "published": [],
        "slots": [],
        "event_triggers": [],
        "installation": [],
    }
    assert pagila.sql(
        "SELECT count(*) FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid WHERE p.proname LIKE 'capture%'"
    ) == [(0,)]
    with pytest.raises(Exception, match="404"):
        pagila.http("GET", "/pagila_film")
    assert "nothing to remove" in pagila.cli("teardown").output


def test_changed_schema_moves_triggers_and_rebuilds(pagila: Harness, tmp_path: Path) -> None:
    pagila.cli("bootstrap")
    pagila.run_once()
    entry = json.loads(FILM.read_text())
    entry[0]["nodes"]["children"] = [c for c in entry[0]["nodes"]["children"] if c["table"] != "inventory"]
    changed = tmp_path / "film.json"
    changed.write_text(json.dumps(entry))
    pagila.schema_file = changed
    pagila.cli("bootstrap")
    triggers = {row[2] for row in installed_objects(pagila)["triggers"]}
    assert "inventory" not in triggers and "film" in triggers
    assert pagila.sql("SELECT backfill_state FROM indexer.indexes") == [("pending",)]
    pagila.run_once()
    pagila.assert_matches("pagila_film")
    assert "inventory" not in (pagila.document("pagila_film", "1") or {})


# -- bad input ---------------------------------------------------------------------------


def assert_untouched(h: Harness) -> None:
    objects = installed_objects(h)
    assert not objects["schema"] and not objects["triggers"] and not objects["slots"] and not objects["publication"]


def write_schema(tmp_path: Path, content: Any) -> Path:
    path = tmp_path / "schema.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def film_entry(**node: Any) -> list[dict[str, Any]]:
    root = {"table": "film", "columns": ["film_id", "title"], **node}
    return [{"database": "pagila", "index": "films", "nodes": root}]


BAD_SCHEMAS = [
    pytest.param(
        '[{"database": "pagila", "index": "films", "nodes": {"table": "film",}}]',
        2,
        r"schema\.json: invalid JSON at line 1, column \d+",
        id="malformed-json",
    ),
    pytest.param(
        film_entry(chidren=[]),
        2,
        r"\[0\]\.nodes\.chidren: unknown key 'chidren'\n  hint: did you mean 'children'\?",
        id="unknown-key",
    ),
    pytest.param(
        [{"database": "pagila", "index": "films", "nodes": {"table": "flim"}}],
        2,
        r'\[0\]\.nodes\.table: table "public"\."flim" does not exist\n  hint: did you mean \'film\'\?',
        id="missing-table",
    ),
    pytest.param(
        film_entry(columns=["film_id", "titel"]),
        2,
        r"\[0\]\.nodes\.columns\[1\]: column 'titel' does not exist in table public\.film\n  hint: did you mean 'title'\?",
        id="missing-column",
    ),
    pytest.param(
        film_entry(children=[{"table": "language", "relationship": {"variant": "object", "type": "one_to_one"}}]),
        2,
        r"\[0\]\.nodes\.children\[0\]\.relationship: public\.language and public\.film are joined by several foreign"
        r" keys \(.*film_language_id_fkey.*film_original_language_id_fkey.*\)",
        id="ambiguous-foreign-key",
    ),
    pytest.param(
        film_entry(children=[{"table": "country", "relationship": {"variant": "object", "type": "one_to_many"}}]),
        2,
        r"\[0\]\.nodes\.children\[0\]\.relationship: no foreign key joins public\.country and public\.film",
        id="no-foreign-key",
    ),
    pytest.param(
        film_entry(
            children=[
                {
                    "table": "category",
                    "relationship": {"variant": "scalar", "type": "one_to_many", "through_tables": ["film_category"]},
                }
            ]
        ),
        2,
        r"a scalar node gives one value per row, but 3 columns are selected",
        id="scalar-with-many-columns",
    ),
    pytest.param(
        [{"database": "pagila", "index": "films", "nodes": {"table": "film"}, "routing": "no_such_field"}],
        2,
        r"\[0\]\.routing: 'no_such_field' is not a field of the root table public\.film",
        id="routing-by-an-unknown-field",
    ),
    pytest.param(
        film_entry(
            children=[
                {
                    "table": "actor",
                    "relationship": {"variant": "object", "type": "one_to_few", "through_tables": ["film_actor"]},
                }
            ]
        ),
        2,
        r"\[0\]\.nodes\.children\[0\]\.relationship\.type: 'one_to_few' is not one of one_to_one, one_to_many",
        id="bad-relationship-type",
    ),
]


@pytest.mark.parametrize(("content", "code", "message"), BAD_SCHEMAS)
def test_bad_schema_is_refused_clearly(pagila: Harness, tmp_path: Path, content: Any, code: int, message: str) -> None:
    pagila.schema_file = write_schema(tmp_path, content)
    result = pagila.cli("bootstrap", expect=code)
    assert "Traceback" not in result.output
    assert result.output.startswith("indexer: error: ")
    import re

    assert re.search(message, result.output), result.output
    assert str(pagila.schema_file) in result.output
    assert_untouched(pagila)


def test_table_without_primary_key(pagila: Harness, tmp_path: Path) -> None:
    pagila.sql("CREATE TABLE notes (body text)")
    pagila.schema_file = write_schema(tmp_path, [{"database": "pagila", "index": "notes", "nodes": {"table": "notes"}}])
    result = pagila.cli("bootstrap", expect=2)
    assert "root table public.notes has no primary key" in result.output
    assert "primary_key" in result.output
    assert_untouched(pagila)


def test_missing_schema_file(pagila: Harness, tmp_path: Path) -> None:
    pagila.schema_file = tmp_path / "nope.json"
    result = pagila.cli("bootstrap", expect=2)
    assert f"{tmp_path / 'nope.json'}: file not found" in result.output


def test_missing_privileges_are_listed_before_anything_changes(pagila: Harness) -> None:
    pagila.sql("DO $$ BEGIN CREATE ROLE app_user LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    pagila.sql("GRANT SELECT ON ALL TABLES IN SCHEMA public TO app_user")
    pagila.user = "app_user"
    result = pagila.cli("bootstrap", expect=3)
    assert "bootstrap cannot proceed" in result.output
    assert "cannot create a replication slot: ALTER ROLE app_user WITH REPLICATION" in result.output
    assert "does not own public.film" in result.output
    assert "nothing was changed" in result.output
    pagila.user = "postgres"
    assert_untouched(pagila)


def test_teardown_as_a_role_that_owns_nothing_lists_what_teardown_needs(pagila: Harness) -> None:
    pagila.cli("bootstrap")
    before = installed_objects(pagila)
    pagila.sql("DO $$ BEGIN CREATE ROLE tidy_user LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    pagila.sql("GRANT USAGE ON SCHEMA indexer TO tidy_user")
    pagila.sql("GRANT SELECT ON ALL TABLES IN SCHEMA indexer TO tidy_user")
    pagila.user = "tidy_user"
    try:
        result = pagila.cli("teardown", expect=3)
    finally:
        pagila.user = "postgres"
    assert "teardown cannot proceed" in result.output
    assert "does not own public.film (owner: postgres), which carries capture triggers" in result.output
    assert "does not own the state schema indexer" in result.output
    assert "does not own the publication" in result.output
    assert "only a superuser can drop the event trigger" in result.output
    assert "cannot drop the replication slot" in result.output and "WITH REPLICATION" in result.output
    assert "`indexer run` needs" not in result.output
    assert "nothing was changed" in result.output
    assert installed_objects(pagila) == before


def test_unreachable_database(pagila: Harness) -> None:
    pagila.cluster = _Unreachable(pagila.cluster)  # type: ignore[assignment]
    result = pagila.cli("bootstrap", expect=4)
    assert "cannot reach Postgres at postgres@127.0.0.1:1/" in result.output
    assert "Traceback" not in result.output


def test_unreachable_search_server(pagila: Harness) -> None:
    pagila.search_url = "http://127.0.0.1:1"
    result = pagila.cli("bootstrap", expect=4)
    assert "cannot reach the search server at http://127.0.0.1:1" in result.output
    assert "Traceback" not in result.output
    assert_untouched(pagila)


class _Unreachable:
    port = 1

    def __init__(self, real: LocalPostgres) -> None:
        self.real = real


@pytest.fixture(scope="module")
def replica_cluster() -> Iterator[LocalPostgres]:
    from tests.conftest import _bindir

    datadir = Path("/tmp") / f"indexer-test-replica-{uuid.uuid4().hex[:8]}"
    pg = LocalPostgres(datadir=datadir, bindir=_bindir(), settings={"wal_level": "replica"}).start()
    try:
        pg.psql("postgres", "-c", "CREATE DATABASE pagila")
        pg.psql("pagila", "-f", str(DATASETS / "pagila" / "pagila-schema.sql"))
        yield pg
    finally:
        pg.stop("immediate")
        shutil.rmtree(datadir, ignore_errors=True)


def test_wal_level_must_be_logical(replica_cluster: LocalPostgres, search_url: str) -> None:
    h = Harness(replica_cluster, "pagila", search_url, FILM)
    result = h.cli("bootstrap", expect=3)
    assert "wal_level is 'replica', but the indexer needs 'logical'" in result.output
    assert "ALTER SYSTEM SET wal_level = logical" in result.output
    assert_untouched(h)
    with contextlib.closing(psycopg2.connect(replica_cluster.dsn_for("pagila"))) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_replication_slots")
        assert cur.fetchone() == (0,)


def identity_of(h: Harness, table: str) -> str:
    return str(h.sql("SELECT relreplident FROM pg_class WHERE oid = %s::regclass", (table,))[0][0])


def test_replica_identity_is_set_where_needed_and_put_back_by_teardown(pagila: Harness, tmp_path: Path) -> None:
    """A tracked child without a key would make Postgres refuse its UPDATEs once
    published; a child whose link is not in its key gets FULL so the slot can
    find the old parent. Teardown restores both."""
    pagila.sql("CREATE TABLE film_note (film_id integer REFERENCES film, note text)")  # no primary key
    pagila.sql("INSERT INTO film_note SELECT film_id, 'note ' || film_id FROM film WHERE film_id <= 20")
    children = [
        {"table": "film_note", "label": "notes", "columns": ["note"],
         "relationship": {"variant": "scalar", "type": "one_to_many"}},
        {"table": "inventory", "label": "inventory", "columns": ["inventory_id"],
         "relationship": {"variant": "object", "type": "one_to_many"}},
    ]  # fmt: skip
    pagila.schema_file = write_schema(tmp_path, film_entry(children=children))
    result = pagila.cli("bootstrap")
    assert "REPLICA IDENTITY FULL on public.film_note: it has no primary key" in result.output
    assert "REPLICA IDENTITY FULL on public.inventory: its link column(s) film_id are not in its key" in result.output
    assert (identity_of(pagila, "film_note"), identity_of(pagila, "inventory"), identity_of(pagila, "film")) == (
        "f", "f", "d",
    )  # fmt: skip
    pagila.sql("UPDATE film_note SET note = 'edited' WHERE film_id = 3")  # refused without a replica identity
    pagila.run_once()
    assert pagila.source("films", "3")["notes"] == ["edited"]
    assert "nothing changed" in pagila.cli("bootstrap").output
    pagila.cli("teardown")
    assert (identity_of(pagila, "film_note"), identity_of(pagila, "inventory")) == ("d", "d")


def test_a_second_schema_file_never_takes_over_an_installation(pagila: Harness, search_url: str) -> None:
    """Two teams, two schema files over overlapping tables, one database: the
    second bootstrap into the same state schema is refused, naming the first;
    with its own state schema each runs its own daemon and both stay right."""
    pagila.cli("bootstrap")
    actors = Harness(pagila.cluster, pagila.database, search_url, ACTOR)
    refused = actors.cli("bootstrap", expect=3)
    assert f"already has an installation in state schema indexer for {FILM}" in refused.output
    assert "--state-schema indexer_pagila_actor" in refused.output
    actors.state_schema = "indexer_actor"
    try:
        actors.cli("bootstrap")
        with pagila.daemon("--workers", "1"), actors.daemon("--workers", "1"):
            pagila.sql("UPDATE actor SET last_name = 'SHARED' WHERE actor_id = 1")  # read by both documents
            pagila.sql("UPDATE film SET title = 'BOTH' WHERE film_id = 1")
            wait_until(lambda: pagila.backfilled() and actors.backfilled(), 120, "both backfills")
            wait_until(lambda: pagila.pending() == 0 and actors.pending() == 0, 120, "both outboxes to drain")
            wait_until(lambda: not pagila.differences("pagila_film"), 60, "the films")
            wait_until(lambda: not actors.differences("pagila_actor"), 60, "the actors")
        assert pagila.source("pagila_actor", "1")["last_name"] == "SHARED"
    finally:
        actors.close()
