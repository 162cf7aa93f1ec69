"""The Postgres seam: opening connections and translating driver errors.

Every connection the indexer opens goes through :func:`connect`, which names
the application (visible in ``pg_stat_activity``), pins ``search_path`` to
``pg_catalog, pg_temp`` (the same path the capture functions run with, so joins
resolve to the same operators in both) and turns connection failures into
:class:`~indexer.errors.DatabaseUnavailable` or, when retrying cannot help,
:class:`~indexer.errors.ConfigError`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import psycopg2
import psycopg2.errors
import psycopg2.extensions
from psycopg2.extensions import parse_dsn

from indexer.errors import ConfigError, DatabaseUnavailable, IndexerError
from indexer.process import first_line

# Errors raised while talking to a server that went away; worth a reconnect.
TRANSIENT = (psycopg2.OperationalError, psycopg2.InterfaceError)

_FATAL_MARKERS = (
    "password authentication failed",
    "no password supplied",
    "does not exist",
    "no pg_hba.conf entry",
    "invalid dsn",
    "invalid connection option",
    "sslmode",
)


def describe(dsn: str) -> str:
    """``user@host:port/dbname`` for messages, never the password."""
    try:
        params = parse_dsn(dsn)
    except psycopg2.ProgrammingError:
        return "<invalid connection string>"
    host = params.get("host") or params.get("hostaddr") or "localhost"
    port = params.get("port") or "5432"
    user = params.get("user") or "<default user>"
    return f"{user}@{host}:{port}/{params.get('dbname', '<default>')}"


def connect(dsn: str, *, application: str = "indexer", autocommit: bool = False) -> Any:
    """Open a psycopg2 connection. Raises :class:`ConfigError` when the server
    refuses the role, password or database, :class:`DatabaseUnavailable` when
    it cannot be reached."""
    try:
        conn = psycopg2.connect(
            dsn,
            application_name=application,
            connect_timeout=10,
            keepalives=1,
            keepalives_idle=10,
            keepalives_interval=5,
            keepalives_count=3,
            # Every statement of ours is an index-driven nested loop over a bounded set of
            # keys, which JIT compilation never speeds up: past jit_above_cost (a backfill
            # page of about 3,000 books here) it added ~10 ms of compiling to a 55 ms page.
            options="-c search_path=pg_catalog,pg_temp -c jit=off",
        )
    except psycopg2.OperationalError as exc:
        message = first_line(exc) if str(exc).strip() else "connection failed"
        where = describe(dsn)
        lowered = message.lower()
        if any(marker in lowered for marker in _FATAL_MARKERS) and "could not connect" not in lowered:
            raise ConfigError(f"Postgres refused {where}: {message}") from None
        raise DatabaseUnavailable(
            f"cannot reach Postgres at {where}: {message}",
            hint="check --dsn (or PG_HOST/PG_PORT, PGHOST/PGPORT) and that the server is running",
        ) from None
    conn.autocommit = autocommit
    return conn


@contextlib.contextmanager
def connection(dsn: str, *, application: str = "indexer", autocommit: bool = False) -> Iterator[Any]:
    conn = connect(dsn, application=application, autocommit=autocommit)
    try:
        yield conn
    finally:
        with contextlib.suppress(Exception):
            conn.close()


def translate(exc: Exception, command: str = "run") -> IndexerError:
    """An :class:`IndexerError` for a driver error that reached a command's
    boundary: missing privileges say which ones ``command`` needs (``run``,
    ``teardown``); a lost server is :class:`DatabaseUnavailable`; anything else
    keeps Postgres's own message."""
    from indexer.errors import PreflightError
    from indexer.privileges import PRIVILEGES_BY_COMMAND, RUN_PRIVILEGES

    first = first_line(exc)
    if isinstance(exc, psycopg2.errors.DeadlockDetected | psycopg2.errors.LockNotAvailable):
        return IndexerError(f"Postgres could not take a lock in time: {first}", hint="retry; nothing was changed")
    if isinstance(exc, psycopg2.errors.InsufficientPrivilege):
        needed = PRIVILEGES_BY_COMMAND.get(command, RUN_PRIVILEGES)
        shown = command if command in PRIVILEGES_BY_COMMAND else "run"
        return PreflightError(f"{first}; `indexer {shown}` needs: " + "; ".join(needed))
    if isinstance(exc, TRANSIENT):
        return DatabaseUnavailable(f"lost the connection to Postgres: {first}")
    return IndexerError(f"Postgres error: {first}")
