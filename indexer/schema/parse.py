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
import os
import re
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from indexer.errors import SchemaError
from indexer.schema.model import (
    ColumnRef,
    ConcatSpec,
    DocumentSchema,
    ForeignKeySpec,
    IndexSpec,
    NodeSpec,
    RelationshipSpec,
)

DEFAULT_SCHEMA = "public"

_INDEX_KEYS = ("database", "index", "nodes", "setting", "mapping", "mappings", "pipeline", "plugins", "routing")
_NODE_KEYS = (
    "table", "schema", "columns", "label", "children", "relationship", "transform", "primary_key", "base_tables",
)  # fmt: skip
_RELATIONSHIP_KEYS = ("variant", "type", "through_tables", "foreign_key")
_FOREIGN_KEY_KEYS = ("child", "parent")
_TRANSFORM_KEYS = ("rename", "mapping", "concat", "replace", "move")
_CONCAT_KEYS = ("columns", "destination", "delimiter")

# PGSync keys that are understood but not implemented yet: refused by name
# ({level: {key: reason}}); every key PGSync documents is implemented now.
_NOT_IMPLEMENTED: dict[str, dict[str, str]] = {}

_VARIANTS = ("object", "scalar")
_TYPES = ("one_to_one", "one_to_many")
# Elasticsearch and OpenSearch index name rules.
_BAD_INDEX_CHARS = re.compile(r'[\\/*?"<>| ,#:]')


# JSON operators a ``columns`` entry may use, longest first so "->>" is not read as "->".
_JSON_OPERATOR = re.compile(r"(#>>|#>|->>|->)")


def load_schema(path: str | Path, environ: Mapping[str, str] | None = None) -> DocumentSchema:
    """Read and check ``path``.

    Returns a :class:`DocumentSchema` with one :class:`IndexSpec` per list element.
    ``$NAME``/``${NAME}`` in the string values of an index definition's own keys
    (``database``, ``index``, ``pipeline``, ...) are replaced from ``environ``
    (default: the process environment), as PGSync does; ``$$`` is a literal ``$``.
    Raises :class:`SchemaError` for a missing file, malformed JSON (with line and
    column), an undefined variable, unknown or unsupported keys, and values of
    the wrong shape.
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
    return parse_schema(document, file, environ)


def parse_schema(document: Any, file: str = "schema.json", environ: Mapping[str, str] | None = None) -> DocumentSchema:
    """Check an already decoded schema document; see :func:`load_schema`."""
    if isinstance(document, dict):
        document = [document]
    if not isinstance(document, list) or not document:
        raise SchemaError(
            file, "", 'expected a list of index definitions, e.g. [{"database": ..., "index": ..., "nodes": {...}}]'
        )
    env = os.environ if environ is None else environ
    document = [_substitute(item, f"[{i}]", file, env) for i, item in enumerate(document)]
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


def _substitute(item: Any, path: str, file: str, environ: Mapping[str, str]) -> Any:
    """PGSync's variable substitution: the top-level string values of one index
    definition go through :class:`string.Template` with the environment."""
    if not isinstance(item, dict):
        return item
    out = dict(item)
    for key, value in item.items():
        if not isinstance(value, str) or "$" not in value:
            continue
        template = string.Template(value)
        try:
            out[key] = template.substitute(environ)
        except KeyError as exc:
            raise SchemaError(
                file,
                f"{path}.{key}",
                f"environment variable {exc.args[0]!r} is not set (used in {value!r})",
                hint=f"export {exc.args[0]}=..., or write $$ for a literal $",
            ) from None
        except ValueError:
            raise SchemaError(
                file, f"{path}.{key}", f"{value!r} has a '$' that is not a variable", hint="write $$ for a literal $"
            ) from None
    return out


def parse_column(text: str) -> tuple[str, tuple[tuple[str, Any], ...]] | None:
    """Split a ``columns`` entry into its column and JSON operator steps.

    Returns ``(column, steps)`` or ``None`` when the text is not of the form
    ``column (op operand)+`` with ``op`` one of ``->``, ``->>``, ``#>``, ``#>>``.
    Operands may be single-quoted; ``#>`` paths may be written ``{a,b}``.
    PostgreSQL operators: https://www.postgresql.org/docs/current/functions-json.html
    """
    tokens = _JSON_OPERATOR.split(text)
    column = tokens[0].strip()
    if not column:
        return None
    steps: list[tuple[str, Any]] = []
    for op, raw in zip(tokens[1::2], tokens[2::2], strict=True):
        operand = raw.strip()
        if len(operand) >= 2 and operand[0] == operand[-1] == "'":
            operand = operand[1:-1]
        if not operand:
            return None
        if op in ("#>", "#>>"):
            inner = operand[1:-1] if operand.startswith("{") and operand.endswith("}") else operand
            path = tuple(part.strip() for part in inner.split(","))
            if not all(path):
                return None
            steps.append((op, path))
        elif operand.lstrip("-").isdigit():
            steps.append((op, int(operand)))
        else:
            steps.append((op, operand))
    return column, tuple(steps)


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
        nodes = item["nodes"]
        if isinstance(nodes, list) and len(nodes) == 1:
            nodes = nodes[0]  # PGSync's first schema format: a one-element list
        root = self.node(nodes, f"{path}.nodes", is_root=True)
        pipeline = item.get("pipeline")
        if pipeline is not None:
            pipeline = self.string(pipeline, f"{path}.pipeline")
        routing = item.get("routing")
        if routing is not None:
            routing = self.string(routing, f"{path}.routing")
        plugins: tuple[str, ...] = ()
        if item.get("plugins"):
            plugins = self.strings(item["plugins"], f"{path}.plugins")
        return IndexSpec(
            database=database,
            index=index,
            root=root,
            setting=self.optional_object(item.get("setting"), f"{path}.setting"),
            mapping=self.optional_object(item.get("mapping"), f"{path}.mapping"),
            mappings=self.optional_object(item.get("mappings"), f"{path}.mappings"),
            pipeline=pipeline,
            path=path,
            plugins=plugins,
            routing=routing,
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
        if item.get("columns") not in (None, []):  # absent, null or [] mean every column, as in PGSync
            columns = tuple(
                self.column_ref(c, f"{path}.columns[{i}]")
                for i, c in enumerate(self.strings(item["columns"], f"{path}.columns"))
            )
            names = [c.name for c in columns]
            if len(set(names)) != len(names):
                raise self.fail(f"{path}.columns", "a column is listed twice")
        label = table if item.get("label") is None else self.string(item["label"], f"{path}.label")
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
        transform = self.transform(item.get("transform"), f"{path}.transform")
        base_tables: list[tuple[str, str]] = []
        if item.get("base_tables"):
            for name in self.strings(item["base_tables"], f"{path}.base_tables"):
                base_schema, _, base_table = name.rpartition(".")
                base_tables.append((base_schema or schema, base_table))
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
            rename=transform.rename,
            field_mappings=transform.mappings,
            path=path,
            replace=transform.replace,
            concat=tuple(transform.concat),
            base_tables=tuple(base_tables),
            ignored=tuple(transform.ignored),
        )

    def column_ref(self, text: str, path: str) -> ColumnRef:
        if not _JSON_OPERATOR.search(text):
            return ColumnRef(text=text, column=text)
        parsed = parse_column(text)
        if parsed is None:
            raise self.fail(
                path,
                f"cannot read {text!r} as a column with JSON operators",
                'write e.g. "doc->\'name\'", "doc->>\'name\'", "tags->0" or "data#>\'{a,b}\'"',
            )
        return ColumnRef(text=text, column=parsed[0], steps=parsed[1])

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
            # several: a chain, listed from the parent's side to the child's
            for name in self.strings(item["through_tables"], f"{path}.through_tables"):
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
            if len(child) != len(parent) and not throughs:
                raise self.fail(fk_path, f"'child' has {len(child)} columns but 'parent' has {len(parent)}")
            foreign_key = ForeignKeySpec(child=child, parent=parent)
        return RelationshipSpec(
            variant=variant,  # type: ignore[arg-type]
            type=rel_type,  # type: ignore[arg-type]
            through_tables=tuple(throughs),
            foreign_key=foreign_key,
            path=path,
        )

    def transform(self, item: Any, path: str) -> _Transform:
        out = _Transform()
        if item is None:
            return out
        if not isinstance(item, dict):
            raise self.fail(path, "expected an object")
        self.check_keys(item, _TRANSFORM_KEYS, path, "transform")
        raw_rename = item.get("rename") or {}
        if not isinstance(raw_rename, dict):
            raise self.fail(f"{path}.rename", 'expected {"column": "new_name", ...}')
        for column, new_name in raw_rename.items():
            out.rename[column] = self.string(new_name, f"{path}.rename.{column}")
        raw_mapping = item.get("mapping") or {}
        if not isinstance(raw_mapping, dict):
            raise self.fail(f"{path}.mapping", 'expected {"field": {"type": "keyword"}, ...}')
        for name, field in raw_mapping.items():
            if not isinstance(field, dict) or "type" not in field:
                raise self.fail(f"{path}.mapping.{name}", 'expected a field mapping with a "type"')
            out.mappings[name] = field
        raw_replace = item.get("replace") or {}
        if not isinstance(raw_replace, dict):
            raise self.fail(f"{path}.replace", 'expected {"column": {"old": "new", ...}, ...}')
        for column, pairs in raw_replace.items():
            if not isinstance(pairs, dict) or not all(isinstance(v, str) for v in pairs.values()):
                raise self.fail(f"{path}.replace.{column}", 'expected {"old text": "new text", ...}')
            out.replace[column] = tuple((old, new) for old, new in pairs.items() if old)
        raw_concat = item.get("concat")
        if raw_concat is not None:
            items = raw_concat if isinstance(raw_concat, list) else [raw_concat]
            for i, spec in enumerate(items):
                where = f"{path}.concat[{i}]" if isinstance(raw_concat, list) else f"{path}.concat"
                out.concat.append(self.concat(spec, where))
        if "move" in item:
            out.ignored.append(f"{path}.move")
        return out

    def concat(self, item: Any, path: str) -> ConcatSpec:
        if not isinstance(item, dict):
            raise self.fail(path, 'expected {"columns": [...], "destination": "field", "delimiter": "-"}')
        self.check_keys(item, _CONCAT_KEYS, path, "concat")
        for key in ("columns", "destination"):
            if key not in item:
                raise self.fail(path, f"missing key {key!r}")
        delimiter = item.get("delimiter", "")
        if not isinstance(delimiter, str):
            raise self.fail(f"{path}.delimiter", f"expected a string, got {json.dumps(delimiter)}")
        return ConcatSpec(
            columns=self.strings(item["columns"], f"{path}.columns"),
            destination=self.string(item["destination"], f"{path}.destination"),
            delimiter=delimiter,
            path=path,
        )


class _Transform:
    """A node's ``transform``, as read."""

    def __init__(self) -> None:
        self.rename: dict[str, str] = {}
        self.mappings: dict[str, dict[str, Any]] = {}
        self.replace: dict[str, tuple[tuple[str, str], ...]] = {}
        self.concat: list[ConcatSpec] = []
        self.ignored: list[str] = []
