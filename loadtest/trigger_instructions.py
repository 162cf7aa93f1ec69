"""What a capture trigger costs a single-row write, in CPU instructions:
counted by callgrind, so two runs of the same code give the same figure
whatever else the machine is doing (tps on a shared 2-core box scatters by
tens of percent from round to round).

    python -m loadtest.trigger_instructions --books 100000 [--pgsync-venv DIR]

A private PostgreSQL (the system's binaries) holds the books database. For
each variant (no capture triggers, ours, PGSync's when ``--pgsync-venv`` is
given) the server is stopped and ``postgres --single`` runs each workload's
statements under ``valgrind --tool=callgrind``, once with ``--short`` and once
with ``--long`` statements, each its own transaction. The difference of the two
totals divided by the difference of the counts is the steady-state cost of one
statement: start-up, catalog caches and the first call of each function cancel
out. Workloads (``loadtest.bench.WORKLOADS`` sets them in pgbench):

* ``update``: a book's title, which every document reads;
* ``counter``: a book's ``copies_sold``, which no document reads;
* ``child_unmapped``: an author's ``born``, which no document reads.

Needs valgrind (``apt install valgrind``); about 4 minutes for three variants.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from indexer.embedded import LocalPostgres
from loadtest.bench import books_bench, set_pgsync_triggers, use_triggers
from loadtest.peer import PgSync

WORKLOADS = {
    "update": "UPDATE book SET title = 'ti {nonce} {i} ' || id WHERE id = {id};\n",
    "counter": "UPDATE book SET copies_sold = copies_sold + 1 WHERE id = {id};\n",
    "child_unmapped": "UPDATE author SET born = born + 1 WHERE id = {author};\n",
}


def statements(workload: str, count: int, books_total: int, seed: int) -> str:
    """``count`` statements of ``workload`` on rows drawn at random; titles carry
    a fresh nonce, so no UPDATE leaves its row as an earlier run left it."""
    rnd = random.Random(seed)
    nonce = uuid.uuid4().hex[:8]
    authors = max(10, books_total // 5)
    return "".join(
        WORKLOADS[workload].format(nonce=nonce, i=i, id=rnd.randint(1, books_total), author=rnd.randint(1, authors))
        for i in range(count)
    )


def instructions(pg: LocalPostgres, database: str, script: str) -> int:
    """Instructions callgrind counts for a single-user backend running ``script``.

    Raises RuntimeError when a statement fails or callgrind prints no total."""
    with tempfile.TemporaryDirectory() as scratch:
        os.chmod(scratch, 0o777)  # noqa: S103 - the server's user writes callgrind's file here
        out = Path(scratch) / "callgrind.out"
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                   str(pg.bindir / "postgres"), "--single", "-D", str(pg.datadir), "-c", "fsync=off", database]  # fmt: skip
        result = subprocess.run(command, input=script, capture_output=True, text=True, user=pg.user, check=False)
    output = result.stdout + result.stderr
    if "ERROR" in output:
        raise RuntimeError(output[output.index("ERROR") :][:500])
    collected = re.search(r"Collected : (\d+)", result.stderr)
    if collected is None:
        raise RuntimeError(result.stderr[-2000:])
    return int(collected.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--books", type=int, default=100_000)
    parser.add_argument("--short", type=int, default=300, help="statements in the shorter run")
    parser.add_argument("--long", type=int, default=1300, help="statements in the longer run")
    parser.add_argument("--pgsync-venv", type=Path, help="a virtualenv with pgsync==7.3.0, measured side by side")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("needs valgrind on PATH (apt install valgrind)")
    with books_bench(args.books, "trigger-instructions") as (pg, bench, sink_url):
        variants = ["none", "ours"]
        if args.pgsync_venv is not None:
            peer = PgSync(args.pgsync_venv, pg.port, "bench", sink_url, "pgsync_books")
            peer.bootstrap()  # its triggers, view and slot; switched on only for its variant
            peer.close()
            set_pgsync_triggers(bench, False)
            variants.append("pgsync")
        per_statement: dict[tuple[str, str], float] = {}
        for variant in variants:
            use_triggers(bench, sink_url, variant)
            pg.stop()
            try:
                for workload in WORKLOADS:
                    short = instructions(pg, "bench", statements(workload, args.short, args.books, 1))
                    long = instructions(pg, "bench", statements(workload, args.long, args.books, 2))
                    per_statement[(variant, workload)] = (long - short) / (args.long - args.short)
            finally:
                pg.start()

    print(f"instructions per statement (callgrind, postgres --single, {args.long} - {args.short} statements)")
    print(f"{'workload':16} {'no trigger':>11} " + " ".join(f"{v:>20}" for v in variants[1:]))
    for workload in WORKLOADS:
        base = per_statement[("none", workload)]
        cells = [f"{per_statement[(v, workload)]:>10,.0f} (+{100 * (per_statement[(v, workload)] / base - 1):5.1f} %)"
                 for v in variants[1:]]  # fmt: skip
        print(f"{workload:16} {base:>11,.0f} " + " ".join(f"{c:>20}" for c in cells))


if __name__ == "__main__":
    main()
