"""PGSync's own examples, run by PGSync 7.3 and by the indexer, documents compared.

    python -m loadtest.pgsync_examples --examples DIR --pgsync-venv VENV [NAME ...]

``DIR`` is PGSync's ``examples/`` folder (from its Git repository; the PyPI
package does not ship it, and none of it is copied here) and ``VENV`` a
virtualenv with ``pgsync==7.3.0``. For each example that has a ``schema.py``
(or the names given), on one private PostgreSQL (``wal_level=logical``):

1. the example's ``schema.py`` and ``data.py`` create its tables and rows, run
   by PGSync's interpreter exactly as PGSync's ``examples/bootstrap.sh`` runs
   them;
2. PGSync's ``bootstrap`` then a one-shot ``pgsync`` fill its indexes on one
   osmem-server; ``indexer bootstrap`` then ``indexer run --once`` fill the same
   index names on a second one, both from the **unchanged** ``schema.json``;
3. every document of both is read back and compared: the ``_id`` sets, then each
   document. Differences that the README lists as intentional (the order of
   array elements) are counted apart from the others, and so are documents
   where PGSync's differs from the independent reference of the test suite
   (``tests/reference.py``, documents assembled in Python from whole tables)
   while the indexer's equals it: there PGSync is wrong.

Exit status 0 only when every example was accepted by both tools and no
unexplained difference was found. Prints one line per example and a summary
table; with ``--verbose`` the first differences of each.

Redis on 127.0.0.1:6379 is needed by PGSync only.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import psycopg2
import urllib3

from indexer.embedded import LocalPostgres, embedded_bindir, running_osmem, system_bindir
from indexer.plugins import load_plugins
from tests.reference import Reference

ROOT = Path(__file__).resolve().parent.parent


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


@dataclass
class Outcome:
    """What one example gave: both tools' exit, then the comparison."""

    name: str
    pgsync_error: str = ""
    indexer_error: str = ""
    documents: int = 0
    missing: list[str] = field(default_factory=list)  # _ids PGSync has and we do not
    extra: list[str] = field(default_factory=list)  # _ids we have and PGSync does not
    order_only: list[str] = field(default_factory=list)  # equal once arrays are sorted
    pgsync_wrong: list[str] = field(default_factory=list)  # ours equals the reference, PGSync's does not
    pgsync_wrong_fields: set[str] = field(default_factory=set)  # the top-level fields where it does not
    pgsync_wrong_sample: tuple[str, Any, Any] | None = None
    different: list[tuple[str, Any, Any]] = field(default_factory=list)  # and ours is not the reference's

    not_reference: list[str] = field(default_factory=list)  # _ids where ours is not the reference's (or missing)

    @property
    def ok(self) -> bool:
        """Accepted, every document the reference's, and no unexplained
        difference from PGSync where PGSync ran (its own failure is not ours)."""
        return not (self.indexer_error or self.not_reference or self.missing or self.extra or self.different)


def documents(http: urllib3.PoolManager, url: str, index: str) -> dict[str, Any]:
    """Every document of ``index`` as ``{_id: _source}`` (sorted scan by _id pages)."""
    http.request("POST", f"{url}/{index}/_refresh")
    found: dict[str, Any] = {}
    start = 0
    while True:
        body = json.dumps({"query": {"match_all": {}}, "size": 1000, "from": start, "sort": ["_doc"]})
        response = http.request(
            "POST", f"{url}/{index}/_search", body=body, headers={"Content-Type": "application/json"}
        )
        hits = json.loads(response.data).get("hits", {}).get("hits", [])
        for hit in hits:
            found[hit["_id"]] = hit["_source"]
        if len(hits) < 1000:
            return found
        start += len(hits)


def canonical(value: Any) -> Any:
    """``value`` with every array sorted by its elements' JSON, recursively."""
    if isinstance(value, dict):
        return {key: canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        items = [canonical(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True, default=str))
    return value


def compare(outcome: Outcome, theirs: dict[str, Any] | None, ours: dict[str, Any], reference: dict[str, Any]) -> None:
    """Fill ``outcome`` from the indexer's documents, the reference's and, when
    PGSync ran (``theirs`` is not None), PGSync's. PGSync's ``_meta`` field
    (the keys of the rows each document was built from, its own bookkeeping for
    routing changes) is left out: the indexer keeps that in Postgres."""
    outcome.documents += len(ours)
    outcome.not_reference += sorted(
        key for key in set(ours) | set(reference) if canonical(ours.get(key)) != canonical(reference.get(key))
    )
    if theirs is None:
        return
    for document in theirs.values():
        document.pop("_meta", None)
    outcome.missing += sorted(set(theirs) - set(ours))
    outcome.extra += sorted(set(ours) - set(theirs))
    for key in sorted(set(theirs) & set(ours)):
        if theirs[key] == ours[key]:
            continue
        if canonical(theirs[key]) == canonical(ours[key]):
            outcome.order_only.append(key)
        elif canonical(ours[key]) == canonical(reference.get(key)):
            outcome.pgsync_wrong.append(key)
            outcome.pgsync_wrong_sample = outcome.pgsync_wrong_sample or (key, theirs[key], ours[key])
            names = set(theirs[key]) | set(ours[key])
            outcome.pgsync_wrong_fields.update(
                name for name in names if canonical(theirs[key].get(name)) != canonical(ours[key].get(name))
            )
        else:
            outcome.different.append((key, theirs[key], ours[key]))


class Run:
    def __init__(
        self,
        pg: LocalPostgres,
        venv: Path,
        urls: tuple[str, str],
        plugins: Path | None,
    ) -> None:
        self.pg = pg
        # the directory that holds PGSync's plugins/ folder, on both tools' path
        self.plugins = f"{os.pathsep}{plugins}" if plugins else ""
        self.venv = venv
        self.pgsync_url, self.indexer_url = urls
        # The examples on PGSync's main branch call pgsync.utils.get_config,
        # which came after 7.3.0; with --config given it returns the path.
        self.shim = Path("/tmp") / f"pgsync-shim-{uuid.uuid4().hex[:6]}"
        self.shim.mkdir()
        (self.shim / "sitecustomize.py").write_text(
            "import pgsync.utils\n"
            "if not hasattr(pgsync.utils, 'get_config'):\n"
            "    pgsync.utils.get_config = lambda config=None: config or __import__('os').environ['SCHEMA']\n"
        )

    def env(self, search_url: str, example: Path) -> dict[str, str]:
        return {
            **os.environ,
            "PG_HOST": "127.0.0.1",
            "PG_PORT": str(self.pg.port),
            "PG_USER": "postgres",
            "PG_PASSWORD": "",
            "ELASTICSEARCH_URL": search_url,
            "OPENSEARCH": "true",
            "REDIS_HOST": "127.0.0.1",
            "PYTHONPATH": f"{example}{os.pathsep}{self.shim}{self.plugins}",
        }

    def step(self, command: list[str], env: dict[str, str], cwd: Path) -> str:
        """Run one command; its last lines of output when it fails, else ''."""
        result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=900)
        if result.returncode == 0:
            return ""
        lines = (result.stdout + result.stderr).strip().splitlines()
        return "\n".join(lines[-6:]) or f"exit {result.returncode}"

    def example(self, example: Path) -> Outcome:
        outcome = Outcome(example.name)
        config = str(example / "schema.json")
        python = str(self.venv / "bin" / "python")
        env = self.env(self.pgsync_url, example)
        for script in ("schema.py", "data.py"):
            if (example / script).exists():
                error = self.step([python, str(example / script), "--config", config], env, example)
                if error:  # the example's own tables or rows could not be made: nothing to compare
                    outcome.indexer_error = outcome.pgsync_error = f"{script}: {error}"
                    return outcome
        outcome.pgsync_error = self.step([str(self.venv / "bin" / "bootstrap"), "--config", config], env, example)
        if not outcome.pgsync_error:
            outcome.pgsync_error = self.step([str(self.venv / "bin" / "pgsync"), "--config", config], env, example)
        ours = self.env(self.indexer_url, example)
        ours["PYTHONPATH"] = f"{ROOT}{self.plugins}"
        indexer = [sys.executable, "-m", "indexer", "--log-level", "warning"]
        outcome.indexer_error = self.step([*indexer, "bootstrap", "-c", config], ours, ROOT)
        if not outcome.indexer_error:
            outcome.indexer_error = self.step([*indexer, "run", "--once", "-c", config], ours, ROOT)
        if outcome.indexer_error:
            return outcome
        http = urllib3.PoolManager()
        for entry in json.loads((example / "schema.json").read_text()):
            index = entry.get("index") or entry["database"]
            database = entry.get("database") or entry["index"]
            with contextlib.closing(psycopg2.connect(self.pg.dsn_for(database))) as conn:
                reference = self.reference(conn, entry, index, example)
            theirs = None if outcome.pgsync_error else documents(http, self.pgsync_url, index)
            compare(outcome, theirs, documents(http, self.indexer_url, index), reference)
        self.step([*indexer, "teardown", "-c", config], ours, ROOT)
        return outcome

    def reference(self, conn: Any, entry: dict[str, Any], index: str, example: Path) -> dict[str, Any]:
        """The reference documents of ``entry``, passed through its plugins (the
        reference has none of its own) and a JSON round trip, so that they hold
        what a search response would."""
        built = Reference(conn).documents(entry)
        if entry.get("plugins"):
            sys.path[:0] = [path for path in self.plugins.split(os.pathsep) if path]
            for plugin in load_plugins(entry["plugins"], file=str(example / "schema.json"), path="plugins"):
                built = {key: plugin.transform(doc, _id=key, _index=index) for key, doc in built.items()}
        return dict(orjson.loads(orjson.dumps(built, default=str)))


def report(outcomes: list[Outcome], verbose: bool) -> None:
    print()
    print(
        f"{'example':<18}{'PGSync':<10}{'indexer':<10}{'docs':>6}{'missing':>9}{'extra':>7}{'order':>7}{'PGSync wrong':>14}{'differ':>8}{'not ref':>9}"
    )
    for item in outcomes:
        theirs = "error" if item.pgsync_error else "ok"
        ours = "error" if item.indexer_error else "ok"
        print(
            f"{item.name:<18}{theirs:<10}{ours:<10}{item.documents:>6}{len(item.missing):>9}"
            f"{len(item.extra):>7}{len(item.order_only):>7}{len(item.pgsync_wrong):>14}{len(item.different):>8}"
            f"{len(item.not_reference):>9}"
        )
    for item in outcomes:
        for label, text in (("PGSync", item.pgsync_error), ("indexer", item.indexer_error)):
            if text:
                print(f"\n{item.name}: {label} failed:\n  " + text.replace("\n", "\n  "))
        if verbose:
            if item.pgsync_wrong:
                fields = ", ".join(sorted(item.pgsync_wrong_fields))
                print(f"\n{item.name}: PGSync differs from the reference in {fields} of _ids {item.pgsync_wrong[:10]}")
            samples = [item.pgsync_wrong_sample] if item.pgsync_wrong_sample else []
            for key, theirs_doc, ours_doc in item.different[:3] + samples:
                print(f"\n{item.name} _id {key}:\n  PGSync  {json.dumps(theirs_doc, sort_keys=True, default=str)}")
                print(f"  indexer {json.dumps(ours_doc, sort_keys=True, default=str)}")
            if item.missing[:5] or item.extra[:5]:
                print(f"\n{item.name}: missing {item.missing[:5]} extra {item.extra[:5]}")
    accepted = sum(1 for item in outcomes if not item.indexer_error)
    ran = [item for item in outcomes if not item.pgsync_error]
    same = sum(1 for item in ran if item.ok and not item.pgsync_wrong)
    right = sum(1 for item in outcomes if item.ok)
    print(
        f"\naccepted by the indexer: {accepted} of {len(outcomes)}; by PGSync 7.3: {len(ran)};"
        f" every document the reference's: {right}; identical to PGSync's (where it ran): {same} of {len(ran)};"
        f" load average {os.getloadavg()[0]:.2f}"
    )


def verdict(outcome: Outcome) -> str:
    if outcome.indexer_error:
        return "indexer failed" + (" (and PGSync)" if outcome.pgsync_error else "")
    if not outcome.ok:
        return "DIFFERENT"
    if outcome.pgsync_error:
        return "right (PGSync failed)"
    return "right, PGSync wrong in some" if outcome.pgsync_wrong else "same"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=Path, required=True, help="PGSync's examples/ folder")
    parser.add_argument("--pgsync-venv", type=Path, required=True, help="a virtualenv with pgsync==7.3.0")
    parser.add_argument("--plugins", type=Path, help="the directory that holds PGSync's plugins/ folder")
    parser.add_argument("--embedded", action="store_true", help="use the embedded PostgreSQL 18")
    parser.add_argument("--keep", action="store_true", help="leave the PostgreSQL running, to look into a failure")
    parser.add_argument("--verbose", action="store_true", help="print the first differences of each example")
    parser.add_argument("names", nargs="*", help="examples to run (default: every one with a schema.py)")
    args = parser.parse_args()
    names = args.names or sorted(path.parent.name for path in args.examples.glob("*/schema.py"))
    bindir = embedded_bindir() if args.embedded else (system_bindir() or embedded_bindir())
    pg = LocalPostgres(datadir=Path("/tmp") / f"indexer-examples-{uuid.uuid4().hex[:8]}", bindir=bindir).start()
    outcomes: list[Outcome] = []
    try:
        with running_osmem(quiet=True) as pgsync_url, running_osmem(quiet=True) as indexer_url:
            plugins = args.plugins.resolve() if args.plugins else None
            run = Run(pg, args.pgsync_venv.resolve(), (pgsync_url, indexer_url), plugins)
            for name in names:
                outcome = run.example(args.examples.resolve() / name)
                log(f"{name}: {verdict(outcome)} ({outcome.documents} documents)")
                outcomes.append(outcome)
    finally:
        if args.keep:
            log(f"PostgreSQL left running: {pg.dsn} (data in {pg.datadir})")
        else:
            pg.stop("immediate")
    report(outcomes, args.verbose)
    sys.exit(0 if all(item.ok for item in outcomes) else 1)


if __name__ == "__main__":
    main()
