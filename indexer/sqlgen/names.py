"""Names of the database objects the indexer creates, and small SQL helpers.

Object names are derived, never configured piecemeal, so bootstrap and teardown
always agree: capture functions live in the state schema and are called
``capture_<table>_<hash>``; the triggers on a tracked table are called
``<state schema>_capture_<op>``; the publication is ``<state schema>_publication``.
The replication slot is cluster-wide, so its default name includes the database.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from psycopg2 import sql

from indexer.schema.catalog import Table

TRIGGER_OPS = ("insert", "update", "delete", "truncate")
MAX_IDENTIFIER_BYTES = 63


def short_hash(*parts: str, length: int = 8) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:length]


def truncate_bytes(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` UTF-8 bytes without splitting a character."""
    data = text.encode()[:limit]
    return data.decode(errors="ignore")


def capture_function(state_schema: str, table: Table) -> sql.Identifier:
    name = f"capture_{truncate_bytes(table.name, 40)}_{short_hash(table.schema, table.name)}"
    return sql.Identifier(state_schema, name)


def trigger_name(state_schema: str, op: str) -> str:
    return f"{truncate_bytes(state_schema, 40)}_capture_{op}"


def publication_name(state_schema: str) -> str:
    return f"{truncate_bytes(state_schema, 50)}_publication"


def default_slot_name(database: str, state_schema: str) -> str:
    """A slot name valid for Postgres ([a-z0-9_], at most 63 bytes), unique per
    database and state schema."""
    readable = re.sub(r"[^a-z0-9_]", "_", f"{database}_{state_schema}".lower())[:40]
    return f"indexer_{readable}_{short_hash(database, state_schema, length=6)}"


def message_prefix(state_schema: str) -> str:
    """Prefix of the logical decoding messages the capture triggers emit."""
    return f"indexer:{state_schema}"


def qualified(table: Table) -> sql.Identifier:
    return sql.Identifier(table.schema, table.name)


def col(alias: str, name: str) -> sql.Identifier:
    return sql.Identifier(alias, name)


def cast(expr: sql.Composable, sql_type: str) -> sql.Composed:
    """``(expr)::type``. ``sql_type`` comes from ``format_type()``, which quotes
    every identifier it contains, so it is spliced as SQL."""
    return sql.SQL("({})::{}").format(expr, sql.SQL(sql_type))


def and_all(conditions: Sequence[sql.Composable]) -> sql.Composable:
    if not conditions:
        return sql.SQL("true")
    return sql.SQL(" AND ").join(conditions)


def equals(pairs: Sequence[tuple[sql.Composable, sql.Composable]]) -> sql.Composable:
    return and_all([sql.SQL("{} = {}").format(a, b) for a, b in pairs])


ROUTING_MEMBER = "_routing"


def root_key_object(
    table: Table,
    key: Sequence[str],
    values: Sequence[sql.Composable],
    value_types: Sequence[str | None] | None = None,
    routing: sql.Composable | None = None,
) -> sql.Composed:
    """The outbox's ``root_key``: ``jsonb_build_object('pk', value, ...)``.

    Every path that enqueues a key builds it here, with each value cast to the
    root key column's own type unless ``value_types`` says it has that type
    already, so one root row always gives the same jsonb (and the same
    partition) whichever table's change found it. For an index with
    ``routing``, the routing value (text) seen with the change rides along as
    ``_routing``: a deleted row's document is deleted with its old routing.
    """
    parts: list[sql.Composable] = []
    if routing is not None:
        parts.append(sql.SQL("{}, ({})::text").format(sql.Literal(ROUTING_MEMBER), routing))
    types = list(value_types) if value_types is not None else [None] * len(key)
    for name, value, value_type in zip(key, values, types, strict=True):
        column = table.column(name)
        assert column is not None
        typed = value if value_type == column.sql_type else cast(value, column.sql_type)
        parts.append(sql.SQL("{}, {}").format(sql.Literal(name), typed))
    return sql.SQL("jsonb_build_object({})").format(sql.SQL(", ").join(parts))


def key_from_json(table: Table, key: Sequence[str], json_expr: sql.Composable) -> list[sql.Composed]:
    """Typed key values out of a ``root_key`` jsonb: ``(k->>'pk')::pk_type``."""
    out = []
    for name in key:
        column = table.column(name)
        assert column is not None
        out.append(cast(sql.SQL("{} ->> {}").format(json_expr, sql.Literal(name)), column.sql_type))
    return out


ID_SEPARATOR = "|"


def doc_id(values: Sequence[sql.Composable]) -> sql.Composed:
    """The document ``_id`` of a root key: its values as text joined by ``|``
    (PGSync's format), unambiguous even when a value contains ``|``.

    A one-column key is its value. With several columns, when no value
    contains ``|`` the id is the plain join, exactly PGSync's; otherwise every
    value has ``\\`` and ``|`` escaped with a backslash before the join. A plain
    id of an n-column key holds exactly n-1 ``|``, an escaped one at least n,
    so the two forms never collide and each is reversible (:func:`split_doc_id`).
    """
    texts = [sql.SQL("({})::text").format(v) for v in values]
    if len(texts) == 1:
        return sql.SQL("{}").format(texts[0])
    plain = sql.SQL("concat_ws('|', {})").format(sql.SQL(", ").join(texts))
    escaped = sql.SQL("concat_ws('|', {})").format(
        sql.SQL(", ").join(sql.SQL(r"replace(replace({}, '\', '\\'), '|', '\|')").format(x) for x in texts)
    )
    any_separator = sql.SQL(" OR ").join(sql.SQL("strpos({}, '|') > 0").format(x) for x in texts)
    return sql.SQL("(CASE WHEN {} THEN {} ELSE {} END)").format(any_separator, escaped, plain)


def split_doc_id(value: str, columns: int) -> list[str] | None:
    """The key values (as text) of a document ``_id`` made by :func:`doc_id`
    for a key of ``columns`` columns; None when it cannot be one."""
    if columns == 1:
        return [value]
    if value.count(ID_SEPARATOR) == columns - 1:
        return value.split(ID_SEPARATOR)
    parts: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(value):
        char = value[i]
        if char == "\\" and i + 1 < len(value):
            current.append(value[i + 1])
            i += 2
            continue
        if char == ID_SEPARATOR:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    parts.append("".join(current))
    return parts if len(parts) == columns else None
