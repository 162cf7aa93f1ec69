"""The backfill: every document of an index, in bounded memory, resumable.

The root table's key range is cut into chunks (every n-th key, from one
index-only pass). Workers on any host claim chunks with advisory locks and scan
each with keyset pages (``WHERE key > last ORDER BY key LIMIT n``): short
statements, no long-lived snapshot, memory bounded by one page. A page holds
as many documents as fill about ``page_bytes`` (measured on the pages before
it; at most a quarter of a chunk), so bulk requests stay about two megabytes
whether documents are small or large and memory does not follow document size
(unless a fixed ``page_size`` is set). While a page is
being written, the next one is built, so Postgres and the search engine work at
the same time. After a page is accepted, the chunk's ``last_key`` is recorded;
a chunk whose worker died is taken over and resumed from there.

A page may show a transaction committed asynchronously whose commit a server
crash then loses. Unlike a batch of the change stream (see
``make_visible_commits_durable`` in ``sql/queries.sql``) the backfill needs no
flush for it: the page's checkpoint commits after that transaction, so the
crash loses the checkpoint too and the page is built again.

The change stream reaches a version being built only when all of its chunks
are done (until then its changes are held, see :mod:`indexer.targets`), so
every document the stream writes there is built after every backfill page (and
gets a higher version).
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from indexer import logs
from indexer.faults import NO_FAULTS, Faults
from indexer.locks import advisory_key
from indexer.pipeline.drain import record_rejections
from indexer.plan import IndexPlan
from indexer.process import PlanChanged
from indexer.search.bulk import Outcome, Rejection, Row, average_row_size
from indexer.search.writer import DocumentWriter
from indexer.state import StateStore
from indexer.targets import WRITE_SUFFIX

Report = Callable[..., None]
CHUNK_ROWS = 25_000
# At least this many chunks per worker, so the last chunks end close together
# (with 4, the tail where one worker is left alone cost ~8 % of a 100k backfill).
CHUNKS_PER_WORKER = 8
# ...but no chunk under this many rows: a small table in a few chunks is written
# in a few large bulk requests rather than many small ones. How an index was
# written can decide what later writes cost: osmem-server, written in requests
# of 1,250 books (20,000 in chunks of 5,000), took ~11 s per update request of
# 1,000 after the first four; in requests of 2,500, 0.6 s (loadtest/README.md).
MIN_CHUNK_ROWS = 10_000
MAX_CHUNKS = 1024
# Bulk requests of about 2 MiB: few enough (Elasticsearch suggests trying a few
# MB), and a worker's memory stays flat (measured: no change in peak RSS from 1 MiB).
PAGE_BYTES = 2 * 1024 * 1024
FIRST_PAGE_ROWS = 500  # before any document size is known
MIN_PAGE_ROWS, MAX_PAGE_ROWS = 50, 20_000
# Pages per chunk at least: the build of a page overlaps the write of the one
# before it only within a chunk, so a chunk of one or two pages would lose it.
PAGES_PER_CHUNK = 4


def page_rows(page: list[Row], page_bytes: int) -> int:
    """Rows for the next page so that it holds about ``page_bytes`` of bulk
    request body, from the rows of ``page`` (not empty; see
    :func:`average_row_size`); between MIN_PAGE_ROWS and MAX_PAGE_ROWS."""
    return max(MIN_PAGE_ROWS, min(MAX_PAGE_ROWS, int(page_bytes / average_row_size(page))))


@dataclass
class Chunk:
    number: int
    lower: str | None
    upper: str | None
    last: str | None
    done: bool


class Backfiller:
    """Backfill work of one worker, on its connection ``conn`` (autocommit)."""

    def __init__(
        self,
        store: StateStore,
        writer: DocumentWriter,
        *,
        page_size: int | None,
        workers: int,
        page_bytes: int = PAGE_BYTES,
        report: Report,
        should_stop: Callable[[], bool],
        faults: Faults = NO_FAULTS,
    ) -> None:
        self.store = store
        self.state_schema = store.state_schema
        self.writer = writer
        self.fixed_page_size = page_size
        self.page_bytes = page_bytes
        self.page_size = page_size or FIRST_PAGE_ROWS  # rows in the next page
        self.max_page_rows = MAX_PAGE_ROWS  # a quarter of a chunk, once chunks are known
        self.workers = workers
        self.report = report
        self.should_stop = should_stop
        self.faults = faults
        self.log = logs.get("backfill")

    @contextlib.contextmanager
    def _lock(self, *parts: str) -> Iterator[bool]:
        key = advisory_key(self.state_schema, *parts)
        got = self.store.try_lock(key)
        try:
            yield got
        finally:
            if got:
                self.store.unlock(key)

    def _wait_for_lock(self, *parts: str) -> None:
        """Until the holder of the lock lets go (or this worker must stop),
        polled at most every 20 ms: the backfill's recorded span starts when the
        plan is made, and with the interval doubling to 100 ms a waiter could
        sleep up to 80 ms into it (the second worker of a 100,000-book backfill
        started its first chunk about 0.1 s after the first worker)."""
        delay = 0.005
        while not self.should_stop():
            with self._lock(*parts) as got:
                if got:
                    return
            time.sleep(delay)
            delay = min(delay * 2, 0.02)

    def state(self, index: str) -> str:
        row = self.store.row("backfill_state", {"index": index})
        return str(row[0]) if row else "done"

    def plan(self, plan: IndexPlan) -> None:
        """Cut the key range into chunks, once, under a lock."""
        index = plan.index.name
        with self._lock("plan", index) as got:
            if not got:
                # Another worker is planning: wait for it (seconds at most) rather than a poll interval.
                self._wait_for_lock("plan", index)
                return
            if self.state(index) != "pending":
                return
            total = int(self.store.value(plan.queries.count()))
            chunks = max(self.workers * CHUNKS_PER_WORKER, math.ceil(total / CHUNK_ROWS))
            chunks = max(1, min(MAX_CHUNKS, chunks, math.ceil(total / MIN_CHUNK_ROWS)))
            if total < self.page_size * 2:
                chunks = 1
            bounds: list[str] = []
            if chunks > 1:
                step = {"step": math.ceil(total / chunks)}
                # every step-th key: with a total divisible by the step the last one is the
                # last key, whose chunk (after it) would be empty
                bounds = [row[0] for row in self.store.rows(plan.queries.boundaries(), step)][: chunks - 1]
            with self.store.transaction():
                lowers = [None, *bounds]
                uppers = [*bounds, None]
                for number, (lower, upper) in enumerate(zip(lowers, uppers, strict=True)):
                    self.store.run("insert_chunk", {"index": index, "chunk": number, "lower": lower, "upper": upper})
                self.store.run("backfill_started", {"index": index, "total": total})
            self.log.info("backfill_planned", index=index, documents=total, chunks=len(lowers))

    def chunks(self, index: str) -> list[Chunk]:
        return [Chunk(*row) for row in self.store.rows("backfill_chunks", {"index": index})]

    def work(self, plan: IndexPlan, target: str) -> bool:
        """Scan unclaimed chunks of ``plan``'s index into ``target`` (the write
        alias of the version being built) until none is left or the worker
        must stop. Returns True once the whole backfill is done. Raises
        :class:`~indexer.search.writer.TargetMissing` when ``target`` is gone."""
        index = plan.index.name
        state = self.state(index)
        if state == "done":
            return True
        if state == "pending":
            self.plan(plan)
        chunks = self.chunks(index)
        total = self.store.value("backfill_total", {"index": index}) or 0
        self.max_page_rows = max(MIN_PAGE_ROWS, int(total) // max(1, len(chunks)) // PAGES_PER_CHUNK)
        for chunk in chunks:
            if chunk.done or self.should_stop():
                continue
            with self._lock("chunk", index, str(chunk.number)) as got:
                if not got:
                    continue
                current = next((c for c in self.chunks(index) if c.number == chunk.number), None)
                if current is None or current.done:
                    continue
                self.scan(plan, current, target)
        finished = self.store.row("backfill_finished", {"index": index}) is not None
        if finished:
            self.log.info("backfill_done", index=index)
        return finished or self.state(index) == "done"

    def _page(self, plan: IndexPlan, after: str | None, upto: str | None) -> list[Row]:
        query = plan.statements.page(lower=after is not None, upper=upto is not None)
        rows: list[Row] = self.store.bytes_rows(query, {"after": after, "upto": upto, "limit": self.page_size})
        if rows and self.fixed_page_size is None:
            self.page_size = min(self.max_page_rows, page_rows(rows, self.page_bytes))
        return rows

    def scan(self, plan: IndexPlan, chunk: Chunk, target: str) -> None:
        """Index one chunk from its checkpoint on, overlapping the build of a
        page with the write of the previous one."""
        index = plan.index.name
        after = chunk.last or chunk.lower
        if chunk.last:
            self.log.info("backfill_resumed", index=index, chunk=chunk.number)
        in_flight: tuple[Future[Outcome], list[Row], float] | None = None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk") as pool:
            while True:
                stopping = self.should_stop()
                rows = [] if stopping else self._page(plan, after, chunk.upper)
                finished = not rows and not stopping
                if in_flight is not None:
                    self._settle(plan, chunk, target, *in_flight, done=finished)
                    in_flight = None
                    if finished:
                        return
                if stopping:
                    return
                if finished:
                    self._checkpoint(plan, target, chunk.number, after, 0, done=True)
                    return
                after = rows[-1][3].decode()
                future = pool.submit(self._write_page, plan, target, rows)
                in_flight = (future, rows, time.monotonic())

    def _write_page(self, plan: IndexPlan, target: str, rows: list[Row]) -> Outcome:
        """Write one page (in the bulk thread), through the index's plugins if any."""
        failed: list[Rejection] = []
        if plan.plugins is not None:
            rows, failed = plan.plugins.apply(rows)
        outcome = self.writer.write(target, rows, pipeline=plan.index.pipeline, require_alias=True)
        outcome.rejected.extend(failed)
        return outcome

    def _settle(
        self,
        plan: IndexPlan,
        chunk: Chunk,
        target: str,
        future: Future[Outcome],
        rows: list[Row],
        started: float,
        *,
        done: bool,
    ) -> None:
        outcome = future.result()  # Stopped and errors propagate: no checkpoint
        self.faults.hit("backfill_after_bulk")
        index = plan.index.name
        with self.store.transaction():
            record_rejections(self.store, index, outcome.rejected)
            self._checkpoint(plan, target, chunk.number, rows[-1][3].decode(), len(rows), done=done)
        self.report(
            phase="backfill",
            index=index,
            indexed=outcome.indexed,
            deleted=outcome.deleted,
            conflicts=outcome.conflicts,
            rejected=len(outcome.rejected),
            outbox_rows=0,
            seconds=time.monotonic() - started,
        )

    def _checkpoint(self, plan: IndexPlan, target: str, chunk: int, last: str | None, docs: int, *, done: bool) -> None:
        """Record a chunk's progress; raises :class:`PlanChanged` (rolling back
        the caller's transaction) when the version or shape it was for is no
        longer the one being built."""
        found = self.store.row(
            "checkpoint_chunk",
            {
                "index": plan.index.name,
                "chunk": chunk,
                "last_key": last,
                "docs": docs,
                "done": done,
                "shape": plan.shape,
                "building": target.removesuffix(WRITE_SUFFIX),
            },
        )
        if found is None:
            raise PlanChanged
