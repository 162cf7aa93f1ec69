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
from indexer.sqlfiles import latest_format, migration_ddl, schema_ddl
from indexer.sqlgen.names import truncate_bytes
from indexer.state import StateStore
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
    store = StateStore(conn, state_schema)
    with store.reading():
        row = store.row("installation")
    return Installation(*row) if row else None


def _present(store: StateStore, plan: Plan) -> bool:
    """Every object of the plan exists: functions, 4 triggers per table, publication, slot."""
    with store.reading():
        found = store.row("objects_present", {
            "schema": plan.state_schema, "oids": [t.oid for t in plan.tables],
            "publication": plan.publication, "slot": plan.slot_name,
        })  # fmt: skip
        assert found is not None
        triggers, published, slot = found
        recorded = {(s, t) for s, t, _original, _index in store.rows("replica_identities")}
    identities = recorded == set(_desired_identities(plan))
    return bool(triggers == 4 * len(plan.tables) and published >= len(plan.tables) and slot and identities)


def _create_slot(store: StateStore, slot_name: str) -> None:
    with store.autocommit():
        store.run("create_slot", {"slot": slot_name})


def drop_slot(conn: Any, slot_name: str) -> bool:
    """Drop ``slot_name`` if it exists. Raises PreflightError when a running
    indexer still holds it."""
    store = StateStore(conn, "")
    with store.autocommit():
        row = store.row("slot_active", {"slot": slot_name})
        if row is None:
            return False
        if row[0]:
            raise PreflightError(
                f"replication slot {slot_name} is in use by a running indexer", hint="stop `indexer run` first"
            )
        store.run("drop_slot", {"slot": slot_name})
        return True


def _our_triggers(store: StateStore) -> list[tuple[str, str, str]]:
    return [(a, b, c) for a, b, c in store.rows("our_triggers", {"schema": store.state_schema})]


_IDENTITY_STATEMENT = {"d": "replica_identity_default", "n": "replica_identity_nothing", "f": "replica_identity_full"}


def _desired_identities(plan: Plan) -> dict[TableName, str]:
    """Every table (leaf partitions included) bootstrap keeps at REPLICA IDENTITY FULL."""
    desired: dict[TableName, str] = {}
    for table, reason in plan.identity_full:
        desired[table.key] = reason
        for leaf in table.partitions:
            desired[leaf] = f"a partition of {table.display}: {reason}"
    return desired


def _restore_identity(store: StateStore, name: TableName, original: str, index: str | None) -> None:
    table = sql.Identifier(*name)
    if not store.flag("relation_exists", {"relation": table.as_string(store.conn)}):
        return
    if original == "i" and index:
        store.run("replica_identity_index", table=table, index=sql.Identifier(index))
    else:
        store.run(_IDENTITY_STATEMENT.get(original, "replica_identity_default"), table=table)


def _set_identities(store: StateStore, plan: Plan) -> None:
    """Set REPLICA IDENTITY FULL where the plan needs it, remembering what each
    table had; put back what an earlier plan set and this one no longer needs."""
    log = logs.get("bootstrap")
    desired = _desired_identities(plan)
    recorded = {(s, t): (original, index) for s, t, original, index in store.rows("replica_identities")}
    for name, reason in desired.items():
        if name in recorded:
            continue
        found = store.row("current_replica_identity", {"schema": name[0], "table": name[1]})
        assert found is not None
        original, index = found
        store.run(
            "remember_replica_identity", {"schema": name[0], "table": name[1], "original": original, "index": index}
        )
        if original != "f":
            store.run("replica_identity_full", table=sql.Identifier(*name))
            log.info("replica_identity_full", table=".".join(name), reason=reason)
    for name, (original, index) in recorded.items():
        if name not in desired:
            _restore_identity(store, name, original, index)
            store.run("forget_replica_identity", {"schema": name[0], "table": name[1]})
            log.info("replica_identity_restored", table=".".join(name), to=original)


def event_trigger_name(state_schema: str) -> str:
    return f"{truncate_bytes(state_schema, 40)}_keep_capture_always"


def _keep_triggers_always(store: StateStore, plan: Plan) -> None:
    """An event trigger that runs ``restore_capture_triggers()`` after every
    ALTER TABLE, so ``ENABLE TRIGGER ALL`` cannot leave the capture triggers
    origin-only even for a moment. Creating event triggers needs a superuser;
    without one the slot process makes the same check on every pass."""
    if not store.flag("is_superuser"):
        logs.get("bootstrap").info(
            "event_trigger_skipped", reason="creating event triggers needs a superuser",
            fallback="the slot process re-enables capture triggers on every pass",
        )  # fmt: skip
        return
    name = sql.Identifier(event_trigger_name(plan.state_schema))
    store.run("drop_event_trigger", name=name)
    # A REFRESH of a materialized view that documents read owes those indexes a
    # verification with repair (run by the slot process, retried until done):
    # only a comparison finds the rows the refresh added, changed or removed.
    refreshed = [(t.oid, p.index.name) for p in plan.indexes for t in p.index.materialized_views()]
    queries = store.queries
    on_refresh: sql.Composable = sql.Composed([])
    if refreshed:
        on_refresh = queries.compose(
            "refresh_owes_repair",
            relids=sql.Literal([oid for oid, _ in refreshed]),
            indexes=sql.Literal([index for _, index in refreshed]),
        )
    body = queries.compose("keep_capture_always_body", on_refresh=on_refresh).as_string(store.conn)
    store.run("create_keep_capture_always", body=sql.Literal(body))
    store.run("create_event_trigger_with_refresh" if refreshed else "create_event_trigger", name=name)


def _apply(store: StateStore, plan: Plan, *, installed_format: int | None, targets: dict[str, BootstrapTarget]) -> None:
    """Everything in one transaction: the state schema (created, or migrated
    from ``installed_format``), capture functions and triggers, bookkeeping,
    and the versions of each index that ``targets`` start."""
    store.run("lock_timeout")
    if installed_format is None:
        store.run(schema_ddl(plan.state_schema, plan.partitions))
    else:
        for number in range(installed_format + 1, latest_format() + 1):
            store.run(migration_ddl(number, plan.state_schema, plan.partitions))
            logs.get("bootstrap").info("state_schema_migrated", schema=plan.state_schema, to_format=number)
        for nsp, rel, trigger in _our_triggers(store):
            store.run("drop_trigger", trigger=sql.Identifier(trigger), table=sql.Identifier(nsp, rel))
        for (signature,) in store.rows("capture_functions", {"schema": plan.state_schema}):
            store.run("drop_function", function=sql.SQL(signature))  # a regprocedure's own quoting
    for capture in plan.captures:
        store.run(capture.function)
        for statement in capture.triggers:
            store.run(statement)
    _set_identities(store, plan)
    _keep_triggers_always(store, plan)
    store.run("record_installation", {
        "format": latest_format(), "partitions": plan.partitions, "slot": plan.slot_name,
        "publication": plan.publication, "fingerprint": plan.fingerprint, "schema_file": plan.schema_file,
    })  # fmt: skip
    store.run("forget_other_indexes", {"names": [p.index.name for p in plan.indexes]})
    for index_plan in plan.indexes:
        target = targets.get(index_plan.index.name)
        params: dict[str, Any] = {
            "index": index_plan.index.name,
            "root": index_plan.index.root.table.display,
            "fingerprint": index_plan.fingerprint,
            "shape": index_plan.shape,
        }
        if target is None or target.action == "keep":
            store.run("index_keep", params)
            continue
        params.update(
            generation=target.generation,
            building=target.building,
            reason=target.reason,
            live=target.live,
            live_via_alias=target.live_via_alias,
        )
        store.run("index_build", params)
        if target.abandon:
            store.run("retire", {"index": target.index, "physical": target.abandon, "grace": 0})


LOCK_ATTEMPTS = 6


def _apply_retrying(conn: Any, plan: Plan, installed_format: int | None, targets: dict[str, BootstrapTarget]) -> None:
    """:func:`_apply` and commit. Its DDL locks every tracked table; with
    writers busy on them a deadlock or a lock timeout can abort it, in which
    case nothing was changed and it is tried again, with growing pauses."""
    import time

    for attempt in range(1, LOCK_ATTEMPTS + 1):
        try:
            _apply(StateStore(conn, plan.state_schema), plan, installed_format=installed_format, targets=targets)
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


def _publish(store: StateStore, plan: Plan) -> bool:
    """Create the publication, or set its table list; committed on its own.

    It must exist before the slot's first decoded change: pgoutput looks
    publications up in the catalog as of each change, and fails on changes
    from before the publication existed. Returns True if it was created."""
    tables = sql.SQL(", ").join(sql.Identifier(t.schema, t.name) for t in plan.tables)
    name = sql.Identifier(plan.publication)
    with store.transaction():
        store.run("lock_timeout")
        exists = store.flag("publication_exists", {"publication": plan.publication})
        # Every node may be a materialized view, whose changes come from
        # REFRESH (an event trigger), not from tables: then it publishes none.
        if exists and plan.tables:
            store.run("set_publication_tables", publication=name, tables=tables)
        elif exists:
            for schema, table in store.rows("publication_tables", {"publication": plan.publication}):
                store.run("drop_publication_table", publication=name, table=sql.Identifier(schema, table))
        elif plan.tables:
            store.run("create_publication", publication=name, tables=tables)
        else:
            store.run("create_empty_publication", publication=name)
        if exists:
            store.run("publish_via_partition_root", publication=name)
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
    store = StateStore(conn, plan.state_schema)
    if existing and existing.fingerprint == plan.fingerprint and not building and _present(store, plan):
        log.info("bootstrap_unchanged", database=plan.database)
        return False
    check_bootstrap(conn, plan, slot_exists=has_slot, schema_exists=has_schema)
    created_slot = created_publication = False
    try:
        # Order matters: publication, then slot, then triggers (see _publish).
        created_publication = _publish(store, plan)
        if not has_slot:
            _create_slot(store, plan.slot_name)
            created_slot = True
            log.info("slot_created", slot=plan.slot_name)
        _apply_retrying(conn, plan, existing.format_version if existing else None, targets)
    except BaseException:
        conn.rollback()
        if created_slot:
            with contextlib.suppress(psycopg2.Error, PreflightError):
                drop_slot(conn, plan.slot_name)
        if created_publication:
            with contextlib.suppress(psycopg2.Error), store.transaction():
                store.run("drop_publication", publication=sql.Identifier(plan.publication))
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
    store = StateStore(conn, state_schema)
    installation = read_installation(conn, state_schema)
    slot = slot_name or (installation.slot_name if installation else None)
    if installation:
        publication = installation.publication
    event_trigger = event_trigger_name(state_schema)
    if slot:
        # Refuse while a running indexer holds the slot, before changing anything.
        with store.reading():
            active = store.flag("slot_active", {"slot": slot})
        if active:
            raise PreflightError(f"replication slot {slot} is in use", hint="stop `indexer run` first")
    has_schema = schema_exists(conn, state_schema)
    with store.reading():
        triggers = _our_triggers(store)
        has_event_trigger = store.flag("event_trigger_exists", {"name": event_trigger})
        has_publication = store.flag("publication_exists", {"publication": publication})
        has_slot = store.flag("slot_present", {"slot": slot})
    check_teardown(
        conn,
        tables=sorted({(nsp, rel) for nsp, rel, _ in triggers}),
        state_schema=state_schema if has_schema else None,
        publication=publication if has_publication else None,
        event_trigger=has_event_trigger,
        slot=slot if slot and has_slot else None,
    )
    with store.transaction():
        store.run("lock_timeout")
        identities = sql.Identifier(state_schema, "replica_identities").as_string(conn)
        if store.flag("relation_exists", {"relation": identities}):
            for schema_name, table_name, original, index in store.rows("replica_identities"):
                _restore_identity(store, (schema_name, table_name), original, index)
                dropped.append(f"replica identity FULL of {schema_name}.{table_name} (back to {original})")
        if store.flag("event_trigger_exists", {"name": event_trigger}):
            store.run("drop_event_trigger", name=sql.Identifier(event_trigger))
            dropped.append(f"event trigger {event_trigger}")
        for nsp, rel, trigger in _our_triggers(store):
            store.run("drop_trigger", trigger=sql.Identifier(trigger), table=sql.Identifier(nsp, rel))
            dropped.append(f"trigger {trigger} on {nsp}.{rel}")
        if store.flag("publication_exists", {"publication": publication}):
            store.run("drop_publication", publication=sql.Identifier(publication))
            dropped.append(f"publication {publication}")
        if has_schema:
            store.run("drop_state_schema")
            dropped.append(f"schema {state_schema}")
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
