"""Drive the real CLI against a test database and search server, and compare
what the index holds with the independent reference."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg2
import tenacity
from click.testing import CliRunner

from indexer.cli import cli
from indexer.embedded import LocalPostgres
from tests.reference import Reference

ROOT = Path(__file__).resolve().parent.parent


def wait_until(predicate: Callable[[], Any], timeout: float, message: str, interval: float = 0.05) -> Any:
    """Poll ``predicate`` every ``interval`` seconds until it returns something
    truthy, and return that; fail after ``timeout`` seconds. An exception from
    ``predicate`` is raised at once."""
    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_result(lambda value: not value),
        stop=tenacity.stop_after_delay(timeout),
        wait=tenacity.wait_fixed(interval),
        reraise=True,
    )
    try:
        return retrying(predicate)
    except tenacity.RetryError:
        raise AssertionError(f"timed out after {timeout}s waiting for {message}") from None


class Harness:
    def __init__(
        self,
        cluster: LocalPostgres,
        database: str,
        search_url: str,
        schema_file: Path | str,
        *,
        state_schema: str = "indexer",
        user: str = "postgres",
    ) -> None:
        self.cluster = cluster
        self.database = database
        self.search_url = search_url
        self.schema_file = Path(schema_file)
        self.state_schema = state_schema
        self.user = user
        self.processes: list[subprocess.Popen[str]] = []
        self.outputs: dict[int, str] = {}
        self.live: dict[int, tuple[list[str], threading.Thread]] = {}
        self.indexer_port: int | None = None  # where the indexer reaches Postgres (a proxy), if not the cluster

    # -- invoking the CLI --------------------------------------------------------

    @property
    def base_dsn(self) -> str:
        return f"host=127.0.0.1 port={self.indexer_port or self.cluster.port} user={self.user}"

    def flags(self) -> list[str]:
        return [
            "-c",
            str(self.schema_file),
            "--dsn",
            self.base_dsn,
            "--search-url",
            self.search_url,
            "--state-schema",
            self.state_schema,
            "--database",
            self.database,
        ]

    def cli(self, command: str, *args: str, expect: int | None = 0) -> Any:
        """Run ``indexer <command> <flags> <args>`` in this process."""
        words = command.split()
        result = CliRunner().invoke(cli, [*words, *self.flags(), *args], catch_exceptions=False, env=_clean_env())
        if expect is not None:
            assert result.exit_code == expect, f"exit {result.exit_code}, expected {expect}:\n{result.output}"
        return result

    def spawn(self, *args: str, env: dict[str, str] | None = None, live: bool = False) -> subprocess.Popen[str]:
        """Start ``python -m indexer run ...`` as a real process (own process group).
        With ``live``, its output is read as it comes (:meth:`lines`)."""
        process = subprocess.Popen(
            [sys.executable, "-m", "indexer", "run", *self.flags(), *args],
            cwd=ROOT,
            env={**_clean_env(), **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.processes.append(process)
        if live:
            lines: list[str] = []
            assert process.stdout is not None
            stdout = process.stdout
            reader = threading.Thread(target=lambda: lines.extend(iter(stdout.readline, "")), daemon=True)
            reader.start()
            self.live[process.pid] = (lines, reader)
        return process

    def lines(self, process: subprocess.Popen[str], event: str | None = None) -> list[str]:
        """What a ``live`` process printed so far (only ``event=<event>`` lines if given)."""
        lines = list(self.live[process.pid][0])
        return [line for line in lines if f"event={event} " in line] if event else lines

    def run_once(self, *args: str, timeout: float = 300, env: dict[str, str] | None = None) -> str:
        process = self.spawn("--once", "--no-progress", *args, env=env)
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
            raise AssertionError(f"indexer run --once did not finish:\n{output[-5000:]}") from None
        assert process.returncode == 0, f"indexer run --once exited {process.returncode}:\n{output[-5000:]}"
        return output

    @contextlib.contextmanager
    def daemon(
        self, *args: str, env: dict[str, str] | None = None, live: bool = False
    ) -> Iterator[subprocess.Popen[str]]:
        process = self.spawn("--no-progress", *args, env=env, live=live)
        try:
            yield process
        except BaseException:
            # what the daemon said goes into the test's captured output
            print(self.stop(process)[-30000:])
            raise
        finally:
            self.stop(process)

    def stop(self, process: subprocess.Popen[str], timeout: float = 60) -> str:
        """SIGTERM the process group, wait, and return everything it printed
        (also kept in ``self.outputs[pid]``, so calling this again is fine)."""
        if process.pid in self.outputs:
            return self.outputs[process.pid]
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        if process.pid in self.live:
            lines, reader = self.live[process.pid]
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                reader.join(10)
                if process.stdout is not None:
                    process.stdout.close()
                raise AssertionError(f"indexer did not stop on SIGTERM:\n{''.join(lines)[-5000:]}") from None
            reader.join(10)
            if process.stdout is not None:
                process.stdout.close()
            self.outputs[process.pid] = "".join(lines)
            return self.outputs[process.pid]
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
            raise AssertionError(f"indexer did not stop on SIGTERM:\n{output[-5000:]}") from None
        self.outputs[process.pid] = output or ""
        return self.outputs[process.pid]

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                if process.pid in self.live:
                    process.wait()
                    self.live[process.pid][1].join(10)
                    if process.stdout is not None:
                        process.stdout.close()
                else:
                    process.communicate()

    # -- Postgres ----------------------------------------------------------------------

    def connect(self, *, autocommit: bool = True, user: str | None = None) -> Any:
        conn = psycopg2.connect(
            f"host=127.0.0.1 port={self.cluster.port} user={user or self.user} dbname={self.database}"
        )
        conn.autocommit = autocommit
        return conn

    def sql(self, statement: str, params: Any = None) -> list[tuple[Any, ...]]:
        with contextlib.closing(self.connect()) as conn, conn.cursor() as cur:
            cur.execute(statement, params)
            return cur.fetchall() if cur.description else []

    def backfilled(self) -> bool:
        """Every index of the schema has finished its backfill."""
        query = f"SELECT bool_and(backfill_state = 'done') FROM \"{self.state_schema}\".indexes"
        return bool(self.sql(query)[0][0])

    def settled_slot(self) -> bool:
        """The slot reconciler has read the WAL up to now and the outbox is empty."""
        lsn = self.sql("SELECT pg_current_wal_lsn()::text")[0][0]
        query = f'SELECT coalesce(reconciled_lsn >= %s::pg_lsn, false) FROM "{self.state_schema}".slot_state'
        return bool(self.sql(query, (lsn,))[0][0]) and self.pending() == 0

    def pending(self) -> int:
        return int(self.sql(f'SELECT count(*) FROM "{self.state_schema}".outbox')[0][0])

    # -- search --------------------------------------------------------------------------

    def http(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.search_url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def documents(self, index: str) -> dict[str, dict[str, Any]]:
        """Every document of ``index``, by _id, through a scroll."""
        docs: dict[str, dict[str, Any]] = {}
        page = self.http("POST", f"/{index}/_search?scroll=1m", {"size": 1000, "sort": ["_doc"]})
        while page["hits"]["hits"]:
            for hit in page["hits"]["hits"]:
                docs[hit["_id"]] = hit["_source"]
            page = self.http("POST", "/_search/scroll", {"scroll": "1m", "scroll_id": page["_scroll_id"]})
        return docs

    def source(self, index: str, doc_id: str) -> dict[str, Any]:
        """The ``_source`` of a document that must exist."""
        found = self.document(index, doc_id)
        assert found is not None, f"{index}/{doc_id} is not in the index"
        return found

    def document(self, index: str, doc_id: str) -> dict[str, Any] | None:
        try:
            return self.http("GET", f"/{index}/_doc/{doc_id}")["_source"]
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise

    # -- the reference ---------------------------------------------------------------------

    def entries(self) -> list[dict[str, Any]]:
        data = json.loads(self.schema_file.read_text())
        return data if isinstance(data, list) else [data]

    def reference(self, index: str) -> dict[str, dict[str, Any]]:
        entry = next(e for e in self.entries() if e.get("index", e["database"]) == index)
        with contextlib.closing(self.connect()) as conn:
            return Reference(conn).documents(entry)

    def differences(self, index: str) -> list[str]:
        """Every way the index differs from the reference, as readable lines."""
        expected = self.reference(index)
        actual = self.documents(index)
        problems = []
        for doc_id in sorted(set(expected) - set(actual)):
            problems.append(f"missing {doc_id}")
        for doc_id in sorted(set(actual) - set(expected)):
            problems.append(f"extra {doc_id}")
        for doc_id in sorted(set(expected) & set(actual)):
            if expected[doc_id] != actual[doc_id]:
                keys = sorted(
                    k
                    for k in set(expected[doc_id]) | set(actual[doc_id])
                    if expected[doc_id].get(k) != actual[doc_id].get(k)
                )
                problems.append(
                    f"stale {doc_id}: "
                    + "; ".join(
                        f"{k}: index={actual[doc_id].get(k)!r} expected={expected[doc_id].get(k)!r}" for k in keys
                    )
                )
        return problems

    def assert_matches(self, index: str) -> int:
        """Every document equals the reference; returns how many there are."""
        problems = self.differences(index)
        assert not problems, f"{len(problems)} differences in {index}:\n" + "\n".join(problems[:20])
        return len(self.reference(index))


def _clean_env() -> dict[str, str]:
    """The environment without any indexer or PGSync settings of the developer's."""
    prefixes = ("INDEXER_", "PG", "ELASTICSEARCH", "OPENSEARCH")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes) and k not in ("SCHEMA", "NUM_WORKERS")}
    env["PYTHONPATH"] = str(ROOT)
    return env
