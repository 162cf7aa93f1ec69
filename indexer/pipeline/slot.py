"""The slot reconciler: the logical replication slot as a completeness net.

Capture triggers cover ordinary writes (they are enabled ALWAYS, so
``session_replication_role = replica`` fires them too). What they cannot see
are writes with triggers disabled (``ALTER TABLE ... DISABLE TRIGGER``,
``pg_restore --disable-triggers``), rows applied by a logical replication
subscription (apply workers fire row triggers only, never statement triggers)
and rows written straight into a partition of a partitioned table. The slot
sees all of them.

Every capture function emits a transactional message ``<relid> <op> <rows>``
after its statement. A pass reads the slot (``pgoutput``, the publication of
tracked tables, messages on) up to the WAL flush position, without consuming
it, and per transaction compares, for each (table, operation), the rows changed
with the rows the messages vouch for. A row moved between partitions of a
partitioned table is one UPDATE to the trigger but a DELETE and an INSERT in
the WAL; the UPDATEs vouched for beyond those seen cover such pairs.

Transactions with unvouched changes are read a second time and their rows
turned into root keys with the same key queries the triggers use, over
``jsonb_populate_recordset`` of the decoded rows. Bootstrap sets REPLICA
IDENTITY FULL where a table's link columns are not in its key, so the old row
of an UPDATE or DELETE carries them. Where the rows cannot tell (a TRUNCATE, or
a table whose replica identity was left as it was), a verification of the index
is recorded in ``repairs`` instead.

One transaction writes the keys, the repairs owed and ``slot_state.enqueued_lsn``;
only then is the slot advanced. A pass that died in between re-reads the same
WAL but enqueues nothing it enqueued before. Repairs are run after the
advance, retried with backoff until they succeed, and survive restarts, so a
search outage delays them but never loses them and never holds WAL back.

If the slot is gone (dropped, or lost in a failover), a repair of every index
is recorded first, then the slot is recreated: changes in the gap are unknown.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
import psycopg2
import psycopg2.errors
import psycopg2.extensions
from psycopg2 import sql

from indexer import db, locks, logs
from indexer.errors import DatabaseUnavailable, IndexerError, PlanMismatch, SearchUnavailable
from indexer.faults import NO_FAULTS, Faults
from indexer.pipeline import pgoutput
from indexer.plan import Plan
from indexer.process import EXIT_RELOAD, Backoff, PlanChanged, first_line, stop_on_signals, watch_parent
from indexer.settings import Settings
from indexer.sqlgen.names import message_prefix
from indexer.sqlgen.triggers import enqueue_decoded, occurrences
from indexer.state import StateStore

OPS = {"I": "INSERT", "U": "UPDATE", "D": "DELETE"}
FETCH = 5000
PASS_SHARE = 3.0  # a pass waits at least this many times its own length before the next
MAX_DEFER = 5.0  # seconds a pass may wait for the workers' backlog to drain

Change = tuple[int, str]  # (relation oid, operation)


@dataclass(frozen=True)
class SlotConfig:
    database: str
    settings: Settings
    once: bool
    log_level: str = "info"
    log_format: str = "text"
    interval: float = 1.0
    plan: Plan | None = None  # the supervisor's plan, inherited through fork (no second reflection)


@dataclass
class PassResult:
    """What one pass read (``upto`` is the flush LSN it read to) and did."""

    upto: str
    transactions: int = 0
    changes: int = 0
    uncovered: int = 0  # rows changed without a capture, newly found by this pass
    enqueued: int = 0  # outbox rows written for them
    repairs: dict[str, str] = field(default_factory=dict)  # index -> why it must be verified
    by_table: Counter[str] = field(default_factory=Counter)  # "schema.table OP" -> uncovered rows
    advanced_to: str = ""


def _lsn_int(text: str) -> int:
    high, low = text.split("/")
    return (int(high, 16) << 32) | int(low, 16)


class Reconciler:
    """Reconciles one database's slot on ``conn`` (autocommit between passes)."""

    def __init__(self, conn: Any, plan: Plan) -> None:
        self.conn = conn
        self.plan = plan
        self.store = StateStore(conn, plan.state_schema)
        self.prefix = message_prefix(plan.state_schema)
        self.tables = plan.table_by_oid()
        indexes = [p.index for p in plan.indexes]
        self.occurrences = {oid: occurrences(indexes, table.key) for oid, table in self.tables.items()}

    def _one(self, name: str, params: dict[str, Any] | None = None) -> Any:
        return self.store.value(name, params)

    # -- the slot itself ---------------------------------------------------------

    def slot_exists(self) -> bool:
        return bool(self._one("slot_exists", {"slot": self.plan.slot_name}))

    def recreate_slot(self) -> None:
        """Record a repair of every index (committed), then create the slot.
        A crash in between leaves the repair owed and the slot missing, and the
        next pass comes here again."""
        with self.store.transaction():
            for index_plan in self.plan.indexes:
                reason = "the replication slot was recreated"
                self.store.run("request_repair", {"index": index_plan.index.name, "reason": reason})
            self.store.run("slot_recreated")
        self.store.run("drop_lost_slot", {"slot": self.plan.slot_name})
        self.store.run("create_slot", {"slot": self.plan.slot_name})

    @contextlib.contextmanager
    def _read(self) -> Iterator[None]:
        """A transaction (the peek's server-side cursor needs one), committed
        at the end of the block, rolled back on error."""
        self.conn.autocommit = False
        try:
            yield
            self.conn.commit()
        finally:
            if self.conn.status != psycopg2.extensions.STATUS_READY:
                self.conn.rollback()
            self.conn.autocommit = True

    def _peek(self, upto: str, *, summary: bool = False) -> Iterator[tuple[int, bytes]]:
        """(xid, message) pairs from the slot up to ``upto``, streamed through a
        server-side cursor (bounded memory). Call inside :meth:`_read`. With
        ``summary``, only the messages a pass counts, and of a row change only
        its kind and relation OID (see ``peek_slot_summary``)."""
        params = {
            "slot": self.plan.slot_name,
            "upto": upto,
            "publication": sql.Identifier(self.plan.publication).as_string(self.conn),
        }
        query = "peek_slot_summary" if summary else "peek_slot"
        for xid, data in self.store.stream(query, params, cursor="indexer_slot_peek", size=FETCH):
            yield xid, bytes(data)

    # -- a pass ------------------------------------------------------------------

    def pass_once(self) -> PassResult:
        """Read the slot up to the flush position; enqueue the keys of uncovered
        changes and record the repairs owed, in one transaction. The slot is
        not advanced here (see :meth:`advance`)."""
        # Decoding reads only flushed WAL, so the pass ends at the flush position
        # read now: every transaction whose commit starts before it is decoded
        # below, and the slot is never advanced past one that was not (with
        # asynchronous commits the write position runs ahead of the flush).
        upto = str(self._one("flush_lsn"))
        result = PassResult(upto=upto)
        already = _lsn_int(str(self._one("enqueued_lsn")))
        uncovered: dict[int, dict[Change, int]] = {}
        last_end: int | None = None
        changed: Counter[Change] = Counter()
        vouched: Counter[Change] = Counter()
        with self._read():
            for xid, data in self._peek(upto, summary=True):
                kind = chr(data[0])
                if kind in OPS:
                    rel = pgoutput.relid(data)
                    if rel not in self.tables:
                        # Published but not in this plan: bootstrap has installed a new one.
                        raise PlanChanged
                    changed[(rel, OPS[kind])] += 1
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
                        if rel not in self.tables:
                            raise PlanChanged
                        changed[(rel, "TRUNCATE")] += 1
                        result.changes += 1
                elif kind == "C":
                    end = pgoutput.commit_end_lsn(data)
                    # the usual case, every change vouched for exactly, needs no per-table check
                    missing = {} if changed == vouched else self._unvouched(changed, vouched)
                    if missing and end > already:
                        uncovered[xid] = missing
                        for (rel, op), count in missing.items():
                            result.uncovered += count
                            table = self.tables.get(rel)
                            result.by_table[f"{table.display if table else rel} {op}"] += count
                    result.transactions += 1
                    last_end = end
                    changed.clear()
                    vouched.clear()
        target = _lsn_int(upto)
        if last_end is not None and last_end > target:
            target = last_end
        result.advanced_to = pgoutput.lsn_text(target)
        if uncovered:
            self._repair(uncovered, result)
        return result

    def _unvouched(self, changed: Counter[Change], vouched: Counter[Change]) -> dict[Change, int]:
        """Rows changed beyond those the capture messages vouch for, per (table, op)."""
        missing: dict[Change, int] = {}
        for rel in {rel for rel, _ in changed}:
            covered = {op: vouched[(rel, op)] for op in (*OPS.values(), "TRUNCATE")}
            table = self.tables.get(rel)
            if table is not None and table.kind == "p":
                # A row moved between partitions: vouched as an UPDATE, seen as DELETE + INSERT.
                moved = max(0, covered["UPDATE"] - changed[(rel, "UPDATE")])
                covered["DELETE"] += moved
                covered["INSERT"] += moved
            for op, count in covered.items():
                if changed[(rel, op)] > count:
                    missing[(rel, op)] = changed[(rel, op)] - count
        return missing

    def advance(self, result: PassResult) -> None:
        """Move the slot past what ``result`` read, and record it. Called only
        after :meth:`pass_once` committed what it found, so a crash before this
        re-reads the same WAL (and enqueues nothing twice)."""
        self.store.run("advance_slot", {"slot": self.plan.slot_name, "lsn": result.advanced_to})
        self.store.run("slot_reconciled", {"lsn": result.advanced_to})

    # -- turning uncovered changes into root keys ----------------------------------

    def _repair(self, uncovered: dict[int, dict[Change, int]], result: PassResult) -> None:
        """Second read of the WAL: the rows of the uncovered changes, as keys."""
        relations: dict[int, pgoutput.Relation] = {}
        batches: dict[Change, list[dict[str, object]]] = defaultdict(list)
        with self._read():
            for xid, data in self._peek(result.upto):
                kind = chr(data[0])
                if kind == "R":
                    relation = pgoutput.parse_relation(data)
                    relations[relation.relid] = relation
                    continue
                wanted = uncovered.get(xid)
                if not wanted:
                    continue
                if kind in OPS:
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
                            reason = f"TRUNCATE of {self.tables[rel].display} bypassed the capture triggers"
                            for occ in self.occurrences[rel]:
                                result.repairs.setdefault(occ.index.name, reason)
            self._flush(batches, result)
            for index, reason in sorted(result.repairs.items()):
                self.store.run("request_repair", {"index": index, "reason": reason})
            self.store.run("record_slot_pass", {"lsn": result.advanced_to, "uncovered": result.uncovered})

    def _collect(
        self,
        change: pgoutput.Change,
        relation: pgoutput.Relation,
        batches: dict[Change, list[dict[str, object]]],
        result: PassResult,
    ) -> None:
        """Queue the decoded row versions of ``change`` for key lookup. Where
        the versions lack a link column (an UPDATE or DELETE whose old row holds
        only the replica identity key, or an unchanged TOASTed value with no
        full old row to take it from), record a repair of the index instead."""
        identity = set(relation.key_columns)
        table = self.tables[change.relid].display
        new = change.new
        if new is not None and change.old is not None and change.old_is_full:
            # An unchanged TOASTed value is not sent in the new row; the full old row has it.
            new = {k: change.old.get(k) if v is pgoutput.UNCHANGED else v for k, v in new.items()}
        for occ in self.occurrences[change.relid]:
            need = set(occ.link_columns())
            if new is not None and any(new.get(c, pgoutput.UNCHANGED) is pgoutput.UNCHANGED for c in need):
                result.repairs.setdefault(occ.index.name, f"an unchanged TOASTed link column of {table}")
            if change.op in ("U", "D") and not change.old_is_full and not need <= identity:
                result.repairs.setdefault(
                    occ.index.name, f"the WAL lacks old link columns of {table} (its REPLICA IDENTITY is not FULL)"
                )
        for version in (new, change.old):
            if version is not None:
                clean = {k: v for k, v in version.items() if v is not pgoutput.UNCHANGED}
                batches[(change.relid, OPS[change.op])].append(clean)

    def _flush(self, batches: dict[Change, list[dict[str, object]]], result: PassResult) -> None:
        for (rel, op), rows in batches.items():
            if not rows:
                continue
            table = self.tables[rel]
            payload = orjson.dumps(rows).decode()
            for occ in self.occurrences[rel]:
                statement = enqueue_decoded(self.plan.state_schema, table, occ, op)
                result.enqueued += self.store.run(statement, {"rows": payload})
        batches.clear()


class SlotProcess:
    """The reconciler's process loop: connect, hold the slot's advisory lock,
    then pass, advance and run owed repairs every ``interval`` seconds."""

    def __init__(self, config: SlotConfig, stop: threading.Event, faults: Faults = NO_FAULTS) -> None:
        self.config = config
        self.stop = stop
        self.faults = faults
        self.log = logs.get("slot")
        self.plan: Plan | None = None
        self.reported_disabled: set[str] = set()

    def run(self) -> int:
        from indexer.runtime import handed_or_loaded_plan

        settings = self.config.settings
        dsn = settings.dsn_for(self.config.database)
        backoff = Backoff(self.stop)
        while not self.stop.is_set():
            conn = None
            try:
                conn = db.connect(dsn, application="indexer slot", autocommit=True)
                if self.plan is None:
                    self.plan = handed_or_loaded_plan(conn, settings, self.config.database, self.config.plan)
                holder = StateStore(conn, self.plan.state_schema).try_lock(
                    locks.advisory_key(self.plan.state_schema, "slot")
                )
                if not holder:
                    # Another host reconciles this slot; check again later.
                    if self.config.once:
                        break
                    self.stop.wait(5.0)
                    continue
                reconciler = Reconciler(conn, self.plan)
                while not self.stop.is_set():
                    started = time.monotonic()
                    self.cycle(conn, reconciler)
                    backoff.reset()  # only a whole cycle that worked starts the backoff afresh
                    self.pause(reconciler.store, time.monotonic() - started)
            except PlanChanged:
                self.log.info("plan_changed", action="restarting with the new plan")
                return EXIT_RELOAD
            except PlanMismatch as exc:
                # schema.json was edited and bootstrap has not run yet: wait for it
                self.log.warning("waiting_for_bootstrap", error=first_line(exc), retry_in_s=backoff.delay)
                backoff.wait()
            except (psycopg2.OperationalError, psycopg2.InterfaceError, IndexerError) as exc:
                if isinstance(exc, IndexerError) and not isinstance(exc, SearchUnavailable) and exc.exit_code == 3:
                    self.log.error("slot_failed", error=str(exc))
                    return 3
                self.log.warning("slot_unavailable", error=first_line(exc), retry_in_s=backoff.delay)
                backoff.wait()
            finally:
                if conn is not None:
                    with contextlib.suppress(psycopg2.Error):
                        conn.close()
        return 0

    def pause(self, store: StateStore, last_cycle: float) -> None:
        """Wait before the next pass: ``interval`` seconds, at least
        ``PASS_SHARE`` times the last cycle's length, and while the workers have
        a backlog or a backfill is running, up to ``MAX_DEFER`` seconds more
        (the backfill itself writes no tracked table; in a
        100k-document backfill under ``--once`` the passes took ~3 % of
        Postgres's CPU).

        A pass decodes the WAL from the slot's ``restart_lsn``, which Postgres
        moves only at its running-transactions records (every 15 s or so), so
        each pass decodes again what the previous ones did: spacing passes by
        their own length keeps that work to a fraction of a core. And the
        reconciler is a safety net, not on the path of a change: during a burst
        the workers, which make changes visible, have the cores first."""
        self.stop.wait(max(self.config.interval, PASS_SHARE * last_cycle))
        deferred = 0.0
        while not self.stop.is_set() and deferred < MAX_DEFER and store.flag("workers_busy"):
            self.stop.wait(0.1)
            deferred += 0.1

    def cycle(self, conn: Any, reconciler: Reconciler) -> None:
        """One round: the plan is still the installed one, capture triggers
        fire ALWAYS, a pass over the slot, the advance, owed repairs."""
        plan = reconciler.plan
        if str(reconciler._one("installed_fingerprint")) != plan.fingerprint:
            raise PlanChanged
        self.keep_triggers_always(conn, plan)
        if not reconciler.slot_exists():
            self.log.warning("slot_missing_recreated", slot=plan.slot_name, action="verifying every index")
            reconciler.recreate_slot()
        result = reconciler.pass_once()
        if result.uncovered:
            self.log.warning(
                "slot_uncovered_changes",
                changes=result.uncovered,
                enqueued=result.enqueued,
                tables=",".join(f"{k}={v}" for k, v in sorted(result.by_table.items())),
                repairs=sorted(result.repairs),
            )
        self.faults.hit("slot_before_advance")
        reconciler.advance(result)
        self.run_repairs(conn, plan)

    def keep_triggers_always(self, conn: Any, plan: Plan) -> None:
        """Put capture triggers switched to origin-only back to ALWAYS (the
        event trigger does it at once where bootstrap could install one), and
        warn once about triggers someone disabled."""
        rows = StateStore(conn, plan.state_schema).rows("restore_capture_triggers")
        disabled = set()
        for table, trigger, was, action in rows:
            if action == "enabled always":
                self.log.warning(
                    "capture_trigger_reenabled",
                    table=table,
                    trigger=trigger,
                    was=was,
                    hint="ALTER TABLE ... ENABLE TRIGGER ALL makes it fire for ordinary sessions only",
                )
            else:
                disabled.add(f"{table}.{trigger}")
        for name in sorted(disabled - self.reported_disabled):
            self.log.warning("capture_trigger_disabled", trigger=name, action="the slot covers its changes meanwhile")
        self.reported_disabled = disabled

    def run_repairs(self, conn: Any, plan: Plan) -> None:
        """Verify and repair each index owed a repair whose backoff has passed.
        A failure (the search server down, say) is recorded and retried later."""
        from indexer.search.connect import open_store
        from indexer.verify import verify_index

        store = StateStore(conn, plan.state_schema)
        due = store.rows("due_repairs")
        for index, reason, attempts, started in due:
            if self.stop.is_set():
                return
            try:
                engine = open_store(self.config.settings.search, exact_numbers=True)
                try:
                    report = verify_index(conn, engine, plan.index(index), plan.state_schema, repair=True)
                finally:
                    engine.close()
            except (SearchUnavailable, DatabaseUnavailable) as exc:
                store.run("repair_failed", {"index": index, "error": first_line(exc)})
                self.log.warning("slot_repair_failed", index=index, reason=reason, attempt=attempts + 1,
                                 error=first_line(exc))  # fmt: skip
                continue
            store.run("repair_done", {"index": index, "started": started})
            self.log.info("slot_repair_verify", index=index, reason=reason, **report.counts())


def slot_main(config: SlotConfig, stats: Any) -> None:
    """Entry point of the slot reconciler process."""
    import os

    logs.configure(config.log_level, config.log_format, process="slot", database=config.database)
    log = logs.get("slot")
    stop = stop_on_signals()
    watch_parent(stop, log)
    # The reconciler is a safety net, not on the path of a change: under load the
    # workers (latency) go first, and the reconciler reads the WAL later.
    with contextlib.suppress(OSError):
        os.nice(5)
    try:
        code = SlotProcess(config, stop, Faults.from_env(os.environ)).run()
    except psycopg2.errors.InsufficientPrivilege as exc:
        log.error("slot_failed", error=db.translate(exc).message)
        code = 3
    except Exception:
        log.exception("slot_crashed")
        code = 1
    sys.exit(code)
