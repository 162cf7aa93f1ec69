"""One batch of the change stream: outbox rows to documents to the engine.

Per batch, on the worker's lock-holding connection (autocommit):

1. fetch pending rows of the owned partitions (per index, deduplicated keys);
2. wait (briefly) for capturing transactions still in flight: one that
   computed its root keys before a concurrent transaction linked a new root
   to the rows it changed does not know that root, so that root's document
   must be built after it commits (see ARCHITECTURE.md, invariant 1);
3. build every document of those keys in one statement, whose snapshot is
   taken after step 1's, so it contains every change those rows stand for;
4. flush the WAL past every commit that snapshot saw: a transaction committed
   with synchronous_commit = off is visible before it is durable, and a server
   crash that lost it after its documents were written would leave them
   showing a state nothing corrects (its outbox rows are lost with it);
5. write them (retrying through outages) with the statement's version;
6. in one transaction, record rejected documents as dead letters, enqueue a
   recheck of the batch's keys for each transaction that outlasted the wait
   (eligible once it ends), and delete exactly the fetched rows.

A crash anywhere before step 6 commits leaves the rows in place: the batch is
redone, and the engine's version check makes the repeat harmless.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import orjson
from psycopg2 import sql

from indexer import logs
from indexer.faults import NO_FAULTS, Faults
from indexer.locks import split_key
from indexer.plan import IndexPlan
from indexer.process import PlanChanged
from indexer.search.bulk import Outcome, Rejection, Row, average_row_size, row_doc_id
from indexer.search.writer import DocumentWriter, TargetMissing
from indexer.sqlgen.triggers import capture_lock_key
from indexer.state import StateStore
from indexer.targets import write_alias

Report = Callable[..., None]


@dataclass
class BatchResult:
    rows: int = 0  # outbox rows acknowledged
    documents: int = 0
    row_bytes: float = 0.0  # bulk request bytes per document (the largest of its groups' averages)
    write_seconds: float = 0.0  # in bulk requests


# Before any document of this worker has been built its size is unknown: the
# first batch is this many rows at most, as the backfill's first page is.
FIRST_BATCH_ROWS = 500
MIN_BATCH_ROWS = 50  # however large the documents, a batch is never smaller


class BatchSizer:
    """Outbox rows to fetch per batch, from how the last batch went.

    ``base`` rows normally (``FIRST_BATCH_ROWS`` at most for the first batch,
    before any document size is known). A full batch (a backlog is waiting)
    whose bulk requests took longer than ``slow_seconds`` doubles the limit,
    up to ``max_rows``: an engine whose cost is per request, not per document,
    then gets fewer and larger requests, as the bulk writer keeps them (see
    :meth:`DocumentWriter._adapt`). Only the engine's time counts: a slow
    document build would only make longer statements. A batch that was not
    full, or written fast (under a quarter of ``slow_seconds``), halves it
    back towards ``base``.

    Whatever the pace, a batch's documents fill about ``max_bytes`` at most
    (from the average size of the last documents built, never below
    ``MIN_BATCH_ROWS`` rows): a worker holds a batch's documents and their
    bulk body at once, so with 100 kB documents a batch of ``base`` = 2,000
    would hold 200 MB; it is cut to ``max_bytes`` / 100 kB rows instead.
    Measured on osmem-server, whose update requests cost about 10 s each
    whatever their size once its index has taken a few thousand updates
    (loadtest/README.md)."""

    def __init__(self, base: int, *, max_rows: int, max_bytes: int, slow_seconds: float = 1.0) -> None:
        self.base = base
        self.max_rows = max(base, max_rows)
        self.max_bytes = max_bytes
        self.slow_seconds = slow_seconds
        self.fit: int | None = None  # rows whose documents fill max_bytes, once a size is known
        self.limit = min(base, FIRST_BATCH_ROWS)

    def after(self, result: BatchResult, seconds: float) -> int:
        """The limit for the next batch, after one that fetched ``result.rows``
        rows and spent ``seconds`` in bulk requests."""
        if result.row_bytes:
            self.fit = max(MIN_BATCH_ROWS, int(self.max_bytes // result.row_bytes))
        ceiling = self.max_rows if self.fit is None else min(self.max_rows, self.fit)
        floor = min(self.base, ceiling)
        full = result.rows >= self.limit
        if full and seconds > self.slow_seconds:
            self.limit *= 2
        elif not full or seconds < self.slow_seconds / 4:
            self.limit //= 2
        self.limit = max(floor, min(ceiling, self.limit))
        return self.limit


def record_rejections(store: StateStore, index: str, rejected: Sequence[Rejection]) -> None:
    """Insert one dead letter per rejected document (same transaction as the ack)."""
    for rejection in rejected:
        _version, doc_id_json, _doc, key = rejection.row
        store.run(
            "dead_letter",
            {
                "index": index,
                "root_key": key.decode(),
                "doc_id": row_doc_id(doc_id_json),
                "reason": rejection.reason,
                "error": orjson.dumps(dict(rejection.error, status=rejection.status)).decode(),
            },
        )


class InFlight:
    """Capturing transactions still running, found through the shared capture
    lock they hold. :meth:`settle` waits up to ``max_wait`` seconds for them and
    returns the ones still running (stragglers). A straggler already waited for
    once is not waited for again, so a long transaction stalls a worker once,
    not every batch."""

    def __init__(self, store: StateStore, max_wait: float) -> None:
        self.store = store
        self.classid, self.objid = split_key(capture_lock_key(store.state_schema))
        self.max_wait = max_wait
        self.patience_spent: set[str] = set()

    def settle(self) -> list[str]:
        lock = {"classid": self.classid, "objid": self.objid}
        running = [row[0] for row in self.store.rows("capturing_transactions", lock)]
        if not running:
            self.patience_spent.clear()
            return []
        deadline = time.monotonic() + self.max_wait
        delay = 0.002
        while any(x not in self.patience_spent for x in running) and time.monotonic() < deadline:
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
            running = list(self.store.value("still_running", {"xids": running}))
        self.patience_spent = set(running)
        return running


def build(store: StateStore, query: sql.Composable, keys_json: str) -> list[Row]:
    """Documents for the root keys in ``keys_json`` (a JSON array), built by
    ``query`` (a document query, composed or as stored text)."""
    return store.bytes_rows(query, {"keys": keys_json})


@dataclass(frozen=True)
class Group:
    """Fetched outbox rows of one index, and where its documents go (see
    :mod:`indexer.targets`): the live version (by its alias, or by physical
    name when it has its own older ``live_query``) and the version being built,
    written only once its backfill is done; until then the rows are held."""

    index: str
    keys: str
    ctids: str  # where the fetched row versions are, for the ack (a tid[] as text)
    ids: str
    rows: int
    live_physical: str | None
    live_via_alias: bool
    live_query: str | None
    building: str | None
    building_ready: bool
    shape: str | None  # the document shape installed now

    @property
    def hold(self) -> bool:
        return (self.building is not None and not self.building_ready) or (
            self.live_physical is None and self.building is None
        )


def _write(
    writer: DocumentWriter, store: StateStore, plan: IndexPlan, group: Group, faults: Faults
) -> tuple[Outcome, list[Row], float]:
    """Build and write one group to its targets; returns the merged outcome,
    the documents built and the seconds spent writing them (in bulk requests)."""
    if group.live_physical is None and group.building is None:
        raise TargetMissing(group.index)  # nowhere to write: the worker has the index rebuilt
    if group.shape is not None and group.shape != plan.shape:
        # bootstrap installed another document shape since this plan was loaded:
        # nothing is written or acknowledged; the worker restarts with the new plan
        raise PlanChanged
    rows = build(store, plan.statements.documents_by_keys(), group.keys)
    live_rows: list[Row] | None = None
    if group.live_physical is not None and group.live_query is not None:
        live_rows = build(store, sql.SQL(group.live_query), group.keys)  # an older shape, as installed earlier
    store.run("make_visible_commits_durable")  # before any of it reaches the engine
    total = Outcome()
    rejected: dict[bytes, Rejection] = {}
    if plan.plugins is not None:
        rows, failed = plan.plugins.apply(rows)
        for rejection in failed:
            rejected[rejection.row[1]] = rejection
    pipeline = plan.index.pipeline
    faults.hit("drain_before_bulk")
    faults.hit("drain_during_bulk")
    outcomes: list[Outcome] = []
    writing = 0.0

    def send(target: str, documents: list[Row], require_alias: bool) -> None:
        nonlocal writing
        started = time.monotonic()
        outcomes.append(writer.write(target, documents, pipeline=pipeline, require_alias=require_alias))
        writing += time.monotonic() - started

    if group.live_physical is not None:
        if live_rows is not None:  # an older document shape: that version only
            if plan.plugins is not None:
                live_rows, _failed = plan.plugins.apply(live_rows)  # their rejections are the same documents
            send(write_alias(group.live_physical), live_rows, require_alias=True)
        elif group.live_via_alias:
            send(group.index, rows, require_alias=True)
        else:  # an adopted index named like the alias
            send(group.live_physical, rows, require_alias=False)
    if group.building is not None and group.building_ready:
        send(write_alias(group.building), rows, require_alias=True)
    faults.hit("drain_after_bulk")
    for outcome in outcomes:
        total.indexed = max(total.indexed, outcome.indexed)
        total.deleted = max(total.deleted, outcome.deleted)
        total.conflicts = max(total.conflicts, outcome.conflicts)
        for rejection in outcome.rejected:
            rejected.setdefault(rejection.row[1], rejection)
    total.rejected = list(rejected.values())
    return total, rows, writing


def _refresh_for_waiters(store: StateStore, writer: DocumentWriter, group: Group) -> None:
    """When a session waits in ``wait_searchable()`` for this index, make what
    was just written searchable (refresh the live index) before the outbox rows
    are acknowledged, since their absence is what the waiter watches for.
    Nobody waiting: no refresh, so the engine's own refresh interval applies."""
    if store.flag("waiting_for_index", {"index": group.index}):
        writer.store.refresh(group.index if group.live_via_alias else group.live_physical or group.index)


def drain_batch(
    store: StateStore,
    plans: dict[str, IndexPlan],
    partitions: Sequence[int],
    writer: DocumentWriter,
    *,
    limit: int,
    report: Report,
    in_flight: InFlight | None = None,
    faults: Faults = NO_FAULTS,
) -> BatchResult:
    """Process one batch over ``partitions`` for the indexes in ``plans``.
    Raises :class:`~indexer.search.writer.TargetMissing` (nothing acknowledged)
    when an index written to is gone."""
    result = BatchResult()
    if not partitions or not plans:
        return result
    # every partition's lane 0 (small root-table changes) before any lane 1 (fan-outs, bulk statements)
    fetch = {
        "indexes": list(plans),
        "lanes": [0] * len(partitions) + [1] * len(partitions),
        "partitions": [*partitions, *partitions],
        "limit": limit,
    }
    groups = [Group(*row) for row in store.rows("fetch_batch", fetch)]
    stragglers = in_flight.settle() if groups and in_flight is not None else []
    for group in groups:
        plan = plans[group.index]
        started = time.monotonic()
        try:
            outcome, built, writing = _write(writer, store, plan, group, faults)
        except TargetMissing:
            raise TargetMissing(group.index) from None
        if outcome.conflicts:
            # Someone wrote a newer version first: normal after a crash or a partition move.
            logs.get("drain").info("version_conflicts", index=group.index, documents=outcome.conflicts)
        if group.live_physical is not None and not group.hold:
            _refresh_for_waiters(store, writer, group)
        with store.transaction():
            record_rejections(store, group.index, outcome.rejected)
            for xid in stragglers:
                store.run("enqueue_recheck", {"index": group.index, "keys": group.keys, "after": xid})
            done = "hold_batch" if group.hold else "ack_batch"
            store.run(done, {"ctids": group.ctids, "ids": group.ids})
        result.rows += group.rows
        result.documents += len(built)
        if built:
            result.row_bytes = max(result.row_bytes, average_row_size(built))
        result.write_seconds += writing
        report(
            phase="drain",
            index=group.index,
            indexed=outcome.indexed,
            deleted=outcome.deleted,
            conflicts=outcome.conflicts,
            rejected=len(outcome.rejected),
            outbox_rows=0 if group.hold else group.rows,
            seconds=time.monotonic() - started,
        )
    return result
