"""What the one-shot commands do: bootstrap, teardown, status, verify, dead letters.

Each function takes the parsed settings and schema, talks to Postgres and the
search server through :mod:`indexer.db` and :mod:`indexer.search.store`, and
prints its result for a human. Errors are :class:`~indexer.errors.IndexerError`.
"""

from __future__ import annotations

import os
import re
from typing import Any

import click
from psycopg2 import sql

from indexer import db, locks, logs
from indexer.advice import MissingIndex, missing_indexes
from indexer.errors import ConfigError, PreflightError
from indexer.install import install, read_installation, uninstall
from indexer.plan import Plan, load_plan
from indexer.preflight import check_bootstrap, check_wal_level, schema_exists, server_facts, slot_exists
from indexer.runtime import load_running_plan
from indexer.schema.model import DocumentSchema
from indexer.search.connect import open_store
from indexer.search.store import DocumentStore
from indexer.settings import Settings
from indexer.sqlfiles import schema_ddl
from indexer.sqlgen.documents import matching_roots
from indexer.sqlgen.names import publication_name
from indexer.state import StateStore
from indexer.targets import BootstrapTarget, IndexState, create_building, plan_bootstrap, read_states


def _plan_for_bootstrap(
    conn: Any, settings: Settings, schema: DocumentSchema, database: str, explicit_partitions: int | None
) -> Plan:
    installation = read_installation(conn, settings.state_schema)
    partitions = settings.partitions
    slot_name = settings.slot_name
    if installation is not None:
        if explicit_partitions is not None and explicit_partitions != installation.partitions:
            raise PreflightError(
                f"the outbox in {database} has {installation.partitions} partitions; --partitions {explicit_partitions}"
                " would change it",
                hint="teardown and bootstrap again to change the partition count",
            )
        partitions = installation.partitions
        slot_name = slot_name or installation.slot_name
    return load_plan(
        conn,
        schema,
        database,
        state_schema=settings.state_schema,
        partitions=partitions,
        slot_name=slot_name,
        replica_identity=settings.replica_identity,
    )


def _refuse_takeover(conn: Any, settings: Settings, plan: Plan, states: dict[str, IndexState]) -> None:
    """Bootstrapping another schema file into a state schema that serves a
    different one would silently replace that installation (and stop its
    `indexer run`): refuse, naming it, when the two share no index."""
    installation = read_installation(conn, settings.state_schema)
    conn.rollback()
    if installation is None or not states:
        return
    if os.path.realpath(installation.schema_file) == os.path.realpath(plan.schema_file):
        return
    if {p.index.name for p in plan.indexes} & set(states):
        return  # the same installation, its file moved or renamed
    raise PreflightError(
        f"database {plan.database} already has an installation in state schema {settings.state_schema}"
        f" for {installation.schema_file} (indexes {', '.join(sorted(states))}); bootstrapping"
        f" {plan.schema_file} there would replace it and stop its `indexer run`",
        hint=f"give this file its own installation with --state-schema (e.g. --state-schema"
        f" indexer_{re.sub(r'[^A-Za-z0-9_]', '_', plan.indexes[0].index.name)[:30]}), or teardown the"
        " other one first",
    )


def _installed_states(conn: Any, state_schema: str) -> dict[str, IndexState]:
    """The index states of an installation that has them (format 3 on), else none."""
    installation = read_installation(conn, state_schema)
    if installation is None or installation.format_version < 3:
        return {}
    store = StateStore(conn, state_schema)
    with store.reading():
        return read_states(store)


def run_bootstrap(
    settings: Settings, schema: DocumentSchema, *, dry_run: bool, explicit_partitions: int | None
) -> None:
    """Check everything first (every database's catalog, settings and privileges,
    then the search server), then create the index versions to build and install,
    removing those indexes again if the install fails."""
    log = logs.get("bootstrap")
    for path in schema.ignored_keys():
        log.warning(
            "schema_key_ignored",
            file=schema.file,
            path=path,
            reason="PGSync parses transform.move but never applies it; documents are built without it",
        )
    plans, states = _checked_plans(settings, schema, explicit_partitions)
    store = open_store(settings.search)
    created: list[str] = []
    try:
        targets: dict[str, dict[str, BootstrapTarget]] = {
            plan.database: {
                p.index.name: plan_bootstrap(store, p, states[plan.database].get(p.index.name)) for p in plan.indexes
            }
            for plan in plans
        }
        advice = [(plan, missing) for plan in plans for missing in missing_indexes(plan)]
        if dry_run:
            _print_dry_run(settings, plans, targets)
            _print_advice(settings, advice)
            return
        _create_targets(store, plans, targets, created)
        changed = False
        for plan in plans:
            with db.connection(settings.dsn_for(plan.database), application="indexer bootstrap") as conn:
                changed = install(conn, plan, targets[plan.database]) or changed
    except BaseException:
        for name in created:
            try:
                store.delete_index(name)
            except Exception:  # noqa: BLE001 - best effort; the original error matters
                log.warning("index_cleanup_failed", index=name)
        raise
    finally:
        store.close()
    for plan in plans:
        for table, reason in plan.identity_full:
            click.echo(f"{plan.database}: REPLICA IDENTITY FULL on {table.display}: {reason}")
        for target in targets[plan.database].values():
            if target.action != "keep":
                click.echo(target.describe())
    _print_advice(settings, advice)
    if changed or created:
        click.echo(
            f"bootstrap complete: {sum(len(p.indexes) for p in plans)} index(es), "
            f"{sum(len(p.tables) for p in plans)} tracked table(s); now run `indexer run -c {settings.schema_file}`"
        )
    else:
        click.echo("bootstrap: already up to date, nothing changed")


def _checked_plans(
    settings: Settings, schema: DocumentSchema, explicit_partitions: int | None
) -> tuple[list[Plan], dict[str, dict[str, IndexState]]]:
    """Every database's plan, after its server, catalog and privileges were
    checked, and the index states installed there (nothing is changed)."""
    log = logs.get("bootstrap")
    plans: list[Plan] = []
    states: dict[str, dict[str, IndexState]] = {}
    for database in schema.databases():
        with db.connection(settings.dsn_for(database), application="indexer bootstrap") as conn:
            check_wal_level(server_facts(conn))
            plan = _plan_for_bootstrap(conn, settings, schema, database, explicit_partitions)
            check_bootstrap(
                conn, plan, slot_exists=slot_exists(conn, plan.slot_name),
                schema_exists=schema_exists(conn, plan.state_schema),
            )  # fmt: skip
            states[database] = _installed_states(conn, settings.state_schema)
            _refuse_takeover(conn, settings, plan, states[database])
            plans.append(plan)
            log.debug("plan_loaded", database=database, indexes=len(plan.indexes), tables=len(plan.tables),
                      fingerprint=plan.fingerprint)  # fmt: skip
    return plans, states


def _create_targets(
    store: DocumentStore, plans: list[Plan], targets: dict[str, dict[str, BootstrapTarget]], created: list[str]
) -> None:
    """Create every index version bootstrap is to build, appending each name to
    ``created`` as soon as it exists (so a failure can remove them)."""
    log = logs.get("bootstrap")
    for plan in plans:
        for index_plan in plan.indexes:
            target = targets[plan.database][index_plan.index.name]
            if target.action == "keep":
                continue
            create_building(store, index_plan, target)
            assert target.building is not None
            created.append(target.building)
            log.info("index_created", index=target.index, physical=target.building, action=target.action,
                     engine=store.info.flavor, version=store.info.version)  # fmt: skip


def _print_dry_run(settings: Settings, plans: list[Plan], targets: dict[str, dict[str, BootstrapTarget]]) -> None:
    for plan in plans:
        with db.connection(settings.dsn_for(plan.database), application="indexer bootstrap") as conn:
            click.echo(f"-- database {plan.database}: slot {plan.slot_name}, publication {plan.publication}")
            for target in targets[plan.database].values():
                click.echo(f"-- {target.describe()}")
            for table, reason in plan.identity_full:
                click.echo(f"-- REPLICA IDENTITY FULL on {table.display}: {reason}")
            click.echo(schema_ddl(plan.state_schema, plan.partitions).as_string(conn))
            for capture in plan.captures:
                click.echo(capture.function.as_string(conn) + ";")
                for statement in capture.triggers:
                    click.echo(statement.as_string(conn) + ";")


def _print_advice(settings: Settings, advice: list[tuple[Plan, MissingIndex]]) -> None:
    for plan, missing in advice:
        with db.connection(settings.dsn_for(plan.database), application="indexer bootstrap") as conn:
            statement = missing.statement().as_string(conn)
        click.echo(
            f"{plan.database}: WARNING: no index on {missing.table.display} ({', '.join(missing.columns)}),"
            f" which {missing.used_by} looks rows up by; create one: {statement};"
        )


def run_analyze(settings: Settings, schema: DocumentSchema) -> None:
    """PGSync's ``--analyze``: list the indexes the document and capture queries
    would want, with the ``CREATE INDEX`` statements; changes nothing."""
    advice: list[tuple[Plan, MissingIndex]] = []
    for database in schema.databases():
        with db.connection(settings.dsn_for(database), application="indexer analyze") as conn:
            plan = _plan_for_bootstrap(conn, settings, schema, database, None)
        advice.extend((plan, missing) for missing in missing_indexes(plan))
    _print_advice(settings, advice)
    if not advice:
        click.echo("every column the document and capture queries look rows up by has an index")


def run_reindex(settings: Settings, schema: DocumentSchema, *, index_name: str | None, where: str | None) -> None:
    """Rebuild indexes behind their aliases, or re-sync the documents of the root
    rows matching ``where`` (SQL over the root table, alias ``n0``)."""
    from indexer.runtime import load_running_plan
    from indexer.targets import Targets

    names = [spec.index for spec in schema.indexes]
    if index_name is not None and index_name not in names:
        raise ConfigError(f"{index_name!r} is not an index of {schema.file}", hint=f"indexes: {', '.join(names)}")
    for database in schema.databases():
        with db.connection(settings.dsn_for(database), application="indexer reindex", autocommit=True) as conn:
            plan = load_running_plan(conn, settings, database)
            chosen = [p for p in plan.indexes if index_name in (None, p.index.name)]
            if where is not None:
                for index_plan in chosen:
                    # The condition is the operator's own SQL, run with the operator's
                    # privileges like a query typed into psql; everything else is composed.
                    count = StateStore(conn, plan.state_schema).run(
                        "enqueue_matching_roots", {"index": index_plan.index.name},
                        where=sql.SQL(where), **matching_roots(index_plan.index),
                    )  # fmt: skip
                    click.echo(f"{index_plan.index.name}: enqueued {count} document(s) to build again")
                continue
            store = open_store(settings.search)
            try:
                targets = Targets(StateStore(conn, plan.state_schema), store, grace=settings.retire_after)
                for index_plan in chosen:
                    building = targets.rebuild(index_plan, "indexer reindex")
                    if building is None:
                        raise PreflightError(
                            f"{index_plan.index.name} is being changed by a running indexer right now",
                            hint="try again in a moment",
                        )
                    click.echo(
                        f"{index_plan.index.name}: building {building} in the background; searches keep using the"
                        " current version until it has caught up, then the alias moves"
                    )
            finally:
                store.close()
    if where is None:
        click.echo(f"`indexer run -c {settings.schema_file}` builds it (a running one has started already)")


def run_teardown(settings: Settings, schema: DocumentSchema, *, delete_index: bool) -> None:
    physical: set[str] = set()
    for database in schema.databases():
        with db.connection(settings.dsn_for(database), application="indexer teardown") as conn:
            for state in _installed_states(conn, settings.state_schema).values():
                physical.update(p for p in (state.live_physical, state.building_physical, state.retired_physical) if p)
            dropped = uninstall(
                conn, settings.state_schema, settings.slot_name, publication_name(settings.state_schema)
            )
        if dropped:
            click.echo(f"{database}: dropped " + ", ".join(dropped))
        else:
            click.echo(f"{database}: nothing to remove")
    if delete_index:
        store = open_store(settings.search)
        try:
            for spec in schema.indexes:
                behind = store.alias_targets(spec.index) or []
                names = sorted({*behind, *(p for p in physical if p.startswith(f"{spec.index}_v"))})
                if not behind and store.index_exists(spec.index):
                    names.append(spec.index)  # an index, not an alias (adopted, never swapped)
                for name in names:
                    store.delete_index(name)
                click.echo(f"deleted index {spec.index}" + (f" ({', '.join(names)})" if names else ""))
        finally:
            store.close()


def run_status(settings: Settings, schema: DocumentSchema) -> None:
    for database in schema.databases():
        with db.connection(settings.dsn_for(database), application="indexer status", autocommit=True) as conn:
            installation = read_installation(conn, settings.state_schema)
            if installation is None:
                click.echo(f"{database}: not bootstrapped (no schema {settings.state_schema})")
                continue
            store = StateStore(conn, settings.state_schema)
            rows = store.rows("status_rows")
            slot = store.row("slot_position", {"slot": installation.slot_name})
            classid, objid = locks.split_key(locks.advisory_key(settings.state_schema, "member"))
            workers = store.value("live_workers", {"classid": classid, "objid": objid})
            click.echo(f"database {database}: {workers} worker(s) connected, {installation.partitions} partitions")
            if slot is None:
                click.echo(f"  slot {installation.slot_name}: MISSING (the indexer recreates it and verifies)")
            else:
                _restart, confirmed, active, retained = slot
                click.echo(
                    f"  slot {installation.slot_name}: {'active' if active else 'idle'}, confirmed {confirmed},"
                    f" retaining {retained or 0} bytes of WAL"
                )
            found = store.rows("capture_trigger_states", {"schema": settings.state_schema})
            states = {state: (count, tables) for state, count, tables in found}
            total = sum(count for count, _ in states.values())
            click.echo(f"  capture triggers: {states.get('A', (0, ''))[0]} of {total} enabled ALWAYS")
            for state, label in (("O", "origin only (ENABLE TRIGGER ALL?)"), ("R", "replica only"), ("D", "DISABLED")):
                if state in states:
                    click.echo(
                        f"  WARNING: {states[state][0]} capture trigger(s) {label} on {states[state][1]};"
                        " changes there depend on the replication slot until `indexer run` restores them"
                    )
            header = ("index", "root table", "backfill", "backfilled", "pending", "oldest", "dead letters")
            table = [header] + [tuple("" if v is None else str(v) for v in row) for row in rows]
            widths = [max(len(r[i]) for r in table) for i in range(len(header))]
            for row in table:
                click.echo("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def run_verify(settings: Settings, schema: DocumentSchema, *, index_name: str | None, repair: bool) -> int:
    from indexer.verify import verify_index

    names = [spec.index for spec in schema.indexes]
    if index_name is not None and index_name not in names:
        raise ConfigError(f"index {index_name!r} is not in {schema.file}", hint=f"indexes: {', '.join(names)}")
    engine = open_store(settings.search, exact_numbers=True)
    differences = 0
    try:
        for database in schema.databases():
            with db.connection(settings.dsn_for(database), application="indexer verify", autocommit=True) as conn:
                plan = load_running_plan(conn, settings, database)
                for index_plan in plan.indexes:
                    if index_name and index_plan.index.name != index_name:
                        continue
                    report = verify_index(conn, engine, index_plan, plan.state_schema, repair=repair)
                    differences += report.differences
                    click.echo(
                        f"{report.index}: {report.in_postgres} in Postgres, {report.in_index} in the index;"
                        f" missing {report.missing}, extra {report.extra}, stale {report.stale},"
                        f" in flight {report.in_flight}"
                        + (f", duplicate ids {report.duplicates}" if report.duplicates else "")
                        + (f"; enqueued {report.repaired} repairs" if repair else "")
                    )
                    for kind, ids in sorted(report.samples.items()):
                        click.echo(f"  {kind}: {', '.join(ids)}")
    finally:
        engine.close()
    return 1 if differences else 0


def run_dead_letters(
    settings: Settings, schema: DocumentSchema, *, index_name: str | None, requeue: bool, limit: int
) -> None:
    for database in schema.databases():
        with db.connection(settings.dsn_for(database), application="indexer dead-letters", autocommit=True) as conn:
            if read_installation(conn, settings.state_schema) is None:
                click.echo(f"{database}: not bootstrapped")
                continue
            store = StateStore(conn, settings.state_schema)
            if requeue:
                count = store.run("requeue_dead_letters", {"index": index_name})
                click.echo(f"{database}: requeued {count} document(s) into the outbox")
                continue
            rows = store.rows("list_dead_letters", {"index": index_name, "limit": limit})
            if not rows:
                click.echo(f"{database}: no dead letters")
            for dl_id, failed_at, index, doc_id, reason, message in rows:
                click.echo(f"{dl_id}  {failed_at:%Y-%m-%d %H:%M:%S}  {index}  {doc_id}  {reason}: {message}")
