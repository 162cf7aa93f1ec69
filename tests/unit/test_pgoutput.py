"""The pgoutput decoder against messages built here byte by byte from the
documented layout (PostgreSQL, "Logical Replication Message Formats")."""

from __future__ import annotations

import struct

from indexer.pipeline import pgoutput


def cstr(text: str) -> bytes:
    return text.encode() + b"\x00"


def relation(relid: int, namespace: str, name: str, identity: str, columns: list[tuple[str, bool]]) -> bytes:
    out = b"R" + struct.pack(">I", relid) + cstr(namespace) + cstr(name) + identity.encode()
    out += struct.pack(">h", len(columns))
    for column, is_key in columns:
        out += bytes([1 if is_key else 0]) + cstr(column) + struct.pack(">Ii", 25, -1)
    return out


def tuple_data(values: list[str | bytes | None]) -> bytes:
    out = struct.pack(">h", len(values))
    for value in values:
        if value is None:
            out += b"n"
        elif value == b"u":
            out += b"u"
        else:
            raw = value.encode() if isinstance(value, str) else value
            out += b"t" + struct.pack(">i", len(raw)) + raw
    return out


REL = relation(16384, "public", "Bücher", "f", [("id", True), ("title", False), ("body", False)])


def test_relation_names_columns_and_replica_identity() -> None:
    rel = pgoutput.parse_relation(REL)
    assert (rel.relid, rel.namespace, rel.name, rel.replica_identity) == (16384, "public", "Bücher", "f")
    assert rel.columns == ("id", "title", "body") and rel.key_columns == ("id",)
    assert pgoutput.kind(REL) == "R"


def test_insert_update_with_old_row_and_delete_with_key() -> None:
    rel = pgoutput.parse_relation(REL)
    insert = b"I" + struct.pack(">I", 16384) + b"N" + tuple_data(["1", "Zürich", None])
    change = pgoutput.parse_change(insert, rel)
    assert (change.op, change.old, change.new) == ("I", None, {"id": "1", "title": "Zürich", "body": None})
    assert pgoutput.relid(insert) == 16384
    update = (b"U" + struct.pack(">I", 16384) + b"O" + tuple_data(["1", "old", b"u"])
              + b"N" + tuple_data(["2", "new", b"u"]))  # fmt: skip
    change = pgoutput.parse_change(update, rel)
    assert change.old_is_full and change.old == {"id": "1", "title": "old", "body": pgoutput.UNCHANGED}
    assert change.new == {"id": "2", "title": "new", "body": pgoutput.UNCHANGED}
    plain_update = b"U" + struct.pack(">I", 16384) + b"N" + tuple_data(["2", "x", "y"])
    assert pgoutput.parse_change(plain_update, rel).old is None
    delete = b"D" + struct.pack(">I", 16384) + b"K" + tuple_data(["2", None, None])
    change = pgoutput.parse_change(delete, rel)
    assert (change.op, change.new, change.old_is_full) == ("D", None, False)
    assert change.old == {"id": "2", "title": None, "body": None}


def test_truncate_message_and_commit() -> None:
    truncate = b"T" + struct.pack(">i", 2) + b"\x00" + struct.pack(">II", 16384, 16390)
    assert pgoutput.truncated_relids(truncate) == [16384, 16390]
    content = b'{"rows": 3}'
    message = b"M" + b"\x01" + struct.pack(">Q", 0x1_0000_0028) + cstr("indexer") + struct.pack(">i", len(content))
    assert pgoutput.parse_message(message + content) == (True, "indexer", content)
    commit = b"C" + b"\x00" + struct.pack(">QQq", 0x16_B374_D848, 0x1_0000_0028, 0)
    assert pgoutput.commit_end_lsn(commit) == 0x1_0000_0028
    assert pgoutput.lsn_text(0x1_0000_0028) == "1/28"
