"""A worker process: backfill chunks, then drain its outbox partitions.

The worker keeps one Postgres session. On it, it holds its partition locks and
builds every document, so a worker that lost its session can build nothing for
the partitions it lost. When Postgres or the search server goes away the worker
logs one event per attempt and retries with capped exponential backoff; the
batch in flight is simply redone later. SIGTERM lets the batch in flight finish
(or abandons a retry wait) and exits 0.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg2
import psycopg2.errors

from indexer import db, logs
from indexer.errors import DatabaseUnavailable, IndexerError, PlanMismatch, SearchRejected, SearchUnavailable
from indexer.faults import NO_FAULTS, Faults
from indexer.pipeline.backfill import PAGE_BYTES, Backfiller
from indexer.pipeline.drain import BatchSizer, InFlight, drain_batch
from indexer.pipeline.ownership import Ownership
from indexer.pipeline.vacuum import OutboxVacuum
from indexer.plan import IndexPlan, Plan
from indexer.process import EXIT_RELOAD, Backoff, PlanChanged, first_line, stop_on_signals, watch_parent
from indexer.search.connect import open_store
from indexer.search.store import DocumentStore
from indexer.search.wrappers import MeteredStore, RetryingStore
from indexer.search.writer import DocumentWriter, Stopped, TargetMissing
from indexer.settings import Settings
from indexer.state import StateStore
from indexer.targets import IndexState, Targets, write_alias

EXIT_OK = 0
EXIT_FATAL = 3


# A slow engine's batches grow to at most this many times --batch-size rows,
# and about this many bytes of bulk request (see BatchSizer), so that a worker's
# memory stays bounded whatever the engine's pace.
MAX_BATCH_GROWTH = 16
MAX_BATCH_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class WorkerConfig:
    number: int
    database: str
    settings: Settings
    once: bool
    log_level: str = "info"
    log_format: str = "text"
    plan: Plan | None = None  # the supervisor's plan, inherited through fork (no second reflection)
    once_upto: str | None = None  # --once: the LSN the slot must be read past (see durable_now)


def durable_now(store: StateStore) -> str:
    """The WAL position (text LSN) just after a commit made durable now, for
    ``--once`` to wait until the slot reconciler has read past it. A
    transaction committed with synchronous_commit = off is visible before the
    WAL writer writes its commit, and logical decoding reads only flushed WAL,
    so the write position alone can stop short of such a commit, and a run
    waiting only for it could end before a pass can see the transaction.
    Ends the connection's open transaction, if any, and leaves it in autocommit
    (the flush needs the statement to be its own transaction)."""
    if not store.conn.autocommit:
        store.conn.commit()
        store.conn.autocommit = True
    store.run("make_visible_commits_durable")
    return str(store.value("current_wal_lsn"))


class Worker:
    def __init__(
        self,
        config: WorkerConfig,
        stop: threading.Event,
        report: Callable[..., None],
        plan_loader: Callable[[Any], Plan],
        faults: Faults = NO_FAULTS,
    ) -> None:
        self.config = config
        self.settings = config.settings
        self.stop = stop
        self.report = report
        self.once_upto = config.once_upto  # --once: the LSN the slot must be read past
        self.plan_loader = plan_loader
        self.faults = faults
        self.log = logs.get("worker")
        self.plan: Plan | None = None

    def _store(self) -> DocumentStore:
        """The search engine, with bulk requests metered and retried through outages."""
        backoff = Backoff(self.stop)
        while True:
            try:
                store = open_store(self.settings.search)
                metered = MeteredStore(store, lambda **fields: self.report(phase="request", **fields))
                return RetryingStore(metered, stop=self.stop)
            except SearchUnavailable as exc:
                if self.stop.is_set():
                    raise Stopped from None
                self.log.warning("search_unavailable", error=str(exc), retry_in_s=backoff.delay)
                backoff.wait()

    def run(self) -> int:
        try:
            store = self._store()
        except Stopped:
            return EXIT_OK
        writer = DocumentWriter(
            store,
            stop=self.stop,
            max_bytes=self.settings.max_bulk_bytes,
            target_seconds=self.settings.search.timeout / 3,  # well inside the request timeout
        )
        backoff = Backoff(self.stop)
        try:
            while not self.stop.is_set():
                try:
                    if self._session(writer, backoff):
                        return EXIT_OK
                except PlanChanged:
                    self.log.info("plan_changed", action="restarting with the new plan")
                    return EXIT_RELOAD
                except (DatabaseUnavailable, psycopg2.OperationalError, psycopg2.InterfaceError) as exc:
                    self.log.warning("database_unavailable", error=first_line(exc), retry_in_s=backoff.delay)
                    backoff.wait()
                except PlanMismatch as exc:
                    # schema.json was edited and bootstrap has not run yet: wait for it
                    self.log.warning("waiting_for_bootstrap", error=first_line(exc), retry_in_s=backoff.delay)
                    backoff.wait()
        except Stopped:
            pass
        finally:
            store.close()
        return EXIT_OK

    def _session(self, writer: DocumentWriter, backoff: Backoff) -> bool:
        """One Postgres session; returns True when ``--once`` work is complete."""
        dsn = self.settings.dsn_for(self.config.database)
        conn = db.connect(dsn, application=f"indexer worker {self.config.number}", autocommit=True)
        try:
            if self.plan is None:
                self.plan = self.plan_loader(conn)
            plan = self.plan
            store = StateStore(conn, plan.state_schema)
            ownership = Ownership(
                store,
                plan.partitions,
                preference=self.config.number * plan.partitions // max(1, self.settings.workers),
            )
            ownership.join()
            store.run("raise_version_floor")
            backfiller = Backfiller(
                store,
                writer,
                page_size=self.settings.backfill_page_size,
                workers=self.settings.workers,
                page_bytes=min(PAGE_BYTES, self.settings.max_bulk_bytes),
                report=self.report,
                should_stop=self.stop.is_set,
                faults=self.faults,
            )
            targets = Targets(store, writer.store, grace=self.settings.retire_after)
            backoff.reset()
            self.log.info("worker_connected", partitions=plan.partitions)
            return self._loop(store, plan, ownership, backfiller, writer, targets)
        finally:
            with contextlib.suppress(psycopg2.Error):
                conn.close()

    def _loop(
        self,
        store: StateStore,
        plan: Plan,
        ownership: Ownership,
        backfiller: Backfiller,
        writer: DocumentWriter,
        targets: Targets,
    ) -> bool:
        last_rebalance = 0.0
        # Every second at rest; 0.1 s after a rebalance that moved partitions, because
        # a handover is then under way (another worker is releasing what this one
        # should take) and a partition nobody holds is a partition nobody drains.
        rebalance_interval = 1.0
        rotation = 0
        in_flight = InFlight(store, self.settings.concurrent_wait)
        base = self.settings.batch_size
        batch_bytes = min(MAX_BATCH_BYTES, self.settings.max_bulk_bytes)
        sizer = BatchSizer(base, max_rows=base * MAX_BATCH_GROWTH, max_bytes=batch_bytes)
        vacuum = OutboxVacuum(store, workers=self.settings.workers)
        plans = {p.index.name: p for p in plan.indexes}
        last_plan_check = time.monotonic()
        while not self.stop.is_set():
            now = time.monotonic()
            if now - last_plan_check >= 1.0:
                last_plan_check = now
                row = store.row("installed_fingerprint")
                if row is None or row[0] != plan.fingerprint:
                    raise PlanChanged
            self.faults.hit("worker_after_plan_check")
            if now - last_rebalance >= rebalance_interval:
                taken, released = ownership.rebalance()
                if taken or released:
                    self.log.info("partitions_rebalanced", taken=taken, released=released, owned=len(ownership.owned))
                rebalance_interval = 0.1 if taken or released else 1.0
                last_rebalance = now
            states = targets.states()
            self._maintain(plan, states, backfiller, targets)
            owned = sorted(ownership.owned)
            if owned:
                rotation = (rotation + 1) % len(owned)
                owned = owned[rotation:] + owned[:rotation]
            try:
                result = drain_batch(
                    store,
                    plans,
                    owned,
                    writer,
                    limit=sizer.limit,
                    report=self.report,
                    in_flight=in_flight,
                    faults=self.faults,
                )
            except TargetMissing as exc:
                self._recover(targets, plans[exc.target], "a bulk request")
                continue
            limit = sizer.limit
            vacuum.after_batch(result.rows, full=result.rows >= limit)
            if sizer.after(result, result.write_seconds) > max(limit, base):
                self.log.info("batch_grown", rows=sizer.limit, write_seconds=round(result.write_seconds, 2))
            elif sizer.limit < min(limit, base):  # large documents: a batch holds about max_bytes of them
                self.log.info("batch_capped", rows=sizer.limit, document_bytes=round(result.row_bytes))
            if result.rows:
                continue
            settled = all(s.building_physical is None for s in states.values())
            if self.config.once and settled and self._outbox_empty(store, list(plans)):
                return True
            self.stop.wait(self.settings.poll_interval)
        return False

    def _maintain(self, plan: Plan, states: dict[str, IndexState], backfiller: Backfiller, targets: Targets) -> None:
        """Backfill the versions being built, swap in those that caught up and
        delete retired ones whose grace period is over."""
        for index_plan in plan.indexes:
            state = states.get(index_plan.index.name)
            if state is None:
                continue
            if state.shape is not None and state.shape != index_plan.shape:
                # bootstrap installed another document shape since this plan was
                # loaded: building or swapping with it would put old documents in
                # the new version
                raise PlanChanged
            try:
                if state.building_physical and state.backfill_state != "done":
                    backfiller.work(index_plan, write_alias(state.building_physical))
                elif state.building_ready:
                    targets.maybe_swap(index_plan)
                if state.retired_physical and state.retire_due:
                    targets.retire_due(index_plan.index.name)
            except TargetMissing:
                self._recover(targets, index_plan, "a backfill page")
            except SearchRejected:
                raise
            except SearchUnavailable as exc:
                self.log.warning("search_unavailable", error=first_line(exc), index=index_plan.index.name)

    def _recover(self, targets: Targets, index_plan: IndexPlan, cause: str) -> None:
        try:
            targets.recover(index_plan, cause)
        except SearchUnavailable as exc:
            self.log.warning("search_unavailable", error=first_line(exc), index=index_plan.index.name)
            self.stop.wait(self.settings.poll_interval)

    def _outbox_empty(self, store: StateStore, indexes: list[str]) -> bool:
        """True when nothing is pending and the slot reconciler has read the
        WAL past the start of the run (the supervisor's :func:`durable_now`;
        a worker started without one takes its own, once), so no change
        committed before it that bypassed the triggers is left."""
        if self.once_upto is None:
            self.once_upto = durable_now(store)
        upto = self.once_upto
        # the next pass is usually tens of milliseconds away (the slot's --once interval)
        backoff = Backoff(self.stop, initial=0.005, cap=min(0.02, self.settings.poll_interval))
        while not self.stop.is_set():
            if store.flag("reconciled_since", {"lsn": upto}):
                break
            backoff.wait()
        pending = store.value("pending_for", {"indexes": indexes})
        repairs = store.value("repairs_pending")
        return not pending and not repairs


def worker_main(config: WorkerConfig, stats: Any) -> None:
    """Entry point of a worker process."""
    import sys

    logs.configure(config.log_level, config.log_format, worker=config.number, database=config.database)
    stop = stop_on_signals()
    watch_parent(stop, logs.get("worker"))

    def report(**fields: Any) -> None:
        # A full stats queue only loses metrics.
        with contextlib.suppress(Exception):
            stats.put_nowait(dict(fields, database=config.database, worker=config.number))

    def load(conn: Any) -> Plan:
        from indexer.runtime import handed_or_loaded_plan

        return handed_or_loaded_plan(conn, config.settings, config.database, config.plan)

    log = logs.get("worker")
    try:
        code = Worker(config, stop, report, load, Faults.from_env(os.environ)).run()
    except IndexerError as exc:
        log.error("worker_failed", error=str(exc))
        code = EXIT_FATAL
    except psycopg2.errors.InsufficientPrivilege as exc:
        log.error("worker_failed", error=db.translate(exc).message)
        code = EXIT_FATAL
    except Exception:
        log.exception("worker_crashed")
        code = 1
    log.info("worker_stopped", exit_code=code)
    sys.exit(code)
