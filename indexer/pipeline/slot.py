"""The slot reconciler: the logical replication slot as a completeness net.

Capture triggers cover ordinary writes (they are enabled ALWAYS, so
``session_replication_role = replica`` fires them too). What they cannot see
are writes with triggers disabled (``ALTER TABLE ... DISABLE TRIGGER``,
``pg_restore --disable-triggers``), rows applied by a logical replication
subscription (apply workers fire row triggers only, never statement triggers)
and rows written straight into a partition of a partitioned root. The slot sees
all of them.

Every capture function emits a transactional message ``<relid> <op> <rows>``
after its statement. A pass reads the slot (``pgoutput``, the publication of
tracked tables, messages on) up to the WAL flush position without consuming
it, and per transaction compares, for each (table, operation), the rows changed
with the rows the messages vouch for. Transactions with unvouched changes are
read a second time and their rows turned into root keys with the same key
queries the triggers use, over ``jsonb_populate_recordset`` of the decoded rows.
When a change lacks the columns to find its roots (an UPDATE or DELETE whose old
row only carries the replica identity key), the affected index is verified and
repaired instead. Only then is the slot advanced to the end of the last
transaction read, so WAL is retained only as long as it is unreconciled.

If the slot is gone (dropped, or lost in a failover), it is recreated and every
index is verified and repaired, since changes in the gap are unknown.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
import psycopg2
import psycopg2.errors
import psycopg2.extensions
from psycopg2 import sql

from indexer import db, logs
from indexer.errors import IndexerError, SearchUnavailable
from indexer.pipeline import pgoutput
from indexer.pipeline.worker import Backoff, watch_parent
from indexer.plan import Plan
from indexer.schema.catalog import Table
from indexer.settings import Settings
from indexer.sqlgen.names import message_prefix, qualified
from indexer.sqlgen.triggers import Occurrence, key_query, occurrences

OPS = {"I": "INSERT", "U": "UPDATE", "D": "DELETE"}
FETCH = 5000


@dataclass(frozen=True)
class SlotConfig:
    database: str
    settings: Settings
    once: bool
    log_level: str = "info"
    log_format: str = "text"
    interval: float = 1.0


@dataclass
class PassResult:
    transactions: int = 0
    changes: int = 0
    uncovered: int = 0
    enqueued: int = 0
    verify: set[str] = field(default_factory=set)  # indexes to verify and repair
    advanced_to: str | None = None


class Reconciler:
    """Reconciles one database's slot; ``conn`` is autocommit."""

    def __init__(self, conn: Any, plan: Plan) -> None:
        self.conn = conn
        self.plan = plan
        self.prefix = message_prefix(plan.state_schema)
        self.tables = plan.table_by_oid()
        indexes = [p.index for p in plan.indexes]
        self.occurrences = {oid: occurrences(indexes, table.key) for oid, table in self.tables.items()}
        self.log = logs.get("slot")

    # -- reading the slot ----------------------------------------------------

    def _changes(self, upto: str) -> Iterator[tuple[int, bytes]]:
        """(xid, message) pairs from the slot up to ``upto``, not consumed,
        streamed through a server-side cursor (bounded memory)."""
        self.conn.autocommit = False
        try:
            with self.conn.cursor(name="indexer_slot_peek") as named:
                named.itersize = FETCH
                named.execute(
                    "SELECT xid::text::bigint, data FROM pg_catalog.pg_logical_slot_peek_binary_changes("
                    "%s, %s::pg_lsn, NULL, 'proto_version', '1', 'publication_names', %s, 'messages', 'true')",
                    # pgoutput parses publication_names as identifiers: quote it.
                    (self.plan.slot_name, upto, sql.Identifier(self.plan.publication).as_string(self.conn)),
                )
                for xid, data in named:
                    yield xid, bytes(data)
            self.conn.commit()
        finally:
            if self.conn.status != psycopg2.extensions.STATUS_READY:
                self.conn.rollback()
            self.conn.autocommit = True

    def slot_exists(self) -> bool:
        with self.conn.cursor() as cur:
            cur.execute(
                "SELECT EXISTS (SELECT FROM pg_catalog.pg_replication_slots WHERE slot_name = %s)",
                (self.plan.slot_name,),
            )
            return bool(cur.fetchone()[0])

    def recreate_slot(self) -> None:
        with self.conn.cursor() as cur:
            cur.execute("SELECT pg_catalog.pg_create_logical_replication_slot(%s, 'pgoutput')", (self.plan.slot_name,))
            cur.execute(
                sql.SQL("UPDATE {}.slot_state SET recreated_at = now()").format(sql.Identifier(self.plan.state_schema))
            )

    def pass_once(self) -> PassResult:
        """One reconciliation pass; see the module docstring."""
        result = PassResult()
        # Decoding reads only flushed WAL, so the pass ends at the flush position
        # read now: every transaction committing before it is decoded below, and
        # the slot is never advanced past one that was not (the write position
        # can be ahead of the flush with asynchronous commits).
        with self.conn.cursor() as cur:
            cur.execute("SELECT pg_catalog.pg_current_wal_flush_lsn()::text")
            (upto,) = cur.fetchone()
        uncovered: dict[int, set[tuple[int, str]]] = {}
        last_end: int | None = None
        changed: dict[tuple[int, str], int] = defaultdict(int)
        vouched: dict[tuple[int, str], int] = defaultdict(int)
        for xid, data in self._changes(upto):
            kind = chr(data[0])
            if kind in ("I", "U", "D"):
                changed[(pgoutput.relid(data), OPS[kind])] += 1
                result.changes += 1
            elif kind == "M":
                transactional, prefix, content = pgoutput.parse_message(data)
                if transactional and prefix == self.prefix:
                    parts = content.decode().split(" ")
                    if len(parts) == 3:
                        rel, op, rows = int(parts[0]), parts[1], int(parts[2])
                        vouched[(rel, op)] += 1 if op == "TRUNCATE" else rows
            elif kind == "T":
                for rel in pgoutput.truncated_relids(data):
                    changed[(rel, "TRUNCATE")] += 1
                    result.changes += 1
            elif kind == "C":
                missing = {key for key, count in changed.items() if count > vouched.get(key, 0)}
                if missing:
                    uncovered[xid] = missing
                    result.uncovered += sum(changed[key] - vouched.get(key, 0) for key in missing)
                result.transactions += 1
                last_end = pgoutput.commit_end_lsn(data)
                changed.clear()
                vouched.clear()
        if uncovered:
            self._repair(upto, uncovered, result)
        # Every transaction whose commit starts before `upto` (flushed when the
        # pass began) has been read (pgoutput skips those without published
        # changes), so the slot may move there.
        target = upto
        if last_end is not None and last_end > _lsn_int(upto):
            target = pgoutput.lsn_text(last_end)
        result.advanced_to = target
        return result

    def commit(self, result: PassResult) -> None:
        """Advance the slot past what ``result`` read and record it. Called only
        once everything the pass found is in the outbox (verifies included), so
        a crash before this re-reads the same WAL next time."""
        with self.conn.cursor() as cur:
            cur.execute(
                "SELECT pg_catalog.pg_replication_slot_advance(%s, %s::pg_lsn)",
                (self.plan.slot_name, result.advanced_to),
            )
            cur.execute(
                sql.SQL(
                    "UPDATE {}.slot_state SET reconciled_lsn = %s::pg_lsn, reconciled_at = now(),"
                    " uncovered_changes = uncovered_changes + %s"
                ).format(sql.Identifier(self.plan.state_schema)),
                (result.advanced_to, result.uncovered),
            )

    # -- turning uncovered changes into root keys ------------------------------

    def _repair(self, upto: str, uncovered: dict[int, set[tuple[int, str]]], result: PassResult) -> None:
        relations: dict[int, pgoutput.Relation] = {}
        batches: dict[tuple[int, str], list[dict[str, object]]] = defaultdict(list)
        for xid, data in self._changes(upto):
            kind = chr(data[0])
            if kind == "R":
                relation = pgoutput.parse_relation(data)
                relations[relation.relid] = relation
                continue
            wanted = uncovered.get(xid)
            if not wanted:
                continue
            if kind in ("I", "U", "D"):
                rel = pgoutput.relid(data)
                if (rel, OPS[kind]) not in wanted or rel not in relations or rel not in self.tables:
                    continue
                change = pgoutput.parse_change(data, relations[rel])
                self._collect(change, relations[rel], batches, result)
                if sum(len(rows) for rows in batches.values()) >= FETCH:
                    self._flush(batches, result)
            elif kind == "T":
                for rel in pgoutput.truncated_relids(data):
                    if (rel, "TRUNCATE") in wanted and rel in self.tables:
                        # The rows are gone; only a comparison can tell which documents to drop.
                        result.verify.update(o.index.name for o in self.occurrences[rel])
        self._flush(batches, result)

    def _collect(
        self,
        change: pgoutput.Change,
        relation: pgoutput.Relation,
        batches: dict[tuple[int, str], list[dict[str, object]]],
        result: PassResult,
    ) -> None:
        """Queue the decoded row versions of ``change`` for key lookup, and mark
        indexes for verification where the versions lack the link columns: an
        unchanged TOASTed value, or an UPDATE/DELETE whose old row carries only
        the replica identity key (not REPLICA IDENTITY FULL)."""
        identity = set(relation.key_columns)
        for occ in self.occurrences[change.relid]:
            need = set(occ.link_columns())
            new = change.new
            if new is not None and any(new.get(c, pgoutput.UNCHANGED) is pgoutput.UNCHANGED for c in need):
                result.verify.add(occ.index.name)
            if change.op in ("U", "D") and not change.old_is_full and not need <= identity:
                result.verify.add(occ.index.name)
        for version in (change.new, change.old):
            if version is not None:
                clean = {k: v for k, v in version.items() if v is not pgoutput.UNCHANGED}
                batches[(change.relid, OPS[change.op])].append(clean)

    def _flush(self, batches: dict[tuple[int, str], list[dict[str, object]]], result: PassResult) -> None:
        for (rel, op), rows in batches.items():
            if not rows:
                continue
            table = self.tables[rel]
            payload = orjson.dumps(rows).decode()
            for occ in self.occurrences[rel]:
                result.enqueued += self._enqueue(table, occ, op, payload)
        batches.clear()

    def _enqueue(self, table: Table, occ: Occurrence, op: str, payload: str) -> int:
        source = sql.SQL("jsonb_populate_recordset(NULL::{}, %(rows)s::jsonb)").format(qualified(table))
        statement = sql.SQL(
            "INSERT INTO {outbox} (index_name, root_key, op, source_table)"
            " SELECT {index}, q.root_key, {op}, {source} FROM ({keys}) AS q"
        ).format(
            outbox=sql.Identifier(self.plan.state_schema, "outbox"),
            index=sql.Literal(occ.index.name),
            op=sql.Literal(f"slot:{op.lower()}"),
            source=sql.Literal(table.display),
            keys=key_query(occ, source),
        )
        with self.conn.cursor() as cur:
            cur.execute(statement, {"rows": payload})
            return int(cur.rowcount)


def _lsn_int(text: str) -> int:
    high, low = text.split("/")
    return (int(high, 16) << 32) | int(low, 16)


def slot_main(config: SlotConfig, stats: Any) -> None:
    """Entry point of the slot reconciler process."""
    logs.configure(config.log_level, config.log_format, process="slot", database=config.database)
    try:
        code = _slot_loop(config)
    except psycopg2.errors.InsufficientPrivilege as exc:
        from indexer.pipeline.worker import privilege_message

        logs.get("slot").error("slot_failed", error=privilege_message(exc))
        code = 3
    except Exception:  # noqa: BLE001 - logged with its traceback, then the supervisor restarts us
        logs.get("slot").exception("slot_crashed")
        code = 1
    sys.exit(code)


def _slot_loop(config: SlotConfig) -> int:
    from indexer.runtime import load_running_plan
    from indexer.search.engine import open_engine
    from indexer.verify import verify_index

    log = logs.get("slot")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch_parent(stop, log)
    settings = config.settings
    dsn = settings.dsn_for(config.database)
    backoff = Backoff(stop)
    plan: Plan | None = None
    code = 0
    while not stop.is_set():
        conn = None
        try:
            conn = db.connect(dsn, application="indexer slot", autocommit=True)
            if plan is None:
                plan = load_running_plan(conn, settings, config.database)
            lock = db.advisory_key(plan.state_schema, "slot")
            with conn.cursor() as cur:
                cur.execute("SELECT pg_catalog.pg_try_advisory_lock(%s)", (lock,))
                holder = bool(cur.fetchone()[0])
            if not holder:
                # Another host reconciles this slot; check again later.
                if config.once:
                    break
                stop.wait(5.0)
                continue
            reconciler = Reconciler(conn, plan)
            backoff.reset()
            while not stop.is_set():
                verify: set[str] = set()
                if not reconciler.slot_exists():
                    log.warning("slot_missing_recreated", slot=plan.slot_name, action="verifying every index")
                    reconciler.recreate_slot()
                    verify = {p.index.name for p in plan.indexes}
                result = reconciler.pass_once()
                verify |= result.verify
                if result.uncovered:
                    log.warning(
                        "slot_uncovered_changes",
                        changes=result.uncovered,
                        enqueued=result.enqueued,
                        verify=sorted(result.verify),
                    )
                for name in sorted(verify):
                    engine = open_engine(settings.search, exact_numbers=True)
                    try:
                        report = verify_index(conn, engine, plan.index(name), plan.state_schema, repair=True)
                        log.info("slot_repair_verify", index=name, **report.counts())
                    finally:
                        engine.close()
                reconciler.commit(result)
                stop.wait(config.interval)
        except (psycopg2.OperationalError, psycopg2.InterfaceError, IndexerError) as exc:
            if isinstance(exc, IndexerError) and not isinstance(exc, SearchUnavailable) and exc.exit_code == 3:
                log.error("slot_failed", error=str(exc))
                code = 3
                break
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            log.warning("slot_unavailable", error=message, retry_in_s=backoff.delay)
            backoff.wait()
        finally:
            if conn is not None:
                with contextlib.suppress(psycopg2.Error):
                    conn.close()
    return code
