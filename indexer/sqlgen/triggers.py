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
changes that bypassed the triggers (see :mod:`indexer.pipeline.slot`). And it
takes a shared transaction-level advisory lock, so workers can see which
capturing transactions are still in flight (see :mod:`indexer.pipeline.drain`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from psycopg2 import sql

from indexer.locks import advisory_key
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
    ``through`` is true, as the through table linking ``node`` to its parent
    (at ``position`` in a chain, 0 next to the node), or, when ``base`` is set,
    as a base table of ``node``, a view: its rows stand for the view rows with
    the same key and link values."""

    index: Index
    node: Node
    through: bool
    base: Table | None = None
    position: int = 0

    def watched_columns(self) -> tuple[str, ...]:
        if self.base is not None:
            return self.base.column_names()  # a view may compute anything from any of them
        if self.through:
            link = self.node.link
            assert link is not None and link.through is not None
            cols = list(link.throughs()[self.position].primary_key)
            cols += [c for c in link.through_columns(self.position) if c not in cols]
            return tuple(cols)
        return self.node.watched_columns()

    def link_columns(self) -> tuple[str, ...]:
        """Columns of the occurrence's table that :func:`key_query` reads."""
        if self.through:
            link = self.node.link
            assert link is not None
            return link.toward_parent(self.position)
        if self.node.link is None:
            routing = self.index.routing
            # a deleted root's document is deleted with its old routing value
            return self.node.key + ((routing,) if routing and routing not in self.node.key else ())
        return self.node.link.node_columns()


def occurrences(indexes: Sequence[Index], table: TableName) -> list[Occurrence]:
    found = []
    for index in indexes:
        for node in index.nodes():
            if node.table.key == table:
                found.append(Occurrence(index, node, through=False))
            for base in node.base_tables:
                if base.key == table:
                    found.append(Occurrence(index, node, through=False, base=base))
            for position, through in enumerate(node.link.throughs() if node.link else ()):
                if through.key == table:
                    found.append(Occurrence(index, node, through=True, position=position))
    return found


Bound = dict[str, tuple[sql.Composable, str]]  # column -> (expression in scope, its type)


class _Joins:
    """Accumulates ``JOIN table AS jN ON ...`` clauses with fresh aliases."""

    def __init__(self) -> None:
        self.clauses: list[sql.Composable] = []

    def add(self, table: Table, on: Bound) -> Bound:
        """Join ``table`` where each of its columns in ``on`` equals the bound
        expression; returns every column of ``table`` as now bound."""
        name = f"j{len(self.clauses) + 1}"
        condition = equals([(col(name, column), expr) for column, (expr, _type) in on.items()])
        self.clauses.append(sql.SQL("JOIN {} AS {} ON {}").format(qualified(table), sql.Identifier(name), condition))
        return _columns_of(table, name)


def _columns_of(table: Table, alias: str) -> Bound:
    return {c.name: (col(alias, c.name), c.sql_type) for c in table.columns}


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
    bound: Bound
    if occ.through:
        link = node.link
        assert link is not None and link.through is not None and node.parent is not None
        through = _columns_of(link.throughs()[occ.position], "c")
        for hop in link.hops[occ.position :]:
            through = joins.add(hop.table, {x: through[prev] for prev, x in hop.pairs})
        bound = {pc: through[x] for pc, x in link.parent_pairs}
        current = node.parent
    elif occ.base is not None:
        # a base table's row stands for the view rows with its key and link values
        base = _columns_of(occ.base, "c")
        bound = {c: base[c] for c in node.walk_columns()}
        current = node
    else:
        bound = _columns_of(node.table, "c")
        current = node
    while current.link is not None:
        link = current.link
        if not all(c in bound for c in link.node_columns()):
            bound = joins.add(current.table, bound)
        if link.through is None:
            bound = {pc: bound[nc] for nc, pc in link.pairs}
        else:
            through_bound = joins.add(link.through, {x: bound[nc] for nc, x in link.node_pairs})
            for hop in link.hops:
                through_bound = joins.add(hop.table, {x: through_bound[prev] for prev, x in hop.pairs})
            bound = {pc: through_bound[x] for pc, x in link.parent_pairs}
        assert current.parent is not None
        current = current.parent
    routing = occ.index.routing
    if not all(k in bound for k in root.key):
        bound = joins.add(root.table, bound)
    elif routing is not None and routing not in bound:
        bound = joins.add(root.table, {k: bound[k] for k in root.key})  # the routing value of the row as it is
    values = [bound[k][0] for k in root.key]
    types = [bound[k][1] for k in root.key]
    # A child with a NULL link (or a decoded row lacking it) belongs to no root.
    present = sql.SQL(" AND ").join(sql.SQL("{} IS NOT NULL").format(v) for v in values)
    key = root_key_object(
        root.table, root.key, values, types, routing=bound[routing][0] if routing is not None else None
    )
    return sql.SQL("SELECT DISTINCT {} AS root_key FROM {} AS c {} WHERE {}").format(
        key, source, sql.SQL(" ").join(joins.clauses), present
    )


def enqueue_decoded(state_schema: str, table: Table, occ: Occurrence, op: str) -> sql.Composed:
    """``INSERT INTO outbox ...`` the root keys of rows decoded from the slot.

    Parameter ``rows``: a JSON array of row objects shaped like ``table``
    (column name to value as text, as pgoutput sends them); they are typed by
    ``jsonb_populate_recordset`` and walked up the tree by :func:`key_query`,
    exactly as the capture trigger walks its transition tables.
    """
    source = sql.SQL("jsonb_populate_recordset(NULL::{}, %(rows)s::jsonb)").format(qualified(table))
    return sql.SQL(
        "INSERT INTO {outbox} (index_name, root_key, op, source_table, partition)"
        " SELECT {index}, q.root_key, {op}, {source}, {partition} FROM ({keys}) AS q"
    ).format(
        outbox=sql.Identifier(state_schema, "outbox"),
        partition=outbox_partition(state_schema, occ.index.name),
        index=sql.Literal(occ.index.name),
        op=sql.Literal(f"slot:{op.lower()}"),
        source=sql.Literal(table.display),
        keys=key_query(occ, source),
    )


# Types compared by their text rendering, because their equality operator is
# missing (json, xml, geometry) or calls values equal that render differently
# in a document (numeric 1.0 = 1.00, float -0 = 0); types from outside
# pg_catalog too (citext is equal across case, and their operators resolve
# through search_path).
_COMPARE_AS_TEXT = {
    "json", "xml", "numeric", "real", "double precision",
    "point", "line", "lseg", "box", "path", "polygon", "circle",
}  # fmt: skip


def _comparable(table: Table, alias: str, columns: Sequence[str]) -> sql.Composed:
    parts: list[sql.Composable] = []
    for name in columns:
        column = table.column(name)
        assert column is not None
        base = column.sql_type.removesuffix("[]").split("(")[0]
        if not column.builtin or base in _COMPARE_AS_TEXT:
            parts.append(sql.SQL("({})::text").format(col(alias, name)))
        else:
            parts.append(col(alias, name))
    return sql.SQL("ROW({})").format(sql.SQL(", ").join(parts))


def _differs(table: Table, columns: Sequence[str]) -> sql.Composed:
    """``columns`` differ between the pair of versions ``n`` and ``o``, compared
    column by column (see :func:`_comparable`)."""
    return sql.SQL("{} IS DISTINCT FROM {}").format(_comparable(table, "n", columns), _comparable(table, "o", columns))


def _row_text(alias: str, columns: Sequence[str]) -> sql.Composed:
    """``columns`` of the version ``alias`` as one text row."""
    return sql.SQL("ROW({})::text").format(sql.SQL(", ").join(col(alias, c) for c in columns))


def changed_rows(table: Table, columns: Sequence[str]) -> sql.Composed:
    """Row versions of an UPDATE whose ``columns`` changed, old and new.

    With a primary key, old and new versions are paired on it (a changed key
    leaves both unpaired, so both count) and compared column by column.
    Without one, a version counts when no version on the other side renders
    the same ``columns``.
    """
    key = table.primary_key
    if key:
        on = equals([(col("o", k), col("n", k)) for k in key])
        differs = _differs(table, columns)
        return sql.SQL(
            "(SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON {on} WHERE o.{k} IS NULL OR {differs}"
            " UNION ALL "
            "SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON {on} WHERE n.{k} IS NULL OR {differs})"
        ).format(on=on, k=sql.Identifier(key[0]), differs=differs)
    n_text, o_text = _row_text("n", columns), _row_text("o", columns)
    return sql.SQL(
        "(SELECT n.* FROM new_rows AS n WHERE NOT EXISTS (SELECT FROM old_rows AS o WHERE {o} = {n})"
        " UNION ALL "
        "SELECT o.* FROM old_rows AS o WHERE NOT EXISTS (SELECT FROM new_rows AS n WHERE {n} = {o}))"
    ).format(o=o_text, n=n_text)


def changed_row(table: Table, columns: Sequence[str], *, known_changed: bool) -> sql.Composed:
    """Both versions of the one row a single-row UPDATE changed, when
    ``columns`` (key included) differ between them, compared as
    :func:`changed_rows` compares a pair. ``known_changed``: the caller
    has found these columns changed already, so no comparison is made.

    Old and new versions are the one row of each transition table, so they
    need no pairing on the key: a cross join of one row by one row."""
    if known_changed:
        return sql.SQL("(SELECT n.* FROM new_rows AS n UNION ALL SELECT o.* FROM old_rows AS o)")
    differs = _differs(table, columns)
    return sql.SQL(
        "(SELECT n.* FROM new_rows AS n, old_rows AS o WHERE {differs}"
        " UNION ALL SELECT o.* FROM new_rows AS n, old_rows AS o WHERE {differs})"
    ).format(differs=differs)


def capture_lock_key(state_schema: str) -> int:
    """The advisory lock every capturing transaction holds (shared) until it ends;
    workers look up its holders to wait for transactions still in flight."""
    return advisory_key(state_schema, "capture")


# Above this many changed rows the capture statement is planned afresh (EXECUTE);
# at or below it the function's cached plan serves. PL/pgSQL caches a plan for a
# statement without parameters at its first run, with the transition tables'
# row counts of that run: a plan made for one row (nested loops) reused for
# 16,000 rows made a large UPDATE after a small one in the same session 30-80
# times slower. The cached path only ever sees small statements, so its plan
# always fits them; large ones pay a few milliseconds of planning.
DYNAMIC_ABOVE_ROWS = 64


def lane(occ: Occurrence, op: str, *, few_rows: bool) -> int:
    """The outbox lane of the keys ``occ`` enqueues: 0 for a statement on the
    root table itself (one key per row) that changed few rows, 1 for anything
    that can fan out (child, lookup and through tables, TRUNCATE) or is bulk."""
    root = occ.node is occ.index.root and not occ.through and occ.base is None
    return 0 if root and few_rows and op != "truncate" else 1


def _capture_statement(state_schema: str, table: Table, occs: Sequence[Occurrence], op: str, source_for: Any,
                       message: sql.Composable, *, few_rows: bool) -> sql.Composed:  # fmt: skip
    """The statement that inserts the root keys of every occurrence into the
    outbox and emits the coverage message ``message`` (text); it returns the
    message's LSN. One SQL statement per trigger call keeps the overhead low.
    ``few_rows``: the statement serves changes of at most
    :data:`DYNAMIC_ABOVE_ROWS` rows (see :func:`lane`)."""
    selects = [
        sql.SQL("SELECT {index}, q.root_key, {op}, {source}, {lane}, {partition} FROM ({keys}) AS q").format(
            index=sql.Literal(occ.index.name),
            partition=outbox_partition(state_schema, occ.index.name),
            op=sql.Literal(op),
            source=sql.Literal(table.display),
            lane=sql.Literal(lane(occ, op, few_rows=few_rows)),
            keys=key_query(occ, source_for(occ)),
        )
        for occ in occs
    ]
    return sql.SQL(
        "WITH enqueued AS (INSERT INTO {outbox} (index_name, root_key, op, source_table, lane, partition)\n{selects})\n"
        "SELECT pg_logical_emit_message(true, {prefix}, {message}) FROM pg_advisory_xact_lock_shared({capture_lock})"
    ).format(
        outbox=sql.Identifier(state_schema, "outbox"),
        selects=sql.SQL("\nUNION ALL\n").join(selects),
        prefix=sql.Literal(message_prefix(state_schema)),
        message=message,
        capture_lock=sql.Literal(capture_lock_key(state_schema)),
    )


def outbox_partition(state_schema: str, index: str) -> sql.Composed:
    """The outbox partition of ``q.root_key`` in ``index``: the state schema's
    ``outbox_partition`` function (``sql/schema.sql``), which the planner inlines."""
    return sql.SQL("{}({}, q.root_key)").format(sql.Identifier(state_schema, "outbox_partition"), sql.Literal(index))


def watched_anywhere(table: Table, occs: Sequence[Occurrence]) -> tuple[str, ...]:
    """The key and every column some occurrence of ``table`` watches, in that order."""
    names = list(table.primary_key or ())
    for occ in occs:
        names += [c for c in occ.watched_columns() if c not in names]
    return tuple(names)


def watched_multiset_changed(table: Table, columns: Sequence[str]) -> sql.Composed:
    """True when an UPDATE changed ``columns`` in some row: the old and new
    versions, rendered as text rows of ``columns``, differ as multisets.

    Counting by grouping (not joining old to new) keeps the plan linear in
    the rows changed even when PL/pgSQL reuses a plan made for one row. Two
    different values with the same text form would count as unchanged; the
    output functions of PostgreSQL's types are one-to-one (floats print
    exactly since PostgreSQL 12), and non-builtin types are compared as text
    by the capture statement too."""
    return sql.SQL(
        "EXISTS (SELECT FROM (SELECT {n} AS r, 1 AS s FROM new_rows AS n"
        " UNION ALL SELECT {o}, -1 FROM old_rows AS o) AS x GROUP BY x.r HAVING sum(x.s) <> 0)"
    ).format(n=_row_text("n", columns), o=_row_text("o", columns))


def watched_row_changed(columns: Sequence[str]) -> sql.Composed:
    """For an UPDATE of one row: true when ``columns`` render differently in
    its old and new versions, as :func:`watched_multiset_changed` compares
    them. ``LIMIT 1`` bounds the cross join when the statement changed more
    rows (the value is then not used)."""
    return sql.SQL("(SELECT {n} IS DISTINCT FROM {o} FROM new_rows AS n, old_rows AS o LIMIT 1)").format(
        n=_row_text("n", columns), o=_row_text("o", columns)
    )


@dataclass(frozen=True)
class UpdateChecks:
    """What an UPDATE's capture checks before it enqueues: whether the one row
    of a single-row statement changed (``row_changed``), whether any row of a
    larger one did (``rows_changed``), and each occurrence's changed versions
    for the single-row statement (``single_row``, occurrence -> source)."""

    row_changed: sql.Composable
    rows_changed: sql.Composable
    single_row: Callable[[Occurrence], sql.Composable]


# The coverage message's arguments in the function's own statements (EXECUTE passes them as $1-$3).
_COVERAGE = sql.SQL("concat_ws(' ', TG_RELID, TG_OP, _n)")


def _capture(
    state_schema: str,
    table: Table,
    occs: Sequence[Occurrence],
    op: str,
    source_for: Any,
    rows: sql.Composable,
    context: Any,
    *,
    changed: UpdateChecks | None = None,
) -> sql.Composed:
    """PL/pgSQL for one trigger operation: count the changed rows (``rows``),
    then run the capture statement, from the cached plan for a few rows or
    planned afresh with EXECUTE for more (see :data:`DYNAMIC_ABOVE_ROWS`).
    ``context`` (a connection) renders the EXECUTE text.

    ``changed`` is given for an UPDATE. One whose watched columns did not change enqueues
    nothing and takes no capture lock (no document can differ, so no worker
    needs to wait for it); it only emits the coverage message, as a PL/pgSQL
    simple expression, which runs without a query of its own.

    A single-row UPDATE, the commonest write of an application, has a path
    of its own: its check is computed with the count in one statement, by
    comparing the row's two versions, and its capture statement takes the
    versions without pairing them on the key. Every call then sets up fewer
    plan nodes and expressions than on the path for several rows: 262,000
    instead of 377,000 instructions for a book's title (callgrind,
    loadtest/README.md)."""
    cached = _capture_statement(state_schema, table, occs, op, source_for, _COVERAGE, few_rows=True)
    fresh = _capture_statement(
        state_schema, table, occs, op, source_for, sql.SQL("concat_ws(' ', $1, $2, $3)"), few_rows=False
    )
    dispatch = sql.SQL(
        "IF _n <= {limit} THEN\n{cached} INTO _lsn;\n"
        "ELSE\nEXECUTE {fresh} INTO _lsn USING TG_RELID, TG_OP, _n;\nEND IF;"
    ).format(limit=sql.Literal(DYNAMIC_ABOVE_ROWS), cached=cached, fresh=sql.Literal(fresh.as_string(context)))
    if changed is None:
        return sql.SQL("_n := {rows};\n{dispatch}").format(rows=rows, dispatch=dispatch)
    single = _capture_statement(state_schema, table, occs, op, changed.single_row, _COVERAGE, few_rows=True)
    message = sql.SQL("_lsn := pg_logical_emit_message(true, {prefix}, {coverage});").format(
        prefix=sql.Literal(message_prefix(state_schema)), coverage=_COVERAGE
    )
    return sql.SQL(
        "SELECT {rows}, {row_changed} INTO _n, _changed;\n"
        "IF _n = 1 THEN\n"
        "IF _changed THEN\n{single} INTO _lsn;\nELSE\n{message}\nEND IF;\n"
        "ELSE\n"
        "_changed := {rows_changed};\n"
        "IF NOT _changed THEN\n{message}\nELSE\n{dispatch}\nEND IF;\n"
        "END IF;"
    ).format(
        rows=rows,
        row_changed=changed.row_changed,
        rows_changed=changed.rows_changed,
        single=single,
        message=message,
        dispatch=dispatch,
    )


def function_body(state_schema: str, table: Table, occs: Sequence[Occurrence], context: Any) -> sql.Composed:
    """The PL/pgSQL body of ``table``'s capture function; ``context`` is a
    connection, used to render the statements run with EXECUTE."""
    new_count = sql.SQL("(SELECT count(*) FROM new_rows)")
    old_count = sql.SQL("(SELECT count(*) FROM old_rows)")
    watched = watched_anywhere(table, occs)

    def single_row(occ: Occurrence) -> sql.Composed:
        columns = list(table.primary_key or ())
        columns += [c for c in occ.watched_columns() if c not in columns]
        return changed_row(table, columns, known_changed=set(watched) <= set(columns))

    return sql.SQL(
        "DECLARE _lsn pg_lsn; _n bigint; _changed boolean;\nBEGIN\n"
        "IF TG_OP = 'UPDATE' THEN\n{upd}\n"
        "ELSIF TG_OP = 'INSERT' THEN\n{ins}\n"
        "ELSIF TG_OP = 'DELETE' THEN\n{dele}\n"
        "ELSIF TG_OP = 'TRUNCATE' THEN\n{trunc}\n"
        "END IF;\nRETURN NULL;\nEND"
    ).format(
        upd=_capture(
            state_schema,
            table,
            occs,
            "update",
            lambda o: changed_rows(table, o.watched_columns()),
            new_count,
            context,
            changed=UpdateChecks(watched_row_changed(watched), watched_multiset_changed(table, watched), single_row),
        ),
        ins=_capture(state_schema, table, occs, "insert", lambda _o: sql.SQL("new_rows"), new_count, context),
        dele=_capture(state_schema, table, occs, "delete", lambda _o: sql.SQL("old_rows"), old_count, context),
        trunc=_capture(state_schema, table, occs, "truncate", lambda _o: qualified(table), sql.SQL("0"), context),
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
