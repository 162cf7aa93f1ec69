"""Small helpers every indexer process uses: backoff waits, stopping on
signals, and leaving when the supervisor is gone. No imports from the rest of
the package, so any module may use them."""

from __future__ import annotations

import faulthandler
import os
import signal
import threading
import time
from typing import Any

ORPHAN_GRACE_SECONDS = 30.0
# A child process exits with this code when bootstrap installed a new plan
# (schema.json changed): the supervisor starts it again at once, and it loads
# the new plan. Not a crash.
EXIT_RELOAD = 75


class PlanChanged(Exception):
    """The installed plan is not the one this process runs."""


class Backoff:
    """Capped exponential waits (seconds), interrupted by ``stop``.

    :meth:`wait` sleeps the current delay and doubles it up to ``cap``;
    :meth:`reset` goes back to ``initial`` after a success."""

    def __init__(self, stop: threading.Event, initial: float = 0.5, cap: float = 30.0) -> None:
        self.stop = stop
        self.initial = initial
        self.cap = cap
        self.delay = initial

    def wait(self) -> float:
        delay = self.delay
        self.stop.wait(delay)
        self.delay = min(self.delay * 2, self.cap)
        return delay

    def reset(self) -> None:
        self.delay = self.initial


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, or its class name: what a log
    event or an error message shows of a driver error."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM; SIGINT is ignored (the supervisor forwards it).
    SIGUSR1 writes every thread's Python stack to stderr (:mod:`faulthandler`):
    the supervisor sends it before it kills a process that did not stop, so
    the log shows where that process was stuck."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    return stop


def watch_parent(stop: threading.Event, log: Any, grace: float = ORPHAN_GRACE_SECONDS) -> None:
    """Stop this process when its supervisor is gone (killed with -9, say):
    set ``stop`` at once, and exit outright if the work in flight takes longer
    than ``grace`` seconds, so no orphan keeps holding partitions or the slot."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        log.warning("supervisor_gone", action="stopping")
        stop.set()
        time.sleep(grace)
        os._exit(0)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()
