"""Checks that run before bootstrap changes anything.

Bootstrap needs: PostgreSQL 13 or newer; ``wal_level = logical``; a free
replication slot (unless the indexer's slot exists); the REPLICATION attribute
(or superuser) to create the slot; ownership of every tracked table (to create
triggers, enable them ALWAYS and add the table to the publication); and CREATE
on the database when the state schema does not exist yet. Every missing piece
is reported in one :class:`~indexer.errors.PreflightError`, with the statement
that fixes it.

``indexer run`` needs much less (see :data:`RUN_PRIVILEGES`): SELECT on the
tracked tables, USAGE and DML on the state schema, and REPLICATION for the slot.
``indexer teardown`` needs what bootstrap created: ownership of the tables
carrying capture triggers, of the state schema and of the publication,
superuser for the event trigger, and REPLICATION to drop the slot
(:data:`TEARDOWN_PRIVILEGES`, checked by :func:`check_teardown`).
"""

from __future__ import annotations

from typing import Any

from psycopg2 import sql

from indexer.errors import PreflightError
from indexer.plan import Plan
from indexer.privileges import PRIVILEGES_BY_COMMAND, RUN_PRIVILEGES, TEARDOWN_PRIVILEGES  # noqa: F401 - re-exported
from indexer.state import StateStore


def server_facts(conn: Any) -> dict[str, Any]:
    store = StateStore(conn, "")
    with store.reading():
        found = store.row("server_facts")
    assert found is not None
    version, wal_level, max_slots, used_slots, superuser, replication, user, can_create = found
    return {
        "version": version,
        "wal_level": wal_level,
        "max_slots": max_slots,
        "used_slots": used_slots,
        "superuser": superuser,
        "replication": replication,
        "user": user,
        "can_create": can_create,
    }


def check_wal_level(facts: dict[str, Any]) -> None:
    if facts["wal_level"] != "logical":
        raise PreflightError(
            f"wal_level is '{facts['wal_level']}', but the indexer needs 'logical' for its replication slot",
            hint="run ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL",
        )


def check_bootstrap(conn: Any, plan: Plan, *, slot_exists: bool, schema_exists: bool) -> None:
    """Raise :class:`PreflightError` listing everything bootstrap lacks."""
    facts = server_facts(conn)
    if facts["version"] < 130000:
        raise PreflightError(f"PostgreSQL {facts['version'] // 10000} is too old; the indexer needs 13 or newer")
    check_wal_level(facts)
    problems: list[str] = []
    user = facts["user"]
    if not slot_exists:
        if facts["used_slots"] >= facts["max_slots"]:
            problems.append(
                f"all {facts['max_slots']} replication slots are in use: raise max_replication_slots and restart,"
                " or drop an unused slot"
            )
        if not (facts["superuser"] or facts["replication"]):
            problems.append(f"role {user} cannot create a replication slot: ALTER ROLE {user} WITH REPLICATION;")
    if not schema_exists and not (facts["superuser"] or facts["can_create"]):
        problems.append(
            f"role {user} cannot create the schema {plan.state_schema}: GRANT CREATE ON DATABASE ... TO {user};"
        )
    matviews = [t.display for p in plan.indexes for t in p.index.materialized_views()]
    if matviews and not facts["superuser"]:
        problems.append(
            f"documents read the materialized view(s) {', '.join(matviews)}, whose REFRESH only an event trigger"
            " sees, and only a superuser can create one: run bootstrap as a superuser"
        )
    if not facts["superuser"]:
        store = StateStore(conn, plan.state_schema)
        with store.reading():
            not_owned = dict(store.rows("tables_not_owned", {"oids": [t.oid for t in plan.tables]}))
        for table in plan.tables:
            if table.oid in not_owned:
                problems.append(
                    f"role {user} does not own {table.display} (owner: {not_owned[table.oid]}); triggers and the"
                    " publication need ownership: run bootstrap as the owner or a superuser"
                )
    if problems:
        raise PreflightError(
            "bootstrap cannot proceed:\n  - " + "\n  - ".join(problems),
            hint="nothing was changed; fix the above and run bootstrap again",
        )


def schema_exists(conn: Any, state_schema: str) -> bool:
    store = StateStore(conn, state_schema)
    with store.reading():
        return store.flag("state_schema_exists", {"schema": sql.Identifier(state_schema).as_string(conn)})


def slot_exists(conn: Any, slot_name: str) -> bool:
    store = StateStore(conn, "")
    with store.reading():
        return store.flag("slot_present", {"slot": slot_name})


def check_teardown(
    conn: Any,
    *,
    tables: list[tuple[str, str]],
    state_schema: str | None,
    publication: str | None,
    event_trigger: bool,
    slot: str | None,
) -> None:
    """Raise :class:`PreflightError` listing everything teardown lacks to drop
    what is installed (``tables``: those carrying capture triggers; the other
    arguments: what exists, ``None``/``False`` when it does not)."""
    facts = server_facts(conn)
    if facts["superuser"]:
        return
    user = facts["user"]
    problems: list[str] = []
    store = StateStore(conn, state_schema or "")
    with store.reading():
        named = {"schemas": [t[0] for t in tables], "tables": [t[1] for t in tables]}
        for nsp, rel, owner in store.rows("named_tables_not_owned", named):
            problems.append(f"role {user} does not own {nsp}.{rel} (owner: {owner}), which carries capture triggers")
        if state_schema is not None:
            for (owner,) in store.rows("schema_not_owned", {"schema": state_schema}):
                problems.append(f"role {user} does not own the state schema {state_schema} (owner: {owner})")
        if publication is not None:
            for (owner,) in store.rows("publication_not_owned", {"publication": publication}):
                problems.append(f"role {user} does not own the publication {publication} (owner: {owner})")
    if event_trigger:
        problems.append(f"role {user} is not a superuser, and only a superuser can drop the event trigger")
    if slot is not None and not facts["replication"]:
        problems.append(f"role {user} cannot drop the replication slot {slot}: ALTER ROLE {user} WITH REPLICATION;")
    if problems:
        raise PreflightError(
            "teardown cannot proceed:\n  - " + "\n  - ".join(problems),
            hint="nothing was changed; run teardown as the owner of these objects or as a superuser",
        )
