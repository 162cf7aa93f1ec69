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


def server_facts(conn: Any) -> dict[str, Any]:
    with conn.cursor() as cur:
        cur.execute(
            """
            SELECT current_setting('server_version_num')::int,
                   current_setting('wal_level'),
                   current_setting('max_replication_slots')::int,
                   (SELECT count(*) FROM pg_catalog.pg_replication_slots)::int,
                   r.rolsuper, r.rolreplication, current_user,
                   has_database_privilege(current_database(), 'CREATE')
            FROM pg_catalog.pg_roles r WHERE r.rolname = current_user
            """
        )
        version, wal_level, max_slots, used_slots, superuser, replication, user, can_create = cur.fetchone()
    conn.rollback()
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
        with conn.cursor() as cur:
            cur.execute(
                "SELECT c.oid::bigint, pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class c"
                " WHERE c.oid = ANY(%s::oid[]) AND NOT pg_catalog.pg_has_role(current_user, c.relowner, 'USAGE')",
                ([t.oid for t in plan.tables],),
            )
            not_owned = dict(cur.fetchall())
        conn.rollback()
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
    with conn.cursor() as cur:
        cur.execute("SELECT to_regnamespace(%s) IS NOT NULL", (sql.Identifier(state_schema).as_string(conn),))
        (exists,) = cur.fetchone()
    conn.rollback()
    return bool(exists)


def slot_exists(conn: Any, slot_name: str) -> bool:
    with conn.cursor() as cur:
        cur.execute("SELECT EXISTS (SELECT FROM pg_catalog.pg_replication_slots WHERE slot_name = %s)", (slot_name,))
        (exists,) = cur.fetchone()
    conn.rollback()
    return bool(exists)


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
    with conn.cursor() as cur:
        cur.execute(
            "SELECT n.nspname, c.relname, pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class c"
            " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            " WHERE (n.nspname::text, c.relname::text) IN (SELECT * FROM unnest(%s::text[], %s::text[]))"
            " AND NOT pg_catalog.pg_has_role(current_user, c.relowner, 'USAGE') ORDER BY 1, 2",
            ([t[0] for t in tables], [t[1] for t in tables]),
        )
        for nsp, rel, owner in cur.fetchall():
            problems.append(f"role {user} does not own {nsp}.{rel} (owner: {owner}), which carries capture triggers")
        if state_schema is not None:
            cur.execute(
                "SELECT pg_catalog.pg_get_userbyid(nspowner) FROM pg_catalog.pg_namespace WHERE nspname = %s"
                " AND NOT pg_catalog.pg_has_role(current_user, nspowner, 'USAGE')",
                (state_schema,),
            )
            for (owner,) in cur.fetchall():
                problems.append(f"role {user} does not own the state schema {state_schema} (owner: {owner})")
        if publication is not None:
            cur.execute(
                "SELECT pg_catalog.pg_get_userbyid(pubowner) FROM pg_catalog.pg_publication WHERE pubname = %s"
                " AND NOT pg_catalog.pg_has_role(current_user, pubowner, 'USAGE')",
                (publication,),
            )
            for (owner,) in cur.fetchall():
                problems.append(f"role {user} does not own the publication {publication} (owner: {owner})")
    conn.rollback()
    if event_trigger:
        problems.append(f"role {user} is not a superuser, and only a superuser can drop the event trigger")
    if slot is not None and not facts["replication"]:
        problems.append(f"role {user} cannot drop the replication slot {slot}: ALTER ROLE {user} WITH REPLICATION;")
    if problems:
        raise PreflightError(
            "teardown cannot proceed:\n  - " + "\n  - ".join(problems),
            hint="nothing was changed; run teardown as the owner of these objects or as a superuser",
        )
