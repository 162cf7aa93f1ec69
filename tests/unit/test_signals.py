"""Stopping on SIGTERM cannot deadlock, whatever the main thread was doing
(a real signal to a real child process; no mocks)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# The child takes the stop event's own lock, as Event.wait() holds it at the
# moment before it releases it, and signals itself there: the handler runs in
# that thread while the lock is held. A handler that called Event.set() itself
# would wait for the lock forever (seen in CI: a slot process stuck in its own
# SIGTERM handler until it was killed).
CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from indexer.process import stop_on_signals

    stop = stop_on_signals()
    with stop._cond:
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(100_000):  # bytecodes, between which the handler runs
            pass
        print("handler returned", flush=True)
    sys.exit(0 if stop.wait(10) else 1)
    """
)


def test_sigterm_while_the_stop_events_lock_is_held_still_stops_the_process() -> None:
    try:
        done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        raise AssertionError("the process hung in its SIGTERM handler") from None
    assert done.returncode == 0, done.stderr
    assert done.stdout == "handler returned\n"


def test_the_relay_keeps_relaying_after_a_failing_callback() -> None:
    import signal
    import threading

    from indexer.process import SignalRelay

    seen: list[int] = []
    second = threading.Event()

    def on_signal(signum: int) -> None:
        seen.append(signum)
        if len(seen) == 1:
            raise RuntimeError("the first call fails")
        second.set()

    relay = SignalRelay(on_signal)
    relay.handler(signal.SIGTERM, None)
    relay.handler(signal.SIGINT, None)
    assert second.wait(10)
    assert seen == [signal.SIGTERM, signal.SIGINT]
