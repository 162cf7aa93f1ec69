"""The settings every session of ours runs with, read back from a real server."""

from __future__ import annotations

import contextlib

from indexer import db
from indexer.embedded import LocalPostgres


def test_sessions_pin_search_path_and_turn_jit_off(cluster: LocalPostgres) -> None:
    with contextlib.closing(db.connect(cluster.dsn_for("postgres"), autocommit=True)) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT current_setting('search_path'), current_setting('jit'), current_setting('application_name')"
        )
        assert cur.fetchone() == ("pg_catalog,pg_temp", "off", "indexer")
