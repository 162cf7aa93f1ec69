"""``indexer run``: start the worker processes and watch over them.

Per database the supervisor starts ``--workers`` worker processes and one slot
reconciler. It restarts a process that dies (with backoff), shows backfill
progress (a bar on a terminal, ``backfill_progress`` events otherwise), folds
worker stats into Prometheus metrics and, on SIGTERM or Ctrl-C, asks every child
to finish its batch and waits for it. With ``--once`` it returns when every
child has finished its work.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import queue
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import psycopg2

from indexer import db, logs
from indexer.errors import DatabaseUnavailable, IndexerError, SearchRejected, SearchUnavailable
from indexer.metrics import Metrics
from indexer.pipeline.slot import SlotConfig, slot_main
from indexer.pipeline.worker import WorkerConfig, durable_now, worker_main
from indexer.plan import Plan
from indexer.process import EXIT_RELOAD, Backoff, SignalRelay, first_line
from indexer.runtime import load_running_plan
from indexer.search.connect import open_store, preload
from indexer.settings import Settings
from indexer.state import StateStore

STOP_GRACE_SECONDS = 60.0
TARGET_CHECK_SECONDS = 5.0
HEALTHY_SECONDS = 10.0
ONCE_MAX_CRASHES = 5
MAX_RESTART_DELAY = 10.0


@dataclass
class Child:
    name: str
    target: Any
    config: Any
    process: Any = None
    finished: bool = False
    exit_code: int | None = None
    restarts: int = 0
    restart_at: float = 0.0
    started_at: float = 0.0


@dataclass
class Progress:
    """Backfill progress per index, read from Postgres (covers every host)."""

    settings: Settings
    plans: list[Plan]
    use_bars: bool
    bars: dict[str, Any] = field(default_factory=dict)
    last_log: float = 0.0
    done: set[str] = field(default_factory=set)

    def poll(self, conns: dict[str, Any], metrics: Metrics) -> None:
        log = logs.get("progress")
        for plan in self.plans:
            conn = conns.get(plan.database)
            if conn is None:
                continue
            store = StateStore(conn, plan.state_schema)
            rows = store.rows("backfill_progress")
            backlog = {name: (pending, age) for name, pending, age in store.rows("backlog_by_index")}
            slot = store.row("slot_position", {"slot": plan.slot_name})
            if slot is not None and slot[3] is not None:
                metrics.retained.labels(plan.database).set(slot[3])
            for name, state, total, docs, _chunks_done, _chunks in rows:
                pending, age = backlog.get(name, (0, 0.0))
                metrics.pending.labels(name).set(pending)
                metrics.oldest.labels(name).set(age or 0.0)
                metrics.backfilled.labels(name).set(docs)
                if name in self.done:
                    continue
                if state == "done":
                    self._finish(name, docs)
                    continue
                if state != "running" or total is None:
                    continue
                if self.use_bars:
                    bar = self.bars.get(name)
                    if bar is None:
                        from tqdm import tqdm

                        bar = self.bars[name] = tqdm(
                            total=total, desc=f"backfill {name}", unit="doc", unit_scale=True, dynamic_ncols=True
                        )
                    bar.update(docs - bar.n)
                elif time.monotonic() - self.last_log >= 5.0:
                    log.info("backfill_progress", index=name, documents=docs, total=total)
                    self.last_log = time.monotonic()

    def _finish(self, name: str, docs: int) -> None:
        self.done.add(name)
        bar = self.bars.pop(name, None)
        if bar is not None:
            bar.update(max(0, docs - bar.n))
            bar.close()

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
        self.bars.clear()


class Supervisor:
    def __init__(
        self, settings: Settings, databases: list[str], *, once: bool, log_level: str, log_format: str
    ) -> None:
        self.settings = settings
        self.databases = databases
        self.once = once
        self.log_level = log_level
        self.log_format = log_format
        self.log = logs.get("supervisor")
        self.stopping = False
        self.children: list[Child] = []
        self.metrics = Metrics()
        self.stop_event = threading.Event()
        self.plans: list[Plan] = []
        self.store: Any = None  # the search engine, for the periodic index check
        self.once_upto: dict[str, str] = {}  # --once: per database, the LSN its run must cover

    def prepare(self) -> list[Plan]:
        """Check every database is bootstrapped (Postgres must be reachable).
        The search server is not needed to start: the slot keeps being
        reconciled, and the workers wait for the engine themselves."""
        plans = []
        for database in self.databases:
            with db.connection(self.settings.dsn_for(database), application="indexer supervisor") as conn:
                plan = load_running_plan(conn, self.settings, database)
                plans.append(plan)
                if self.once:
                    self.once_upto[database] = durable_now(StateStore(conn, plan.state_schema))
        self.plans = plans
        return plans

    def _reload_plans(self) -> None:
        """Load the plans again after bootstrap installed new ones (best effort:
        the old ones keep serving the periodic check until this succeeds)."""
        plans = []
        try:
            for database in self.databases:
                with db.connection(self.settings.dsn_for(database), application="indexer supervisor") as conn:
                    plans.append(load_running_plan(conn, self.settings, database))
        except IndexerError as exc:
            self.log.warning("plan_reload_failed", error=first_line(exc))
            return
        self.plans = plans
        by_db = {plan.database: plan for plan in plans}
        for child in self.children:
            child.config = dataclasses.replace(child.config, plan=by_db.get(child.config.database))

    def _check_targets(self, conns: dict[str, Any]) -> None:
        """Every few seconds: is each index's live version and version being
        built still there (and ours)? If not, have it rebuilt (an incident,
        logged as ``index_missing``). Best effort: outages are the workers' to report."""
        from indexer.targets import Targets

        try:
            if self.store is None:
                self.store = open_store(self.settings.search)
            for plan in self.plans:
                conn = conns.get(plan.database)
                if conn is None:
                    continue
                targets = Targets(StateStore(conn, plan.state_schema), self.store, grace=self.settings.retire_after)
                for index_plan in plan.indexes:
                    if targets.check(index_plan):
                        targets.recover(index_plan, "the periodic check")
        except (SearchUnavailable, DatabaseUnavailable, psycopg2.Error):
            if self.store is not None:
                self.store.close()
                self.store = None

    def _spawn(self, child: Child) -> None:
        import multiprocess

        ctx = multiprocess.get_context("fork")
        child.process = ctx.Process(target=child.target, args=(child.config, self.stats), name=child.name, daemon=False)
        child.process.start()
        child.started_at = time.monotonic()
        self.log.info("process_started", process=child.name, pid=child.process.pid)

    def _prepare_patiently(self) -> list[Plan] | None:
        """:meth:`prepare`, waiting with capped exponential backoff while
        Postgres or the search server cannot be reached (a daemon started
        before them, or during an outage). With ``--once`` the first failure is
        final. Returns None when asked to stop meanwhile."""
        backoff = Backoff(self.stop_event, initial=1.0)
        while not self.stop_event.is_set():
            try:
                return self.prepare()
            except (DatabaseUnavailable, SearchUnavailable) as exc:
                if self.once or isinstance(exc, SearchRejected):
                    raise
                self.log.warning("startup_waiting", error=first_line(exc), retry_in_s=backoff.delay)
                backoff.wait()
        return None

    def run(self) -> int:
        import multiprocess

        relay = SignalRelay(self._on_signal)  # not in the handler itself: see SignalRelay
        previous = {sig: signal.signal(sig, relay.handler) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            plans = self._prepare_patiently()
        finally:
            if self.stop_event.is_set():
                for sig, handler in previous.items():
                    signal.signal(sig, handler)
        if plans is None:
            self.log.info("stopped", exit_codes=[])
            return 0
        ctx = multiprocess.get_context("fork")
        self.stats = ctx.Queue(maxsize=100_000)
        by_db = {plan.database: plan for plan in plans}
        for database in self.databases:
            for n in range(self.settings.workers):
                config = WorkerConfig(
                    n, database, self.settings, self.once, self.log_level, self.log_format, plan=by_db.get(database),
                    once_upto=self.once_upto.get(database),
                )  # fmt: skip
                self.children.append(Child(f"worker-{database}-{n}", worker_main, config))
            slot_config = SlotConfig(
                database, self.settings, self.once, self.log_level, self.log_format, plan=by_db.get(database),
                interval=0.02 if self.once else 1.0,  # --once waits for a pass past its start: make it come soon
            )  # fmt: skip
            self.children.append(Child(f"slot-{database}", slot_main, slot_config))
        if self.settings.metrics_port:
            self.metrics.serve(self.settings.metrics_port)
            self.log.info("metrics_serving", port=self.settings.metrics_port)
        progress = Progress(self.settings, plans, use_bars=self.settings.progress and sys.stderr.isatty())
        preload()  # before the fork: the children inherit the import
        conns: dict[str, Any] = {}
        try:
            for child in self.children:
                self._spawn(child)
            return self._watch(progress, conns)
        finally:
            progress.close()
            for conn in conns.values():
                conn.close()
            if self.store is not None:
                self.store.close()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _on_signal(self, signum: int) -> None:
        if not self.stopping:
            self.log.info("stopping", signal=signal.Signals(signum).name)
        self.stopping = True
        self.stop_event.set()

    def _watch(self, progress: Progress, conns: dict[str, Any]) -> int:
        """Supervise the children until all have finished; the exit status."""
        last_poll = 0.0
        last_check = 0.0
        stop_sent_at: float | None = None
        while True:
            self._drain_stats()
            now = time.monotonic()
            if now - last_poll >= 0.5:
                last_poll = now
                self._poll(progress, conns)
            if now - last_check >= TARGET_CHECK_SECONDS and not self.stopping:
                last_check = now
                self._check_targets(conns)
            alive = sum(self._tend(child, now) for child in self.children)
            self.metrics.workers.set(alive)
            if self.once and not self.stopping and all(c.finished for c in self.children if c.target is worker_main):
                # --once: the workers found nothing left; let the reconcilers go too.
                self.stopping = True
            stop_sent_at = self._stop_children(now, stop_sent_at)
            if all(child.finished for child in self.children):
                break
            self._wait_for_exits(0.1)
        self._drain_stats()
        codes = [child.exit_code for child in self.children]
        failed = [c for c in codes if c not in (0, None, -signal.SIGTERM)]
        self.log.info("stopped", exit_codes=codes)
        return 1 if failed else 0

    def _wait_for_exits(self, timeout: float) -> None:
        """Sleep up to ``timeout`` seconds, waking as soon as a child exits (its
        process sentinel becomes ready), so that a --once run ends when its
        last process does, not at the next tick."""
        from multiprocess.connection import wait

        sentinels = [child.process.sentinel for child in self.children if child.process is not None]
        if sentinels:
            wait(sentinels, timeout)
        else:
            time.sleep(timeout)

    def _tend(self, child: Child, now: float) -> bool:
        """Look after one child: note its exit, restart it when due. True
        when it is running afterwards."""
        if child.finished:
            return False
        process = child.process
        if process is not None and process.is_alive():
            return True
        if process is not None:
            process.join(0)
            child.process = None
            self._exited(child, process.exitcode, now)
            return False
        if self.stopping:
            child.finished = True
            return False
        if now >= child.restart_at:
            self._spawn(child)
            return True
        return False

    def _exited(self, child: Child, code: int | None, now: float) -> None:
        """A child exited with ``code``: finish it, reload, or schedule a restart."""
        if self.stopping or (self.once and code == 0):
            child.finished, child.exit_code = True, code
            return
        if code == EXIT_RELOAD:
            self.log.info("process_reloading", process=child.name, reason="bootstrap installed a new plan")
            child.restart_at = now
            self._reload_plans()
            return
        # Back off a crash loop; a process that ran a while starts afresh.
        child.restarts = 1 if now - child.started_at > HEALTHY_SECONDS else child.restarts + 1
        delay = min(MAX_RESTART_DELAY, 0.25 * 2 ** min(child.restarts - 1, 6))
        child.restart_at = now + delay
        self.log.warning("process_died", process=child.name, exit_code=code, restart_in_s=delay)
        if code == 3 or (self.once and child.restarts > ONCE_MAX_CRASHES):
            # A fatal configuration problem, or --once crashing in a loop: give up.
            child.finished, child.exit_code = True, code
            self.stopping = True

    def _stop_children(self, now: float, stop_sent_at: float | None) -> float | None:
        """Once stopping: SIGTERM every running child, and SIGKILL those still
        running after the grace period. Returns when SIGTERM was sent."""
        if self.stopping and stop_sent_at is None:
            stop_sent_at = now
            for child in self.children:
                if child.process is not None and child.process.is_alive():
                    os.kill(child.process.pid, signal.SIGTERM)
        if stop_sent_at is not None and now - stop_sent_at > STOP_GRACE_SECONDS:
            stuck = [c for c in self.children if c.process is not None and c.process.is_alive()]
            for child in stuck:
                assert child.process is not None
                with contextlib.suppress(OSError):  # its stack to stderr, to show where it was stuck
                    os.kill(child.process.pid, signal.SIGUSR1)
            if stuck:
                time.sleep(0.2)
            for child in stuck:
                assert child.process is not None
                self.log.warning("process_killed", process=child.name, grace_s=STOP_GRACE_SECONDS,
                                 hint="it did not stop after SIGTERM; its Python stack is printed above")  # fmt: skip
                child.process.kill()
        return stop_sent_at

    def _drain_stats(self) -> None:
        while True:
            try:
                stats = self.stats.get_nowait()
            except queue.Empty:
                return
            except (OSError, EOFError, ValueError):
                return
            self.metrics.record(stats)

    def _poll(self, progress: Progress, conns: dict[str, Any]) -> None:
        for database in self.databases:
            try:
                if database not in conns or conns[database].closed:
                    conns[database] = db.connect(
                        self.settings.dsn_for(database), application="indexer supervisor", autocommit=True
                    )
            except Exception:  # noqa: BLE001 - progress is best effort; workers report outages
                conns.pop(database, None)
        try:
            progress.poll(conns, self.metrics)
        except Exception:  # noqa: BLE001 - a dropped connection is retried at the next poll
            for database in list(conns):
                with contextlib.suppress(Exception):
                    conns.pop(database).close()
