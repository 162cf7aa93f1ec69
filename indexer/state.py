"""The database seam: every statement the indexer runs in a database goes through here.

A :class:`StateStore` wraps one psycopg2 connection and the name of the state
schema. It runs two kinds of statement and holds no SQL text itself:

* **named statements**, the sections of ``sql/queries.sql`` (see
  :mod:`indexer.sqlfiles`): ``{schema}`` is the state schema, and any other
  ``{part}`` is filled at the call with a ``psycopg2.sql`` object (an
  identifier, a literal or a fragment), so names are never pasted into text;
* **generated statements**, composed from the plan by :mod:`indexer.sqlgen`
  (document queries, capture functions), passed in as ``sql.Composable``.

Modules above it say what they want by name and never build a cursor. The
shape follows procrastinate's connector and ``sql/queries.sql``: one place
where statement text meets the driver. Driver errors are not caught here; they
reach the callers that retry (:data:`indexer.db.TRANSIENT`) or the command
boundary, where :func:`indexer.db.translate` turns them into the project's
error tree.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, TypeAlias

import psycopg2.extensions
from psycopg2 import sql

from indexer.sqlfiles import Queries

Statement: TypeAlias = str | sql.Composable  # a name in sql/queries.sql, or generated SQL


class StateStore:
    """Statements on one connection (``conn``) for the state schema ``state_schema``.

    Methods take a statement (a name or composed SQL), its driver parameters
    (``%(x)s`` in the text) and, for a name, the ``{part}`` values. Results are
    lists of tuples as psycopg2 returns them. Transactions are the
    connection's: on a non-autocommit connection a read leaves a transaction
    open until :meth:`commit` or :meth:`rollback`, as a cursor would.
    """

    def __init__(self, conn: Any, state_schema: str) -> None:
        self.conn = conn
        self.state_schema = state_schema
        self.queries = Queries(state_schema)

    def statement(self, statement: Statement, /, **parts: sql.Composable) -> sql.Composable:
        """The composed form of ``statement``."""
        if isinstance(statement, str):
            return self.queries.compose(statement, **parts) if parts else self.queries[statement]
        return statement

    def run(self, statement: Statement, params: Any = None, /, **parts: sql.Composable) -> int:
        """Execute; the number of rows it touched (-1 where the driver does not say)."""
        with self.conn.cursor() as cur:
            cur.execute(self.statement(statement, **parts), params)
            return int(cur.rowcount)

    def rows(self, statement: Statement, params: Any = None, /, **parts: sql.Composable) -> list[tuple[Any, ...]]:
        """Every row of the result."""
        with self.conn.cursor() as cur:
            cur.execute(self.statement(statement, **parts), params)
            rows: list[Any] = cur.fetchall()
            return rows

    def row(self, statement: Statement, params: Any = None, /, **parts: sql.Composable) -> tuple[Any, ...] | None:
        """The first row of the result, or None."""
        with self.conn.cursor() as cur:
            cur.execute(self.statement(statement, **parts), params)
            found = cur.fetchone()
            return tuple(found) if found is not None else None

    def value(self, statement: Statement, params: Any = None, /, **parts: sql.Composable) -> Any:
        """The first column of the first row, or None when there is no row."""
        found = self.row(statement, params, **parts)
        return found[0] if found else None

    def flag(self, statement: Statement, params: Any = None, /, **parts: sql.Composable) -> bool:
        """:meth:`value` as a bool (a missing row is False)."""
        return bool(self.value(statement, params, **parts))

    def bytes_rows(self, statement: Statement, params: Any = None, /, **parts: sql.Composable) -> list[Any]:
        """Every row, with text columns as ``bytes`` (no decoding): document
        JSON that goes straight into a bulk body."""
        cur = self.conn.cursor()
        try:
            psycopg2.extensions.register_type(psycopg2.extensions.BYTES, cur)
            cur.execute(self.statement(statement, **parts), params)
            rows: list[Any] = cur.fetchall()
            return rows
        finally:
            cur.close()

    def stream(
        self, statement: Statement, params: Any = None, /, *, cursor: str, size: int, **parts: sql.Composable
    ) -> Iterator[tuple[Any, ...]]:
        """The rows through a server-side cursor named ``cursor``, fetched
        ``size`` at a time (bounded memory). Needs an open transaction."""
        with self.conn.cursor(name=cursor) as named:
            named.itersize = size
            named.execute(self.statement(statement, **parts), params)
            yield from named

    # -- advisory locks (keys from :func:`indexer.locks.advisory_key`) --------------

    def try_lock(self, key: int) -> bool:
        """Take the session-level advisory lock ``key`` if free; whether it was taken."""
        return self.flag("try_advisory_lock", {"key": key})

    def unlock(self, key: int) -> None:
        self.run("advisory_unlock", {"key": key})

    def lock_shared(self, key: int) -> None:
        """Wait for and take ``key`` shared, for the session."""
        self.run("advisory_lock_shared", {"key": key})

    def copy_in(self, statement: Statement, source: Any, /, **parts: sql.Composable) -> None:
        """Run a ``COPY ... FROM STDIN`` statement with ``source`` (a file-like
        object) as its input."""
        with self.conn.cursor() as cur:
            cur.copy_expert(self.statement(statement, **parts), source)

    def commit(self) -> None:
        self.conn.commit()

    def rollback(self) -> None:
        self.conn.rollback()

    @contextlib.contextmanager
    def reading(self) -> Iterator[StateStore]:
        """Reads whose transaction is ended (rolled back) afterwards, so a
        non-autocommit connection holds no snapshot between calls."""
        try:
            yield self
        finally:
            if not self.conn.autocommit:
                self.conn.rollback()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[StateStore]:
        """One transaction around the block, committed when it ends without an
        exception and rolled back otherwise, on an autocommit connection (an
        explicit BEGIN) or not (the driver's implicit one)."""
        explicit = bool(self.conn.autocommit)
        if explicit:
            self.run("begin")
        try:
            yield self
        except BaseException:
            with contextlib.suppress(Exception):
                if explicit:
                    self.run("rollback")
                else:
                    self.conn.rollback()
            raise
        if explicit:
            self.run("commit")
        else:
            self.conn.commit()

    @contextlib.contextmanager
    def autocommit(self) -> Iterator[StateStore]:
        """Statements that must run outside a transaction block (creating and
        dropping a replication slot), then the connection's mode as it was."""
        before = self.conn.autocommit
        self.conn.autocommit = True
        try:
            yield self
        finally:
            self.conn.autocommit = before
