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
"""

from __future__ import annotations

from typing import Any

from psycopg2 import sql

from indexer.errors import PreflightError
from indexer.plan import Plan

RUN_PRIVILEGES = (
    "SELECT on every tracked table",
    "USAGE on the state schema; SELECT, INSERT, UPDATE, DELETE on its tables; USAGE on its sequences",
    "the REPLICATION attribute (to read and advance the replication slot)",
)


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
