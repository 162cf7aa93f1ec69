"""The document tree after it has been checked against the catalog.

This is what the SQL generators consume. Every name in it exists in the
database, every join is a list of column pairs, and every node knows its key.

* :class:`Link` -- how rows of a node's table attach to rows of its parent's
  table. Direct: ``node.a = parent.b`` for each pair in ``pairs``. Through a
  table ``X``: ``X.x1 = node.a`` for each pair in ``node_pairs`` and
  ``X.x2 = parent.b`` for each pair in ``parent_pairs``. Through a chain of
  tables ``X, Y, ...`` (from the node's side): ``hops`` join each next table to
  the one before it, and ``parent_pairs`` name the last one's columns.
* :class:`Node` -- a table in the tree with the document fields it contributes.
* :class:`Index` -- one search index: its root node and engine settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from indexer.schema.catalog import Table, TableName
from indexer.schema.model import JsonStep


@dataclass(frozen=True)
class Hop:
    """One more through table of a chain, one step nearer the parent: ``pairs``
    are (column of the through table before it, column of ``table``)."""

    table: Table
    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Link:
    through: Table | None  # the through table next to the node's table
    # direct link: (node column, parent column) pairs
    pairs: tuple[tuple[str, str], ...] = ()
    # through link: (node column, through column) and (parent column, column of the last through table)
    node_pairs: tuple[tuple[str, str], ...] = ()
    parent_pairs: tuple[tuple[str, str], ...] = ()
    # a chain: further through tables from ``through`` toward the parent
    hops: tuple[Hop, ...] = ()

    def node_columns(self) -> tuple[str, ...]:
        """Columns of the node's own table that the link reads."""
        if self.through is None:
            return tuple(n for n, _ in self.pairs)
        return tuple(n for n, _ in self.node_pairs)

    def parent_columns(self) -> tuple[str, ...]:
        """Columns of the parent's table that the link reads."""
        if self.through is None:
            return tuple(p for _, p in self.pairs)
        return tuple(p for p, _ in self.parent_pairs)

    def throughs(self) -> tuple[Table, ...]:
        """The through tables, from the node's side to the parent's ((): direct)."""
        if self.through is None:
            return ()
        return (self.through, *(hop.table for hop in self.hops))

    def toward_node(self, position: int) -> tuple[str, ...]:
        """Columns of through table ``position`` joined to the table before it
        (the node's table for 0)."""
        if position == 0:
            return tuple(x for _, x in self.node_pairs)
        return tuple(x for _, x in self.hops[position - 1].pairs)

    def toward_parent(self, position: int) -> tuple[str, ...]:
        """Columns of through table ``position`` joined to the table after it
        (the parent's table for the last)."""
        if position == len(self.hops):
            return tuple(x for _, x in self.parent_pairs)
        return tuple(x for x, _ in self.hops[position].pairs)

    def through_columns(self, position: int = 0) -> tuple[str, ...]:
        """Columns of through table ``position`` that the link reads."""
        out = list(self.toward_node(position))
        out += [c for c in self.toward_parent(position) if c not in out]
        return tuple(out)


@dataclass(frozen=True)
class Concat:
    """``transform.concat``: ``parts`` (fields, or literal text for names that
    are not fields) joined with ``delimiter``, skipping empty values."""

    parts: tuple[Field | str, ...]
    delimiter: str


@dataclass(frozen=True)
class Field:
    """One document field of a node.

    ``key`` is its name in the document (after ``transform.rename``);
    ``column`` the table column it reads ("" for a concat); ``steps`` the JSON
    operators applied to the column; ``replace`` the (old, new) substring
    replacements applied to its text, in order; ``concat`` set for a field
    built by ``transform.concat``.
    """

    key: str
    column: str
    steps: tuple[JsonStep, ...] = ()
    replace: tuple[tuple[str, str], ...] = ()
    concat: Concat | None = None

    def columns(self) -> tuple[str, ...]:
        """The table columns this field's value depends on."""
        if self.concat is None:
            return (self.column,)
        out: list[str] = []
        for part in self.concat.parts:
            if isinstance(part, Field):
                out.extend(c for c in part.columns() if c not in out)
        return tuple(out)

    @property
    def plain(self) -> bool:
        """The column's value as it is (no JSON step, replace or concat)."""
        return not (self.steps or self.replace or self.concat)


@dataclass
class Node:
    number: int  # preorder position in its index's tree, gives SQL aliases
    table: Table
    label: str
    fields: tuple[Field, ...]
    variant: str  # "object" | "scalar" (root: "object")
    rel_type: str  # "one_to_one" | "one_to_many" (root: "one_to_one")
    link: Link | None  # None at the root
    key: tuple[str, ...]  # primary key, or () for a child without one
    path: str
    field_mappings: dict[str, dict[str, Any]]  # field key -> engine field mapping
    children: list[Node] = field(default_factory=list)
    # for a view: the tables whose changes change its rows (they carry the capture)
    base_tables: tuple[Table, ...] = ()
    parent: Node | None = field(default=None, repr=False)

    @property
    def is_root(self) -> bool:
        return self.parent is None

    def order_columns(self) -> tuple[str, ...]:
        """Columns that order this node's rows inside its parent's array."""
        if self.key:
            return self.key
        seen: list[str] = []
        for column in (*self.link_columns(), *(c for f in self.fields if f.plain for c in f.columns())):
            if column not in seen:
                seen.append(column)
        return tuple(seen)

    def link_columns(self) -> tuple[str, ...]:
        return self.link.node_columns() if self.link else ()

    def walk_columns(self) -> tuple[str, ...]:
        """Columns a capture needs from a row of this node to find its roots:
        its key, its link to the parent and its children's links to it."""
        cols: list[str] = []
        for name in (*self.key, *self.link_columns()):
            if name not in cols:
                cols.append(name)
        for child in self.children:
            if child.link is not None:
                cols.extend(c for c in child.link.parent_columns() if c not in cols)
        return tuple(cols)

    def ancestors(self) -> Iterator[Node]:
        """This node's parent, grandparent, ... up to the root."""
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def walk(self) -> Iterator[Node]:
        """This node and every descendant, preorder."""
        yield self
        for child in self.children:
            yield from child.walk()

    def watched_columns(self) -> tuple[str, ...]:
        """Columns of this node's table whose change can change a document:
        its fields, its key, its link to the parent and its children's links."""
        cols: list[str] = []

        def add(names: tuple[str, ...]) -> None:
            for name in names:
                if name not in cols:
                    cols.append(name)

        add(self.key)
        add(self.link_columns())
        for f in self.fields:
            add(f.columns())
        for child in self.children:
            if child.link is not None:
                add(child.link.parent_columns())
        return tuple(cols)


@dataclass
class Index:
    name: str
    database: str
    root: Node
    settings: dict[str, Any] | None
    mappings: dict[str, Any] | None
    pipeline: str | None
    path: str
    plugins: tuple[str, ...] = ()
    routing: str | None = None  # the root table column whose value routes each document

    def nodes(self) -> Iterator[Node]:
        return self.root.walk()

    def materialized_views(self) -> list[Table]:
        """The materialized views this index's documents read."""
        return [node.table for node in self.nodes() if node.table.kind == "m"]

    def tables(self) -> list[TableName]:
        """Every table the documents read, where changes are captured: node and
        through tables, a view node's base tables instead of the view;
        first-seen order."""
        seen: list[TableName] = []
        for node in self.nodes():
            # a materialized view changes on REFRESH, seen by an event trigger, not by capture triggers
            sources = () if node.table.kind == "m" else node.base_tables or (node.table,)
            for table in (*sources, *(node.link.throughs() if node.link else ())):
                if table.key not in seen:
                    seen.append(table.key)
        return seen
