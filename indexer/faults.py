"""Fault injection points, for the tests that prove crash safety.

``INDEXER_FAULTS`` lists ``point=action`` pairs separated by commas; a worker
reads it when it starts. Actions: ``exit`` (the process dies on the spot, like
``kill -9``: no cleanup, no acknowledgement), ``exit:P`` (dies with probability
P each time), ``sleep:S`` (stalls S seconds). Points, in pipeline order:

* ``backfill_after_bulk``: a backfill page was accepted, its checkpoint not yet written;
* ``drain_before_bulk``: documents built, not yet sent;
* ``drain_during_bulk``: the bulk request is in flight (the process dies 5 ms in);
* ``drain_after_bulk``: the engine accepted the batch, the outbox rows are not yet deleted;
* ``slot_before_advance``: a slot pass has read the WAL and enqueued what it found, the slot is not yet advanced;
* ``worker_after_plan_check``: a worker's loop has checked that its plan is the installed one, and has not
  yet read where the documents go (a bootstrap that lands meanwhile meets a worker with the old plan).

Unset (the normal case), every point is a no-op.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Mapping

POINTS = (
    "backfill_after_bulk",
    "drain_before_bulk",
    "drain_during_bulk",
    "drain_after_bulk",
    "slot_before_advance",
    "worker_after_plan_check",
)


def _die() -> None:
    os._exit(137)


class Faults:
    def __init__(self, spec: str | None = None) -> None:
        self.actions: dict[str, str] = {}
        for item in (spec or "").split(","):
            if "=" in item:
                point, action = item.split("=", 1)
                if point.strip() not in POINTS:
                    raise ValueError(f"unknown fault point {point!r}; known: {', '.join(POINTS)}")
                self.actions[point.strip()] = action.strip()

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Faults:
        return cls(env.get("INDEXER_FAULTS"))

    def hit(self, point: str) -> None:
        action = self.actions.get(point)
        if not action:
            return
        kind, _, arg = action.partition(":")
        if kind == "sleep":
            time.sleep(float(arg or 1))
        elif kind == "exit" and (not arg or random.random() < float(arg)):  # noqa: S311 - not cryptographic
            if point == "drain_during_bulk":
                threading.Timer(0.005, _die).start()
            else:
                _die()


NO_FAULTS = Faults()
