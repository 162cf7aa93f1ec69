"""Check a parsed schema.json against the catalog and build the document tree.

Raises :class:`~indexer.errors.CatalogError` (file, JSON path, what to do) for:
a missing table or column, a root table without a primary key, a relationship
whose foreign key is missing or ambiguous, a scalar node with more than one
column, and label/field name clashes. Nothing is installed before this passes.

Foreign keys are inferred like PGSync does when ``relationship.foreign_key`` is
omitted: a direct relationship uses the single foreign key between the node's
table and its parent's (in either direction); a through table must have exactly
one foreign key to each side.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import replace

from indexer.errors import CatalogError
from indexer.schema.catalog import Catalog, Table, TableName
from indexer.schema.model import ColumnRef, ForeignKeySpec, IndexSpec, NodeSpec
from indexer.schema.tree import Concat, Field, Hop, Index, Link, Node


def tables_named(specs: Iterable[IndexSpec]) -> set[TableName]:
    """Every (schema, table) the specs mention, through tables included."""
    names: set[TableName] = set()

    def visit(node: NodeSpec) -> None:
        names.add((node.schema, node.table))
        names.update(node.base_tables)
        if node.relationship:
            names.update(node.relationship.through_tables)
        for child in node.children:
            visit(child)

    for spec in specs:
        visit(spec.root)
    return names


def resolve(specs: Iterable[IndexSpec], catalog: Catalog, file: str) -> list[Index]:
    """Resolve every spec; see the module docstring for the errors raised."""
    return [_Resolver(catalog, file).index(spec) for spec in specs]


class _Resolver:
    def __init__(self, catalog: Catalog, file: str) -> None:
        self.catalog = catalog
        self.file = file
        self.counter = 0
        self.open_fields = False

    def fail(self, path: str, problem: str, hint: str | None = None) -> CatalogError:
        return CatalogError(self.file, path, problem, hint=hint)

    def table(self, schema: str, name: str, path: str) -> Table:
        table = self.catalog.get((schema, name))
        if table is not None:
            return table
        known = self.catalog.names_by_schema.get(schema, ())
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"check the name and 'schema' (here {schema!r})"
        if not known:
            hint = f"schema {schema!r} has no tables visible to this role; check 'schema' and privileges"
        raise self.fail(path, f'table "{schema}"."{name}" does not exist', hint)

    def column(self, table: Table, name: str, path: str) -> str:
        if table.column(name) is None:
            close = difflib.get_close_matches(name, table.column_names(), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"columns: {', '.join(table.column_names())}"
            raise self.fail(path, f"column {name!r} does not exist in table {table.display}", hint)
        return name

    def index(self, spec: IndexSpec) -> Index:
        self.counter = 0
        # Plugins and ingest pipelines may add fields, which transform.mapping may then map.
        self.open_fields = bool(spec.plugins or spec.pipeline)
        root = self.node(spec.root, None)
        if not root.key:
            raise self.fail(
                f"{spec.root.path}.table",
                f"root table {root.table.display} has no primary key, so documents would have no identity",
                "add a primary key to the table, or name its key columns in the node's 'primary_key'",
            )
        return Index(
            name=spec.index,
            database=spec.database,
            root=root,
            settings=spec.setting,
            mappings=self.mappings(spec, root),
            pipeline=spec.pipeline,
            path=spec.path,
            plugins=spec.plugins,
            routing=self.routing(spec, root),
        )

    def node(self, spec: NodeSpec, parent: Node | None) -> Node:
        table = self.table(spec.schema, spec.table, f"{spec.path}.table")
        if table.kind == "v" and not spec.base_tables:
            raise self.fail(
                f"{spec.path}.table",
                f"{table.display} is a view: name the tables whose changes change its rows",
                'add "base_tables": ["<table>", ...] (PGSync\'s key for views) and its "primary_key"',
            )
        if table.kind not in ("r", "p", "v", "m"):
            raise self.fail(
                f"{spec.path}.table",
                f"{table.display} is not a table or a view (a foreign table cannot carry triggers)",
            )
        if spec.base_tables and table.kind not in ("v", "m"):
            raise self.fail(f"{spec.path}.base_tables", f"{table.display} is a table, not a view", "remove the key")
        fields = self.fields(spec, table)
        keys_seen = {f.key: f.column for f in fields}
        if spec.primary_key is not None:
            key = tuple(self.column(table, c, f"{spec.path}.primary_key[{i}]") for i, c in enumerate(spec.primary_key))
        else:
            key = table.primary_key
        if table.kind in ("v", "m") and not key:
            raise self.fail(
                f"{spec.path}.primary_key",
                f"view {table.display} has no primary key",
                'name the columns that identify its rows in "primary_key"',
            )
        variant, rel_type, link = "object", "one_to_one", None
        if parent is not None:
            rel = spec.relationship
            assert rel is not None  # parse guarantees it below the root
            variant, rel_type = rel.variant, rel.type
            if variant == "scalar" and len(fields) != 1:
                raise self.fail(
                    f"{spec.path}.columns",
                    f"a scalar node gives one value per row, but {len(fields)} columns are selected",
                    'list exactly one column, or use "variant": "object"',
                )
            link = self.link(spec, table, parent)
        node = Node(
            number=self.counter,
            table=table,
            label=spec.label,
            fields=fields,
            variant=variant,
            rel_type=rel_type,
            link=link,
            key=key,
            path=spec.path,
            field_mappings=self.field_mappings(spec, fields),
            parent=parent,
        )
        self.counter += 1
        for child_spec in spec.children:
            if child_spec.label in keys_seen:
                raise self.fail(
                    f"{child_spec.path}.label",
                    f"label {child_spec.label!r} is also a field of {table.display}",
                    "give the child a different 'label' or rename the column",
                )
            node.children.append(self.node(child_spec, node))
        if spec.base_tables and table.kind == "v":  # a materialized view changes on REFRESH, not with them
            node.base_tables = tuple(
                self.base_table(node, schema, name, f"{spec.path}.base_tables[{i}]")
                for i, (schema, name) in enumerate(spec.base_tables)
            )
        return node

    def base_table(self, node: Node, schema: str, name: str, path: str) -> Table:
        """A view node's base table: a table that has the view's key and link
        columns under the same names, so a changed row of it names the view
        rows (and so the documents) it can change."""
        table = self.table(schema, name, path)
        if table.kind not in ("r", "p"):
            raise self.fail(path, f"{table.display} is not a table, so it cannot carry the capture triggers")
        missing = [c for c in node.walk_columns() if table.column(c) is None]
        if missing:
            raise self.fail(
                path,
                f"base table {table.display} lacks the column(s) {', '.join(missing)} that view"
                f" {node.table.display} is keyed and linked by",
                "a base table's changes are matched to view rows by those columns, under the same names",
            )
        return table

    def routing(self, spec: IndexSpec, root: Node) -> str | None:
        """The root column behind ``routing`` (a root field, after rename)."""
        if spec.routing is None:
            return None
        if "_routing" in root.key:
            raise self.fail(f"{spec.path}.routing", "routing is not supported when a key column is named _routing")
        for f in root.fields:
            if f.key == spec.routing and f.plain:
                return f.column
        plain = [f.key for f in root.fields if f.plain]
        raise self.fail(
            f"{spec.path}.routing",
            f"{spec.routing!r} is not a field of the root table {root.table.display}",
            f"route by one of its plain fields: {', '.join(plain)}",
        )

    def fields(self, spec: NodeSpec, table: Table) -> tuple[Field, ...]:
        """The node's fields: columns (all when none are listed), then
        ``transform`` in PGSync's order: replace, rename, concat."""
        refs = spec.columns if spec.columns is not None else tuple(ColumnRef(c, c) for c in table.column_names())
        for i, ref in enumerate(refs):
            self.column(table, ref.column, f"{spec.path}.columns[{i}]")
            if ref.steps:
                column = table.column(ref.column)
                if column is not None and column.sql_type not in ("json", "jsonb"):
                    raise self.fail(
                        f"{spec.path}.columns[{i}]",
                        f"{ref.text!r} applies JSON operators to {ref.column!r}, which is {column.sql_type},"
                        " not json or jsonb",
                    )
        names = [ref.name for ref in refs]
        for name in spec.replace:
            if name not in names:
                raise self.fail(f"{spec.path}.transform.replace.{name}", self.not_a_field(name, names))
        for name in spec.rename:
            if name not in names:
                raise self.fail(f"{spec.path}.transform.rename.{name}", self.not_a_field(name, names))
        fields = [
            Field(
                key=spec.rename.get(ref.name, ref.name),
                column=ref.column,
                steps=ref.steps,
                replace=spec.replace.get(ref.name, ()),
            )
            for ref in refs
        ]
        seen: set[str] = set()
        for f in fields:
            if f.key in seen:
                raise self.fail(f"{spec.path}.transform.rename", f"two columns become the field {f.key!r}")
            seen.add(f.key)
        labels = {child.label for child in spec.children}
        for concat in spec.concat:
            by_key = {f.key: f for f in fields}
            parts: list[Field | str] = []
            for i, name in enumerate(concat.columns):
                if name in labels:
                    raise self.fail(
                        f"{concat.path}.columns[{i}]",
                        f"{name!r} is a child node; concat joins the node's own fields",
                    )
                parts.append(by_key.get(name, name))
            made = Field(key=concat.destination, column="", concat=Concat(tuple(parts), concat.delimiter))
            if concat.destination in by_key:  # PGSync overwrites the field in place
                fields = [made if f.key == concat.destination else f for f in fields]
            else:
                fields.append(made)
        return tuple(fields)

    @staticmethod
    def not_a_field(name: str, names: list[str]) -> str:
        close = difflib.get_close_matches(name, names, n=1)
        return f"{name!r} is not one of the node's columns" + (f" (did you mean {close[0]!r}?)" if close else "")

    def field_mappings(self, spec: NodeSpec, fields: tuple[Field, ...]) -> dict[str, dict[str, object]]:
        """``transform.mapping`` keyed by field: the name after rename (PGSync's
        form), or the column's own name when it was renamed."""
        keys = [f.key for f in fields]
        out: dict[str, dict[str, object]] = {}
        for name, mapping in spec.field_mappings.items():
            if name in keys:
                out[name] = mapping
            elif name in spec.rename:
                out[spec.rename[name]] = mapping
            elif self.open_fields:
                out[name] = mapping
            else:
                raise self.fail(
                    f"{spec.path}.transform.mapping.{name}",
                    f"{name!r} is not a field of the node",
                    f"fields (after rename): {', '.join(keys)}; a field a plugin or pipeline adds can be"
                    " mapped when the index lists it",
                )
        return out

    def link(self, spec: NodeSpec, table: Table, parent: Node) -> Link:
        rel = spec.relationship
        assert rel is not None
        path = rel.path
        if rel.through_tables:
            # listed from the parent's side; the link holds them from the node's
            listed = [
                self.table(schema, name, f"{path}.through_tables[{i}]")
                for i, (schema, name) in enumerate(rel.through_tables)
            ]
            hops = tuple(
                Hop(listed[i], self.hop_pairs(listed[i + 1], listed[i], f"{path}.through_tables[{i}]"))
                for i in range(len(listed) - 2, -1, -1)
            )
            near, far = len(listed) - 1, 0
            if rel.foreign_key is not None:
                link = self.named_through(rel.foreign_key, listed[near], listed[far], table, parent.table, path)
                return replace(link, hops=hops)
            return Link(
                through=listed[near],
                node_pairs=self.through_pairs(listed[near], table, f"{path}.through_tables[{near}]"),
                parent_pairs=self.through_pairs(
                    listed[far], parent.table, f"{path}.through_tables[{far}]", target_first=True
                ),
                hops=hops,
            )
        if rel.foreign_key is not None:
            given = rel.foreign_key
            child_cols = [self.column(table, c, f"{path}.foreign_key.child[{i}]") for i, c in enumerate(given.child)]
            parent_cols = [
                self.column(parent.table, c, f"{path}.foreign_key.parent[{i}]") for i, c in enumerate(given.parent)
            ]
            return Link(through=None, pairs=tuple(zip(child_cols, parent_cols, strict=True)))
        if table.key == parent.table.key:
            # A self-referencing table: the child rows are the ones whose
            # foreign key points at the parent row (child.fk = parent.key).
            own = [fk for fk in table.foreign_keys if (fk.ref_schema, fk.ref_table) == table.key]
            if len(own) == 1:
                return Link(through=None, pairs=tuple(zip(own[0].columns, own[0].ref_columns, strict=True)))
            raise self.fail(
                path,
                f"{table.display} refers to itself through {len(own) or 'no'} foreign key{'s' if len(own) != 1 else ''}"
                ", so which rows are the children is ambiguous",
                'name the join in "foreign_key": {"child": [...], "parent": [...]}',
            )
        candidates: list[tuple[str, tuple[tuple[str, str], ...]]] = []
        for fk in table.foreign_keys:
            if (fk.ref_schema, fk.ref_table) == parent.table.key:
                candidates.append((f"{table.display}.{fk.name}", tuple(zip(fk.columns, fk.ref_columns, strict=True))))
        for fk in parent.table.foreign_keys:
            if (fk.ref_schema, fk.ref_table) == table.key:
                candidates.append(
                    (f"{parent.table.display}.{fk.name}", tuple(zip(fk.ref_columns, fk.columns, strict=True)))
                )
        if not candidates:
            raise self.fail(
                path,
                f"no foreign key joins {table.display} and {parent.table.display}",
                'add "foreign_key": {"child": [<columns of the child>], "parent": [<columns of the parent>]}'
                ' or a through table in "through_tables"',
            )
        if len(candidates) > 1:
            names = ", ".join(name for name, _ in candidates)
            raise self.fail(
                path,
                f"{table.display} and {parent.table.display} are joined by several foreign keys ({names})",
                'choose one with "foreign_key": {"child": [...], "parent": [...]}',
            )
        return Link(through=None, pairs=candidates[0][1])

    def named_through(
        self, given: ForeignKeySpec, near: Table, far: Table, table: Table, parent: Table, path: str
    ) -> Link:
        """A through table joined by the columns ``foreign_key`` names in it:
        ``child`` the through table's columns that hold the child's primary key,
        ``parent`` those that hold the parent's (for a through table without
        foreign key constraints). In a chain, ``child`` names columns of the
        through table next to the child (``near``), ``parent`` of the one next
        to the parent (``far``)."""
        path = f"{path}.foreign_key"
        sides = (("child", given.child, table, near), ("parent", given.parent, parent, far))
        pairs: list[tuple[tuple[str, str], ...]] = []
        for side, columns, target, through in sides:
            if not target.primary_key:
                raise self.fail(path, f"{target.display} has no primary key for the through table's {side!r} columns")
            if len(columns) != len(target.primary_key):
                raise self.fail(
                    f"{path}.{side}",
                    f"{len(columns)} column(s) for {target.display}'s primary key"
                    f" ({', '.join(target.primary_key)})",
                    f"with through_tables, {side!r} names the columns of {through.display} that hold that key",
                )
            named = [self.column(through, c, f"{path}.{side}[{i}]") for i, c in enumerate(columns)]
            pairs.append(tuple(zip(target.primary_key, named, strict=True)))
        return Link(through=near, node_pairs=pairs[0], parent_pairs=pairs[1])

    def hop_pairs(self, near: Table, far: Table, path: str) -> tuple[tuple[str, str], ...]:
        """``(near column, far column)`` pairs joining two neighbouring through
        tables of a chain by the one foreign key between them, either way."""
        found = [
            (f"{near.display}.{fk.name}", tuple(zip(fk.columns, fk.ref_columns, strict=True)))
            for fk in near.foreign_keys
            if (fk.ref_schema, fk.ref_table) == far.key
        ] + [
            (f"{far.display}.{fk.name}", tuple(zip(fk.ref_columns, fk.columns, strict=True)))
            for fk in far.foreign_keys
            if (fk.ref_schema, fk.ref_table) == near.key
        ]
        if len(found) == 1:
            return found[0][1]
        if not found:
            raise self.fail(
                path,
                f"no foreign key joins through tables {far.display} and {near.display}",
                "neighbouring through tables of a chain are joined by the foreign key between them; add it",
            )
        raise self.fail(
            path,
            f"through tables {far.display} and {near.display} are joined by several foreign keys"
            f" ({', '.join(name for name, _ in found)})",
            "neighbouring through tables of a chain need exactly one foreign key between them",
        )

    def through_pairs(
        self, through: Table, target: Table, path: str, *, target_first: bool = False
    ) -> tuple[tuple[str, str], ...]:
        """``(target column, through column)`` pairs joining a through table to
        one side by the one foreign key between them. When both tables have one
        to the other, the through table's wins, or ``target``'s with
        ``target_first`` (PGSync's order for the parent side: pagila's staff
        reaches address through store by ``staff.store_id``, not by
        ``store.manager_staff_id``)."""
        forward = [fk for fk in through.foreign_keys if (fk.ref_schema, fk.ref_table) == target.key]
        back = [fk for fk in target.foreign_keys if (fk.ref_schema, fk.ref_table) == through.key]
        for fks, from_through in ((back, False), (forward, True)) if target_first else ((forward, True), (back, False)):
            if len(fks) == 1:
                fk = fks[0]
                if from_through:
                    return tuple(zip(fk.ref_columns, fk.columns, strict=True))
                return tuple(zip(fk.columns, fk.ref_columns, strict=True))
            if len(fks) > 1:
                raise self.fail(
                    path,
                    f"through table {through.display} and {target.display} are joined by {len(fks)} foreign keys"
                    f" ({', '.join(fk.name for fk in fks)})",
                    "a through table needs exactly one foreign key to each side",
                )
        raise self.fail(
            path,
            f"no foreign key joins through table {through.display} and {target.display}",
            "add the foreign key constraint between them",
        )

    def mappings(self, spec: IndexSpec, root: Node) -> dict[str, object] | None:
        """The index mappings: field types inferred from column types where the
        engine would guess wrong, overlaid by every node's ``transform.mapping``,
        overlaid by the index's ``mappings``, then its ``mapping`` (properties);
        the user's word always wins."""
        inferred = _tree_properties(root)
        merged: dict[str, object] = {"properties": inferred} if inferred else {}
        if spec.routing is not None:
            merged["_routing"] = {"required": True}  # as PGSync: a write without routing is refused
        if spec.mappings is not None:
            merged = _deep_merge(merged, dict(spec.mappings))
        if spec.mapping is not None:
            # PGSync's "mapping": field properties, or a whole mapping when it has
            # dynamic_templates/properties; it wins over "mappings" where both
            # set the same thing, as in PGSync (which drops "mappings" then).
            if "dynamic_templates" in spec.mapping or "properties" in spec.mapping:
                merged = _deep_merge(merged, dict(spec.mapping))
            else:
                merged = _deep_merge(merged, {"properties": dict(spec.mapping)})
        return merged or None


# Column types whose values Postgres renders as JSON numbers that may or may not
# have a fraction (14 and 9.8 in one column). Left to dynamic mapping, the engine
# maps the field from the first value it sees: "long" when that is 14, which
# then truncates 9.8 (Elasticsearch) or rejects it (OpenSearch-compatible).
_FRACTIONAL = ("numeric", "real", "double precision")


def _field_type(sql_type: str) -> dict[str, object] | None:
    base = sql_type.removesuffix("[]")
    if base.split("(")[0] in _FRACTIONAL:
        return {"type": "double"}
    return None


def _tree_properties(node: Node) -> dict[str, object]:
    out: dict[str, object] = {}
    for f in node.fields:
        catalog_column = node.table.column(f.column) if f.plain else None
        inferred = _field_type(catalog_column.sql_type) if catalog_column else None
        if inferred:
            out[f.key] = inferred
    for name, field_mapping in node.field_mappings.items():
        out[name] = dict(field_mapping)
    for child in node.children:
        if child.variant == "scalar":
            (only,) = child.fields
            scalar_column = child.table.column(only.column) if only.plain else None
            value = child.field_mappings.get(only.key) or (
                _field_type(scalar_column.sql_type) if scalar_column else None
            )
            if value:
                out[child.label] = dict(value)
            continue
        child_props = _tree_properties(child)
        if child_props:
            out[child.label] = {"properties": child_props}
    return out


def _deep_merge(base: dict[str, object], override: dict[str, object]) -> dict[str, object]:
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            merged[key] = _deep_merge(current, value)
        else:
            merged[key] = value
    return merged
