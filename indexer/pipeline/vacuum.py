"""Workers vacuum the outbox themselves once a backlog is drained.

Every acknowledged outbox row is a deleted tuple (a held row an updated one).
Autovacuum reclaims them only when its launcher next visits the database,
every ``autovacuum_naptime`` (60 s by default) however low the outbox's own
thresholds are. Between two visits a busy change stream leaves tens of
thousands of dead tuples in the heap and in the primary key. Measured on the
100k-book benchmark (six drains of 20,000 single-row updates in a row, two
workers): without this, the heap grew by 2.5 MB per drain (to 13.6 MB, 100,000
dead tuples) until autovacuum came; with it, the heap is empty after every
drain, for two vacuums of about 5 ms each. The drain rate itself did not
change beyond the machine's noise (40-52k documents/s either way): the fetch
walks the primary key, whose dead entries are marked as such on first visit.
What it spares is every scan of the table that is not an index lookup: the
``status`` view's counts, the ``EXISTS`` checks of idle workers and of the
slot reconciler, and an operator's ``SELECT count(*)`` in psql.

So a worker that has removed ``every`` rows since its last vacuum runs
``VACUUM (SKIP_LOCKED)`` on the outbox as soon as a batch comes back short of
its limit, that is when its backlog is drained and the vacuum delays no
document. ``SKIP_LOCKED`` makes a worker that finds another vacuum under way
(another worker's, or autovacuum's) skip its turn instead of waiting. A role
that may not vacuum the outbox (``indexer run`` needs no ownership) never
tries, checked once per session, so the server log gets no warning per
attempt; the outbox then relies on autovacuum, as before.
"""

from __future__ import annotations

import time

from indexer import logs
from indexer.state import StateStore

# Rows removed from the outbox, across every worker, between two vacuums.
VACUUM_EVERY_ROWS = 10_000
# No worker vacuums more often than after this many of its own rows.
MIN_ROWS_PER_WORKER = 1_000


class OutboxVacuum:
    """Decides when this worker vacuums the outbox, and does it.

    ``every`` is the number of outbox rows removed by all ``workers`` together
    between two vacuums; each worker counts its own share
    (``every / workers``, at least :data:`MIN_ROWS_PER_WORKER`), since
    partitions spread the rows evenly over the workers.
    """

    def __init__(self, store: StateStore, *, workers: int, every: int = VACUUM_EVERY_ROWS) -> None:
        self.store = store
        self.threshold = max(MIN_ROWS_PER_WORKER, every // max(1, workers))
        self.removed = 0
        self.allowed: bool | None = None  # checked when first due
        self.log = logs.get("vacuum")

    def due(self, removed: int, *, full: bool) -> bool:
        """Count ``removed`` rows of the last batch; True when the outbox should
        be vacuumed now: enough rows since the last vacuum and the batch was not
        ``full`` (nothing more is waiting)."""
        self.removed += removed
        return not full and self.removed >= self.threshold

    def after_batch(self, removed: int, *, full: bool) -> bool:
        """Vacuum the outbox if :meth:`due`; returns whether it ran. Needs an
        autocommit connection (``VACUUM`` cannot run in a transaction block)."""
        if not self.due(removed, full=full):
            return False
        rows, self.removed = self.removed, 0
        if self.allowed is None:
            self.allowed = self.store.flag("can_vacuum_outbox")
            if not self.allowed:
                self.log.info("outbox_vacuum_skipped", reason="this role may not vacuum the outbox; autovacuum will")
        if not self.allowed:
            return False
        started = time.monotonic()
        self.store.run("vacuum_outbox")
        self.log.debug("outbox_vacuumed", rows_since_last=rows, seconds=round(time.monotonic() - started, 4))
        return True
