"""Capture triggers: from changed rows to the root keys whose documents change.

Every tracked table (each node's table and each through table) gets one PL/pgSQL
function and four statement-level triggers: AFTER INSERT / UPDATE / DELETE with
transition tables, and BEFORE TRUNCATE. A statement that changes 100,000 rows
runs the function once, and the function writes its root keys with one
``INSERT ... SELECT DISTINCT``.

For each place the table occupies in a document tree (an *occurrence*), a key
query joins the changed rows up the tree to the root, against the state at the
end of the statement. Old and new row versions both count, so a child that moves
to another parent enqueues both roots, and a root whose key changes enqueues the
old key too (its document is then deleted). For UPDATE only rows whose *watched*
columns changed take part: the node's fields, key and link columns, compared as
the text Postgres renders for them. An UPDATE of columns no document reads
enqueues nothing.

The function also emits a transactional logical decoding message
``<relid> <op> <rows>``; the slot reconciler uses it to tell captured changes from
changes that bypassed the triggers (see :mod:`indexer.pipeline.slot`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from psycopg2 import sql

from indexer.schema.catalog import Table, TableName
from indexer.schema.tree import Index, Node
from indexer.sqlgen.names import (
    TRIGGER_OPS,
    capture_function,
    col,
    equals,
    message_prefix,
    qualified,
    root_key_object,
    trigger_name,
)


@dataclass(frozen=True)
class Occurrence:
    """``table`` appears in ``index`` as the table of ``node`` or, when
    ``through`` is true, as the through table linking ``node`` to its parent."""

    index: Index
    node: Node
    through: bool

    def watched_columns(self) -> tuple[str, ...]:
        if self.through:
            link = self.node.link
            assert link is not None and link.through is not None
            cols = list(link.through.primary_key)
            cols += [c for c in link.through_columns() if c not in cols]
            return tuple(cols)
        return self.node.watched_columns()

    def link_columns(self) -> tuple[str, ...]:
        """Columns of the occurrence's table that :func:`key_query` reads."""
        if self.through:
            link = self.node.link
            assert link is not None
            return tuple(x for _, x in link.parent_pairs)
        if self.node.link is None:
            return self.node.key
        return self.node.link.node_columns()


def occurrences(indexes: Sequence[Index], table: TableName) -> list[Occurrence]:
    found = []
    for index in indexes:
        for node in index.nodes():
            if node.table.key == table:
                found.append(Occurrence(index, node, through=False))
            if node.link is not None and node.link.through is not None and node.link.through.key == table:
                found.append(Occurrence(index, node, through=True))
    return found


class _Joins:
    """Accumulates ``JOIN table AS jN ON ...`` clauses with fresh aliases."""

    def __init__(self) -> None:
        self.clauses: list[sql.Composable] = []

    def add(self, table: Table, on: Sequence[tuple[str, sql.Composable]]) -> str:
        """Join ``table`` where each (its column, expression) pair is equal."""
        name = f"j{len(self.clauses) + 1}"
        condition = equals([(col(name, column), expr) for column, expr in on])
        self.clauses.append(sql.SQL("JOIN {} AS {} ON {}").format(qualified(table), sql.Identifier(name), condition))
        return name


def key_query(occ: Occurrence, source: sql.Composable) -> sql.Composed:
    """``SELECT DISTINCT <root_key jsonb> AS root_key FROM <source> AS c JOIN ...``.

    ``source`` yields rows shaped like the occurrence's table. The query walks
    from the changed rows up to the root, against the current state, keeping a
    map from the current node's columns to expressions already in scope. A
    node's table is joined only when its link to the parent needs a column not
    in that map, so ``film_actor`` rows give film keys with no join at all. A
    skipped join can only add keys of rows that do not exist, whose documents
    are then deleted, which is harmless.
    """
    joins = _Joins()
    node, root = occ.node, occ.index.root
    bound: dict[str, sql.Composable]
    if occ.through:
        link = node.link
        assert link is not None and node.parent is not None
        bound = {pc: col("c", x) for pc, x in link.parent_pairs}
        current = node.parent
    else:
        bound = {c: col("c", c) for c in node.table.column_names()}
        current = node
    while current.link is not None:
        link = current.link
        if not all(c in bound for c in link.node_columns()):
            alias = joins.add(current.table, list(bound.items()))
            bound = {c: col(alias, c) for c in current.table.column_names()}
        if link.through is None:
            bound = {pc: bound[nc] for nc, pc in link.pairs}
        else:
            through = joins.add(link.through, [(x, bound[nc]) for nc, x in link.node_pairs])
            bound = {pc: col(through, x) for pc, x in link.parent_pairs}
        assert current.parent is not None
        current = current.parent
    if not all(k in bound for k in root.key):
        alias = joins.add(root.table, list(bound.items()))
        bound = {c: col(alias, c) for c in root.table.column_names()}
    return _select_keys(root, [bound[k] for k in root.key], source, joins)


def _select_keys(root: Node, values: Sequence[sql.Composable], source: sql.Composable, joins: _Joins) -> sql.Composed:
    return sql.SQL("SELECT DISTINCT {} AS root_key FROM {} AS c {}").format(
        root_key_object(root.table, root.key, values), source, sql.SQL(" ").join(joins.clauses)
    )


def _row_text(alias: str, columns: Sequence[str]) -> sql.Composed:
    return sql.SQL("ROW({})::text").format(sql.SQL(", ").join(col(alias, c) for c in columns))


def changed_rows(columns: Sequence[str]) -> sql.Composed:
    """Rows of an UPDATE whose ``columns`` changed: new versions without an
    identical old version, plus old versions without an identical new one."""
    return sql.SQL(
        "(SELECT n.* FROM new_rows AS n WHERE NOT EXISTS "
        "(SELECT FROM old_rows AS o WHERE {o} = {n})"
        " UNION ALL "
        "SELECT o.* FROM old_rows AS o WHERE NOT EXISTS "
        "(SELECT FROM new_rows AS n WHERE {n} = {o}))"
    ).format(o=_row_text("o", columns), n=_row_text("n", columns))


def _enqueue(
    state_schema: str, table: Table, occs: Sequence[Occurrence], op: str, source_for: object
) -> sql.Composable:
    selects = []
    for occ in occs:
        selects.append(
            sql.SQL("SELECT {index}, q.root_key, {op}, {source} FROM ({keys}) AS q").format(
                index=sql.Literal(occ.index.name),
                op=sql.Literal(op),
                source=sql.Literal(table.display),
                keys=key_query(occ, source_for(occ)),  # type: ignore[operator]
            )
        )
    return sql.SQL("INSERT INTO {} (index_name, root_key, op, source_table)\n{};").format(
        sql.Identifier(state_schema, "outbox"), sql.SQL("\nUNION ALL\n").join(selects)
    )


def function_body(state_schema: str, table: Table, occs: Sequence[Occurrence]) -> sql.Composed:
    """The PL/pgSQL body of ``table``'s capture function."""
    prefix = sql.Literal(message_prefix(state_schema))

    def message(count: sql.Composable) -> sql.Composed:
        return sql.SQL("PERFORM pg_logical_emit_message(true, {}, concat_ws(' ', TG_RELID, TG_OP, {}));").format(
            prefix, count
        )

    inserted = _enqueue(state_schema, table, occs, "insert", lambda _o: sql.SQL("new_rows"))
    updated = _enqueue(state_schema, table, occs, "update", lambda o: changed_rows(o.watched_columns()))
    deleted = _enqueue(state_schema, table, occs, "delete", lambda _o: sql.SQL("old_rows"))
    truncated = _enqueue(state_schema, table, occs, "truncate", lambda _o: qualified(table))
    return sql.SQL(
        "BEGIN\n"
        "IF TG_OP = 'INSERT' THEN\n{ins}\n{ins_msg}\n"
        "ELSIF TG_OP = 'UPDATE' THEN\n{upd}\n{upd_msg}\n"
        "ELSIF TG_OP = 'DELETE' THEN\n{dele}\n{del_msg}\n"
        "ELSIF TG_OP = 'TRUNCATE' THEN\n{trunc}\n{trunc_msg}\n"
        "END IF;\nRETURN NULL;\nEND"
    ).format(
        ins=inserted,
        ins_msg=message(sql.SQL("(SELECT count(*) FROM new_rows)")),
        upd=updated,
        upd_msg=message(sql.SQL("(SELECT count(*) FROM new_rows)")),
        dele=deleted,
        del_msg=message(sql.SQL("(SELECT count(*) FROM old_rows)")),
        trunc=truncated,
        trunc_msg=message(sql.SQL("0")),
    )


@dataclass(frozen=True)
class CaptureDDL:
    """DDL for one tracked table. ``function`` creates or replaces the capture
    function (its body is passed as a string literal, so no dollar-quote can be
    broken by a table name); ``triggers`` create the four triggers and enable
    them ALWAYS, so they fire under ``session_replication_role = replica`` too."""

    table: Table
    function: sql.Composed
    triggers: tuple[sql.Composed, ...]


def capture_ddl(state_schema: str, table: Table, occs: Sequence[Occurrence], body_text: str) -> CaptureDDL:
    """``body_text`` is :func:`function_body` rendered with ``as_string``."""
    fn = capture_function(state_schema, table)
    function = sql.SQL(
        "CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
        "SET search_path = pg_catalog, pg_temp AS {body}"
    ).format(fn=fn, body=sql.Literal(body_text))
    target = qualified(table)
    specs = {
        "insert": "AFTER INSERT ON {t} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT",
        "update": "AFTER UPDATE ON {t} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT",
        "delete": "AFTER DELETE ON {t} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT",
        "truncate": "BEFORE TRUNCATE ON {t} FOR EACH STATEMENT",
    }
    triggers: list[sql.Composed] = []
    for op in TRIGGER_OPS:
        name = sql.Identifier(trigger_name(state_schema, op))
        triggers.append(
            sql.SQL("CREATE TRIGGER {name} " + specs[op] + " EXECUTE FUNCTION {fn}()").format(
                name=name, t=target, fn=fn
            )
        )
        triggers.append(sql.SQL("ALTER TABLE {t} ENABLE ALWAYS TRIGGER {name}").format(t=target, name=name))
    return CaptureDDL(table=table, function=function, triggers=tuple(triggers))
