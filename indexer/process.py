"""Small helpers every indexer process uses: backoff waits, stopping on
signals, and leaving when the supervisor is gone. No imports from the rest of
the package, so any module may use them."""

from __future__ import annotations

import contextlib
import faulthandler
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable
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


class SignalRelay:
    """Runs ``on_signal(signum)`` for each signal on a thread of its own.

    A Python signal handler runs in the main thread between two bytecodes,
    possibly while that thread holds a lock the handler needs. ``Event.set()``
    in a handler that interrupted ``Event.wait()`` just before it released the
    event's condition lock waits for that lock forever (found in CI: a slot
    process stuck in its own SIGTERM handler, killed after 60 s). Logging in a
    handler has the same hazard with the logging locks. So :meth:`handler`
    only writes the signal number to a pipe (``os.write`` takes no Python
    lock) and a daemon thread reads it and calls ``on_signal``. A process
    forked from this one keeps the handler until it installs its own; a
    signal that reaches it meanwhile is dropped rather than relayed to this
    process's thread through the inherited pipe."""

    def __init__(self, on_signal: Callable[[int], None]) -> None:
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)
        self._pid = os.getpid()
        self._on_signal = on_signal
        threading.Thread(target=self._relay, name="signal-relay", daemon=True).start()

    def handler(self, signum: int, _frame: Any) -> None:
        if os.getpid() != self._pid:
            return
        with contextlib.suppress(OSError):  # a full pipe already holds signals not yet relayed
            os.write(self._write, bytes([signum]))

    def _relay(self) -> None:
        while True:
            received = os.read(self._read, 64)
            if not received:
                return
            for signum in received:
                try:
                    self._on_signal(signum)
                except Exception:  # noqa: BLE001 - the next signal must still be relayed
                    traceback.print_exc()


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM (through a :class:`SignalRelay`); SIGINT is
    ignored (the supervisor forwards it). SIGUSR1 writes every thread's Python
    stack to stderr (:mod:`faulthandler`): the supervisor sends it before it
    kills a process that did not stop, so the log shows where that process was
    stuck."""
    stop = threading.Event()
    relay = SignalRelay(lambda _signum: stop.set())
    signal.signal(signal.SIGTERM, relay.handler)
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
