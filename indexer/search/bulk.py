"""Bulk request bodies and what the engine said about each item.

A *row* is what a document query returns: ``(version, doc_id_json, doc,
root_key)`` where ``doc_id_json`` is the ``_id`` already encoded as a JSON
string (for a routed index followed by ``,"routing":"..."``; see
:func:`row_doc_id`), ``doc`` the document's JSON bytes (``None``: delete it) and ``root_key``
the key's JSON bytes. The body is assembled by concatenating those bytes with
fixed action prefixes: no document is parsed or re-serialized in Python.

Every write carries ``version_type: external`` with the query's version, so the
engine keeps the newest state whatever order requests arrive in; a 409 on an
item means a newer version is already there and counts as success.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import orjson

Row = tuple[int, bytes, bytes | None, bytes]


class ItemStatus(Enum):
    """What happened to one item of a bulk request."""

    DONE = "done"  # indexed, or deleted (a delete of an absent document included)
    SUPERSEDED = "superseded"  # 409: a newer version is already there, which is success
    RETRY = "retry"  # 429 or 5xx: send it again later
    MISSING_INDEX = "missing_index"  # the target index or alias does not exist
    REJECTED = "rejected"  # refused for good (mapping conflict, too large): a dead letter


def item_status(action: str, status: int, error: dict[str, Any]) -> ItemStatus:
    """Classify one bulk item from its action, HTTP status and error object."""
    if 200 <= status < 300:
        return ItemStatus.DONE
    if status == 404 and error.get("type") == "index_not_found_exception":
        return ItemStatus.MISSING_INDEX
    if action == "delete" and status == 404:
        return ItemStatus.DONE
    if status == 409:
        return ItemStatus.SUPERSEDED
    if status == 429 or status >= 500:
        return ItemStatus.RETRY
    return ItemStatus.REJECTED


def row_doc_id(id_part: bytes) -> str:
    """The ``_id`` of a row: its second element is the ``_id`` as JSON, followed
    for a routed index by ``,"routing":...`` (both go into the action line)."""
    return str(orjson.loads(b'{"_id":' + id_part + b"}")["_id"])


def _prefixes(index: str, version: int) -> tuple[bytes, bytes]:
    meta = b'{"_index":' + orjson.dumps(index) + b',"version_type":"external","version":' + str(version).encode()
    return b'{"index":' + meta + b',"_id":', b'{"delete":' + meta + b',"_id":'


def encode(index: str, rows: Sequence[Row]) -> bytes:
    """The NDJSON body writing ``rows`` to ``index``."""
    parts: list[bytes] = []
    extend = parts.extend  # one call per row: this loop runs for every document written
    last: int | None = None
    index_prefix = delete_prefix = b""
    for version, doc_id_json, doc, _key in rows:
        if version != last:  # a page or batch shares one version
            index_prefix, delete_prefix = _prefixes(index, version)
            last = version
        if doc is None:
            extend((delete_prefix, doc_id_json, b"}}\n"))
        else:
            extend((index_prefix, doc_id_json, b"}}\n", doc, b"\n"))
    return b"".join(parts)


def row_size(row: Row) -> int:
    return len(row[1]) + (len(row[2]) if row[2] is not None else 0) + 160


def average_row_size(rows: Sequence[Row]) -> float:
    """About how many bytes of bulk request body a row of ``rows`` (not empty)
    takes: the average :func:`row_size` of at most 256 of them, drawn at
    random for more (seeded by the count; a random draw, unlike every n-th
    row, is not fooled by sizes that repeat with a period)."""
    sample = rows if len(rows) <= 256 else random.Random(len(rows)).sample(list(rows), 256)  # noqa: S311 - sizing
    return sum(map(row_size, sample)) / len(sample)


def split_by_size(rows: Sequence[Row], max_bytes: int) -> list[Sequence[Row]]:
    """Consecutive groups of ``rows`` whose bodies stay under ``max_bytes``
    (a single larger row is a group of its own)."""
    groups: list[Sequence[Row]] = []
    start, size = 0, 0
    for i, row in enumerate(rows):
        n = row_size(row)
        if i > start and size + n > max_bytes:
            groups.append(rows[start:i])
            start, size = i, 0
        size += n
    if start < len(rows):
        groups.append(rows[start:])
    return groups


@dataclass
class Rejection:
    row: Row
    status: int
    reason: str  # the engine's error type, e.g. mapper_parsing_exception
    error: dict[str, Any]


@dataclass
class Outcome:
    """What happened to one bulk request's items."""

    indexed: int = 0
    deleted: int = 0
    conflicts: int = 0
    retry: list[Row] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    missing: list[Row] = field(default_factory=list)  # the target index is gone


def classify(response: dict[str, Any], rows: Sequence[Row]) -> Outcome:
    """Sort the items of ``response`` (the answer to ``encode(rows)``).

    See :func:`item_status`: 2xx and a delete's 404 succeed; 409 means a newer
    version is indexed; 429 and 5xx go to ``retry``; a missing index to
    ``missing``; anything else (mapping conflicts, documents too large) is
    ``rejected`` with the engine's reason, for the dead letters.
    """
    outcome = Outcome()
    if not response.get("errors"):
        outcome.deleted = [row[2] for row in rows].count(None)
        outcome.indexed = len(rows) - outcome.deleted
        return outcome
    items = response.get("items") or []
    if len(items) != len(rows):
        # The engine did not report every item; treat the whole request as transient.
        outcome.retry = list(rows)
        return outcome
    for row, item in zip(rows, items, strict=True):
        (action, result), *_ = item.items()
        status = int(result.get("status", 500))
        error = result.get("error") or {}
        if not isinstance(error, dict):
            error = {"reason": str(error)}
        kind = item_status(action, status, error)
        if kind is ItemStatus.DONE:
            if row[2] is None:
                outcome.deleted += 1
            else:
                outcome.indexed += 1
        elif kind is ItemStatus.SUPERSEDED:
            outcome.conflicts += 1
        elif kind is ItemStatus.RETRY:
            outcome.retry.append(row)
        elif kind is ItemStatus.MISSING_INDEX:
            outcome.missing.append(row)
        else:
            outcome.rejected.append(Rejection(row, status, str(error.get("type", "error")), error))
    return outcome
