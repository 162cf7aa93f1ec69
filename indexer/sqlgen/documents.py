"""SQL that builds whole documents inside Postgres.

A document is one ``json`` value: the root row's fields plus one entry per child
node, built with ``json_build_object`` and ``json_agg`` in correlated subqueries
that follow the tree (any depth, direct or through-table links). Semantics, kept
compatible with PGSync's output:

* ``one_to_one`` gives the child object (or its single value for ``scalar``),
  or ``null`` when there is no row; with several rows the lowest key wins.
* ``one_to_many`` gives an array ordered by the child's key (then the through
  table's key), or ``null`` when there are no rows.

Queries return the document as text, so its bytes go into the bulk request
without being parsed in Python. Each query also draws one value from the state
schema's ``version_seq``; it becomes the external version of every document the
query returns (see ARCHITECTURE.md, "A document never goes backwards").
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg2 import sql

from indexer.schema.tree import Field, Index, Node
from indexer.sqlgen.names import ROUTING_MEMBER, col, doc_id, equals, key_from_json, qualified, root_key_object

# json_build_object takes at most 100 arguments, i.e. 50 key/value pairs.
_MAX_PAIRS = 50


def alias(node: Node) -> str:
    return f"n{node.number}"


def through_alias(node: Node, position: int = 0) -> str:
    """The alias of ``node``'s through table ``position`` (0: next to the node)."""
    return f"t{node.number}" if position == 0 else f"t{node.number}_{position}"


def _build_object(pairs: list[tuple[sql.Composable, sql.Composable]]) -> sql.Composable:
    def one(chunk: list[tuple[sql.Composable, sql.Composable]], fn: str) -> sql.Composable:
        args = sql.SQL(", ").join(sql.SQL("{}, {}").format(k, v) for k, v in chunk)
        return sql.SQL("{}({})").format(sql.SQL(fn), args)

    if len(pairs) <= _MAX_PAIRS:
        return one(pairs, "json_build_object")
    chunks = [pairs[i : i + _MAX_PAIRS] for i in range(0, len(pairs), _MAX_PAIRS)]
    merged = sql.SQL(" || ").join(one(chunk, "jsonb_build_object") for chunk in chunks)
    return sql.SQL("({})::json").format(merged)


_TEXT_TYPES = ("text", "character varying", "character", "citext", "name")
_INTEGER_TYPES = ("smallint", "integer", "bigint")
_FRACTION_TYPES = ("numeric", "real", "double precision")


def _value_type(node: Node, f: Field) -> str:
    """The SQL type of a field's value, as far as concat needs to know it."""
    if f.concat is not None or f.replace:
        return "text"
    if f.steps:
        return "text" if f.steps[-1][0] in ("->>", "#>>") else "json"
    column = node.table.column(f.column)
    return column.sql_type.split("(")[0] if column else "text"


def field_value(node: Node, f: Field) -> sql.Composable:
    """The SQL value of one field for the row of ``node`` in scope: the column,
    then its JSON operators, then ``replace`` (on its text; on every element of
    an array), or a ``concat`` of other fields."""
    if f.concat is not None:
        parts: list[sql.Composable] = []
        for part in f.concat.parts:
            if isinstance(part, Field):
                parts.append(_concat_part(node, part))
            elif part:
                parts.append(sql.Literal(part))
        if not parts:
            return sql.Literal("")
        return sql.SQL("concat_ws({}, {})").format(sql.Literal(f.concat.delimiter), sql.SQL(", ").join(parts))
    value: sql.Composable = col(alias(node), f.column)
    for op, operand in f.steps:
        if isinstance(operand, tuple):
            value = sql.SQL("({} {} {}::text[])").format(value, sql.SQL(op), sql.Literal(list(operand)))
        else:
            value = sql.SQL("({} {} {})").format(value, sql.SQL(op), sql.Literal(operand))
    if not f.replace:
        return value
    column = node.table.column(f.column)
    is_array = not f.steps and column is not None and column.sql_type.endswith("[]")
    element: sql.Composable = sql.SQL("u.x::text") if is_array else sql.SQL("({})::text").format(value)
    for old, new in f.replace:
        element = sql.SQL("replace({}, {}, {})").format(element, sql.Literal(old), sql.Literal(new))
    if is_array:
        return sql.SQL(
            "CASE WHEN {v} IS NULL THEN NULL"
            " ELSE ARRAY(SELECT {e} FROM unnest({v}) WITH ORDINALITY AS u(x, o) ORDER BY u.o) END"
        ).format(e=element, v=value)
    return element


def _concat_part(node: Node, f: Field) -> sql.Composable:
    """One concat operand as text, NULL where PGSync leaves it out: it joins
    ``str()`` of the values that are truthy in Python (so not null, "", 0 or
    false; true is written ``True``)."""
    value = field_value(node, f)
    kind = _value_type(node, f)
    if kind in _TEXT_TYPES:
        return sql.SQL("NULLIF({}, '')").format(value)
    if kind == "boolean":
        return sql.SQL("CASE WHEN {} THEN 'True' END").format(value)
    if kind in _INTEGER_TYPES:
        return sql.SQL("(NULLIF({}, 0))::text").format(value)
    if kind == "numeric":
        # PGSync reads numeric through JSON: 12 stays an int ("12"), 12.00 and
        # 9.80 become floats ("12.0", "9.8").
        return sql.SQL(
            "CASE WHEN {v} = 0 THEN NULL WHEN scale({v}) = 0 THEN ({v})::text"
            " WHEN {v} = trunc({v}) THEN trunc({v})::text || '.0' ELSE ({v})::float8::text END"
        ).format(v=value)
    if kind in _FRACTION_TYPES:
        return sql.SQL("(NULLIF({}, 0))::text").format(value)
    return sql.SQL("NULLIF(to_json({}) #>> '{{}}', '')").format(value)


def object_expr(node: Node) -> sql.Composable:
    """The JSON object for one row of ``node`` (its alias must be in scope)."""
    pairs: list[tuple[sql.Composable, sql.Composable]] = [
        (sql.Literal(f.key), field_value(node, f)) for f in node.fields
    ]
    for child in node.children:
        pairs.append((sql.Literal(child.label), child_expr(child)))
    return _build_object(pairs)


def link_from(node: Node) -> tuple[sql.Composable, sql.Composable]:
    """FROM clause and WHERE condition that find ``node``'s rows for the row of
    its parent in scope."""
    link = node.link
    assert link is not None and node.parent is not None
    a, p = alias(node), alias(node.parent)
    source: sql.Composable
    if link.through is None:
        source = sql.SQL("{} AS {}").format(qualified(node.table), sql.Identifier(a))
        where = equals([(col(a, n), col(p, pc)) for n, pc in link.pairs])
        return source, where
    throughs = link.throughs()
    last = len(throughs) - 1
    # from the parent's side: the last through table, each one before it, then the node's table
    source = sql.SQL("{} AS {}").format(qualified(throughs[last]), sql.Identifier(through_alias(node, last)))
    for position in range(last - 1, -1, -1):
        here, there = through_alias(node, position), through_alias(node, position + 1)
        on = equals([(col(here, x), col(there, y)) for x, y in link.hops[position].pairs])
        source = sql.SQL("{} JOIN {} AS {} ON {}").format(
            source, qualified(throughs[position]), sql.Identifier(here), on
        )
    t = through_alias(node)
    source = sql.SQL("{} JOIN {} AS {} ON {}").format(
        source,
        qualified(node.table),
        sql.Identifier(a),
        equals([(col(a, n), col(t, x)) for n, x in link.node_pairs]),
    )
    where = equals([(col(through_alias(node, last), x), col(p, pc)) for pc, x in link.parent_pairs])
    return source, where


def order_by(node: Node) -> sql.Composable:
    """The node's order columns, then each through table's key (or the
    columns the link reads of it), from the node's side."""
    a = alias(node)
    columns = [col(a, c) for c in node.order_columns()]
    if node.link is not None:
        for position, through in enumerate(node.link.throughs()):
            t = through_alias(node, position)
            through_key = through.primary_key or node.link.through_columns(position)
            columns.extend(col(t, c) for c in through_key)
    return sql.SQL(", ").join(columns)


def child_expr(node: Node) -> sql.Composable:
    """A scalar subquery giving ``node``'s value inside its parent's object."""
    source, where = link_from(node)
    if node.variant == "scalar":
        value: sql.Composable = field_value(node, node.fields[0])
    else:
        value = object_expr(node)
    if node.rel_type == "one_to_many":
        return sql.SQL("(SELECT json_agg({} ORDER BY {}) FROM {} WHERE {})").format(
            value, order_by(node), source, where
        )
    return sql.SQL("(SELECT {} FROM {} WHERE {} ORDER BY {} LIMIT 1)").format(value, source, where, order_by(node))


@dataclass(frozen=True)
class DocumentQueries:
    """The statements that produce the documents of one index.

    Result rows of :meth:`by_keys` and :meth:`page` are
    ``(version bigint, doc_id_json text, doc text | NULL, root_key text)``:
    ``doc_id_json`` is the ``_id`` as a JSON string literal, ready for the bulk
    action line; a NULL ``doc`` means the root row does not exist (delete it).
    """

    index: Index
    state_schema: str

    def _version_cte(self) -> sql.Composable:
        seq = sql.Identifier(self.state_schema, "version_seq")
        return sql.SQL("WITH v AS MATERIALIZED (SELECT nextval({}::regclass) AS version)").format(
            sql.Literal(_regclass_text(seq))
        )

    def root_values(self) -> list[sql.Composable]:
        root = self.index.root
        return [col(alias(root), c) for c in root.key]

    def by_keys(self) -> sql.Composed:
        """Documents for a set of root keys. Parameter ``keys``: a JSON array of
        ``root_key`` objects (as text). Missing roots come back with NULL doc.

        The keys are deduplicated by sorting them, so the root table's index is
        probed in key order (neighbouring keys share index and heap pages): for
        2,000 books, 18.1 µs per document instead of 19.6 in hash order
        (execute and fetch, medians of 12 alternating runs on 100,000 books)."""
        root = self.index.root
        k = sql.Identifier("k")
        key_cols = [sql.Identifier(f"k{i}") for i in range(len(root.key))]
        typed = key_from_json(root.table, root.key, sql.SQL("e.key"))
        select_keys = sql.SQL(", ").join(sql.SQL("{} AS {}").format(v, n) for v, n in zip(typed, key_cols, strict=True))
        in_key_order = sql.SQL(", ").join(key_cols)
        key_values = [sql.SQL("{}.{}").format(k, n) for n in key_cols]
        match = equals([(col(alias(root), c), v) for c, v in zip(root.key, key_values, strict=True)])
        if self.index.routing is not None:
            return self._routed_by_keys(select_keys, in_key_order, key_values, match)
        return sql.SQL(
            "{version}, k AS (SELECT DISTINCT {select_keys} FROM jsonb_array_elements(%(keys)s::jsonb) AS e(key)"
            " ORDER BY {in_key_order})\n"
            "SELECT v.version, to_json({doc_id})::text,\n"
            "  (SELECT ({doc})::text FROM {root} AS {a} WHERE {match}),\n"
            "  {key}::text\n"
            "FROM v, k"
        ).format(
            version=self._version_cte(),
            select_keys=select_keys,
            in_key_order=in_key_order,
            doc_id=self._doc_id(key_values),
            key=root_key_object(root.table, root.key, key_values),
            doc=object_expr(root),
            root=qualified(root.table),
            a=sql.Identifier(alias(root)),
            match=match,
        )

    def _routed_by_keys(
        self,
        select_keys: sql.Composable,
        in_key_order: sql.Composable,
        key_values: list[sql.Composable],
        match: sql.Composable,
    ) -> sql.Composed:
        """:meth:`by_keys` for an index with ``routing``: the ``_id`` column also
        carries ``,"routing":...`` for the action line. A document is written
        with its row's routing; a missing row is deleted with the routing its
        key came with (the old value), or not at all without one (the index
        refuses documents without routing, so none can be there). A key whose
        routing differs from the row's (the value changed) gives no row: the
        row's own key builds it."""
        root = self.index.root
        assert self.index.routing is not None
        a = alias(root)
        return sql.SQL(
            "{version}, k AS (SELECT DISTINCT {select_keys}, e.key ->> {member} AS r"
            " FROM jsonb_array_elements(%(keys)s::jsonb) AS e(key) ORDER BY {in_key_order}, r)\n"
            "SELECT v.version,\n"
            "  to_json({doc_id})::text || coalesce(',\"routing\":' || to_json(coalesce(d.route, k.r))::text, ''),\n"
            "  d.doc, {key}::text\n"
            "FROM v, k LEFT JOIN LATERAL (SELECT ({doc})::text AS doc, ({route})::text AS route"
            " FROM {root} AS {a} WHERE {match}) AS d ON true\n"
            "WHERE (d.doc IS NULL AND k.r IS NOT NULL) OR (d.doc IS NOT NULL AND (k.r IS NULL OR d.route = k.r))"
        ).format(
            version=self._version_cte(),
            select_keys=select_keys,
            in_key_order=in_key_order,
            member=sql.Literal(ROUTING_MEMBER),
            doc_id=self._doc_id(key_values),
            key=root_key_object(root.table, root.key, key_values, routing=sql.SQL("k.r")),
            doc=object_expr(root),
            route=col(a, self.index.routing),
            root=qualified(root.table),
            a=sql.Identifier(a),
            match=match,
        )

    def _id_with_routing(self, values: list[sql.Composable]) -> sql.Composable:
        """``to_json(_id)::text``, followed by ``,"routing":...`` for a routed index."""
        plain = sql.SQL("to_json({})::text").format(self._doc_id(values))
        if self.index.routing is None:
            return plain
        route = col(alias(self.index.root), self.index.routing)
        return sql.SQL("{} || coalesce(',\"routing\":' || to_json(({})::text)::text, '')").format(plain, route)

    def page(self, *, lower: bool, upper: bool) -> sql.Composed:
        """One keyset page of the backfill, in key order. Parameters: ``after``
        (exclusive, a root_key as text) when ``lower``, ``upto`` (inclusive) when
        ``upper``, and ``limit``."""
        root = self.index.root
        a = alias(root)
        row = sql.SQL("({})").format(sql.SQL(", ").join(col(a, c) for c in root.key))
        conditions: list[sql.Composable] = []
        if lower:
            after = key_from_json(root.table, root.key, sql.SQL("%(after)s::jsonb"))
            conditions.append(sql.SQL("{} > ({})").format(row, sql.SQL(", ").join(after)))
        if upper:
            upto = key_from_json(root.table, root.key, sql.SQL("%(upto)s::jsonb"))
            conditions.append(sql.SQL("{} <= ({})").format(row, sql.SQL(", ").join(upto)))
        where = sql.SQL(" AND ").join(conditions) if conditions else sql.SQL("true")
        values = self.root_values()
        return sql.SQL(
            "{version}\n"
            "SELECT v.version, {doc_id}, ({doc})::text, {key}::text\n"
            "FROM {root} AS {a}, v WHERE {where}\n"
            "ORDER BY {order} LIMIT %(limit)s"
        ).format(
            version=self._version_cte(),
            doc_id=self._id_with_routing(values),
            doc=object_expr(root),
            key=root_key_object(
                root.table,
                root.key,
                values,
                routing=col(a, self.index.routing) if self.index.routing is not None else None,
            ),
            root=qualified(root.table),
            a=sql.Identifier(a),
            where=where,
            order=sql.SQL(", ").join(col(a, c) for c in root.key),
        )

    def doc_id_of_key(self, key_json: sql.Composable) -> sql.Composed:
        """The ``_id`` of a root_key jsonb expression."""
        root = self.index.root
        return self._doc_id(key_from_json(root.table, root.key, key_json))

    def _id_order(self) -> list[int]:
        """Positions of the key columns in ``_id`` order: sorted by column name,
        as PGSync joins them, so a composite key gets PGSync's ``_id``."""
        key = self.index.root.key
        return sorted(range(len(key)), key=lambda i: key[i])

    def _doc_id(self, key_values: list[sql.Composable]) -> sql.Composed:
        return doc_id([key_values[i] for i in self._id_order()])

    def key_of_parts(self, parts: sql.Composable) -> sql.Composed:
        """The root_key jsonb of a ``text[]`` expression holding the key values
        in ``_id`` order (as :func:`~indexer.sqlgen.names.split_doc_id` returns them)."""
        root = self.index.root
        values: list[sql.Composable] = [sql.SQL("NULL")] * len(root.key)
        for part, i in enumerate(self._id_order()):
            values[i] = sql.SQL("({})[{}]").format(parts, sql.Literal(part + 1))
        return root_key_object(root.table, root.key, values)

    def count(self) -> sql.Composed:
        return sql.SQL("SELECT count(*) FROM {}").format(qualified(self.index.root.table))

    def boundaries(self) -> sql.Composed:
        """Every ``step``-th root key in key order (as root_key text): the upper
        bounds of backfill chunks. Parameter ``step``. The root_key is built
        only for the rows kept (on 100,000 books: 40 ms, against 93 ms when
        built for every row), since another worker waits for the plan."""
        root = self.index.root
        values = self.root_values()
        # the subquery's columns are renamed (k0, k1, ..., rn): no key column name can clash
        names = [sql.Identifier(f"k{i}") for i in range(len(root.key))]
        kept = [sql.SQL("s.{}").format(n) for n in names]
        return sql.SQL(
            "SELECT ({key})::text FROM (SELECT {columns}, row_number() OVER (ORDER BY {order})"
            " FROM {root} AS {a}) AS s({names}, rn) WHERE s.rn %% %(step)s = 0 ORDER BY s.rn"
        ).format(
            key=root_key_object(root.table, root.key, kept),
            names=sql.SQL(", ").join(names),
            columns=sql.SQL(", ").join(values),
            order=sql.SQL(", ").join(values),
            root=qualified(root.table),
            a=sql.Identifier(alias(root)),
        )

    def all_documents(self) -> sql.Composed:
        """Every document as ``(doc_id text, root_key jsonb, doc json)``,
        unordered: the Postgres-alone baseline of the benchmark and the source
        side of verify."""
        root = self.index.root
        values = self.root_values()
        return sql.SQL("SELECT {doc_id} AS doc_id, {key} AS root_key, {doc} AS doc FROM {root} AS {a}").format(
            doc_id=self._doc_id(values),
            key=root_key_object(root.table, root.key, values),
            doc=object_expr(root),
            root=qualified(root.table),
            a=sql.Identifier(alias(root)),
        )


def _regclass_text(identifier: sql.Identifier) -> str:
    """``"schema"."name"`` as text for a ``::regclass`` literal."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in identifier.strings)


def matching_roots(index: Index) -> dict[str, sql.Composable]:
    """The parts of the named statement ``enqueue_matching_roots`` for
    ``index``: ``root`` (its root table), ``alias`` (the alias the operator's
    condition refers to, as in the document queries), ``key`` (the root key
    object of that row, with its routing value) and ``table`` (the root table's
    name, recorded as the outbox row's source)."""
    root = index.root
    a = alias(root)
    routing = col(a, index.routing) if index.routing else None
    return {
        "root": qualified(root.table),
        "alias": sql.Identifier(a),
        "key": root_key_object(root.table, root.key, [col(a, c) for c in root.key], routing=routing),
        "table": sql.Literal(root.table.display),
    }
