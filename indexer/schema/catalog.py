"""Reflect the tables a schema.json names from the live Postgres catalog.

SQLAlchemy's inspector supplies columns, primary keys and foreign keys (it knows
the catalog's corners: quoting, case, schemas, partitioned tables). One extra
query adds what the generated SQL needs beyond that: each column's type as
Postgres itself spells it (``format_type``), used for casts, and the relation's
kind and OID.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

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






def reflect(dbapi_connection: Any, connect: Callable[[], Any], names: Iterable[TableName]) -> Catalog:
    """Reflect ``names`` (and list every relation of their schemas).

    ``dbapi_connection`` is an open psycopg2 connection, used for the type query
    and left open; ``connect`` opens a new one for SQLAlchemy's inspector, which
    closes it when done. Tables that do not exist are simply absent from the result.
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
    if present:
        oids = {"oids": [shapes[name]["oid"] for name in present]}
        with store.reading():
            for oid, ident, index, index_columns, partitions in store.rows("catalog_identities", oids):
                leaves = tuple((str(leaf[0]), str(leaf[1])) for leaf in partitions)
                identities[oid] = (ident, index, tuple(index_columns), leaves)
            for oid, columns in store.rows("catalog_btree_indexes", oids):
                btrees.setdefault(oid, []).append(tuple(columns))
    keys: dict[TableName, tuple[str, ...]] = {}
    fks: dict[TableName, tuple[ForeignKey, ...]] = {}
    if present:
        engine = sa.create_engine("postgresql+psycopg2://", creator=connect, poolclass=sa.pool.NullPool)
        with warnings.catch_warnings():
            # Types SQLAlchemy does not know (extensions, custom base types) only
            # warn; the indexer takes type names from format_type() instead.
            warnings.simplefilter("ignore", category=sa_exc.SAWarning)
            inspector = sa.inspect(engine)
            for schema in sorted({schema for schema, _ in present}):
                tables = [name for s, name in present if s == schema]
                kinds = sa.engine.reflection.ObjectKind.ANY
                pk_map = inspector.get_multi_pk_constraint(schema=schema, filter_names=tables, kind=kinds)
                fk_map = inspector.get_multi_foreign_keys(
                    schema=schema, filter_names=tables, kind=kinds, postgresql_ignore_search_path=True
                )
                for (_, table), pk in pk_map.items():
                    keys[(schema, table)] = tuple(pk.get("constrained_columns") or ())
                for (_, table), foreign_keys in fk_map.items():
                    fks[(schema, table)] = tuple(
                        ForeignKey(
                            name=fk.get("name") or "",
                            columns=tuple(fk["constrained_columns"]),
                            ref_schema=fk.get("referred_schema") or schema,
                            ref_table=fk["referred_table"],
                            ref_columns=tuple(fk["referred_columns"]),
                        )
                        for fk in foreign_keys
                    )
        engine.dispose()
    reflected = {
        name: Table(
            schema=name[0],
            name=name[1],
            oid=shapes[name]["oid"],
            kind=shapes[name]["kind"],
            columns=tuple(shapes[name]["columns"]),
            primary_key=keys.get(name, ()),
            foreign_keys=fks.get(name, ()),
            replica_identity=identities[shapes[name]["oid"]][0],
            identity_index=identities[shapes[name]["oid"]][1],
            identity_index_columns=identities[shapes[name]["oid"]][2],
            partitions=identities[shapes[name]["oid"]][3],
            indexes=tuple(btrees.get(shapes[name]["oid"], ())),
        )
        for name in present
    }
    return Catalog(tables=reflected, names_by_schema={k: tuple(v) for k, v in names_by_schema.items()})
