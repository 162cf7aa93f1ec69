"""The named statements of sql/queries.sql against the code that runs them:
every name the code uses exists, every statement is used, and each one
composes with the parts it declares."""

from __future__ import annotations

import re
import string
from pathlib import Path

from psycopg2 import sql

from indexer.sqlfiles import Queries, _sections

ROOT = Path(__file__).resolve().parents[2]
# store.run("name", ...), store.rows(...), queries["name"], queries.compose("name", ...), and names
# chosen by a conditional expression ("a" if x else "b") or kept in a constant table of names
_CALL = re.compile(r"\.(?:run|rows|row|value|flag|copy_in|stream|bytes_rows|statement|compose|_one)\(\s*\"(\w+)\"")
_INDEXED = re.compile(r"queries\[\"(\w+)\"\]")
_CHOSEN = re.compile(r"(?:\.run\(|(?:done|query) = )\"(\w+)\" if [^\n]+? else \"(\w+)\"")
_TABLED = re.compile(r"_STATEMENT(?:S)? = \{([^}]*)\}")


def _used_names() -> set[str]:
    used: set[str] = set()
    for path in (ROOT / "indexer").rglob("*.py"):
        text = path.read_text()
        used.update(_CALL.findall(text))
        used.update(_INDEXED.findall(text))
        for pair in _CHOSEN.findall(text):
            used.update(pair)
        for table in _TABLED.findall(text):
            used.update(re.findall(r":\s*\"(\w+)\"", table))
    return used


def test_every_named_statement_is_used_and_every_used_name_exists() -> None:
    defined = set(_sections())
    used = _used_names()
    assert used - defined == set(), "names the code runs that sql/queries.sql lacks"
    assert defined - used == set(), "statements in sql/queries.sql that no code runs"


def test_every_named_statement_composes_with_its_parts() -> None:
    queries = Queries('the "state" schema')
    for name, text in _sections().items():
        fields = {field for _, field, _, _ in string.Formatter().parse(text) if field}
        parts = {field: sql.Identifier(field) for field in fields - {"schema", "schema_name"}}
        rendered = queries.compose(name, **parts)
        assert isinstance(rendered, sql.Composed) and rendered.seq, name
