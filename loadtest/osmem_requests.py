"""What one update request costs osmem-server, by how its index was written.

``python -m loadtest.osmem_requests [--books 20000] [--load-sizes 2000,500] [--requests 5] [--update-size 50]``

The benchmark's change stream into osmem was far slower than its backfill, and
slower than PGSync's. This isolates the engine's part: the same documents (the
bookshop of :mod:`loadtest.books`, built by the backfill's own page query) are
written into a fresh index in bulk requests of each ``--load-sizes`` documents,
then ``--requests`` requests of ``--update-size`` random documents each replace
existing documents with a changed title, timed one by one. Nothing of the
indexer runs during the timed part: only this process and osmem.

Seen here (2026-12-06, 20,000 books): written in requests of 2,000 documents,
an update request of 50 took 0.02-0.05 s; written in requests of 500 or 100,
12-17 s each, whatever its size (50 or 1,000 documents), the CPU time of osmem
itself. Written in requests of 1,250, updates of 1,000 took 0.5 s until about
4,000 documents had been replaced, then ~10 s each. So on osmem the cost of a
change stream depends on how the backfill cut its requests, and it is paid per
request, not per document. loadtest/README.md has the latest table.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import time
import uuid
from pathlib import Path

import orjson
import psycopg2
import urllib3

from indexer.embedded import LocalPostgres, embedded_bindir, running_osmem, system_bindir
from loadtest import books
from loadtest.bench import Bench, running_sink

JSON = {"Content-Type": "application/json"}


def documents(pg: LocalPostgres, count: int) -> list[tuple[str, bytes]]:
    """``(_id, document JSON)`` for ``count`` books, built by the backfill's page query."""
    pg.psql("postgres", "-c", "CREATE DATABASE bench")
    bench = Bench(pg, "bench", 2)
    with contextlib.closing(psycopg2.connect(pg.dsn_for("bench"))) as conn:
        books.create(conn, count)
    with running_sink() as sink_url:
        bench.fresh_install(sink_url)  # the page query draws versions from the state schema
        _seconds, _docs, bodies = bench.postgres_alone_pages(bench.plan())
    lines = b"".join(bodies).split(b"\n")
    return [(orjson.loads(lines[i])["index"]["_id"], lines[i + 1]) for i in range(0, len(lines) - 1, 2)]


def bulk(http: urllib3.PoolManager, url: str, index: str, docs: list[tuple[str, bytes]]) -> float:
    """Seconds for one bulk request indexing ``docs`` into ``index``."""
    body = b"".join(orjson.dumps({"index": {"_index": index, "_id": i}}) + b"\n" + d + b"\n" for i, d in docs)
    started = time.monotonic()
    answer = http.request("POST", f"{url}/_bulk", body=body, headers=JSON, timeout=600)
    seconds = time.monotonic() - started
    if answer.status != 200 or orjson.loads(answer.data).get("errors"):
        raise RuntimeError(f"bulk request failed: {answer.data[:300]!r}")
    return seconds


def retitled(docs: list[tuple[str, bytes]], rng: random.Random) -> list[tuple[str, bytes]]:
    out = []
    for doc_id, doc in docs:
        parsed = orjson.loads(doc)
        parsed["title"] = f"Edited {rng.getrandbits(40):x}"
        out.append((doc_id, orjson.dumps(parsed)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--books", type=int, default=20_000)
    parser.add_argument("--load-sizes", default="2000,500", help="documents per request while writing the index")
    parser.add_argument("--requests", type=int, default=5, help="update requests, timed")
    parser.add_argument("--update-size", type=int, default=50, help="documents per update request")
    args = parser.parse_args()
    rng = random.Random(1)
    pg = LocalPostgres(datadir=Path("/tmp") / f"indexer-osmem-{uuid.uuid4().hex[:8]}",
                       bindir=system_bindir() or embedded_bindir()).start()  # fmt: skip
    http = urllib3.PoolManager()
    try:
        docs = documents(pg, args.books)
        with running_osmem() as url:
            print(f"| written in requests of | writing | update request of {args.update_size} documents (median) | all"
                  " | load |")  # fmt: skip
            print("|---|---|---|---|---|")
            for size in (int(s) for s in args.load_sizes.split(",")):
                index = f"books_{size}"
                http.request("PUT", f"{url}/{index}", body=b"{}", headers=JSON)
                writing = sum(bulk(http, url, index, docs[k : k + size]) for k in range(0, len(docs), size))
                times = [
                    bulk(http, url, index, retitled(rng.sample(docs, args.update_size), rng))
                    for _ in range(args.requests)
                ]
                print(f"| {size} documents | {writing:.1f} s | {statistics.median(times):.2f} s | "
                      f"{' '.join(f'{t:.2f}' for t in times)} | {os.getloadavg()[0]:.2f} |", flush=True)  # fmt: skip
                http.request("DELETE", f"{url}/{index}")
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
