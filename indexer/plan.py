"""Everything the indexer derives from schema.json for one database.

:func:`load_plan` reflects the catalog, resolves the document trees and renders
the generated SQL; bootstrap installs a plan, ``run`` and ``verify`` refuse to
work when the installed fingerprint differs from the plan's (the schema.json or
the tables changed since bootstrap).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from psycopg2 import sql

from indexer.plugins import PluginChain, load_plugins
from indexer.schema.catalog import Table, TableName, reflect
from indexer.schema.model import DocumentSchema
from indexer.schema.resolve import resolve, tables_named
from indexer.schema.tree import Index
from indexer.sqlfiles import latest_format, schema_ddl
from indexer.sqlgen.documents import DocumentQueries
from indexer.sqlgen.names import default_slot_name, publication_name
from indexer.sqlgen.triggers import CaptureDDL, capture_ddl, function_body, occurrences


@dataclass(frozen=True)
class DocumentStatements:
    """The document statements a worker runs for every backfill page and
    every change-stream batch, rendered to SQL text once when the plan is
    loaded. Composing them with :mod:`psycopg2.sql` and rendering them again on
    every call took about a seventh of a backfill worker's Python time
    (``py-spy record --gil``, 100,000 books into the discarding sink)."""

    by_keys: str  # DocumentQueries.by_keys()
    pages: dict[tuple[bool, bool], str]  # DocumentQueries.page(lower=, upper=) by (lower, upper)

    @classmethod
    def render(cls, queries: DocumentQueries, conn: Any) -> DocumentStatements:
        """Render ``queries`` with ``conn`` (any connection to the database)."""
        pages = {
            (lower, upper): queries.page(lower=lower, upper=upper).as_string(conn)
            for lower in (False, True)
            for upper in (False, True)
        }
        return cls(by_keys=queries.by_keys().as_string(conn), pages=pages)

    def page(self, *, lower: bool, upper: bool) -> sql.SQL:
        """:meth:`DocumentQueries.page`, as rendered."""
        return sql.SQL(self.pages[lower, upper])

    def documents_by_keys(self) -> sql.SQL:
        """:meth:`DocumentQueries.by_keys`, as rendered."""
        return sql.SQL(self.by_keys)


@dataclass(frozen=True)
class IndexPlan:
    index: Index
    queries: DocumentQueries
    statements: DocumentStatements  # the hot ones of ``queries``, rendered
    fingerprint: str  # changes when the documents or the index settings would change
    body: dict[str, Any]  # index creation body: settings and mappings
    shape: str = ""  # changes when the documents would change (digest of the document query)
    plugins: PluginChain | None = None  # PGSync document plugins, when the index lists any


@dataclass(frozen=True)
class Plan:
    database: str
    state_schema: str
    partitions: int
    slot_name: str
    publication: str
    schema_file: str
    indexes: tuple[IndexPlan, ...]
    tables: tuple[Table, ...]  # every tracked table
    captures: tuple[CaptureDDL, ...]
    fingerprint: str
    # Tracked tables whose REPLICA IDENTITY bootstrap sets to FULL, with the reason.
    identity_full: tuple[tuple[Table, str], ...] = ()

    def index(self, name: str) -> IndexPlan:
        for plan in self.indexes:
            if plan.index.name == name:
                return plan
        raise KeyError(name)

    def table_by_oid(self) -> dict[int, Table]:
        return {table.oid: table for table in self.tables}


def index_body(index: Index) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if index.settings:
        body["settings"] = {"index": index.settings}
    if index.mappings:
        body["mappings"] = index.mappings
    return body


def identity_full(indexes: list[Index], tables: tuple[Table, ...], mode: str) -> tuple[tuple[Table, str], ...]:
    """The tracked tables that need REPLICA IDENTITY FULL, with why.

    Always: a table with no primary key and no identity index, since Postgres
    refuses UPDATE and DELETE on a published table without a replica identity.
    With ``mode`` "full" (the default) also a table whose link columns are not
    all in its key: the WAL then carries only the key of an updated or deleted
    row, and the slot reconciler could not find the documents a trigger-bypassing
    change affects without verifying the whole index."""
    needs: list[tuple[Table, str]] = []
    for table in tables:
        key = table.key_identity_columns()
        if key is None:
            needs.append(
                (
                    table,
                    "it has no primary key, and Postgres refuses UPDATE and DELETE of a published table"
                    " without a replica identity",
                )
            )
            continue
        if mode != "full":
            continue
        missing: list[str] = []
        for occ in occurrences(indexes, table.key):
            missing += [c for c in occ.link_columns() if c not in key and c not in missing]
        if missing:
            needs.append(
                (
                    table,
                    f"its link column(s) {', '.join(missing)} are not in its key, and the replication slot needs"
                    " their old values to find the documents a change that bypasses the triggers affects",
                )
            )
    return tuple(needs)


def _digest(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode())
        h.update(b"\x00")
    return h.hexdigest()[:16]


def load_plan(
    conn: Any,
    schema: DocumentSchema,
    database: str,
    *,
    state_schema: str,
    partitions: int,
    slot_name: str | None,
    replica_identity: str = "full",
) -> Plan:
    """Resolve the part of ``schema`` that lives in ``database`` against the
    catalog seen through ``conn``. Raises :class:`~indexer.errors.CatalogError`."""
    specs = schema.for_database(database)
    catalog = reflect(conn, tables_named(specs))
    indexes = resolve(specs, catalog, schema.file)
    index_plans = []
    for index in indexes:
        queries = DocumentQueries(index, state_schema)
        body = index_body(index)
        statements = DocumentStatements.render(queries, conn)
        by_keys = statements.by_keys
        plugin_names = ",".join(index.plugins)
        fingerprint = _digest(by_keys, json.dumps(body, sort_keys=True), index.pipeline or "", plugin_names)
        chain = None
        if index.plugins:
            chain = PluginChain(index.name, load_plugins(index.plugins, file=schema.file, path=f"{index.path}.plugins"))
        index_plans.append(
            IndexPlan(index, queries, statements, fingerprint, body, _digest(by_keys, plugin_names), chain)
        )
    tracked: list[TableName] = []
    for index in indexes:
        for name in index.tables():
            if name not in tracked:
                tracked.append(name)
    tables = tuple(catalog.tables[name] for name in tracked)
    captures = []
    for table in tables:
        occs = occurrences(indexes, table.key)
        body_text = function_body(state_schema, table, occs, conn).as_string(conn)
        captures.append(capture_ddl(state_schema, table, occs, body_text))
    slot = slot_name or default_slot_name(database, state_schema)
    fingerprint = _digest(
        str(latest_format()),
        str(partitions),
        slot,
        schema_ddl(state_schema, partitions).as_string(conn),
        *(c.function.as_string(conn) for c in captures),
        *(t.as_string(conn) for c in captures for t in c.triggers),
        *(p.fingerprint for p in index_plans),
    )
    return Plan(
        database=database,
        state_schema=state_schema,
        partitions=partitions,
        slot_name=slot,
        publication=publication_name(state_schema),
        schema_file=schema.file,
        indexes=tuple(index_plans),
        tables=tables,
        captures=tuple(captures),
        fingerprint=fingerprint,
        identity_full=identity_full(indexes, tables, replica_identity),
    )
