"""Load the static SQL in ``sql/``: the state schema, its migrations and the named queries.

``sql/queries.sql`` is split into sections that start with ``-- name: <name>``.
Each text is composed with ``psycopg2.sql`` so ``{schema}`` becomes a quoted
identifier and ``{schema_name}`` the state schema's name as a string literal.
The files ship inside the wheel as ``indexer/_sql``; in a source
checkout they are read from ``sql/`` at the top of the repository.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from pathlib import Path

from psycopg2 import sql

_SECTION = re.compile(r"^-- name: (\w+)\s*$", re.MULTILINE)
_MIGRATION = re.compile(r"^(\d{4})_(\w+)\.sql$")


def _root() -> Path:
    packaged = Path(str(resources.files("indexer").joinpath("_sql")))
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "sql"


def _read(name: str) -> str:
    return (_root() / name).read_text(encoding="utf-8")


@functools.cache
def migrations() -> tuple[tuple[int, str], ...]:
    """``(number, file name)`` of every file in ``sql/migrations``, in order.
    Numbers run 1, 2, 3, ... without gaps; the last is the current format."""
    found = sorted(
        (int(match.group(1)), path.name)
        for path in (_root() / "migrations").iterdir()
        if (match := _MIGRATION.match(path.name))
    )
    numbers = [number for number, _ in found]
    assert numbers == list(range(1, len(found) + 1)), f"migrations must be numbered 1..n without gaps: {numbers}"
    return tuple(found)


def latest_format() -> int:
    """The format the state schema has after every migration: what ``schema.sql`` creates."""
    return migrations()[-1][0]


def migration_ddl(number: int, state_schema: str, partitions: int) -> sql.Composed:
    """Migration ``number`` (1-based) for ``state_schema``."""
    name = dict(migrations())[number]
    return _format(_read(f"migrations/{name}"), state_schema, partitions)


def _format(text: str, state_schema: str, partitions: int) -> sql.Composed:
    return sql.SQL(text).format(
        schema=sql.Identifier(state_schema), schema_name=sql.Literal(state_schema), partitions=sql.Literal(partitions)
    )


@functools.cache
def _sections() -> dict[str, str]:
    text = _read("queries.sql")
    parts = _SECTION.split(text)
    sections: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        lines = [line for line in body.strip().splitlines() if not line.startswith("--")]
        sections[name] = "\n".join(lines).strip()
    return sections


class Queries:
    """The named queries of ``sql/queries.sql`` for one state schema.

    ``queries[name]`` is a statement whose only placeholder is ``{schema}``;
    :meth:`compose` fills the other ``{part}`` placeholders of a statement
    (identifiers, literals or fragments, as ``psycopg2.sql`` objects). Raises
    ``KeyError`` for an unknown name."""

    def __init__(self, state_schema: str) -> None:
        self._schema, self._name = sql.Identifier(state_schema), sql.Literal(state_schema)
        self._composed: dict[str, sql.Composed] = {}

    def __getitem__(self, name: str) -> sql.Composed:
        composed = self._composed.get(name)
        if composed is None:
            composed = self._composed[name] = self.compose(name)
        return composed

    def compose(self, name: str, /, **parts: sql.Composable) -> sql.Composed:
        return sql.SQL(_sections()[name]).format(schema=self._schema, schema_name=self._name, **parts)


def schema_ddl(state_schema: str, partitions: int) -> sql.Composed:
    """``sql/schema.sql`` for ``state_schema`` with ``partitions`` outbox partitions."""
    return _format(_read("schema.sql"), state_schema, partitions)
