"""Decode the messages of PostgreSQL's ``pgoutput`` plugin, protocol version 1.

Only what the slot reconciler needs: Begin, Commit, Relation, Insert, Update,
Delete, Truncate and logical decoding Message. Layouts follow the PostgreSQL
documentation, "Logical Replication Message Formats" (chapter 55.9 in PG 17):
integers are big-endian, strings are NUL-terminated, tuple columns are ``n``
(null), ``u`` (unchanged TOASTed value, not sent) or ``t`` (text, length-prefixed).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

_I16 = struct.Struct(">h")
_I32 = struct.Struct(">i")
_U32 = struct.Struct(">I")
_U64 = struct.Struct(">Q")

UNCHANGED = object()  # marker for an unchanged TOASTed column


@dataclass(frozen=True)
class Relation:
    relid: int
    namespace: str
    name: str
    replica_identity: str  # d default, n nothing, f full, i index
    columns: tuple[str, ...]
    key_columns: tuple[str, ...]  # columns of the replica identity


def _cstring(data: bytes | memoryview, pos: int) -> tuple[str, int]:
    end = bytes(data[pos:]).index(b"\x00") + pos
    return bytes(data[pos:end]).decode(), end + 1


def kind(data: bytes | memoryview) -> str:
    return chr(data[0])


def relid(data: bytes | memoryview) -> int:
    """Relation OID of an Insert, Update or Delete message."""
    return int(_U32.unpack_from(data, 1)[0])


def parse_relation(data: bytes | memoryview) -> Relation:
    pos = 1
    rel = _U32.unpack_from(data, pos)[0]
    pos += 4
    namespace, pos = _cstring(data, pos)
    name, pos = _cstring(data, pos)
    identity = chr(data[pos])
    pos += 1
    (ncols,) = _I16.unpack_from(data, pos)
    pos += 2
    columns: list[str] = []
    keys: list[str] = []
    for _ in range(ncols):
        flags = data[pos]
        pos += 1
        column, pos = _cstring(data, pos)
        pos += 8  # type oid, type modifier
        columns.append(column)
        if flags & 1:
            keys.append(column)
    return Relation(rel, namespace or "pg_catalog", name, identity, tuple(columns), tuple(keys))


def _tuple(data: bytes | memoryview, pos: int, columns: tuple[str, ...]) -> tuple[dict[str, object], int]:
    (ncols,) = _I16.unpack_from(data, pos)
    pos += 2
    values: dict[str, object] = {}
    for i in range(ncols):
        tag = chr(data[pos])
        pos += 1
        name = columns[i]
        if tag == "n":
            values[name] = None
        elif tag == "u":
            values[name] = UNCHANGED
        else:
            (length,) = _I32.unpack_from(data, pos)
            pos += 4
            raw = bytes(data[pos : pos + length])
            pos += length
            values[name] = raw.decode() if tag == "t" else raw
    return values, pos


@dataclass(frozen=True)
class Change:
    """A row change: ``old`` holds the key (or the full row with REPLICA
    IDENTITY FULL) or is None; ``new`` is None for deletes."""

    op: str  # "I", "U", "D"
    relid: int
    old: dict[str, object] | None
    new: dict[str, object] | None
    old_is_full: bool


def parse_change(data: bytes | memoryview, relation: Relation) -> Change:
    op = chr(data[0])
    pos = 5
    old: dict[str, object] | None = None
    new: dict[str, object] | None = None
    full = False
    tag = chr(data[pos])
    if tag in ("K", "O"):
        full = tag == "O"
        old, pos = _tuple(data, pos + 1, relation.columns)
        if op == "D":
            return Change(op, relation.relid, old, None, full)
        tag = chr(data[pos])
    if tag == "N":
        new, pos = _tuple(data, pos + 1, relation.columns)
    return Change(op, relation.relid, old, new, full)


def truncated_relids(data: bytes | memoryview) -> list[int]:
    (count,) = _I32.unpack_from(data, 1)
    return [int(_U32.unpack_from(data, 6 + 4 * i)[0]) for i in range(count)]


def parse_message(data: bytes | memoryview) -> tuple[bool, str, bytes]:
    """(transactional, prefix, content) of a logical decoding message."""
    transactional = bool(data[1] & 1)
    prefix, pos = _cstring(data, 10)
    (length,) = _I32.unpack_from(data, pos)
    pos += 4
    return transactional, prefix, bytes(data[pos : pos + length])


def commit_end_lsn(data: bytes | memoryview) -> int:
    """End LSN of a Commit message, as an integer."""
    return int(_U64.unpack_from(data, 10)[0])


def lsn_text(value: int) -> str:
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"
