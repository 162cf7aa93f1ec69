"""Bulk request bodies and the classification of every kind of item answer."""

from __future__ import annotations

import orjson
import pytest

from indexer.search.bulk import ItemStatus, classify, encode, item_status, split_by_size
from indexer.search.client import loads_response

ROWS = [
    (7, b'"1"', b'{"a":1}', b'{"id":1}'),
    (7, b'"2"', None, b'{"id":2}'),
    (8, b'"3"', b'{"a":3}', b'{"id":3}'),
    (8, b'"4"', b'{"a":4}', b'{"id":4}'),
    (8, b'"5"', b'{"a":5}', b'{"id":5}'),
    (8, b'"6"', b'{"a":6}', b'{"id":6}'),
]


def test_the_body_is_the_rows_bytes_with_external_versions() -> None:
    lines = encode("films", ROWS[:2]).decode().splitlines()
    assert [orjson.loads(line) for line in lines] == [
        {"index": {"_index": "films", "version_type": "external", "version": 7, "_id": "1"}},
        {"a": 1},
        {"delete": {"_index": "films", "version_type": "external", "version": 7, "_id": "2"}},
    ]


def test_each_action_carries_its_own_rows_version() -> None:
    # versions change mid-body and come back: every action line names its row's
    rows = [ROWS[0], ROWS[2], ROWS[1], (8, b'"7"', None, b'{"id":7}')]
    actions = [orjson.loads(line) for line in encode("films", rows).decode().splitlines() if '"_index"' in line]
    assert [(verb, a["version"], a["_id"]) for action in actions for verb, a in action.items()] == [
        ("index", 7, "1"),
        ("index", 8, "3"),
        ("delete", 7, "2"),
        ("delete", 8, "7"),
    ]


def test_an_answer_without_errors_counts_indexed_and_deleted() -> None:
    outcome = classify({"errors": False}, ROWS)
    assert (outcome.indexed, outcome.deleted, outcome.conflicts) == (5, 1, 0)
    assert not (outcome.retry or outcome.rejected or outcome.missing)


def test_every_item_answer_is_classified() -> None:
    items = [
        {"index": {"status": 201}},
        {"delete": {"status": 404, "result": "not_found"}},  # already gone: done
        {"index": {"status": 409, "error": {"type": "version_conflict_engine_exception"}}},
        {"index": {"status": 429, "error": {"type": "es_rejected_execution_exception"}}},
        {"index": {"status": 400, "error": {"type": "mapper_parsing_exception", "reason": "bad"}}},
        {"index": {"status": 404, "error": {"type": "index_not_found_exception"}}},
    ]
    outcome = classify({"errors": True, "items": items}, ROWS)
    assert (outcome.indexed, outcome.deleted, outcome.conflicts) == (1, 1, 1)
    assert [r[1] for r in outcome.retry] == [b'"4"']
    assert [(r.row[1], r.status, r.reason) for r in outcome.rejected] == [(b'"5"', 400, "mapper_parsing_exception")]
    assert [r[1] for r in outcome.missing] == [b'"6"']


def test_an_answer_that_does_not_cover_every_item_is_retried_whole() -> None:
    outcome = classify({"errors": True, "items": [{"index": {"status": 201}}]}, ROWS[:3])
    assert len(outcome.retry) == 3 and not outcome.rejected


def test_statuses() -> None:
    assert item_status("index", 503, {}) is ItemStatus.RETRY
    assert item_status("delete", 404, {"type": "index_not_found_exception"}) is ItemStatus.MISSING_INDEX
    assert item_status("index", 413, {}) is ItemStatus.REJECTED


def test_requests_are_split_by_size() -> None:
    big = [(1, b'"%d"' % i, b"x" * 400, b"{}") for i in range(10)]
    groups = split_by_size(big, 1200)
    assert sum(len(g) for g in groups) == 10 and all(len(g) <= 2 for g in groups)


def test_a_successful_bulk_reply_is_read_without_its_items() -> None:
    items = ",".join([f'{{"index":{{"_id":"{i}","status":201}}}}' for i in range(3)])
    # Elasticsearch and OpenSearch under the filter: "took" first; osmem-server sorts keys
    assert loads_response(f'{{"took":5,"errors":false,"items":[{items}]}}'.encode()) == {"errors": False}
    assert loads_response(f'{{"errors":false,"items":[{items}],"took":1}}') == {"errors": False}
    assert classify(loads_response(b'{"took":1,"errors":false,"items":[]}'), ROWS[:2]).deleted == 1


def test_other_replies_are_parsed_whole() -> None:
    failed = b'{"took":5,"errors":true,"items":[{"index":{"_id":"1","status":409,"error":{"type":"x"}}}]}'
    assert loads_response(failed)["items"][0]["index"]["status"] == 409
    # "errors":false further in is not the top-level flag: parsed whole
    nested = b'{"took":2,"items":[{"errors":false}],"errors":true}'
    assert loads_response(nested)["errors"] is True
    assert loads_response(b'{"count": 18446744073709551616}') == {"count": 2**64}  # beyond orjson's 64 bits
    assert loads_response(b"") is None
    with pytest.raises(ValueError, match="Expecting property name"):
        loads_response(b'{"took":1,"errors":false,')  # cut short: not taken for a success
    with pytest.raises(ValueError, match="Expecting property name"):
        loads_response(b"{not json")
