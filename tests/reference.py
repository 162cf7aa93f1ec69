"""An independent reference for what every document must contain.

Written separately from the indexer's SQL generator, on purpose naively: every
table is read whole (``to_jsonb`` of each row, so Postgres renders the scalar
values), foreign keys are read from ``pg_constraint`` directly, and documents
are assembled in Python with loops, following the schema.json semantics:

* fields: ``columns`` (default, and for ``[]``: all, in table order), JSON
  operator entries (``doc->>'a'``) evaluated on the decoded value, then
  ``transform`` as PGSync applies it: ``replace`` (substrings, per column),
  ``rename``, ``concat`` (``str()`` of the truthy values joined; a name that is
  not a field is literal text); children under ``label`` (default and for
  ``null``: the table name);
* a self-referencing child's rows point at the parent row with their foreign
  key; a through table may also be reached by a foreign key from the child;
  several through tables are a chain, listed from the parent's side, each
  joined to the next by the one foreign key between them;
* ``one_to_many``: a list ordered by the child's primary key (then the through
  tables', from the child's side), or ``None`` when empty; ``one_to_one``: the first such row or ``None``;
* ``scalar``: the single column's value instead of an object;
* document ``_id``: primary key values joined with ``|``; when the key has
  several columns and a value contains ``|``, every value first has ``\\`` and
  ``|`` backslash-escaped (so ids stay unique; PGSync's ids otherwise).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import Any

from psycopg2 import sql


def _rows(cur: Any, schema: str, table: str) -> list[dict[str, Any]]:
    cur.execute(sql.SQL("SELECT to_jsonb(t) FROM {} t").format(sql.Identifier(schema, table)))
    return [row[0] for row in cur.fetchall()]


def _columns(cur: Any, schema: str, table: str) -> list[str]:
    cur.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = format('%%I.%%I', %s::text, %s::text)::regclass"
        " AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        (schema, table),
    )
    return [r[0] for r in cur.fetchall()]


def _primary_key(cur: Any, schema: str, table: str) -> list[str]:
    cur.execute(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
        " WHERE i.indrelid = format('%%I.%%I', %s::text, %s::text)::regclass AND i.indisprimary"
        " ORDER BY array_position(i.indkey::int[], a.attnum::int)",
        (schema, table),
    )
    return [r[0] for r in cur.fetchall()]


def _foreign_keys(cur: Any, schema: str, table: str) -> list[tuple[list[str], str, str, list[str]]]:
    """(columns, referenced schema, referenced table, referenced columns)."""
    cur.execute(
        """
        SELECT array(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, o)
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o),
               rn.nspname, r.relname,
               array(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, o)
                     JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o)
        FROM pg_constraint c JOIN pg_class r ON r.oid = c.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
        WHERE c.contype = 'f' AND c.conrelid = format('%%I.%%I', %s::text, %s::text)::regclass
        """,
        (schema, table),
    )
    return [(list(a), b, c, list(d)) for a, b, c, d in cur.fetchall()]


class Reference:
    def __init__(self, conn: Any) -> None:
        self.cur = conn.cursor()
        self.cache: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.indexes: dict[tuple[str, str, tuple[str, ...]], dict[tuple[Any, ...], list[dict[str, Any]]]] = {}
        self.catalog_cache: dict[tuple[str, str, str], Any] = {}

    def catalog(self, query: Any, schema: str, table: str) -> Any:
        """``query(cur, schema, table)``, read once per table (the catalog does not change meanwhile)."""
        key = (query.__name__, schema, table)
        if key not in self.catalog_cache:
            self.catalog_cache[key] = query(self.cur, schema, table)
        return self.catalog_cache[key]

    def rows(self, schema: str, table: str) -> list[dict[str, Any]]:
        if (schema, table) not in self.cache:
            self.cache[(schema, table)] = _rows(self.cur, schema, table)
        return self.cache[(schema, table)]

    def lookup(self, schema: str, table: str, columns: list[str]) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
        """Rows of a table grouped by the values of ``columns`` (a hash index)."""
        key = (schema, table, tuple(columns))
        if key not in self.indexes:
            grouped: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
            for row in self.rows(schema, table):
                grouped[tuple(row[c] for c in columns)].append(row)
            self.indexes[key] = grouped
        return self.indexes[key]

    def documents(self, entry: dict[str, Any]) -> dict[str, dict[str, Any]]:
        root = entry["nodes"]
        if isinstance(root, list):
            (root,) = root
        schema = root.get("schema", "public")
        key = root.get("primary_key") or self.catalog(_primary_key, schema, root["table"])
        out: dict[str, dict[str, Any]] = {}
        for row in self.rows(schema, root["table"]):
            out[document_id([str(row[k]) for k in sorted(key)])] = self.render(root, row)
        return out

    def render(self, node: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
        schema = node.get("schema", "public")
        columns = node.get("columns") or self.catalog(_columns, schema, node["table"])
        transform = node.get("transform") or {}
        doc = {}
        for entry in columns:
            name, value = _json_path(entry, row)
            for old, new in (transform.get("replace") or {}).get(name, {}).items():
                if isinstance(value, str):
                    value = value.replace(old, new)
                elif isinstance(value, list):
                    value = [v.replace(old, new) if isinstance(v, str) else v for v in value]
            doc[name] = value
        rename = transform.get("rename") or {}
        doc = {rename.get(k, k): v for k, v in doc.items()}
        concats = transform.get("concat") or []
        for concat in concats if isinstance(concats, list) else [concats]:
            values = [doc.get(name, name) for name in concat["columns"]]
            doc[concat["destination"]] = concat.get("delimiter", "").join(str(v) for v in values if v)
        for child in node.get("children", []):
            doc[child.get("label") or child["table"]] = self.child_value(node, row, child)
        return doc

    def child_value(self, parent: dict[str, Any], parent_row: dict[str, Any], child: dict[str, Any]) -> Any:
        schema = child.get("schema", "public")
        table = child["table"]
        parent_schema = parent.get("schema", "public")
        rel = child["relationship"]
        key = child.get("primary_key") or self.catalog(_primary_key, schema, table)
        matches: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        throughs = rel.get("through_tables") or []
        if throughs:
            matches = self.through_matches(parent, parent_row, child, key)
        else:
            if rel.get("foreign_key"):
                pairs = list(zip(rel["foreign_key"]["child"], rel["foreign_key"]["parent"], strict=True))
            elif (schema, table) == (parent_schema, parent["table"]):
                # self-reference: the child rows carry the foreign key to the parent row
                (cols, _rs, _rt, rcols) = next(
                    f for f in self.catalog(_foreign_keys, schema, table) if (f[1], f[2]) == (schema, table)
                )
                pairs = list(zip(cols, rcols, strict=True))
            else:
                pairs = []
                for cols, rs, rt, rcols in self.catalog(_foreign_keys, schema, table):
                    if (rs, rt) == (parent_schema, parent["table"]):
                        pairs = list(zip(cols, rcols, strict=True))
                for cols, rs, rt, rcols in self.catalog(_foreign_keys, parent_schema, parent["table"]):
                    if (rs, rt) == (schema, table):
                        pairs = list(zip(rcols, cols, strict=True))
            wanted = tuple(parent_row[p] for _, p in pairs)
            if None not in wanted:
                for crow in self.lookup(schema, table, [c for c, _ in pairs]).get(wanted, []):
                    matches.append((_sort_key(crow, key), crow))
        matches.sort(key=lambda m: m[0])
        if rel["variant"] == "scalar":
            values = [next(iter(self.render(child, crow).values())) for _, crow in matches]
        else:
            values = [self.render(child, crow) for _, crow in matches]
        if rel["type"] == "one_to_one":
            return values[0] if values else None
        return values or None

    def through_matches(
        self, parent: dict[str, Any], parent_row: dict[str, Any], child: dict[str, Any], key: list[str]
    ) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        """(sort key, child row) of the rows reached from ``parent_row`` through
        the relationship's through tables."""
        schema, table = child.get("schema", "public"), child["table"]
        parent_schema = parent.get("schema", "public")
        rel = child["relationship"]
        matches: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        # a chain of through tables, listed from the parent's side to the child's
        chain = []
        for name in rel["through_tables"]:
            t_schema, _, t_table = name.rpartition(".")
            chain.append((t_schema or schema, t_table))
        if rel.get("foreign_key"):  # the through tables' columns holding each side's primary key
            child_join = (rel["foreign_key"]["child"], key)
            parent_key = parent.get("primary_key") or self.catalog(_primary_key, parent_schema, parent["table"])
            parent_join = (rel["foreign_key"]["parent"], parent_key)
        else:
            child_join = self.through_join(*chain[-1], schema, table)
            parent_join = self.through_join(*chain[0], parent_schema, parent["table"], side_first=True)
        # (columns of the table before, columns of the next one) between neighbours
        steps = [self.chain_join(chain[i], chain[i + 1]) for i in range(len(chain) - 1)]
        # each through table's columns toward the parent and toward the child, for a key-less table's order
        toward = [parent_join[0], *(s[1] for s in steps)]
        away = [*(s[0] for s in steps), child_join[0]]
        t_keys = [
            self.catalog(_primary_key, *t) or list(dict.fromkeys(away[i] + toward[i])) for i, t in enumerate(chain)
        ]
        by_child = self.lookup(schema, table, child_join[1])
        first = self.lookup(*chain[0], parent_join[0])
        paths = [[trow] for trow in _matching(first, [parent_row[pc] for pc in parent_join[1]])]
        for i, (before, after) in enumerate(steps):
            nexts = self.lookup(*chain[i + 1], after)
            paths = [[*path, row] for path in paths for row in _matching(nexts, [path[-1][c] for c in before])]
        for path in paths:
            for crow in _matching(by_child, [path[-1][c] for c in child_join[0]]):
                order = _sort_key(crow, key)
                for trow, t_key in zip(reversed(path), reversed(t_keys), strict=True):
                    order += _sort_key(trow, t_key)
                matches.append((order, crow))
        return matches

    def chain_join(self, first: tuple[str, str], second: tuple[str, str]) -> tuple[list[str], list[str]]:
        """(columns of ``first``, columns of ``second``) of the one foreign key
        between two neighbouring through tables, whichever way it points."""
        found = [(c, r) for c, rs, rt, r in self.catalog(_foreign_keys, *first) if (rs, rt) == second]
        found += [(r, c) for c, rs, rt, r in self.catalog(_foreign_keys, *second) if (rs, rt) == first]
        assert len(found) == 1, f"{len(found)} foreign keys between {first} and {second}"
        return found[0]

    def through_join(
        self, t_schema: str, t_table: str, schema: str, table: str, *, side_first: bool = False
    ) -> tuple[list[str], list[str]]:
        """(through table columns, side table columns) joining the two: the
        through table's foreign key to the side, else the side's to it (the
        other way round with ``side_first``, PGSync's order for the parent)."""
        forward = [
            (c, r) for c, rs, rt, r in self.catalog(_foreign_keys, t_schema, t_table) if (rs, rt) == (schema, table)
        ]
        back = [
            (r, c) for c, rs, rt, r in self.catalog(_foreign_keys, schema, table) if (rs, rt) == (t_schema, t_table)
        ]
        for found in (back, forward) if side_first else (forward, back):
            if found:
                return found[0]
        raise AssertionError(f"no foreign key between {t_table} and {table}")


def _json_path(entry: str, row: dict[str, Any]) -> tuple[str, Any]:
    """A ``columns`` entry's field name and value: a plain column, or a column
    followed by ``->``/``->>`` (key or position) and ``#>``/``#>>`` (path)."""
    tokens = re.split(r"(#>>|#>|->>|->)", entry)
    value = row[tokens[0]]
    names = [tokens[0]]
    for op, operand in zip(tokens[1::2], tokens[2::2], strict=True):
        operand = operand.strip().strip("'")
        path: list[Any] = operand.strip("{}").split(",") if op.startswith("#") else [operand]
        names.append(",".join(path))
        for step in path:
            if isinstance(value, list) and step.lstrip("-").isdigit():
                index = int(step)
                value = value[index] if -len(value) <= index < len(value) else None
            elif isinstance(value, dict):
                value = value.get(step)
            else:
                value = None
        if op in ("->>", "#>>") and value is not None and not isinstance(value, str):
            value = json.dumps(value)
    return "_".join(names), value


def document_id(values: list[str]) -> str:
    if len(values) > 1 and any("|" in v for v in values):
        values = [v.replace("\\", "\\\\").replace("|", "\\|") for v in values]
    return "|".join(values)


def _matching(grouped: dict[tuple[Any, ...], list[dict[str, Any]]], values: list[Any]) -> list[dict[str, Any]]:
    """The rows whose columns equal ``values``; none when a value is NULL (as in SQL)."""
    return [] if None in values else grouped.get(tuple(values), [])


def _sort_key(row: dict[str, Any], key: list[str]) -> tuple[Any, ...]:
    return tuple((row[k] is None, row[k]) for k in key)
