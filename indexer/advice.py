"""Indexes the indexer's own queries want, found before they are missed.

The document queries look child rows up by their link to the parent, and the
capture (key) queries walk from a changed row up to the root. Each such lookup
by columns that no btree index leads with scans the whole table once per parent
row or per change: a 300,000-row backfill then takes tens of seconds per page.
:func:`missing_indexes` lists those lookups with the ``CREATE INDEX`` that
serves them. A lookup by a table's primary key or by the leading columns of any
valid, non-partial btree index is served.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg2 import sql

from indexer.plan import Plan
from indexer.schema.catalog import Table
from indexer.sqlfiles import Queries


@dataclass(frozen=True)
class MissingIndex:
    table: Table
    columns: tuple[str, ...]
    used_by: str  # which query looks rows up this way

    def statement(self) -> sql.Composed:
        """``CREATE INDEX CONCURRENTLY ON <table> (<columns>)``."""
        return Queries("").compose(
            "create_index_advice",
            table=sql.Identifier(self.table.schema, self.table.name),
            columns=sql.SQL(", ").join(sql.Identifier(c) for c in self.columns),
        )


def _served(table: Table, columns: tuple[str, ...]) -> bool:
    wanted = set(columns)
    candidates = [table.primary_key, *table.indexes] if table.primary_key else list(table.indexes)
    return any(len(index) >= len(wanted) and set(index[: len(wanted)]) == wanted for index in candidates)


def missing_indexes(plan: Plan) -> list[MissingIndex]:
    """Every lookup of ``plan``'s queries that no index serves, once per (table, columns)."""
    found: dict[tuple[tuple[str, str], tuple[str, ...]], MissingIndex] = {}

    def need(table: Table, columns: tuple[str, ...], used_by: str) -> None:
        if table.kind not in ("r", "p"):
            return  # a view: what serves it is up to the tables it reads
        if columns and not _served(table, columns) and (table.key, columns) not in found:
            found[(table.key, columns)] = MissingIndex(table, columns, used_by)

    for index_plan in plan.indexes:
        for node in index_plan.index.nodes():
            link, parent = node.link, node.parent
            if link is None or parent is None:
                continue
            if link.through is None:
                need(node.table, link.node_columns(), f"the documents of {index_plan.index.name} (children by parent)")
                need(parent.table, link.parent_columns(), f"the capture of {node.table.display} (parent of a change)")
            else:
                docs, capture = f"the documents of {index_plan.index.name}", f"the capture of {node.table.display}"
                for position, through in enumerate(link.throughs()):
                    need(through, link.toward_parent(position), f"{docs} (through {through.display})")
                    need(through, link.toward_node(position), f"{capture} (through {through.display})")
                need(node.table, link.node_columns(), docs)
    return list(found.values())
