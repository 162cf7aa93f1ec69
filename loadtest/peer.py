"""PGSync 7.3, driven from outside for the benchmark's side-by-side figures.

PGSync runs from its own virtualenv (``--pgsync-venv``) against the same
PostgreSQL database and the same search server as the indexer, from the same
``schemas/book.json`` with only its ``database`` and ``index`` changed (its
index gets its own name, so both tools' documents can sit on one server). It
needs Redis on 127.0.0.1:6379 (its change queue); its checkpoint files go to a
temporary directory.

How the benchmark tells that PGSync has finished a piece of work, since it has
no outbox to watch: for a backfill, its one-shot run exits; for a change stream
or fan-out, the search server has accepted one document per changed book (the
sink's action counter, or the same count kept by a proxy in front of osmem).
The indexer is timed by the same test in the same run.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import urllib3

from loadtest.books import SCHEMA


class PgSync:
    """One PGSync configuration: a virtualenv, a database, a search server and an index name."""

    TIMEOUT = 120  # seconds per search request; its default 10 s fails on osmem's slower requests

    def __init__(self, venv: Path, port: int, database: str, search_url: str, index: str) -> None:
        self.venv = venv
        self.search_url = search_url
        self.index = index
        self.workdir = Path(tempfile.mkdtemp(prefix="pgsync-bench-"))
        entries = json.loads(SCHEMA.read_text())
        for entry in entries:
            entry["database"] = database
            entry["index"] = index
        self.schema = self.workdir / "schema.json"
        self.schema.write_text(json.dumps(entries))
        self.env = {
            **os.environ,
            "PG_HOST": "127.0.0.1",
            "PG_PORT": str(port),
            "PG_USER": "postgres",
            "PG_PASSWORD": "",
            "ELASTICSEARCH_URL": search_url,
            "OPENSEARCH": "true",
            "REDIS_HOST": "127.0.0.1",
            "CHECKPOINT_PATH": str(self.workdir),
            "ELASTICSEARCH_TIMEOUT": str(self.TIMEOUT),
        }

    def _command(self, tool: str, *args: str) -> list[str]:
        return [str(self.venv / "bin" / tool), "--config", str(self.schema), *args]

    def bootstrap(self) -> None:
        """PGSync's triggers, view and replication slot."""
        subprocess.run(self._command("bootstrap"), check=True, env=self.env, cwd=self.workdir,
                       capture_output=True, text=True, timeout=600)  # fmt: skip

    def teardown(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError):
            subprocess.run(self._command("bootstrap", "--teardown"), env=self.env, cwd=self.workdir,
                           capture_output=True, text=True, timeout=600)  # fmt: skip

    def oneshot(self) -> float:
        """Seconds for a one-shot ``pgsync`` (a full sync, then exit), from process start to exit."""
        started = time.monotonic()
        result = subprocess.run(self._command("pgsync"), env=self.env, cwd=self.workdir,
                                capture_output=True, text=True, timeout=3600)  # fmt: skip
        elapsed = time.monotonic() - started
        if result.returncode != 0:
            raise RuntimeError(f"pgsync failed:\n{(result.stdout + result.stderr)[-3000:]}")
        return elapsed

    @contextlib.contextmanager
    def daemon(self, settled: Callable[[], bool]) -> Iterator[Any]:
        """A running ``pgsync --daemon``, yielded once ``settled()`` holds."""
        process = subprocess.Popen(self._command("pgsync", "--daemon"), env=self.env, cwd=self.workdir,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            deadline = time.monotonic() + 600
            while not settled():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("pgsync --daemon did not settle")
                time.sleep(0.2)
            yield process
        finally:
            for proc in [*psutil.Process(process.pid).children(recursive=True), psutil.Process(process.pid)]:
                with contextlib.suppress(psutil.Error):
                    proc.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)

    def close(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)


def sink_actions(http: urllib3.PoolManager, sink_url: str) -> int:
    """Index and delete actions the sink has received so far."""
    return int(json.loads(http.request("GET", f"{sink_url}/_sink/stats").data)["actions"])


def quiet(probe: Callable[[], int], seconds: float = 2.0) -> Callable[[], bool]:
    """A ``settled`` test: true once ``probe()`` has not changed for ``seconds``."""
    last: list[Any] = [None, time.monotonic()]

    def settled() -> bool:
        value = probe()
        if value != last[0]:
            last[0], last[1] = value, time.monotonic()
            return False
        return time.monotonic() - last[1] >= seconds

    return settled


def marker() -> str:
    """A word no row holds yet, so that each workload really changes what it updates."""
    return "m" + uuid.uuid4().hex[:10]
