"""The document schema as written in schema.json, before it meets the catalog.

The format is PGSync's, so an existing ``schema.json`` works unchanged: a list of
index definitions, each with a tree of nodes. Shapes:

* :class:`DocumentSchema` -- the whole file: ``indexes`` in file order.
* :class:`IndexSpec` -- one list element: ``database``, ``index``, ``nodes``
  (the root :class:`NodeSpec`), optional ``setting``/``mapping``/``mappings``
  (passed to the search engine) and ``pipeline`` (an ingest pipeline name).
* :class:`NodeSpec` -- one table in the tree: ``table``, ``schema`` (default
  ``public``), ``columns`` (``None`` means every column), ``label`` (default the
  table name), ``primary_key`` (overrides the catalog's), ``relationship``
  (``None`` only at the root), ``children``, ``rename`` and ``field_mappings``
  (from ``transform.rename`` and ``transform.mapping``).

Every object carries ``path``, its JSON path in the file (``[0].nodes.children[2]``),
so later errors can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Variant = Literal["object", "scalar"]
RelType = Literal["one_to_one", "one_to_many"]


@dataclass(frozen=True)
class ForeignKeySpec:
    """Join columns given explicitly: ``child`` columns of the node's table equal
    ``parent`` columns of its parent's table, pairwise in order."""

    child: tuple[str, ...]
    parent: tuple[str, ...]


@dataclass(frozen=True)
class RelationshipSpec:
    variant: Variant
    type: RelType
    through_tables: tuple[tuple[str, str], ...]  # (schema, table)
    foreign_key: ForeignKeySpec | None
    path: str


JsonStep = tuple[str, str | int | tuple[str, ...]]


@dataclass(frozen=True)
class ColumnRef:
    """One ``columns`` entry: a column, optionally followed by JSON operators.

    ``steps`` are ``(operator, operand)`` pairs: ``->``/``->>`` take a key
    (``str``) or an array position (``int``), ``#>``/``#>>`` a path
    (``tuple[str, ...]``). ``name`` is the document field PGSync gives the
    entry: the column and the operands joined with ``_``, braces and quotes
    removed (``doc->firstname`` -> ``doc_firstname``, ``data#>'{a,b}'`` ->
    ``data_a,b``).
    """

    text: str
    column: str
    steps: tuple[JsonStep, ...] = ()

    @property
    def name(self) -> str:
        if not self.steps:
            return self.column
        parts = [self.column]
        for _op, operand in self.steps:
            parts.append(",".join(operand) if isinstance(operand, tuple) else str(operand))
        return "_".join(parts)


@dataclass(frozen=True)
class ConcatSpec:
    """``transform.concat``: the values of ``columns`` (field names after
    rename; a name that is not a field is taken as literal text, as PGSync
    does) joined with ``delimiter`` into the field ``destination``."""

    columns: tuple[str, ...]
    destination: str
    delimiter: str
    path: str


@dataclass(frozen=True)
class NodeSpec:
    table: str
    schema: str
    columns: tuple[ColumnRef, ...] | None
    label: str
    primary_key: tuple[str, ...] | None
    relationship: RelationshipSpec | None
    children: tuple[NodeSpec, ...]
    rename: dict[str, str]
    field_mappings: dict[str, dict[str, Any]]
    path: str
    replace: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    concat: tuple[ConcatSpec, ...] = ()
    base_tables: tuple[tuple[str, str], ...] = ()  # (schema, table) whose changes change a view node's rows
    ignored: tuple[str, ...] = ()  # JSON paths of keys accepted but without effect (warned)


@dataclass(frozen=True)
class IndexSpec:
    database: str
    index: str
    root: NodeSpec
    setting: dict[str, Any] | None
    mapping: dict[str, Any] | None
    mappings: dict[str, Any] | None
    pipeline: str | None
    path: str
    plugins: tuple[str, ...] = ()  # names of PGSync document plugins, applied in order
    routing: str | None = None  # the root document field whose value routes each document


@dataclass(frozen=True)
class DocumentSchema:
    file: str
    indexes: tuple[IndexSpec, ...] = field(default_factory=tuple)

    def databases(self) -> list[str]:
        """Database names in first-seen order."""
        seen: list[str] = []
        for spec in self.indexes:
            if spec.database not in seen:
                seen.append(spec.database)
        return seen

    def ignored_keys(self) -> list[str]:
        """JSON paths of keys accepted for PGSync compatibility that have no
        effect (``transform.move``: PGSync 7.3 parses it and never applies it)."""
        out: list[str] = []

        def visit(node: NodeSpec) -> None:
            out.extend(node.ignored)
            for child in node.children:
                visit(child)

        for spec in self.indexes:
            visit(spec.root)
        return out

    def with_database(self, database: str) -> DocumentSchema:
        """The same schema with every index in ``database`` (``--database``)."""
        from dataclasses import replace

        return replace(self, indexes=tuple(replace(spec, database=database) for spec in self.indexes))

    def for_database(self, database: str) -> tuple[IndexSpec, ...]:
        return tuple(spec for spec in self.indexes if spec.database == database)
