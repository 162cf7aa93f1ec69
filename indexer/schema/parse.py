"""Read schema.json (PGSync's format) into :mod:`indexer.schema.model` objects.

Only the shape of the file is checked here; whether the tables and columns exist
is decided against the live catalog in :mod:`indexer.schema.resolve`. Every
problem raises :class:`~indexer.errors.SchemaError` naming the file and the JSON
path, and unknown keys come with the nearest known key as a suggestion. Keys
PGSync knows but the indexer does not implement yet are refused by name rather
than ignored, so a document never silently differs from what the file asks.
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path
from typing import Any

from indexer.errors import SchemaError
from indexer.schema.model import (
    DocumentSchema,
    ForeignKeySpec,
    IndexSpec,
    NodeSpec,
    RelationshipSpec,
)

DEFAULT_SCHEMA = "public"

_INDEX_KEYS = ("database", "index", "nodes", "setting", "mapping", "mappings", "pipeline")
_NODE_KEYS = ("table", "schema", "columns", "label", "children", "relationship", "transform", "primary_key")
_RELATIONSHIP_KEYS = ("variant", "type", "through_tables", "foreign_key")
_FOREIGN_KEY_KEYS = ("child", "parent")
_TRANSFORM_KEYS = ("rename", "mapping")

# PGSync keys that are understood but not implemented yet: refused by name.
_NOT_IMPLEMENTED = {
    "index": {
        "routing": "custom routing needs the old routing value of deleted rows",
        "plugins": "plugins run Python on every document",
    },
    "node": {"base_tables": "inherited base tables are not tracked"},
    "transform": {
        "concat": "use a generated column in Postgres instead",
        "replace": "use a generated column in Postgres instead",
        "move": "use a label or a generated column instead",
    },
}

_VARIANTS = ("object", "scalar")
_TYPES = ("one_to_one", "one_to_many")
# Elasticsearch and OpenSearch index name rules.
_BAD_INDEX_CHARS = re.compile(r'[\\/*?"<>| ,#:]')


def load_schema(path: str | Path) -> DocumentSchema:
    """Read and check ``path``.

    Returns a :class:`DocumentSchema` with one :class:`IndexSpec` per list element.
    Raises :class:`SchemaError` for a missing file, malformed JSON (with line and
    column), unknown or unsupported keys, and values of the wrong shape.
    """
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SchemaError(file, "", "file not found", hint="pass the schema with -c/--config") from None
    except OSError as exc:
        raise SchemaError(file, "", f"cannot read the file: {exc.strerror}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SchemaError(file, "", f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    return parse_schema(document, file)


def parse_schema(document: Any, file: str = "schema.json") -> DocumentSchema:
    """Check an already decoded schema document; see :func:`load_schema`."""
    if isinstance(document, dict):
        document = [document]
    if not isinstance(document, list) or not document:
        raise SchemaError(
            file, "", 'expected a list of index definitions, e.g. [{"database": ..., "index": ..., "nodes": {...}}]'
        )
    parser = _Parser(file)
    indexes = tuple(parser.index(item, f"[{i}]") for i, item in enumerate(document))
    seen: dict[str, str] = {}
    for spec in indexes:
        if spec.index in seen:
            raise SchemaError(
                file, f"{spec.path}.index", f"index {spec.index!r} is already defined at {seen[spec.index]}"
            )
        seen[spec.index] = spec.path
    return DocumentSchema(file=file, indexes=indexes)


class _Parser:
    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, path: str, problem: str, hint: str | None = None) -> SchemaError:
        return SchemaError(self.file, path, problem, hint=hint)

    def check_keys(self, obj: dict[str, Any], allowed: tuple[str, ...], path: str, level: str) -> None:
        for key in obj:
            if key in allowed:
                continue
            reason = _NOT_IMPLEMENTED.get(level, {}).get(key)
            if reason:
                raise self.fail(f"{path}.{key}", f"{key!r} is not supported yet ({reason})", "remove the key")
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(allowed)}"
            raise self.fail(f"{path}.{key}", f"unknown key {key!r}", hint)

    def string(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(path, f"expected a non-empty string, got {json.dumps(value)}")
        return value

    def strings(self, value: Any, path: str) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value:
            raise self.fail(path, f"expected a non-empty list of strings, got {json.dumps(value)}")
        return tuple(self.string(item, f"{path}[{i}]") for i, item in enumerate(value))

    def optional_object(self, value: Any, path: str) -> dict[str, Any] | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.fail(path, f"expected an object, got {json.dumps(value)}")
        return value

    def index(self, item: Any, path: str) -> IndexSpec:
        if not isinstance(item, dict):
            raise self.fail(path, "expected an object with database, index and nodes")
        self.check_keys(item, _INDEX_KEYS, path, "index")
        if "database" not in item:
            raise self.fail(path, "missing key 'database'", "name the Postgres database the tables live in")
        database = self.string(item["database"], f"{path}.database")
        index = self.string(item.get("index", database), f"{path}.index")
        if index != index.lower() or _BAD_INDEX_CHARS.search(index) or index[0] in "-_+" or index in (".", ".."):
            raise self.fail(
                f"{path}.index",
                f"{index!r} is not a valid index name",
                'use lowercase letters, digits, "-", "_" and ".", not starting with "-", "_" or "+"',
            )
        if "nodes" not in item:
            raise self.fail(path, "missing key 'nodes'", 'describe the root table: {"table": ..., "children": [...]}')
        root = self.node(item["nodes"], f"{path}.nodes", is_root=True)
        pipeline = item.get("pipeline")
        if pipeline is not None:
            pipeline = self.string(pipeline, f"{path}.pipeline")
        return IndexSpec(
            database=database,
            index=index,
            root=root,
            setting=self.optional_object(item.get("setting"), f"{path}.setting"),
            mapping=self.optional_object(item.get("mapping"), f"{path}.mapping"),
            mappings=self.optional_object(item.get("mappings"), f"{path}.mappings"),
            pipeline=pipeline,
            path=path,
        )

    def node(self, item: Any, path: str, *, is_root: bool) -> NodeSpec:
        if not isinstance(item, dict):
            raise self.fail(path, "expected a node object with at least 'table'")
        self.check_keys(item, _NODE_KEYS, path, "node")
        if "table" not in item:
            raise self.fail(path, "missing key 'table'")
        table = self.string(item["table"], f"{path}.table")
        schema = self.string(item.get("schema", DEFAULT_SCHEMA), f"{path}.schema")
        columns = None
        if "columns" in item:
            columns = self.strings(item["columns"], f"{path}.columns")
            for i, column in enumerate(columns):
                if any(op in column for op in ("->", "#>")):
                    raise self.fail(
                        f"{path}.columns[{i}]",
                        f"JSON operators in column names ({column!r}) are not supported yet",
                        "select the whole json/jsonb column, or add a generated column in Postgres",
                    )
            if len(set(columns)) != len(columns):
                raise self.fail(f"{path}.columns", "a column is listed twice")
        label = self.string(item.get("label", table), f"{path}.label")
        primary_key = None
        if "primary_key" in item:
            primary_key = self.strings(item["primary_key"], f"{path}.primary_key")
        relationship = None
        if is_root:
            if "relationship" in item:
                raise self.fail(
                    f"{path}.relationship", "the root node has no parent, so no relationship", "remove the key"
                )
        else:
            if "relationship" not in item:
                raise self.fail(
                    path,
                    f"child node {table!r} has no 'relationship'",
                    'add e.g. "relationship": {"variant": "object", "type": "one_to_many"}',
                )
            relationship = self.relationship(item["relationship"], f"{path}.relationship", schema)
        rename, field_mappings = self.transform(item.get("transform"), f"{path}.transform")
        children_value = item.get("children", [])
        if not isinstance(children_value, list):
            raise self.fail(f"{path}.children", "expected a list of nodes")
        children = tuple(
            self.node(child, f"{path}.children[{i}]", is_root=False) for i, child in enumerate(children_value)
        )
        labels: dict[str, int] = {}
        for i, child in enumerate(children):
            if child.label in labels:
                raise self.fail(
                    f"{path}.children[{i}].label",
                    f"label {child.label!r} is already used by children[{labels[child.label]}]",
                    "give one of them a distinct 'label'",
                )
            labels[child.label] = i
        return NodeSpec(
            table=table,
            schema=schema,
            columns=columns,
            label=label,
            primary_key=primary_key,
            relationship=relationship,
            children=children,
            rename=rename,
            field_mappings=field_mappings,
            path=path,
        )

    def relationship(self, item: Any, path: str, node_schema: str) -> RelationshipSpec:
        if not isinstance(item, dict):
            raise self.fail(path, "expected an object with 'variant' and 'type'")
        self.check_keys(item, _RELATIONSHIP_KEYS, path, "relationship")
        variant = item.get("variant")
        if variant is None:
            raise self.fail(path, "missing key 'variant'", f"one of {', '.join(_VARIANTS)}")
        variant = str(variant).lower()
        if variant not in _VARIANTS:
            raise self.fail(f"{path}.variant", f"{item['variant']!r} is not one of {', '.join(_VARIANTS)}")
        rel_type = item.get("type")
        if rel_type is None:
            raise self.fail(path, "missing key 'type'", f"one of {', '.join(_TYPES)}")
        rel_type = str(rel_type).lower()
        if rel_type not in _TYPES:
            raise self.fail(f"{path}.type", f"{item['type']!r} is not one of {', '.join(_TYPES)}")
        throughs: list[tuple[str, str]] = []
        if "through_tables" in item:
            names = self.strings(item["through_tables"], f"{path}.through_tables")
            if len(names) > 1:
                raise self.fail(
                    f"{path}.through_tables",
                    "only one through table per relationship is supported",
                    "nest an intermediate node instead",
                )
            for name in names:
                schema, _, table = name.rpartition(".")
                throughs.append((schema or node_schema, table))
        foreign_key = None
        if "foreign_key" in item:
            fk = item["foreign_key"]
            fk_path = f"{path}.foreign_key"
            if not isinstance(fk, dict):
                raise self.fail(fk_path, 'expected {"child": [...], "parent": [...]}')
            self.check_keys(fk, _FOREIGN_KEY_KEYS, fk_path, "foreign_key")
            for side in _FOREIGN_KEY_KEYS:
                if side not in fk:
                    raise self.fail(fk_path, f"missing key {side!r}", 'give both "child" and "parent" column lists')
            child = self.strings(fk["child"], f"{fk_path}.child")
            parent = self.strings(fk["parent"], f"{fk_path}.parent")
            if len(child) != len(parent):
                raise self.fail(fk_path, f"'child' has {len(child)} columns but 'parent' has {len(parent)}")
            if throughs:
                raise self.fail(
                    fk_path,
                    "foreign_key together with through_tables is not supported yet",
                    "drop foreign_key; the through table's own foreign keys are used",
                )
            foreign_key = ForeignKeySpec(child=child, parent=parent)
        return RelationshipSpec(
            variant=variant,  # type: ignore[arg-type]
            type=rel_type,  # type: ignore[arg-type]
            through_tables=tuple(throughs),
            foreign_key=foreign_key,
            path=path,
        )

    def transform(self, item: Any, path: str) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
        if item is None:
            return {}, {}
        if not isinstance(item, dict):
            raise self.fail(path, "expected an object")
        self.check_keys(item, _TRANSFORM_KEYS, path, "transform")
        rename: dict[str, str] = {}
        raw_rename = item.get("rename", {})
        if not isinstance(raw_rename, dict):
            raise self.fail(f"{path}.rename", 'expected {"column": "new_name", ...}')
        for column, new_name in raw_rename.items():
            rename[column] = self.string(new_name, f"{path}.rename.{column}")
        mappings: dict[str, dict[str, Any]] = {}
        raw_mapping = item.get("mapping", {})
        if not isinstance(raw_mapping, dict):
            raise self.fail(f"{path}.mapping", 'expected {"column": {"type": "keyword"}, ...}')
        for column, field in raw_mapping.items():
            if not isinstance(field, dict) or "type" not in field:
                raise self.fail(f"{path}.mapping.{column}", 'expected a field mapping with a "type"')
            mappings[column] = field
        return rename, mappings
