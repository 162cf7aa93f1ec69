"""Reflect the tables a schema.json names from the live Postgres catalog.

Five catalog queries (sql/queries.sql, ``catalog_*``) read every column with
its type as Postgres itself spells it (``format_type``, used for casts), the
primary and foreign keys, the replica identity and the btree indexes, on the
connection the command already holds. The keys come from ``pg_constraint``
(PostgreSQL documentation, "pg_constraint"): a foreign key names the schema of
the table it references as the catalog records it, whatever the search path.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from indexer.state import StateStore

TableName = tuple[str, str]  # (schema, table)


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str  # format_type() output, safe to splice as a type name
    not_null: bool
    builtin: bool = True  # the type lives in pg_catalog


@dataclass(frozen=True)
class ForeignKey:
    name: str
    columns: tuple[str, ...]
    ref_schema: str
    ref_table: str
    ref_columns: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    oid: int
    kind: str  # pg_class.relkind: r table, p partitioned, v view, m matview, f foreign
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...]
    # pg_class.relreplident: d default (the primary key), n nothing, f full, i an
    # index; for a partitioned table "f" only when every leaf partition is FULL too.
    replica_identity: str = "d"
    identity_index: str | None = None  # the index of REPLICA IDENTITY USING INDEX (same schema)
    identity_index_columns: tuple[str, ...] = ()
    partitions: tuple[TableName, ...] = ()  # leaf partitions of a partitioned table
    indexes: tuple[tuple[str, ...], ...] = ()  # key columns of every valid btree index, in order

    @property
    def key(self) -> TableName:
        return (self.schema, self.name)

    @property
    def display(self) -> str:
        """``schema.table`` for messages (not for SQL)."""
        return f"{self.schema}.{self.name}"

    def column(self, name: str) -> Column | None:
        for column in self.columns:
            if column.name == name:
                return column
        return None

    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def key_identity_columns(self) -> tuple[str, ...] | None:
        """The columns the WAL carries for the old row of an UPDATE or DELETE
        when the replica identity is not FULL: the primary key (default) or
        the identity index; ``None`` when there are none, in which case Postgres
        refuses UPDATE and DELETE on a published table."""
        if self.replica_identity == "i" and self.identity_index_columns:
            return self.identity_index_columns
        if self.replica_identity in ("d", "f") and self.primary_key:
            return self.primary_key
        return None


@dataclass(frozen=True)
class Catalog:
    tables: dict[TableName, Table]
    # every ordinary table per schema, for "did you mean" hints
    names_by_schema: dict[str, tuple[str, ...]]

    def get(self, name: TableName) -> Table | None:
        return self.tables.get(name)


def reflect(dbapi_connection: Any, names: Iterable[TableName]) -> Catalog:
    """Reflect ``names`` (and list every relation of their schemas).

    ``dbapi_connection`` is an open psycopg2 connection, left open and
    holding no transaction afterwards. Tables that do not exist are simply
    absent from the result. Raises :class:`psycopg2.Error` when a query fails.
    """
    wanted = set(names)
    schemas = sorted({schema for schema, _ in wanted})
    store = StateStore(dbapi_connection, "")
    with store.reading():
        rows = store.rows("catalog_columns", {"schemas": schemas})
        shapes: dict[TableName, dict[str, Any]] = {}
        names_by_schema: dict[str, list[str]] = {}
        for nsp, rel, oid, kind, att, sql_type, not_null, builtin in rows:
            shape = shapes.get((nsp, rel))
            if shape is None:
                shape = shapes[(nsp, rel)] = {"oid": oid, "kind": kind, "columns": []}
                names_by_schema.setdefault(nsp, []).append(rel)
            shape["columns"].append(Column(att, sql_type, bool(not_null), bool(builtin)))

        present = sorted(name for name in wanted if name in shapes)
        identities: dict[int, tuple[str, str | None, tuple[str, ...], tuple[TableName, ...]]] = {}
        btrees: dict[int, list[tuple[str, ...]]] = {}
        keys: dict[int, tuple[str, ...]] = {}
        fks: dict[int, list[ForeignKey]] = {}
        if present:
            oids = {"oids": [shapes[name]["oid"] for name in present]}
            for oid, ident, index, index_columns, partitions in store.rows("catalog_identities", oids):
                leaves = tuple((str(leaf[0]), str(leaf[1])) for leaf in partitions)
                identities[oid] = (ident, index, tuple(index_columns), leaves)
            for oid, columns in store.rows("catalog_btree_indexes", oids):
                btrees.setdefault(oid, []).append(tuple(columns))
            for oid, columns in store.rows("catalog_primary_keys", oids):
                keys[oid] = tuple(columns)
            for oid, name, ref_schema, ref_table, columns, ref_columns in store.rows("catalog_foreign_keys", oids):
                fks.setdefault(oid, []).append(
                    ForeignKey(name, tuple(columns), ref_schema, ref_table, tuple(ref_columns))
                )
    reflected: dict[TableName, Table] = {}
    for name in present:
        shape = shapes[name]
        oid = shape["oid"]
        ident, identity_index, identity_columns, leaves = identities[oid]
        reflected[name] = Table(
            schema=name[0],
            name=name[1],
            oid=oid,
            kind=shape["kind"],
            columns=tuple(shape["columns"]),
            primary_key=keys.get(oid, ()),
            foreign_keys=tuple(fks.get(oid, ())),
            replica_identity=ident,
            identity_index=identity_index,
            identity_index_columns=identity_columns,
            partitions=leaves,
            indexes=tuple(btrees.get(oid, ())),
        )
    return Catalog(tables=reflected, names_by_schema={k: tuple(v) for k, v in names_by_schema.items()})
