"""Where the CPU went during a measured phase, by part.

On a machine where Postgres, the indexer and the search server share two
cores, a ratio to "Postgres alone" says little without knowing whether the
machine was saturated and what else took CPU. :class:`CpuAccount` reads, at
the start and end of a phase and with no sampling in between (so it costs the
measured work nothing):

* **postgres**: the CPU seconds of the cluster's backends, from the
  postmaster's own children counters (``cutime``/``cstime`` in ``/proc``,
  which hold every backend that exited, see proc(5)) plus those still running;
* **children**: the CPU of this process's children that were waited for
  (``RUSAGE_CHILDREN``, getrusage(2)), which includes a tool run as a
  subprocess together with the processes it started and reaped;
* **this process**: its own threads (a client measured in-process);
* **named**: long-running helper processes (a sink), by pid.

Busy cores over a window come from ``/proc/stat`` (all CPUs, everything not
idle or iowait), sampled every 10 ms by a thread that reads one file.
"""

from __future__ import annotations

import os
import resource
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil


def _postmaster(datadir: Path) -> psutil.Process:
    """The postmaster of the cluster in ``datadir`` (from its ``postmaster.pid``)."""
    return psutil.Process(int((datadir / "postmaster.pid").read_text().split()[0]))


def postgres_cpu(datadir: Path) -> float:
    """CPU seconds used so far by the children of the postmaster of
    ``datadir``: those reaped (the postmaster's children counters) and those
    alive. A child alive at both ends of a window is counted once in the
    difference; one that exits inside it moves from the second term to the first."""
    postmaster = _postmaster(datadir)
    own = postmaster.cpu_times()
    total = own.children_user + own.children_system
    for child in postmaster.children():
        try:
            times = child.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def await_reaped_backends(datadir: Path, before: set[int], timeout: float = 5.0) -> None:
    """Wait (up to ``timeout`` seconds) until every child the postmaster of
    ``datadir`` started since ``before`` (a set of pids) has exited and been
    reaped. A client's ``close()`` returns before its backend has exited; a
    backend between its exit and the postmaster's ``waitpid`` is in neither term
    of :func:`postgres_cpu` (psutil refuses a zombie's times), so reading at once
    lost a closed connection's whole CPU: a Postgres-alone scan on two
    connections read 9.6 µs per document in one round and 17.6 in the next."""
    postmaster = _postmaster(datadir)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = postmaster.children()
        pending = [c for c in children if c.pid not in before]
        zombies = [c for c in children if _is_zombie(c)]
        if not pending and not zombies:
            return
        time.sleep(0.01)


def _is_zombie(process: psutil.Process) -> bool:
    try:
        return bool(process.status() == psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def postmaster_children(datadir: Path) -> set[int]:
    """The pids of the postmaster's children now."""
    return {child.pid for child in _postmaster(datadir).children()}


def reaped_children_cpu() -> float:
    """CPU seconds of this process's waited-for descendants (getrusage(2))."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def machine_busy() -> float:
    """Busy CPU seconds of the whole machine so far (all CPUs, /proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


@dataclass
class BusyTimeline:
    """``(wall clock, busy CPU seconds)`` every ``interval`` seconds while running."""

    interval: float = 0.01
    points: list[tuple[float, float]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> BusyTimeline:
        def run() -> None:
            while not self._stop.is_set():
                self.points.append((time.time(), machine_busy()))
                self._stop.wait(self.interval)

        self._thread = threading.Thread(target=run, daemon=True, name="busy-timeline")
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def cores(self, start: float, end: float) -> float:
        """Average busy cores between two wall-clock times (``time.time()``)."""
        inside = [p for p in self.points if start <= p[0] <= end]
        if len(inside) < 2 or inside[-1][0] <= inside[0][0]:
            return float("nan")
        return (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0])


@dataclass
class CpuAccount:
    """CPU seconds by part between :meth:`start` and :meth:`stop`: ``postgres``
    (the cluster in ``datadir``), ``children`` (reaped subprocesses), ``client``
    (this process) and one entry per name in ``named`` (pid)."""

    datadir: Path
    named: dict[str, int] = field(default_factory=dict)
    _start: dict[str, float] = field(default_factory=dict)
    _backends: set[int] = field(default_factory=set)
    used: dict[str, float] = field(default_factory=dict)

    def _read(self) -> dict[str, float]:
        values = {
            "postgres": postgres_cpu(self.datadir),
            "children": reaped_children_cpu(),
            "client": time.process_time(),
        }
        for name, pid in self.named.items():
            values[name] = process_cpu(pid)
        return values

    def start(self) -> CpuAccount:
        self._backends = postmaster_children(self.datadir)
        self._start = self._read()
        return self

    def stop(self) -> dict[str, float]:
        """CPU seconds by part since :meth:`start`, once the backends of the
        connections closed in between are reaped (see :func:`await_reaped_backends`);
        a backend still connected is counted as it stands."""
        await_reaped_backends(self.datadir, self._backends)
        end = self._read()
        self.used = {name: end[name] - self._start[name] for name in end}
        return self.used
