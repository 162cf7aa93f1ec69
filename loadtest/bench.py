"""The benchmark: throughput of the indexer next to limits measured in the same run.

    python -m loadtest.bench --books 100000

Everything runs on this machine: a private PostgreSQL (wal_level=logical), the
synthetic bookshop of ``loadtest/books.py`` and two search servers, osmem-server
and a sink that discards ``_bulk`` requests (a cluster far faster than this
machine). Reported, each as documents per second and as a ratio to its limit:

* **limits**: Postgres alone producing every document (one streaming query; the
  backfill's keyset pages on one connection; the same pages on ``--workers``
  connections at once, key ranges split as the backfill splits them), the best
  of which is *the* Postgres-alone limit; and each search server alone
  ingesting prepared bulk bodies on ``--workers`` connections at once (for
  osmem, beside each of three backfills into it: the bodies that backfill
  sent, cut again from its recorded chunks by its own page rules, and bodies
  of 1,000 documents);
* **backfill**: ``indexer run --once`` on a fresh index, timed by the backfill's
  own start and finish in ``indexer.indexes`` and, separately, with process
  start and exit; the peak memory of its workers at the full size and at a
  quarter of it; where the CPU went (``loadtest/cpu.py``): Postgres, the
  indexer (less an idle run's start-up and exit) and the sink, in µs per
  document, and how many cores were busy, beside the same for the
  Postgres-alone limit;
* **change stream**: a running ``indexer run`` is paused (SIGSTOP), 20,000
  single-row updates are committed, it resumes (SIGCONT) and is timed until the
  outbox is empty, so the figure is the drain rate, without process start;
* **fan-out**: the same with 2,000 authors renamed in one statement;
* **trigger overhead**: two pgbench workloads (a single-row UPDATE of a document
  column per transaction; a shop-like transaction, see ``WORKLOADS``) without
  triggers, with ours and, given ``--pgsync-venv``, with PGSync 7.3's,
  alternating rounds (the order turns each round, a checkpoint before each),
  medians, beside how far the no-trigger rounds scatter and in how many rounds
  ours was at least as fast as PGSync's; once with Postgres's durable defaults
  (fsync and synchronous_commit on) and once with both off, where a commit
  costs least and a trigger's share is largest.

Figures are ratios against baselines from the same run because the machines are
shared and noisy. Results go to stdout and ``loadtest/results/<time>.json``.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import io
import itertools
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import psycopg2
import psycopg2.sql
import urllib3

from indexer.embedded import LocalPostgres, embedded_bindir, running_osmem, system_bindir
from indexer.locks import advisory_key, split_key
from indexer.plan import index_body, load_plan
from indexer.schema.parse import load_schema
from indexer.search.bulk import encode
from loadtest import books
from loadtest.cpu import BusyTimeline, CpuAccount
from loadtest.peer import PgSync, marker, quiet, sink_actions

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = books.SCHEMA
BACKFILL_ROUNDS = 5  # backfills into the sink, each after a run of the parallel Postgres-alone limit
RESULTS = ROOT / "loadtest" / "results"


def log(message: str) -> None:
    """One progress line, with the machine's 1-minute load average."""
    print(f"[{time.strftime('%H:%M:%S')} load {os.getloadavg()[0]:.2f}] {message}", flush=True)


def save(results: dict[str, Any]) -> Path:
    """Write what was measured so far to ``loadtest/results/<start time>.json``
    (after each phase, so a run cut short keeps its figures)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{results.setdefault('started', time.strftime('%Y%m%d-%H%M%S'))}.json"
    out.write_text(json.dumps(results, indent=2))
    return out


def sink_pid() -> int:
    """The pid of the discarding sink this process started."""
    for child in psutil.Process().children():
        with contextlib.suppress(psutil.Error):
            if "loadtest.sink" in " ".join(child.cmdline()):
                return int(child.pid)
    raise RuntimeError("no sink process")


def turned(items: list[str], round_: int) -> list[str]:
    """``items`` rotated by ``round_`` places: run in this order, no variant of a
    round always follows the same one (whose after-effects, an autovacuum its
    updates started say, would fall on it)."""
    shift = round_ % len(items)
    return items[shift:] + items[:shift]


def per_doc_us(cpu_seconds: list[float], docs: int) -> float:
    """The median of ``cpu_seconds`` per document, in microseconds."""
    return statistics.median(cpu_seconds) / docs * 1e6


def note_load(results: dict[str, Any], phase: str) -> None:
    """Record the 1-minute load average at the end of ``phase``, to print
    beside its figures (these machines are shared)."""
    results.setdefault("load_average", {})[phase] = round(os.getloadavg()[0], 2)
    save(results)


@contextlib.contextmanager
def running_sink(upstream: str | None = None) -> Iterator[str]:
    """The discarding sink's URL, or with ``upstream`` a counting proxy's in front of it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "loadtest.sink", *([upstream] if upstream else [])],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        yield str(json.loads(process.stdout.readline())["url"])
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(10)
        process.stdout.close() if process.stdout else None


class Bench:
    def __init__(self, pg: LocalPostgres, database: str, workers: int, search_timeout: float = 30.0) -> None:
        self.pg = pg
        self.database = database
        self.workers = workers
        self.search_timeout = search_timeout
        self.dsn = f"host=127.0.0.1 port={pg.port} user=postgres"

    def connect(self) -> Any:
        conn = psycopg2.connect(self.pg.dsn_for(self.database))
        conn.autocommit = True
        return conn

    def indexer(self, *args: str, search_url: str, wait: bool = True) -> Any:
        command = [
            sys.executable, "-m", "indexer", "--log-level", "warning", *args,
            "-c", str(SCHEMA), "--dsn", self.dsn, "--database", self.database, "--search-url", search_url,
            "--search-timeout", str(self.search_timeout),
        ]  # fmt: skip
        if wait:
            return subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
        return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def fresh_install(self, search_url: str) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.indexer("teardown", "--delete-index", search_url=search_url)
        self.indexer("bootstrap", search_url=search_url)

    def run_once(self, search_url: str) -> tuple[float, int]:
        """Seconds for `indexer run --once`, and the peak RSS (bytes) of its processes."""
        started = time.monotonic()
        process = self.indexer(
            "run", "--once", "--no-progress", "--workers", str(self.workers), search_url=search_url, wait=False
        )
        peak = 0
        parent = psutil.Process(process.pid)
        while process.poll() is None:
            with contextlib.suppress(psutil.Error):
                workers = [p for p in parent.children(recursive=True) if p.is_running()]
                peak = max(peak, max((p.memory_info().rss for p in workers), default=0))
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        output = process.stdout.read() if process.stdout else ""
        if process.returncode != 0:
            raise RuntimeError(f"indexer run --once failed:\n{output[-3000:]}")
        return elapsed, peak

    def backfill_seconds(self) -> float:
        """Seconds between the backfill's recorded start and finish."""
        started, finished = self.backfill_window()
        return finished - started

    @contextlib.contextmanager
    def daemon(self, search_url: str) -> Iterator[Any]:
        """A running ``indexer run``, yielded once its backfill is done and its outbox empty."""
        process = self.indexer("run", "--no-progress", "--workers", str(self.workers), search_url=search_url,
                               wait=False)  # fmt: skip
        try:
            deadline = time.monotonic() + 600
            while self.pending() or not self.backfill_done() or not self.partitions_spread():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"indexer run did not settle:\n{process.stdout.read()[-3000:]}")
                time.sleep(0.1)
            yield process
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(60)

    def partitions_spread(self, partitions: int = 32) -> bool:
        """Every outbox partition held, by as many sessions as there are workers:
        the daemon's workers are up and have finished handing partitions over,
        so a drain timed next does not include process start-up."""
        keys = [split_key(advisory_key("indexer", "partition", str(p))) for p in range(partitions)]
        with contextlib.closing(self.connect()) as conn, conn.cursor() as cur:
            cur.execute(
                "SELECT count(*), count(DISTINCT l.pid) FROM pg_locks l"
                " JOIN unnest(%s::oid[], %s::oid[]) AS k(classid, objid) USING (classid, objid)"
                " WHERE l.locktype = 'advisory' AND l.granted",
                ([c for c, _ in keys], [o for _, o in keys]),
            )
            held, sessions = cur.fetchone()
            return bool(held == partitions and sessions == self.workers)

    def backfill_window(self) -> tuple[float, float]:
        """The backfill's recorded start and finish, as Unix times."""
        with contextlib.closing(self.connect()) as conn, conn.cursor() as cur:
            cur.execute(
                "SELECT extract(epoch FROM backfill_started_at), extract(epoch FROM backfill_finished_at)"
                " FROM indexer.indexes WHERE backfill_state = 'done'"
            )
            started, finished = cur.fetchone()
            return float(started), float(finished)

    def backfill_done(self) -> bool:
        with contextlib.closing(self.connect()) as conn, conn.cursor() as cur:
            cur.execute("SELECT bool_and(backfill_state = 'done') FROM indexer.indexes")
            return bool(cur.fetchone()[0])

    @staticmethod
    def drain_seconds(
        process: Any, workload: Callable[[], int], done: Callable[[int], bool], timeout: float = 900
    ) -> tuple[float, int]:
        """Pause every process of a running tool, run ``workload`` (it returns
        the number of documents it changes), resume, and time until
        ``done(documents)`` holds (polled every 10 ms, so it must be cheap: a
        new connection or a count over many rows would take CPU from what is
        measured)."""
        tree = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
        for proc in tree:
            proc.suspend()
        try:
            documents = workload()
            if done(documents):
                raise RuntimeError("the changes were written while the tool was paused")
        finally:
            started = time.monotonic()
            for proc in tree:
                proc.resume()
        while not done(documents):
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"the changes were not all written within {timeout} s")
            time.sleep(0.01)
        return time.monotonic() - started, documents

    def plan(self) -> Any:
        conn = psycopg2.connect(self.pg.dsn_for(self.database))
        try:
            schema = load_schema(SCHEMA).with_database(self.database)
            return load_plan(
                conn,
                schema,
                self.database,
                state_schema="indexer",
                partitions=32,
                slot_name="bench_unused",
            ).indexes[0]
        finally:
            conn.close()

    # -- limits ------------------------------------------------------------------

    def postgres_alone_stream(self, plan: Any) -> tuple[float, int]:
        """Every document through one COPY, discarded: (seconds, documents)."""

        class Counter(io.RawIOBase):
            def __init__(self) -> None:
                self.lines = 0

            def writable(self) -> bool:
                return True

            def write(self, data: Any) -> int:
                self.lines += bytes(data).count(b"\n")
                return len(data)

        sink = Counter()
        with contextlib.closing(self.connect()) as conn, conn.cursor() as cur:
            query = plan.queries.all_documents().as_string(conn)
            started = time.monotonic()
            cur.copy_expert(f"COPY (SELECT d.doc_id, d.doc FROM ({query}) d) TO STDOUT", sink)
            return time.monotonic() - started, sink.lines

    def postgres_alone_pages(self, plan: Any, page: int = 1000, index: str = "books") -> tuple[float, int, list[bytes]]:
        """Every document through the backfill's keyset pages; also returns the
        prepared bulk bodies for the search-alone limit."""
        bodies: list[bytes] = []
        with contextlib.closing(self.connect()) as conn:
            started = time.monotonic()
            after = None
            count = 0
            with conn.cursor() as cur:
                psycopg2.extensions.register_type(psycopg2.extensions.BYTES, cur)
                while True:
                    cur.execute(
                        plan.queries.page(lower=after is not None, upper=False), {"after": after, "limit": page}
                    )
                    rows = cur.fetchall()
                    if not rows:
                        break
                    count += len(rows)
                    after = rows[-1][3].decode()
                    bodies.append(encode(index, rows))
            return time.monotonic() - started, count, bodies

    def backfill_bodies(self, plan: Any, index: str) -> list[bytes]:
        """The bulk bodies of this database's last backfill, cut again as it cut
        them (into ``index``): per recorded chunk, a first page of
        ``FIRST_PAGE_ROWS`` rows, then pages of about ``PAGE_BYTES`` by
        ``page_rows``, capped at a quarter of a chunk (the rules of
        :mod:`indexer.pipeline.backfill`, called here, not copied). The chunks'
        pages are interleaved, as workers scanning chunks at once send them."""
        from indexer.pipeline import backfill

        with contextlib.closing(self.connect()) as conn, conn.cursor() as cur:
            cur.execute("SELECT lower_key::text, upper_key::text FROM indexer.backfill_chunks ORDER BY chunk")
            chunks = cur.fetchall()
            cur.execute("SELECT backfill_total FROM indexer.indexes")
            total = int(cur.fetchone()[0])
            psycopg2.extensions.register_type(psycopg2.extensions.BYTES, cur)  # the pages, as the backfill reads them
            cap = max(backfill.MIN_PAGE_ROWS, total // len(chunks) // backfill.PAGES_PER_CHUNK)
            per_chunk: list[list[bytes]] = []
            for lower, upper in chunks:
                pages: list[bytes] = []
                after, size = lower, backfill.FIRST_PAGE_ROWS
                while True:
                    query = plan.queries.page(lower=after is not None, upper=upper is not None)
                    cur.execute(query, {"after": after, "upto": upper, "limit": size})
                    rows = cur.fetchall()
                    if not rows:
                        break
                    pages.append(encode(index, rows))
                    after = rows[-1][3].decode()
                    size = min(cap, backfill.page_rows(rows, backfill.PAGE_BYTES))
                per_chunk.append(pages)
        return [body for turn in itertools.zip_longest(*per_chunk) for body in turn if body is not None]

    def postgres_alone_parallel(self, plan: Any, streams: int, page: int = 1000) -> tuple[float, int]:
        """Every document through keyset pages on ``streams`` connections at once
        (key ranges split as the backfill splits them), rows fetched as bytes and
        discarded: the limit for a backfill with as many workers."""
        with contextlib.closing(self.connect()) as conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM book")
            step = max(1, -(-int(cur.fetchone()[0]) // streams))
            cur.execute(plan.queries.boundaries(), {"step": step})
            uppers: list[str | None] = [row[0] for row in cur.fetchall()][: streams - 1]
        ranges = list(zip([None, *uppers], [*uppers, None], strict=True))
        counts = [0] * len(ranges)

        def scan(n: int, after: str | None, upto: str | None) -> None:
            with contextlib.closing(self.connect()) as conn, conn.cursor() as cur:
                psycopg2.extensions.register_type(psycopg2.extensions.BYTES, cur)
                query_first = plan.queries.page(lower=False, upper=upto is not None)
                query_next = plan.queries.page(lower=True, upper=upto is not None)
                while True:
                    query = query_next if after is not None else query_first
                    cur.execute(query, {"after": after, "upto": upto, "limit": page})
                    rows = cur.fetchall()
                    if not rows:
                        return
                    counts[n] += len(rows)
                    after = rows[-1][3].decode()

        threads = [threading.Thread(target=scan, args=(n, lo, hi)) for n, (lo, hi) in enumerate(ranges)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.monotonic() - started, sum(counts)

    @staticmethod
    def search_alone(url: str, bodies: list[bytes], limit_docs: int, streams: int) -> tuple[float, int]:
        """The prepared bulk ``bodies`` (the first ones holding ``limit_docs``
        documents) sent on ``streams`` connections at once, each taking the next
        body when its last one was accepted, as the backfill's workers do:
        (seconds, documents)."""
        chosen: list[bytes] = []
        docs = 0
        for body in bodies:
            if docs >= limit_docs:
                break
            chosen.append(body)
            docs += body.count(b"\n") // 2
        pool = urllib3.PoolManager(maxsize=streams)
        queue = iter(chosen)
        lock = threading.Lock()

        def send() -> None:
            while True:
                with lock:
                    body = next(queue, None)
                if body is None:
                    return
                response = pool.request(
                    "POST",
                    f"{url}/_bulk?filter_path=errors",
                    body=body,
                    headers={"Content-Type": "application/x-ndjson"},
                )
                assert response.status == 200, response.data[:300]

        threads = [threading.Thread(target=send) for _ in range(streams)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.monotonic() - started, docs

    # -- workloads -------------------------------------------------------------------

    def single_row_updates(self, count: int, books_total: int, run: str | None = None) -> int:
        """``count`` transactions, each updating one book's title to hold the word
        ``run``; returns the books changed."""
        ids = {1 + (i * 7919) % books_total for i in range(count)}
        run = run or marker()  # a new title each run: an UPDATE that changes nothing enqueues nothing
        with contextlib.closing(self.connect()) as conn, conn.cursor() as cur:
            for i in range(count):
                cur.execute(
                    "UPDATE book SET title = %s WHERE id = %s", (f"Edited {run} {i}", 1 + (i * 7919) % books_total)
                )
        return len(ids)

    def rename_authors(self, count: int, run: str | None = None) -> int:
        """One statement renaming authors 1..``count`` (their names gain the word
        ``run``); returns the books whose documents change."""
        with contextlib.closing(self.connect()) as conn, conn.cursor() as cur:
            cur.execute("UPDATE author SET name = name || ' ' || %s WHERE id <= %s", (run or marker(), count))
            cur.execute("SELECT count(DISTINCT book_id) FROM book_author WHERE author_id <= %s", (count,))
            return int(cur.fetchone()[0])

    def root_change_during_fanout(self, authors: int) -> tuple[float, float, int]:
        """Rename ``authors`` authors in one statement (a fan-out to nearly every
        book), then change one book's title; with the daemon running, seconds
        from that title's commit until its outbox row is gone, and until the
        outbox is empty; and the books the fan-out reached."""
        with contextlib.closing(self.connect()) as conn, conn.cursor() as cur:
            books_reached = self.rename_authors(authors)
            # The title's own outbox row (lane 0), found by its primary key: the fan-out also left a
            # lane-1 row for book 1, and a probe by root_key would scan the whole outbox every 10 ms.
            cur.execute("UPDATE book SET title = %s WHERE id = 1", (f"Lane {marker()}",))
            started = time.monotonic()
            cur.execute(
                "SELECT index_name, partition, lane, id FROM indexer.outbox"
                " WHERE root_key = '{\"id\": 1}' AND lane = 0 ORDER BY id DESC LIMIT 1"
            )
            own = cur.fetchone()  # None: already written
            root_seconds = None if own is not None else time.monotonic() - started
            while True:
                cur.execute(
                    "SELECT EXISTS (SELECT FROM indexer.outbox WHERE (index_name, partition, lane, id) = %s),"
                    " EXISTS (SELECT FROM indexer.outbox)",
                    (own or ("", 0, 0, 0),),
                )
                root_pending, any_pending = cur.fetchone()
                if not root_pending and root_seconds is None:
                    root_seconds = time.monotonic() - started
                if not any_pending:
                    return root_seconds or 0.0, time.monotonic() - started, books_reached
                if time.monotonic() - started > 900:
                    raise RuntimeError("the fan-out did not drain within 900 s")
                time.sleep(0.01)

    def pending(self) -> int:
        with contextlib.closing(self.connect()) as conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM indexer.outbox")
            return int(cur.fetchone()[0])

    def set_durability(self, durable: bool) -> None:
        """Postgres's defaults (fsync and synchronous_commit on), or both off as in the tests."""
        value = "on" if durable else "off"
        with contextlib.closing(self.connect()) as conn, conn.cursor() as cur:
            cur.execute(f"ALTER SYSTEM SET fsync = {value}")
            cur.execute(f"ALTER SYSTEM SET synchronous_commit = {value}")
            cur.execute("SELECT pg_reload_conf()")
        time.sleep(0.5)

    def pgbench_tps(self, seconds: int, books_total: int, workload: str) -> float:
        script = Path("/tmp") / f"bench-{uuid.uuid4().hex[:6]}.sql"
        script.write_text(WORKLOADS[workload].format(books=books_total, authors=max(10, books_total // 5)))
        try:
            result = subprocess.run(
                [str(self.pg.bindir / "pgbench"), "-n", "-c", "2", "-j", "2", "-T", str(seconds), "-f", str(script),
                 "-h", "127.0.0.1", "-p", str(self.pg.port), "-U", "postgres", self.database],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
        finally:
            script.unlink()
        for line in result.stdout.splitlines():
            if line.startswith("tps ="):
                return float(line.split()[2])
        raise RuntimeError(result.stdout)


# pgbench scripts. "update": one single-row UPDATE of a document column per
# transaction, the worst case for a per-statement trigger. "shop": a sale as an
# application would record it: read the book, bump a counter no document reads,
# insert into an untracked table, and in one sale out of ten edit the title.
WORKLOADS = {
    "update": "\\set id random(1, {books})\nUPDATE book SET title = 'pgbench ' || :id WHERE id = :id;\n",
    # a child row changed in a column no document reads: ours enqueues nothing
    "child_unmapped": "\\set id random(1, {authors})\nUPDATE author SET born = born + 1 WHERE id = :id;\n",
    "shop": (
        "\\set id random(1, {books})\n"
        "BEGIN;\n"
        "SELECT title, price FROM book WHERE id = :id;\n"
        "UPDATE book SET copies_sold = copies_sold + 1 WHERE id = :id;\n"
        "INSERT INTO sale (book_id, amount) VALUES (:id, 9.99);\n"
        "\\if :id % 10 = 0\n"
        "UPDATE book SET title = 'edited ' || :id WHERE id = :id;\n"
        "\\endif\n"
        "END;\n"
    ),
}


def table(results: dict[str, Any]) -> str:
    """The targets of the benchmark as a Markdown table: each figure beside its
    same-run limit or peer, the ratio, and the load average of its phase."""
    r = results
    load = r.get("load_average", {})
    rows: list[tuple[str, str, str, str, str]] = []

    def k(value: float) -> str:
        return f"{value / 1000:.1f}k docs/s"

    def add(measure: str, ours: str, other: str, ratio: float | None, phase: str) -> None:
        rows.append((measure, ours, other, "" if ratio is None else f"{ratio:.2f}", str(load.get(phase, ""))))

    add(
        "backfill into the sink (recorded span)",
        k(r["backfill_sink_docs_s"]),
        f"Postgres alone: {k(r['pg_alone_docs_s'])}",
        r["backfill_sink_ratio_to_pg_alone"],
        "backfill",
    )

    if "cpu" in r:
        c = r["cpu"]
        add(
            "the same: CPU per document and busy cores in the recorded span",
            f"Postgres {c['backfill_postgres_us_per_doc']:.1f} µs + indexer {c['backfill_indexer_us_per_doc']:.1f} µs"
            f" + sink {c['backfill_sink_us_per_doc']:.1f} µs; {c['backfill_busy_cores']:.2f} of {c['cores']} cores",
            f"Postgres alone: Postgres {c['pg_alone_postgres_us_per_doc']:.1f} µs + client"
            f" {c['pg_alone_client_us_per_doc']:.1f} µs; {c['pg_alone_busy_cores']:.2f} of {c['cores']} cores",
            None,
            "backfill",
        )

    def against_pgsync(measure: str, key: str, phase: str) -> None:
        """A row of ours beside PGSync's ``pgsync_<key>``, when it was measured."""
        if f"pgsync_{key}" in r:
            add(measure, k(r[key]), f"PGSync: {k(r[f'pgsync_{key}'])}", r[key] / r[f"pgsync_{key}"], phase)

    against_pgsync("backfill into the sink, process start to exit", "backfill_sink_with_process_start_docs_s",
                   "PGSync on the sink")  # fmt: skip
    add(
        "backfill into osmem (recorded span)",
        k(r["backfill_osmem_docs_s"]),
        f"osmem alone, the backfill's bodies: {k(r['osmem_alone_docs_s'])}",
        r["backfill_osmem_ratio_to_osmem_alone"],
        "osmem backfill",
    )
    if "osmem_alone_1000_docs_s" in r:
        add(
            "the same",
            k(r["backfill_osmem_docs_s"]),
            f"osmem alone, bodies of 1,000 documents: {k(r['osmem_alone_1000_docs_s'])}",
            r["backfill_osmem_docs_s"] / r["osmem_alone_1000_docs_s"],
            "osmem backfill",
        )
    against_pgsync("backfill into osmem, process start to exit", "backfill_osmem_with_process_start_docs_s",
                   "PGSync on osmem")  # fmt: skip
    add(
        "`run --once` start-up and exit, nothing to do",
        f"{r['run_once_idle_seconds']:.2f} s",
        "target: 1 s",
        r["run_once_idle_seconds"],
        "start-up",
    )
    add(
        f"change stream into the sink ({r['change_stream_updates']} updates)",
        k(r["change_stream_sink_docs_s"]),
        f"our backfill: {k(r['backfill_sink_docs_s'])}",
        r["change_stream_ratio_to_backfill"],
        "change stream",
    )
    against_pgsync("the same, PGSync", "change_stream_sink_docs_s", "PGSync on the sink")
    add(
        f"fan-out into the sink ({r['fanout_books']} books)",
        f"{r['fanout_sink_seconds']:.2f} s",
        "PGSync: not measurable (it finds the documents to change by searching the index)",
        None,
        "fan-out",
    )
    if "lane_root_change_seconds" in r:
        add(
            f"one root change committed right after a fan-out to {r['lane_fanout_books']} books (sink)",
            f"written after {r['lane_root_change_seconds']:.2f} s",
            f"the fan-out: {r['lane_fanout_seconds']:.2f} s",
            r["lane_root_change_seconds"] / r["lane_fanout_seconds"],
            "lanes",
        )
    if "pgsync_change_stream_osmem_docs_s" in r:
        against_pgsync("change stream into osmem", "change_stream_osmem_docs_s", "osmem")
    else:
        add("change stream into osmem", k(r["change_stream_osmem_docs_s"]), "", None, "osmem")
    add(
        f"fan-out into osmem ({r['fanout_osmem_books']} books)",
        f"{r['fanout_osmem_seconds']:.2f} s",
        f"PGSync: {r['pgsync_fanout_osmem_seconds']:.2f} s" if "pgsync_fanout_osmem_seconds" in r else "",
        r["pgsync_fanout_osmem_seconds"] / r["fanout_osmem_seconds"] if "pgsync_fanout_osmem_seconds" in r else None,
        "osmem",
    )
    for key in ("update", "child_unmapped", "shop"):
        for durability in ("durable", "fsync_off"):
            name = f"{key}_{durability}"
            if f"trigger_overhead_{name}_pct" not in r:
                continue
            theirs = r.get(f"pgsync_trigger_overhead_{name}_pct")
            peer = f"PGSync: {theirs:.1f} %" if theirs is not None else ""
            if f"pgbench_{name}_rounds_ours_not_slower" in r:
                rounds = len(r[f"pgbench_{name}_tps_rounds"]["none"])
                peer += (
                    f"; ours as fast or faster in {r[f'pgbench_{name}_rounds_ours_not_slower']} of {rounds} rounds;"
                    f" no-trigger rounds spread {r[f'pgbench_{name}_spread_pct']:.0f} %"
                )
            add(
                f"trigger overhead, {key}, {durability.replace('_', ' ')}",
                f"{r[f'trigger_overhead_{name}_pct']:.1f} %",
                peer,
                None,
                f"trigger overhead {name}",
            )
    add(
        "peak worker RSS",
        f"{r['backfill_peak_rss_mb']:.1f} MB",
        f"at a quarter of the size: {r['backfill_peak_rss_mb_quarter_size']:.1f} MB",
        r["backfill_peak_rss_mb"] / r["backfill_peak_rss_mb_quarter_size"],
        "quarter size",
    )
    if "scale_books" in r:
        add(
            f"backfill of {r['scale_books']:,} books into the sink",
            k(r["scale_backfill_sink_docs_s"]),
            f"{r['books']:,} books: {k(r['backfill_sink_docs_s'])}",
            r["scale_time_per_doc_ratio"],
            "scale",
        )
        if "scale_pg_alone_docs_s" in r:
            add(
                f"the same, Postgres alone at {r['scale_books']:,} books",
                k(r["scale_pg_alone_docs_s"]),
                f"{r['books']:,} books: {k(r['pg_alone_parallel_pages_docs_s'])}",
                r["scale_pg_alone_time_per_doc_ratio"],
                "scale",
            )
        add(
            f"peak worker RSS at {r['scale_books']:,} books",
            f"{r['scale_peak_rss_mb']:.1f} MB",
            f"at {r['books']:,}: {r['backfill_peak_rss_mb']:.1f} MB",
            r["scale_peak_rss_mb"] / r["backfill_peak_rss_mb"],
            "scale",
        )
    lines = ["| measure | ours | limit or peer (same run) | ratio | load |", "|---|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


@contextlib.contextmanager
def books_bench(books_total: int, purpose: str) -> Iterator[tuple[LocalPostgres, Bench, str]]:
    """A private PostgreSQL from the system's binaries (pgbench and a server
    that can run single-user come with them) whose database ``bench`` holds
    ``books_total`` books, and a running sink: (server, :class:`Bench` on that
    database, sink URL). The server is stopped and its directory removed on
    exit. Raises SystemExit when the system has no PostgreSQL binaries."""
    bindir = system_bindir()
    if bindir is None:
        raise SystemExit("needs the system's PostgreSQL binaries")
    datadir = Path("/tmp") / f"indexer-{purpose}-{uuid.uuid4().hex[:8]}"
    pg = LocalPostgres(datadir=datadir, bindir=bindir).start()
    try:
        with running_sink() as sink_url:
            pg.psql("postgres", "-c", "CREATE DATABASE bench")
            with contextlib.closing(psycopg2.connect(pg.dsn_for("bench"))) as conn:
                books.create(conn, books_total)
            yield pg, Bench(pg, "bench", 2), sink_url
    finally:
        pg.stop("immediate")
        shutil.rmtree(datadir, ignore_errors=True)


def use_triggers(bench: Bench, sink_url: str, variant: str) -> None:
    """Install the capture triggers of ``variant`` ("none", "ours" or
    "pgsync", whose triggers were installed by its bootstrap beforehand), then
    take a checkpoint, so every round starts alike: without one, how many
    full-page images a round writes depends on when the last one ran."""
    bench.indexer("teardown", search_url=sink_url)
    if variant == "ours":
        bench.indexer("bootstrap", search_url=sink_url)
    set_pgsync_triggers(bench, variant == "pgsync")
    with contextlib.closing(bench.connect()) as conn, conn.cursor() as cur:
        cur.execute("CHECKPOINT")


def set_pgsync_triggers(bench: Bench, enabled: bool) -> None:
    """Switch PGSync's triggers on every table of the document on or off."""
    with contextlib.closing(bench.connect()) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT t.tgrelid::regclass::text, t.tgname FROM pg_trigger t"
            " WHERE NOT t.tgisinternal AND t.tgname LIKE '%%notify%%'"
        )
        for table_name, trigger in cur.fetchall():
            cur.execute(
                psycopg2.sql.SQL("ALTER TABLE {} {} TRIGGER {}").format(
                    psycopg2.sql.SQL(table_name),  # regclass text: already quoted where it must be
                    psycopg2.sql.SQL("ENABLE" if enabled else "DISABLE"),
                    psycopg2.sql.Identifier(trigger),
                )
            )


def main() -> None:  # noqa: C901 - the benchmark's phases, in order
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--books", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--updates", type=int, default=20_000)
    parser.add_argument("--authors", type=int, default=2_000)
    parser.add_argument("--osmem-docs", type=int, default=20_000, help="books for the osmem runs (it is slow)")
    parser.add_argument("--osmem-updates", type=int, default=5_000)
    parser.add_argument("--osmem-authors", type=int, default=500)
    parser.add_argument("--scale-books", type=int, default=1_000_000, help="books for the scale run (0: skip it)")
    parser.add_argument("--pgbench-seconds", type=int, default=5)
    parser.add_argument("--pgbench-rounds", type=int, default=5)
    parser.add_argument("--embedded", action="store_true", help="use the embedded PostgreSQL 18")
    parser.add_argument("--pgsync-venv", type=Path, help="a virtualenv with pgsync==7.3.0, measured side by side")
    args = parser.parse_args()

    # Run the indexer as an installed package runs, from byte-compiled modules (pip compiles them
    # on install, as it did PGSync's). This checkout is installed editable, and where
    # PYTHONDONTWRITEBYTECODE is set (as on these machines) every process would compile the
    # indexer's modules again: about 0.15 s of each start-up, measured.
    compileall.compile_dir(ROOT / "indexer", quiet=1)
    bindir = embedded_bindir() if args.embedded else (system_bindir() or embedded_bindir())
    datadir = Path("/tmp") / f"indexer-bench-{uuid.uuid4().hex[:8]}"
    pg = LocalPostgres(datadir=datadir, bindir=bindir).start()
    results: dict[str, Any] = {"books": args.books, "workers": args.workers, "postgres": str(bindir)}
    http = urllib3.PoolManager()
    peer_venv: Path | None = args.pgsync_venv
    try:
        with running_sink() as sink_url, running_osmem() as osmem_url:
            pg.psql("postgres", "-c", "CREATE DATABASE bench", "-c", "CREATE DATABASE bench_small")
            bench = Bench(pg, "bench", args.workers)
            log(f"generating {args.books} books")
            with contextlib.closing(psycopg2.connect(pg.dsn_for("bench"))) as conn:
                sizes = books.create(conn, args.books)
            results["sizes"] = sizes
            plan = bench.plan()

            log("limit: Postgres alone")
            bench.fresh_install(sink_url)  # the page queries draw versions from the state schema
            seconds, docs = bench.postgres_alone_stream(plan)
            results["pg_alone_stream_docs_s"] = docs / seconds
            seconds, docs, bodies = bench.postgres_alone_pages(plan)
            results["pg_alone_pages_docs_s"] = docs / seconds
            # The parallel limit and the backfill are each measured BACKFILL_ROUNDS times (alternating,
            # below); medians, because single runs on this shared machine scatter by ±15 % (the
            # Postgres CPU of one limit run moved between 1.4 and 2.0 s in three consecutive rounds).
            parallel_rates = []
            seconds, docs = bench.postgres_alone_parallel(plan, args.workers)
            if docs != args.books:
                raise RuntimeError(f"the parallel scan saw {docs} documents, not {args.books}")
            parallel_rates.append(docs / seconds)

            log("limit: the sink alone")
            seconds, docs = bench.search_alone(sink_url, bodies, args.books, args.workers)
            results["sink_alone_docs_s"] = docs / seconds
            del bodies
            note_load(results, "limits")

            log(f"backfill into the sink, {BACKFILL_ROUNDS} times, alternating with the parallel Postgres-alone limit")
            backfill_rates, wall_rates, peak = [], [], 0
            # CPU seconds by part (see loadtest/cpu.py): is the machine saturated, and by what?
            cpu: dict[str, list[float]] = {}
            sink_process = sink_pid()
            with BusyTimeline() as busy:
                for round_ in range(BACKFILL_ROUNDS):
                    if round_:
                        account = CpuAccount(datadir).start()
                        started = time.time()
                        seconds, docs = bench.postgres_alone_parallel(plan, args.workers)
                        used = account.stop()
                        parallel_rates.append(docs / seconds)
                        cpu.setdefault("pg_alone_postgres", []).append(used["postgres"])
                        cpu.setdefault("pg_alone_client", []).append(used["client"])
                        cpu.setdefault("pg_alone_busy_cores", []).append(busy.cores(started, started + seconds))
                    bench.fresh_install(sink_url)
                    account = CpuAccount(datadir, {"sink": sink_process}).start()
                    seconds, round_peak = bench.run_once(sink_url)
                    used = account.stop()
                    backfill_rates.append(args.books / bench.backfill_seconds())
                    wall_rates.append(args.books / seconds)
                    peak = max(peak, round_peak)
                    cpu.setdefault("backfill_postgres", []).append(used["postgres"])
                    cpu.setdefault("backfill_indexer", []).append(used["children"])
                    cpu.setdefault("backfill_sink", []).append(used["sink"])
                    cpu.setdefault("backfill_busy_cores", []).append(busy.cores(*bench.backfill_window()))
            results["pg_alone_parallel_pages_docs_s"] = statistics.median(parallel_rates)
            pg_limit = max(
                results["pg_alone_stream_docs_s"],
                results["pg_alone_pages_docs_s"],
                results["pg_alone_parallel_pages_docs_s"],
            )
            results["pg_alone_docs_s"] = pg_limit
            results["backfill_sink_docs_s"] = statistics.median(backfill_rates)
            results["backfill_sink_ratio_to_pg_alone"] = results["backfill_sink_docs_s"] / pg_limit
            results["backfill_sink_with_process_start_docs_s"] = statistics.median(wall_rates)
            results["backfill_peak_rss_mb"] = peak / 2**20
            note_load(results, "backfill")

            log("start-up and exit: `indexer run --once` with nothing left to do, five times")
            idle = []
            for _ in range(5):
                account = CpuAccount(datadir).start()
                idle.append(bench.run_once(sink_url)[0])
                used = account.stop()
                cpu.setdefault("idle_postgres", []).append(used["postgres"])
                cpu.setdefault("idle_indexer", []).append(used["children"])
            results["run_once_idle_seconds"] = statistics.median(idle)
            results["run_once_idle_seconds_all"] = idle
            # CPU per document: the backfill runs' CPU less an idle run's (start-up and exit)
            idle_indexer = statistics.median(cpu["idle_indexer"])
            idle_postgres = statistics.median(cpu["idle_postgres"])
            backfill_postgres = [c - idle_postgres for c in cpu["backfill_postgres"]]
            backfill_indexer = [c - idle_indexer for c in cpu["backfill_indexer"]]
            results["cpu"] = {
                "runs": cpu,
                "pg_alone_postgres_us_per_doc": per_doc_us(cpu["pg_alone_postgres"], args.books),
                "pg_alone_client_us_per_doc": per_doc_us(cpu["pg_alone_client"], args.books),
                "pg_alone_busy_cores": statistics.median(cpu["pg_alone_busy_cores"]),
                "backfill_postgres_us_per_doc": per_doc_us(backfill_postgres, args.books),
                "backfill_indexer_us_per_doc": per_doc_us(backfill_indexer, args.books),
                "backfill_sink_us_per_doc": per_doc_us(cpu["backfill_sink"], args.books),
                "backfill_busy_cores": statistics.median(cpu["backfill_busy_cores"]),
                "cores": os.cpu_count(),
            }
            note_load(results, "start-up")

            def sink_received(documents_before: int) -> Callable[[int], bool]:
                return lambda documents: sink_actions(http, sink_url) - documents_before >= documents

            def change_stream_rates(process: Any, rounds: int) -> tuple[list[float], int]:
                """Docs/s of ``rounds`` drains of ``--updates`` single-row updates into the sink by a
                running tool, and the documents one drain changes."""
                rates, docs = [], 0
                for _ in range(rounds):
                    received = sink_received(sink_actions(http, sink_url))
                    seconds, docs = bench.drain_seconds(
                        process, lambda: bench.single_row_updates(args.updates, args.books), received
                    )
                    rates.append(docs / seconds)
                return rates, docs

            with bench.daemon(sink_url) as daemon:
                log(f"change stream: {args.updates} single-row updates while paused, then drain into the sink")
                # The first drain after start is reported apart; the median of the next three is the
                # steady state of a daemon that runs for days.
                rates, docs = change_stream_rates(daemon, 4)
                results["change_stream_first_drain_docs_s"] = rates[0]
                results["change_stream_updates"] = args.updates
                results["change_stream_documents"] = docs
                results["change_stream_sink_docs_s"] = statistics.median(rates[1:])
                results["change_stream_ratio_to_backfill"] = (
                    results["change_stream_sink_docs_s"] / results["backfill_sink_docs_s"]
                )
                note_load(results, "change stream")

                log(f"fan-out: rename {args.authors} authors while paused, then drain into the sink")
                received = sink_received(sink_actions(http, sink_url))
                seconds, docs = bench.drain_seconds(daemon, lambda: bench.rename_authors(args.authors), received)
                results["fanout_books"] = docs
                results["fanout_sink_seconds"] = seconds
                results["fanout_sink_docs_s"] = docs / seconds
                note_load(results, "fan-out")

                log("lanes: one book's title changed right after every author was renamed")
                root_seconds, all_seconds, fanned = bench.root_change_during_fanout(sizes["authors"])
                results["lane_fanout_books"] = fanned
                results["lane_root_change_seconds"] = root_seconds
                results["lane_fanout_seconds"] = all_seconds
                note_load(results, "lanes")

            if peer_venv is not None:
                log("PGSync 7.3 on the same database and sink: one-shot backfill, then its daemon's change stream")
                bench.indexer("teardown", search_url=sink_url)  # our triggers out of its way
                peer = PgSync(peer_venv, pg.port, "bench", sink_url, "pgsync_books")
                try:
                    peer.bootstrap()
                    results["pgsync_backfill_sink_with_process_start_docs_s"] = args.books / peer.oneshot()
                    with peer.daemon(quiet(lambda: sink_actions(http, sink_url))) as theirs:
                        rates, _docs = change_stream_rates(theirs, 2)
                        results["pgsync_change_stream_sink_docs_s_all"] = rates
                        results["pgsync_change_stream_sink_docs_s"] = max(rates)  # its better round
                finally:
                    peer.teardown()
                    peer.close()
                note_load(results, "PGSync on the sink")

            log("backfill at a quarter of the size (memory must stay flat)")
            small = Bench(pg, "bench_small", args.workers)
            with contextlib.closing(psycopg2.connect(pg.dsn_for("bench_small"))) as conn:
                books.create(conn, max(1000, args.books // 4))
            small.fresh_install(sink_url)
            _seconds, small_peak = small.run_once(sink_url)
            results["backfill_peak_rss_mb_quarter_size"] = small_peak / 2**20
            note_load(results, "quarter size")

            log("trigger overhead: pgbench with and without capture triggers")
            with contextlib.closing(bench.connect()) as conn, conn.cursor() as cur:
                cur.execute("CREATE TABLE IF NOT EXISTS sale (id bigserial PRIMARY KEY, book_id integer, amount numeric,"
                            " sold_at timestamptz DEFAULT now())")  # fmt: skip
            bench.indexer("teardown", search_url=sink_url)
            pgsync = peer_venv is not None
            if peer_venv is not None:
                trigger_peer = PgSync(peer_venv, pg.port, "bench", sink_url, "pgsync_books")
                trigger_peer.bootstrap()  # its triggers (and view and slot); switched on only for its rounds
                trigger_peer.close()
                set_pgsync_triggers(bench, False)
            for durability, durable in (("durable", True), ("fsync_off", False)):
                bench.set_durability(durable)
                for workload in WORKLOADS:
                    tps: dict[str, list[float]] = {"none": [], "ours": [], "pgsync": []}
                    variants = ["none", "ours", *(["pgsync"] if pgsync else [])]
                    for round_ in range(args.pgbench_rounds):
                        for variant in turned(variants, round_):
                            use_triggers(bench, sink_url, variant)
                            tps[variant].append(bench.pgbench_tps(args.pgbench_seconds, args.books, workload))
                    use_triggers(bench, sink_url, "none")
                    base = statistics.median(tps["none"])
                    ours = statistics.median(tps["ours"])
                    key = f"{workload}_{durability}"
                    results[f"pgbench_{key}_tps_rounds"] = tps
                    # how much the same setting scatters between rounds: the noise any difference must exceed
                    results[f"pgbench_{key}_spread_pct"] = 100 * (max(tps["none"]) - min(tps["none"])) / base
                    results[f"pgbench_{key}_tps_without_triggers"] = base
                    results[f"pgbench_{key}_tps_with_ours"] = ours
                    results[f"trigger_overhead_{key}_pct"] = 100 * (1 - ours / base)
                    if pgsync:
                        theirs_tps = statistics.median(tps["pgsync"])
                        results[f"pgbench_{key}_tps_with_pgsync"] = theirs_tps
                        results[f"pgsync_trigger_overhead_{key}_pct"] = 100 * (1 - theirs_tps / base)
                        # paired: in how many rounds ours ran at least as fast as PGSync's
                        results[f"pgbench_{key}_rounds_ours_not_slower"] = sum(
                            o >= t for o, t in zip(tps["ours"], tps["pgsync"], strict=True)
                        )
                    note_load(results, f"trigger overhead {key}")
            bench.set_durability(False)
            bench.indexer("bootstrap", search_url=sink_url)

            log(f"osmem: backfill of {args.osmem_docs} books, change stream and fan-out")
            osm = Bench(pg, "bench_small", args.workers, search_timeout=PgSync.TIMEOUT)  # the same as PGSync's
            with contextlib.closing(psycopg2.connect(pg.dsn_for("bench_small"))) as conn:
                books.create(conn, args.osmem_docs)
            osm_plan = osm.plan()

            def osmem_alone(bodies: list[bytes]) -> float:
                """osmem alone ingesting ``bodies`` (for the index ``books_alone``, created
                with the document's mapping first) on as many connections as workers."""
                http.request("DELETE", f"{osmem_url}/books_alone")
                created = http.request("PUT", f"{osmem_url}/books_alone", body=json.dumps(index_body(osm_plan.index)),
                                       headers={"Content-Type": "application/json"})  # fmt: skip
                assert created.status == 200, created.data[:300]
                seconds, docs = osm.search_alone(osmem_url, bodies, args.osmem_docs, args.workers)
                http.request("DELETE", f"{osmem_url}/books_alone")
                if docs != args.osmem_docs:
                    raise RuntimeError(f"osmem alone was sent {docs} documents, not {args.osmem_docs}")
                return docs / seconds

            # Our backfill and osmem alone (with the same bodies, cut again from the chunks the
            # backfill recorded, and with bodies of 1,000), three times each in the order
            # A B B A B A (so neither always follows the other); medians. The last backfill stays
            # for the change stream.
            spans, wholes, alone, alone_1000 = [], [], [], []
            bodies_1000 = osm.postgres_alone_pages(osm_plan, 1000, "books_alone")[2]
            for step in ("ours", "alone", "alone", "ours", "alone", "ours"):
                if step == "ours":
                    osm.fresh_install(osmem_url)
                    seconds, _peak = osm.run_once(osmem_url)
                    spans.append(args.osmem_docs / osm.backfill_seconds())
                    wholes.append(args.osmem_docs / seconds)
                else:
                    alone.append(osmem_alone(osm.backfill_bodies(osm_plan, "books_alone")))
                    alone_1000.append(osmem_alone(bodies_1000))
            results["backfill_osmem_rounds_docs_s"] = spans
            results["osmem_alone_rounds_docs_s"] = alone
            results["osmem_alone_1000_rounds_docs_s"] = alone_1000
            results["backfill_osmem_docs_s"] = statistics.median(spans)
            results["backfill_osmem_with_process_start_docs_s"] = statistics.median(wholes)
            results["osmem_alone_docs_s"] = statistics.median(alone)
            results["osmem_alone_1000_docs_s"] = statistics.median(alone_1000)
            results["backfill_osmem_ratio_to_osmem_alone"] = (
                results["backfill_osmem_docs_s"] / results["osmem_alone_docs_s"]
            )
            del bodies_1000
            note_load(results, "osmem backfill")

            def osmem_round(process: Any, proxy_url: str, prefix: str) -> None:
                """The change stream and the fan-out, timed by the counting proxy in front of osmem."""

                def written(before: int) -> Callable[[int], bool]:
                    return lambda documents: sink_actions(http, proxy_url) - before >= documents

                seconds, docs = osm.drain_seconds(
                    process,
                    lambda: osm.single_row_updates(args.osmem_updates, args.osmem_docs),
                    written(sink_actions(http, proxy_url)),
                )
                results[f"{prefix}change_stream_osmem_docs_s"] = docs / seconds
                seconds, docs = osm.drain_seconds(
                    process, lambda: osm.rename_authors(args.osmem_authors), written(sink_actions(http, proxy_url))
                )
                results[f"{prefix}fanout_osmem_books"] = docs
                results[f"{prefix}fanout_osmem_seconds"] = seconds

            # Drains on osmem are timed through a counting proxy: a search or refresh between writes
            # (how else to see that documents arrived) slows osmem's next write by about a second.
            with running_sink(osmem_url) as proxy_url:
                with osm.daemon(proxy_url) as daemon:
                    osmem_round(daemon, proxy_url, "")
                note_load(results, "osmem")
                if peer_venv is not None:
                    log("PGSync 7.3 on the same database and osmem")
                    osm.indexer("teardown", "--delete-index", search_url=osmem_url)
                    peer = PgSync(peer_venv, pg.port, "bench_small", osmem_url, "pgsync_books")
                    try:
                        peer.bootstrap()
                        results["pgsync_backfill_osmem_with_process_start_docs_s"] = args.osmem_docs / peer.oneshot()
                        peer.env["ELASTICSEARCH_URL"] = proxy_url  # its daemon writes through the proxy too
                        with peer.daemon(quiet(lambda: sink_actions(http, proxy_url))) as theirs:
                            osmem_round(theirs, proxy_url, "pgsync_")
                    except (RuntimeError, subprocess.SubprocessError) as exc:  # recorded, the run goes on
                        results["pgsync_osmem_failed"] = str(exc)[-500:]
                        log(f"PGSync on osmem failed: {str(exc)[-300:]}")
                    finally:
                        peer.teardown()
                        peer.close()
                    note_load(results, "PGSync on osmem")

            if args.scale_books:
                log(f"scale: backfill of {args.scale_books} books into the sink")
                pg.psql("postgres", "-c", "CREATE DATABASE bench_large")
                large = Bench(pg, "bench_large", args.workers)
                with contextlib.closing(psycopg2.connect(pg.dsn_for("bench_large"))) as conn:
                    books.create(conn, args.scale_books)
                large.fresh_install(sink_url)
                seconds, large_peak = large.run_once(sink_url)
                results["scale_books"] = args.scale_books
                results["scale_backfill_sink_docs_s"] = args.scale_books / large.backfill_seconds()
                results["scale_backfill_with_process_start_docs_s"] = args.scale_books / seconds
                results["scale_peak_rss_mb"] = large_peak / 2**20
                # time per document at scale over time per document at --books: 1.0 is linear
                results["scale_time_per_doc_ratio"] = (
                    results["backfill_sink_docs_s"] / results["scale_backfill_sink_docs_s"]
                )
                # the same for Postgres alone (parallel pages), to tell the database's own
                # growth in cost per document (a table larger than shared_buffers) from ours
                seconds, docs = large.postgres_alone_parallel(large.plan(), args.workers)
                results["scale_pg_alone_docs_s"] = docs / seconds
                results["scale_pg_alone_time_per_doc_ratio"] = (
                    results["pg_alone_parallel_pages_docs_s"] / results["scale_pg_alone_docs_s"]
                )
                large.indexer("teardown", search_url=sink_url)
                pg.psql("postgres", "-c", "DROP DATABASE bench_large")
                note_load(results, "scale")
    finally:
        pg.stop("immediate")
        shutil.rmtree(datadir, ignore_errors=True)

    out = save(results)
    print(json.dumps(results, indent=2))
    print(table(results))
    print(f"written to {out}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONPATH", str(ROOT))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    threading.current_thread().name = "bench"
    main()
