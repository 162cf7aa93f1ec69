"""Which worker works which outbox partition: Postgres advisory locks.

Each worker process holds a shared *membership* lock and one exclusive
session-level lock per partition it owns, all on the connection it builds
documents with. Locks vanish with the session, so a dead worker's partitions
are free for the others at their next rebalance (every second, and every 0.1 s
while partitions are changing hands), on this host or any other. Each worker
aims for ``ceil(partitions / live workers)`` partitions, taking free ones and
giving back extras, so load spreads as workers come and go.

Why advisory locks rather than Redis leases: a lock cannot outlive the session
that builds with it, so a worker that lost its partition can no longer build a
document for it (the fencing argument in ARCHITECTURE.md), and there is no
clock or TTL to tune and no second system to run.
"""

from __future__ import annotations

import math

from indexer.locks import advisory_key, split_key
from indexer.state import StateStore


class Ownership:
    """Partition leases of one worker on ``store``'s connection (autocommit)."""

    def __init__(self, store: StateStore, partitions: int, *, preference: int = 0) -> None:
        self.store = store
        state_schema = store.state_schema
        self.partitions = partitions
        self.keys = [advisory_key(state_schema, "partition", str(p)) for p in range(partitions)]
        self.member_key = advisory_key(state_schema, "member")
        start = preference % partitions
        self.order = [(start + i) % partitions for i in range(partitions)]
        self.owned: set[int] = set()

    def join(self) -> None:
        self.store.lock_shared(self.member_key)

    def live_workers(self) -> int:
        classid, objid = split_key(self.member_key)
        return max(1, int(self.store.value("live_workers", {"classid": classid, "objid": objid})))

    def rebalance(self, *, want_all: bool = False) -> tuple[list[int], list[int]]:
        """Take free partitions up to the fair share (every partition when
        ``want_all``) and release extras. Returns (taken, released)."""
        target = self.partitions if want_all else math.ceil(self.partitions / self.live_workers())
        taken: list[int] = []
        released: list[int] = []
        if len(self.owned) > target:
            for p in reversed(self.order):
                if len(self.owned) <= target:
                    break
                if p in self.owned:
                    self.store.unlock(self.keys[p])
                    self.owned.discard(p)
                    released.append(p)
        for p in self.order:
            if len(self.owned) >= target:
                break
            if p in self.owned:
                continue
            if self.store.try_lock(self.keys[p]):
                self.owned.add(p)
                taken.append(p)
        return taken, released

    def forget(self) -> None:
        """The session is gone and its locks with it."""
        self.owned.clear()
