"""Load the static SQL in ``sql/``: the state schema and the named queries.

``sql/queries.sql`` is split into sections that start with ``-- name: <name>``.
Each text is composed with ``psycopg2.sql`` so ``{schema}`` becomes a quoted
identifier. The files ship inside the wheel as ``indexer/_sql``; in a source
checkout they are read from ``sql/`` at the top of the repository.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from pathlib import Path

from psycopg2 import sql

_SECTION = re.compile(r"^-- name: (\w+)\s*$", re.MULTILINE)


def _read(name: str) -> str:
    packaged = resources.files("indexer").joinpath("_sql").joinpath(name)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (Path(__file__).resolve().parent.parent / "sql" / name).read_text(encoding="utf-8")


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
    """The named queries of ``sql/queries.sql`` for one state schema."""

    def __init__(self, state_schema: str) -> None:
        schema = sql.Identifier(state_schema)
        self._composed = {name: sql.SQL(text).format(schema=schema) for name, text in _sections().items()}

    def __getitem__(self, name: str) -> sql.Composed:
        return self._composed[name]


def schema_ddl(state_schema: str, partitions: int) -> sql.Composed:
    """``sql/schema.sql`` for ``state_schema`` with ``partitions`` outbox partitions."""
    return sql.SQL(_read("schema.sql")).format(schema=sql.Identifier(state_schema), partitions=sql.Literal(partitions))
