"""Install and remove what the indexer puts into a database.

:func:`install` applies a :class:`~indexer.plan.Plan`: the replication slot
first (it cannot be created in a transaction that has written, and it must
exist before the triggers so that nothing escapes both), then, in one
transaction, the state schema, the capture functions and triggers, the
publication and the bookkeeping rows. If the transaction fails the slot it just
created is dropped again: nothing is left half-installed. When the installed
fingerprint equals the plan's and every object is present, nothing is touched.

:func:`uninstall` drops every trigger whose function lives in the state schema
(whatever schema.json says today), the publication, the schema and the slot.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import psycopg2
import psycopg2.errors
from psycopg2 import sql

from indexer import logs
from indexer.errors import NotBootstrapped, PlanMismatch, PreflightError
from indexer.plan import Plan
from indexer.preflight import check_bootstrap, check_teardown, schema_exists, slot_exists
from indexer.process import first_line
from indexer.schema.catalog import TableName
from indexer.sqlfiles import Queries, latest_format, migration_ddl, schema_ddl
from indexer.sqlgen.names import truncate_bytes
from indexer.targets import BootstrapTarget


@dataclass(frozen=True)
class Installation:
    format_version: int
    partitions: int
    slot_name: str
    publication: str
    fingerprint: str
    schema_file: str


def read_installation(conn: Any, state_schema: str) -> Installation | None:
    """The installation row, or None when the state schema does not exist."""
    if not schema_exists(conn, state_schema):
        return None
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL(
                "SELECT format_version, partitions, slot_name, publication_name, fingerprint, schema_file FROM {}"
            ).format(sql.Identifier(state_schema, "installation"))
        )
        row = cur.fetchone()
    conn.rollback()
    return Installation(*row) if row else None


def _present(conn: Any, plan: Plan) -> bool:
    """Every object of the plan exists: functions, 4 triggers per table, publication, slot."""
    with conn.cursor() as cur:
        cur.execute(
            """
            SELECT
              (SELECT count(*) FROM pg_catalog.pg_trigger t
                 JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
                 JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = %(schema)s AND t.tgrelid = ANY(%(oids)s::oid[]) AND t.tgenabled = 'A'),
              (SELECT count(*) FROM pg_catalog.pg_publication_tables
                WHERE pubname = %(pub)s),
              EXISTS (SELECT FROM pg_catalog.pg_replication_slots WHERE slot_name = %(slot)s)
            """,
            {
                "schema": plan.state_schema,
                "oids": [t.oid for t in plan.tables],
                "pub": plan.publication,
                "slot": plan.slot_name,
            },
        )
        triggers, published, slot = cur.fetchone()
        cur.execute(Queries(plan.state_schema)["replica_identities"])
        recorded = {(s, t) for s, t, _original, _index in cur.fetchall()}
    conn.rollback()
    identities = recorded == set(_desired_identities(plan))
    return bool(triggers == 4 * len(plan.tables) and published >= len(plan.tables) and slot and identities)


def _create_slot(conn: Any, slot_name: str) -> None:
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_catalog.pg_create_logical_replication_slot(%s, 'pgoutput')", (slot_name,))
    finally:
        conn.autocommit = False


def drop_slot(conn: Any, slot_name: str) -> bool:
    """Drop ``slot_name`` if it exists. Raises PreflightError when a running
    indexer still holds it."""
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT active FROM pg_catalog.pg_replication_slots WHERE slot_name = %s", (slot_name,))
            row = cur.fetchone()
            if row is None:
                return False
            if row[0]:
                raise PreflightError(
                    f"replication slot {slot_name} is in use by a running indexer", hint="stop `indexer run` first"
                )
            cur.execute("SELECT pg_catalog.pg_drop_replication_slot(%s)", (slot_name,))
            return True
    finally:
        conn.autocommit = False


def _our_triggers(cur: Any, state_schema: str) -> list[tuple[str, str, str]]:
    cur.execute(
        """
        SELECT cn.nspname, c.relname, t.tgname
        FROM pg_catalog.pg_trigger t
        JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
        JOIN pg_catalog.pg_namespace cn ON cn.oid = c.relnamespace
        JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
        JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
        WHERE pn.nspname = %s AND NOT t.tgisinternal
        ORDER BY 1, 2, 3
        """,
        (state_schema,),
    )
    return [(a, b, c) for a, b, c in cur.fetchall()]


_IDENTITY_CLAUSE = {"d": "DEFAULT", "n": "NOTHING", "f": "FULL"}


def _desired_identities(plan: Plan) -> dict[TableName, str]:
    """Every table (leaf partitions included) bootstrap keeps at REPLICA IDENTITY FULL."""
    desired: dict[TableName, str] = {}
    for table, reason in plan.identity_full:
        desired[table.key] = reason
        for leaf in table.partitions:
            desired[leaf] = f"a partition of {table.display}: {reason}"
    return desired


def _restore_identity(cur: Any, name: TableName, original: str, index: str | None) -> None:
    cur.execute("SELECT to_regclass(%s) IS NOT NULL", (sql.Identifier(*name).as_string(cur),))
    if not cur.fetchone()[0]:
        return
    if original == "i" and index:
        clause = sql.SQL("USING INDEX {}").format(sql.Identifier(index))
    else:
        clause = sql.SQL(_IDENTITY_CLAUSE.get(original, "DEFAULT"))
    cur.execute(sql.SQL("ALTER TABLE {} REPLICA IDENTITY {}").format(sql.Identifier(*name), clause))


def _set_identities(cur: Any, plan: Plan) -> None:
    """Set REPLICA IDENTITY FULL where the plan needs it, remembering what each
    table had; put back what an earlier plan set and this one no longer needs."""
    queries = Queries(plan.state_schema)
    log = logs.get("bootstrap")
    desired = _desired_identities(plan)
    cur.execute(queries["replica_identities"])
    recorded = {(s, t): (original, index) for s, t, original, index in cur.fetchall()}
    for name, reason in desired.items():
        if name in recorded:
            continue
        cur.execute(queries["current_replica_identity"], {"schema": name[0], "table": name[1]})
        original, index = cur.fetchone()
        cur.execute(
            queries["remember_replica_identity"],
            {"schema": name[0], "table": name[1], "original": original, "index": index},
        )
        if original != "f":
            cur.execute(sql.SQL("ALTER TABLE {} REPLICA IDENTITY FULL").format(sql.Identifier(*name)))
            log.info("replica_identity_full", table=".".join(name), reason=reason)
    for name, (original, index) in recorded.items():
        if name not in desired:
            _restore_identity(cur, name, original, index)
            cur.execute(queries["forget_replica_identity"], {"schema": name[0], "table": name[1]})
            log.info("replica_identity_restored", table=".".join(name), to=original)


def event_trigger_name(state_schema: str) -> str:
    return f"{truncate_bytes(state_schema, 40)}_keep_capture_always"


def _keep_triggers_always(cur: Any, plan: Plan) -> None:
    """An event trigger that runs ``restore_capture_triggers()`` after every
    ALTER TABLE, so ``ENABLE TRIGGER ALL`` cannot leave the capture triggers
    origin-only even for a moment. Creating event triggers needs a superuser;
    without one the slot process makes the same check on every pass."""
    cur.execute("SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user")
    if not cur.fetchone()[0]:
        logs.get("bootstrap").info(
            "event_trigger_skipped", reason="creating event triggers needs a superuser",
            fallback="the slot process re-enables capture triggers on every pass",
        )  # fmt: skip
        return
    schema = sql.Identifier(plan.state_schema)
    name = sql.Identifier(event_trigger_name(plan.state_schema))
    cur.execute(sql.SQL("DROP EVENT TRIGGER IF EXISTS {}").format(name))
    # A REFRESH of a materialized view that documents read owes those indexes a
    # verification with repair (run by the slot process, retried until done):
    # only a comparison finds the rows the refresh added, changed or removed.
    refreshed = [
        sql.SQL("({}::oid, {})").format(sql.Literal(t.oid), sql.Literal(p.index.name))
        for p in plan.indexes
        for t in p.index.materialized_views()
    ]
    on_refresh = sql.SQL("")
    if refreshed:
        on_refresh = sql.SQL(
            "IF TG_TAG = 'REFRESH MATERIALIZED VIEW' THEN "
            "INSERT INTO {schema}.repairs (index_name, reason) "
            "SELECT DISTINCT m.index_name, 'REFRESH MATERIALIZED VIEW ' || c.object_identity "
            "FROM pg_event_trigger_ddl_commands() AS c JOIN (VALUES {values}) AS m(relid, index_name) "
            "ON m.relid = c.objid "
            "ON CONFLICT (index_name) DO UPDATE SET requested_at = clock_timestamp(), reason = EXCLUDED.reason; "
            "RETURN; END IF; "
        ).format(schema=schema, values=sql.SQL(", ").join(refreshed))
    body = (
        sql.SQL("BEGIN {on_refresh}PERFORM {schema}.restore_capture_triggers(); END")
        .format(schema=schema, on_refresh=on_refresh)
        .as_string(cur)
    )
    cur.execute(
        sql.SQL(
            "CREATE OR REPLACE FUNCTION {schema}.keep_capture_always() RETURNS event_trigger LANGUAGE plpgsql"
            " SET search_path = pg_catalog, pg_temp AS {body}"
        ).format(schema=schema, body=sql.Literal(body))
    )
    tags = sql.SQL("'ALTER TABLE', 'REFRESH MATERIALIZED VIEW'" if refreshed else "'ALTER TABLE'")
    cur.execute(
        sql.SQL(
            "CREATE EVENT TRIGGER {name} ON ddl_command_end WHEN TAG IN ({tags})"
            " EXECUTE FUNCTION {schema}.keep_capture_always()"
        ).format(name=name, schema=schema, tags=tags)
    )


def _apply(conn: Any, plan: Plan, *, installed_format: int | None, targets: dict[str, BootstrapTarget]) -> None:
    """Everything in one transaction: the state schema (created, or migrated
    from ``installed_format``), capture functions and triggers, bookkeeping,
    and the versions of each index that ``targets`` start."""
    schema = sql.Identifier(plan.state_schema)
    with conn.cursor() as cur:
        cur.execute("SET LOCAL lock_timeout = '10s'")
        if installed_format is None:
            cur.execute(schema_ddl(plan.state_schema, plan.partitions))
        else:
            for number in range(installed_format + 1, latest_format() + 1):
                cur.execute(migration_ddl(number, plan.state_schema, plan.partitions))
                logs.get("bootstrap").info("state_schema_migrated", schema=plan.state_schema, to_format=number)
            for nsp, rel, trigger in _our_triggers(cur, plan.state_schema):
                cur.execute(sql.SQL("DROP TRIGGER {} ON {}").format(sql.Identifier(trigger), sql.Identifier(nsp, rel)))
            cur.execute(
                "SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p"
                " JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
                " WHERE n.nspname = %s AND p.proname LIKE 'capture\\_%%'",
                (plan.state_schema,),
            )
            for (signature,) in cur.fetchall():
                cur.execute(sql.SQL("DROP FUNCTION {}").format(sql.SQL(signature)))
        for capture in plan.captures:
            cur.execute(capture.function)
            for statement in capture.triggers:
                cur.execute(statement)
        _set_identities(cur, plan)
        _keep_triggers_always(cur, plan)
        cur.execute(
            sql.SQL(
                "INSERT INTO {}.installation (format_version, partitions, slot_name, publication_name, fingerprint,"
                " schema_file) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (singleton) DO UPDATE SET"
                " format_version = EXCLUDED.format_version, fingerprint = EXCLUDED.fingerprint,"
                " schema_file = EXCLUDED.schema_file, updated_at = now()"
            ).format(schema),
            (latest_format(), plan.partitions, plan.slot_name, plan.publication, plan.fingerprint, plan.schema_file),
        )
        names = [p.index.name for p in plan.indexes]
        cur.execute(sql.SQL("DELETE FROM {}.indexes WHERE NOT (index_name = ANY(%s))").format(schema), (names,))
        cur.execute(sql.SQL("DELETE FROM {}.outbox WHERE NOT (index_name = ANY(%s))").format(schema), (names,))
        queries = Queries(plan.state_schema)
        for index_plan in plan.indexes:
            target = targets.get(index_plan.index.name)
            params: dict[str, Any] = {
                "index": index_plan.index.name,
                "root": index_plan.index.root.table.display,
                "fingerprint": index_plan.fingerprint,
                "shape": index_plan.shape,
            }
            if target is None or target.action == "keep":
                cur.execute(queries["index_keep"], params)
                continue
            params.update(
                generation=target.generation,
                building=target.building,
                reason=target.reason,
                live=target.live,
                live_via_alias=target.live_via_alias,
            )
            cur.execute(queries["index_build"], params)
            if target.abandon:
                cur.execute(queries["retire"], {"index": target.index, "physical": target.abandon, "grace": 0})


LOCK_ATTEMPTS = 6


def _apply_retrying(conn: Any, plan: Plan, installed_format: int | None, targets: dict[str, BootstrapTarget]) -> None:
    """:func:`_apply` and commit. Its DDL locks every tracked table; with
    writers busy on them a deadlock or a lock timeout can abort it, in which
    case nothing was changed and it is tried again, with growing pauses."""
    import time

    for attempt in range(1, LOCK_ATTEMPTS + 1):
        try:
            _apply(conn, plan, installed_format=installed_format, targets=targets)
            conn.commit()
        except (psycopg2.errors.DeadlockDetected, psycopg2.errors.LockNotAvailable) as exc:
            conn.rollback()
            if attempt == LOCK_ATTEMPTS:
                raise PreflightError(
                    f"could not lock the tracked tables after {attempt} attempts: {first_line(exc)}",
                    hint="retry when the write load is lower; nothing was changed",
                ) from None
            logs.get("bootstrap").warning("bootstrap_lock_retry", attempt=attempt, error=first_line(exc))
            time.sleep(0.2 * 2**attempt)
        else:
            return


def _publish(conn: Any, plan: Plan) -> bool:
    """Create the publication, or set its table list; committed on its own.

    It must exist before the slot's first decoded change: pgoutput looks
    publications up in the catalog as of each change, and fails on changes
    from before the publication existed. Returns True if it was created."""
    tables = sql.SQL(", ").join(sql.Identifier(t.schema, t.name) for t in plan.tables)
    name = sql.Identifier(plan.publication)
    with conn.cursor() as cur:
        cur.execute("SET LOCAL lock_timeout = '10s'")
        cur.execute("SELECT EXISTS (SELECT FROM pg_catalog.pg_publication WHERE pubname = %s)", (plan.publication,))
        exists = bool(cur.fetchone()[0])
        # Every node may be a materialized view, whose changes come from
        # REFRESH (an event trigger), not from tables: then it publishes none.
        if exists and plan.tables:
            cur.execute(sql.SQL("ALTER PUBLICATION {} SET TABLE {}").format(name, tables))
        elif exists:
            cur.execute(
                "SELECT schemaname, tablename FROM pg_catalog.pg_publication_tables WHERE pubname = %s",
                (plan.publication,),
            )
            for schema, table in cur.fetchall():
                cur.execute(sql.SQL("ALTER PUBLICATION {} DROP TABLE {}").format(name, sql.Identifier(schema, table)))
        else:
            cur.execute(
                sql.SQL("CREATE PUBLICATION {} {} WITH (publish_via_partition_root = true)").format(
                    name, sql.SQL("FOR TABLE {}").format(tables) if plan.tables else sql.SQL("")
                )
            )
        if exists:
            cur.execute(sql.SQL("ALTER PUBLICATION {} SET (publish_via_partition_root = true)").format(name))
    conn.commit()
    return not exists


def install(conn: Any, plan: Plan, targets: dict[str, BootstrapTarget] | None = None) -> bool:
    """Install ``plan``; returns False when it was already installed as is.
    ``targets`` (per index name) says which index versions bootstrap started.
    Raises PreflightError (nothing changed) or the database error (rolled back)."""
    targets = targets or {}
    log = logs.get("bootstrap")
    has_schema = schema_exists(conn, plan.state_schema)
    has_slot = slot_exists(conn, plan.slot_name)
    existing = read_installation(conn, plan.state_schema)
    if existing and existing.format_version > latest_format():
        raise PreflightError(
            f"the state schema {plan.state_schema} has format {existing.format_version}, made by a newer"
            f" indexer; this one knows formats up to {latest_format()}",
            hint="use the indexer release that installed it, or a newer one",
        )
    if existing and existing.partitions != plan.partitions:
        raise PreflightError(
            f"the outbox was installed with {existing.partitions} partitions, not {plan.partitions}",
            hint=f"pass --partitions {existing.partitions}, or teardown and bootstrap again to change it",
        )
    building = any(target.action != "keep" for target in targets.values())
    if existing and existing.fingerprint == plan.fingerprint and not building and _present(conn, plan):
        log.info("bootstrap_unchanged", database=plan.database)
        return False
    check_bootstrap(conn, plan, slot_exists=has_slot, schema_exists=has_schema)
    created_slot = created_publication = False
    try:
        # Order matters: publication, then slot, then triggers (see _publish).
        created_publication = _publish(conn, plan)
        if not has_slot:
            _create_slot(conn, plan.slot_name)
            created_slot = True
            log.info("slot_created", slot=plan.slot_name)
        _apply_retrying(conn, plan, existing.format_version if existing else None, targets)
    except BaseException:
        conn.rollback()
        if created_slot:
            with contextlib.suppress(psycopg2.Error, PreflightError):
                drop_slot(conn, plan.slot_name)
        if created_publication:
            with contextlib.suppress(psycopg2.Error), conn.cursor() as cur:
                cur.execute(sql.SQL("DROP PUBLICATION IF EXISTS {}").format(sql.Identifier(plan.publication)))
                conn.commit()
        raise
    log.info(
        "bootstrap_installed",
        database=plan.database,
        tables=len(plan.tables),
        indexes=len(plan.indexes),
        slot=plan.slot_name,
        publication=plan.publication,
    )
    return True


def uninstall(conn: Any, state_schema: str, slot_name: str | None, publication: str) -> list[str]:
    """Remove everything; returns a description of what was dropped."""
    dropped: list[str] = []
    installation = read_installation(conn, state_schema)
    slot = slot_name or (installation.slot_name if installation else None)
    if installation:
        publication = installation.publication
    if slot:
        # Refuse while a running indexer holds the slot, before changing anything.
        with conn.cursor() as cur:
            cur.execute("SELECT active FROM pg_catalog.pg_replication_slots WHERE slot_name = %s", (slot,))
            row = cur.fetchone()
        conn.rollback()
        if row and row[0]:
            raise PreflightError(f"replication slot {slot} is in use", hint="stop `indexer run` first")
    has_schema = schema_exists(conn, state_schema)
    with conn.cursor() as cur:
        triggers = _our_triggers(cur, state_schema)
        cur.execute("SELECT EXISTS (SELECT FROM pg_catalog.pg_event_trigger WHERE evtname = %s)",
                    (event_trigger_name(state_schema),))  # fmt: skip
        has_event_trigger = bool(cur.fetchone()[0])
        cur.execute("SELECT EXISTS (SELECT FROM pg_catalog.pg_publication WHERE pubname = %s)", (publication,))
        has_publication = bool(cur.fetchone()[0])
        cur.execute("SELECT EXISTS (SELECT FROM pg_catalog.pg_replication_slots WHERE slot_name = %s)", (slot,))
        has_slot = bool(cur.fetchone()[0])
    conn.rollback()
    check_teardown(
        conn,
        tables=sorted({(nsp, rel) for nsp, rel, _ in triggers}),
        state_schema=state_schema if has_schema else None,
        publication=publication if has_publication else None,
        event_trigger=has_event_trigger,
        slot=slot if slot and has_slot else None,
    )
    with conn.cursor() as cur:
        cur.execute("SET LOCAL lock_timeout = '10s'")
        cur.execute(
            "SELECT to_regclass(%s) IS NOT NULL", (sql.Identifier(state_schema, "replica_identities").as_string(cur),)
        )
        if cur.fetchone()[0]:
            cur.execute(Queries(state_schema)["replica_identities"])
            for schema_name, table_name, original, index in cur.fetchall():
                _restore_identity(cur, (schema_name, table_name), original, index)
                dropped.append(f"replica identity FULL of {schema_name}.{table_name} (back to {original})")
        cur.execute("SELECT EXISTS (SELECT FROM pg_catalog.pg_event_trigger WHERE evtname = %s)",
                    (event_trigger_name(state_schema),))  # fmt: skip
        if cur.fetchone()[0]:
            cur.execute(sql.SQL("DROP EVENT TRIGGER {}").format(sql.Identifier(event_trigger_name(state_schema))))
            dropped.append(f"event trigger {event_trigger_name(state_schema)}")
        for nsp, rel, trigger in _our_triggers(cur, state_schema):
            cur.execute(sql.SQL("DROP TRIGGER {} ON {}").format(sql.Identifier(trigger), sql.Identifier(nsp, rel)))
            dropped.append(f"trigger {trigger} on {nsp}.{rel}")
        cur.execute("SELECT EXISTS (SELECT FROM pg_catalog.pg_publication WHERE pubname = %s)", (publication,))
        if cur.fetchone()[0]:
            cur.execute(sql.SQL("DROP PUBLICATION {}").format(sql.Identifier(publication)))
            dropped.append(f"publication {publication}")
        if has_schema:
            cur.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(state_schema)))
            dropped.append(f"schema {state_schema}")
    conn.commit()
    if slot and drop_slot(conn, slot):
        dropped.append(f"replication slot {slot}")
    return dropped


def require_installation(conn: Any, plan: Plan) -> Installation:
    """The installation matching ``plan``; raises NotBootstrapped otherwise."""
    installation = read_installation(conn, plan.state_schema)
    if installation is None:
        raise NotBootstrapped(
            f"database {plan.database} has no indexer state schema {plan.state_schema}",
            hint=f"run `indexer bootstrap -c {plan.schema_file}` first",
        )
    if installation.fingerprint != plan.fingerprint:
        raise PlanMismatch(
            f"schema.json or the tables changed since bootstrap in database {plan.database}",
            hint=f"run `indexer bootstrap -c {plan.schema_file}` again to update the triggers",
        )
    return installation
