"""How the writer sizes bulk requests from the engine's latency (no engine
involved: :meth:`DocumentWriter._adapt` sees only sizes and seconds)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from indexer.search.wrappers import _more_lines_than, several_items
from indexer.search.writer import MIN_REQUEST_BYTES, DocumentWriter

MB = 1024 * 1024


def writer() -> DocumentWriter:
    store: Any = object()  # _adapt never calls the store
    return DocumentWriter(store, stop=threading.Event(), max_bytes=8 * MB, target_seconds=10.0)


def test_an_engine_whose_time_grows_with_the_bytes_gets_smaller_requests() -> None:
    w = writer()
    w._adapt(8 * MB, 16.0)  # slow
    assert w.request_bytes == 4 * MB
    w._adapt(4 * MB, 8.0)  # half the bytes, half the time: the assumption held
    assert w.request_bytes == 4 * MB
    w._adapt(4 * MB, 12.0)  # slow again
    assert w.request_bytes == 2 * MB


def test_an_engine_with_a_cost_per_request_keeps_large_requests() -> None:
    """Halving did not make the next request faster: the size goes back up and
    slowness alone no longer shrinks it (the osmem-server case: ~17 s a request
    whatever its size, on an index written in many small requests)."""
    w = writer()
    w._adapt(8 * MB, 16.0)
    assert w.request_bytes == 4 * MB
    w._adapt(4 * MB, 15.0)
    assert w.request_bytes == 8 * MB
    for _ in range(5):
        w._adapt(8 * MB, 17.0)
        assert w.request_bytes == 8 * MB


def test_a_larger_request_after_a_halving_does_not_decide_anything() -> None:
    w = writer()
    w._adapt(8 * MB, 16.0)
    w._adapt(6 * MB, 15.0)  # not at most 60 % of the slow one: no verdict, still slow
    assert w.request_bytes == 3 * MB
    w._adapt(1 * MB, 2.0)  # small and fast: the time did follow the bytes
    assert w.request_bytes == 3 * MB * 5 // 4


def test_fast_requests_grow_the_size_back_and_never_below_the_floor() -> None:
    w = writer()
    w._adapt(MIN_REQUEST_BYTES, 30.0)
    assert w.request_bytes == MIN_REQUEST_BYTES
    w._adapt(MIN_REQUEST_BYTES, 1.0)
    assert w.request_bytes == MIN_REQUEST_BYTES * 5 // 4
    for _ in range(40):
        w._adapt(w.request_bytes, 1.0)
    assert w.request_bytes == 8 * MB


def test_backfill_pages_hold_about_a_fixed_number_of_bytes() -> None:
    from indexer.pipeline.backfill import MAX_PAGE_ROWS, MIN_PAGE_ROWS, page_rows
    from indexer.search.bulk import Row, encode

    small: list[Row] = [(1, b'"%d"' % i, b'{"t":"%s"}' % (b"x" * 400), b"%d" % i) for i in range(100)]
    rows = page_rows(small, 4 * MB)
    assert 7_000 < rows < 9_000
    assert abs(page_rows(small, 1 * MB) - rows / 4) <= 1
    body = len(encode("books", small)) * rows / len(small)  # the bulk request it leads to
    assert 0.75 * 4 * MB < body <= 4 * MB
    large: list[Row] = [(1, b'"1"', b"y" * (2 * MB), b"1")]
    assert page_rows(large, 4 * MB) == MIN_PAGE_ROWS  # never fewer, whatever the size
    tiny: list[Row] = [(1, b'"1"', b"{}", b"1")]
    assert page_rows(tiny, 4 * MB) == MAX_PAGE_ROWS


class RecordingStore:
    """Answers every bulk request as accepted and keeps the bodies it was sent."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    def bulk(self, body: bytes, *, pipeline: str | None = None, require_alias: bool = False) -> dict[str, Any]:
        self.bodies.append(body)
        return {"errors": False}


def test_rows_that_fit_one_request_are_sent_as_one_body() -> None:
    from indexer.search.bulk import encode

    rows = [(7, f'"{i}"'.encode(), b'{"n":%d}' % i, b'{"id":%d}' % i) for i in range(300)]
    store = RecordingStore()
    outcome = DocumentWriter(store, stop=threading.Event(), max_bytes=8 * MB).write("books", rows)  # type: ignore[arg-type]
    assert store.bodies == [encode("books", rows)]
    assert outcome.indexed == 300


def test_rows_over_the_request_size_are_split_and_none_is_lost() -> None:
    from indexer.search.bulk import encode

    doc = b'{"text":"' + b"x" * 1000 + b'"}'
    rows = [(7, f'"{i}"'.encode(), doc, b'{"id":%d}' % i) for i in range(300)]
    store = RecordingStore()
    writer = DocumentWriter(store, stop=threading.Event(), max_bytes=8 * MB)  # type: ignore[arg-type]
    writer.request_bytes = MIN_REQUEST_BYTES
    outcome = writer.write("books", rows)
    assert len(store.bodies) > 1
    assert all(len(body) <= MIN_REQUEST_BYTES for body in store.bodies)
    assert b"".join(store.bodies) == encode("books", rows)
    assert outcome.indexed == 300


class OneBusyItemStore(RecordingStore):
    """Answers the first request with a 429 for its second item only."""

    def bulk(self, body: bytes, *, pipeline: str | None = None, require_alias: bool = False) -> dict[str, Any]:
        self.bodies.append(body)
        if len(self.bodies) > 1:
            return {"errors": False}
        items = [{"index": {"status": 429 if i == 1 else 201}} for i in range(body.count(b"\n") // 2)]
        return {"errors": True, "items": items}


def test_only_the_items_the_engine_asks_for_are_sent_again() -> None:
    from indexer.search.bulk import encode

    rows = [(7, f'"{i}"'.encode(), b'{"n":%d}' % i, b'{"id":%d}' % i) for i in range(3)]
    store = OneBusyItemStore()
    writer = DocumentWriter(store, stop=threading.Event(), max_bytes=8 * MB, initial_backoff=0.0)  # type: ignore[arg-type]
    outcome = writer.write("books", rows)
    assert store.bodies == [encode("books", rows), encode("books", rows[1:2])]
    assert outcome.indexed == 3


def test_a_large_page_is_sized_from_a_spread_sample() -> None:
    """Rows of two sizes, alternating, in a page far over 256 rows: the sample
    sees both, so the estimate is near the page's true average (every n-th
    row, n even, would see only the large ones: 43 % off)."""
    from indexer.pipeline.backfill import page_rows
    from indexer.search.bulk import Row, row_size

    page: list[Row] = [(1, b'"%d"' % i, b"z" * (100 if i % 2 else 1900), b"%d" % i) for i in range(20_000)]
    average = sum(map(row_size, page)) / len(page)
    assert abs(page_rows(page, 1 * MB) - MB / average) / (MB / average) < 0.25


def test_a_request_of_several_items_is_told_from_its_first_lines() -> None:
    one_item = b'{"index":{"_id":"1"}}\n{"a":1}\n'
    assert not _more_lines_than(one_item, 2)
    assert _more_lines_than(one_item + b'{"delete":{"_id":"2"}}\n', 2)
    assert not _more_lines_than(b"", 2) and not _more_lines_than(b"no newline", 0)
    assert _more_lines_than(b"\n", 0) and not _more_lines_than(b"\n\n", 2)
    big = one_item * 10_000
    assert _more_lines_than(big, 2) and _more_lines_than(big, 19_999) and not _more_lines_than(big, 20_000)


def test_two_deletes_are_several_items() -> None:
    """A delete takes one line, an index action two: two deletes are two items."""
    delete = b'{"delete":{"_index":"books","_id":"1"}}\n'
    index = b'{"index":{"_index":"books","_id":"1"}}\n{"a":1}\n'
    assert not several_items(delete) and not several_items(index)
    assert several_items(delete * 2) and several_items(delete + index) and several_items(index + delete)


def test_an_overloaded_engine_gets_two_deletes_back_to_split() -> None:
    """On a 429 or timeout, a request of several items goes back to the writer
    (which halves it); only a single item is retried in place."""
    from indexer.errors import SearchOverloaded
    from indexer.search.wrappers import RetryingStore

    class Overloaded:
        info = None  # what a wrapper copies from the store it wraps
        calls = 0

        def bulk(self, body: bytes, **_: object) -> dict[str, object]:
            self.calls += 1
            if self.calls == 1:
                raise SearchOverloaded("429 Too Many Requests")
            return {"errors": False, "items": []}

    delete = b'{"delete":{"_index":"books","_id":"1"}}\n'
    inner = Overloaded()
    store = RetryingStore(inner, stop=threading.Event(), initial=0.0, cap=0.0)  # type: ignore[arg-type]
    with pytest.raises(SearchOverloaded):
        store.bulk(delete * 2)
    assert inner.calls == 1
    assert store.bulk(delete) == {"errors": False, "items": []}  # the next call passes
    single = Overloaded()
    store = RetryingStore(single, stop=threading.Event(), initial=0.0, cap=0.0)  # type: ignore[arg-type]
    assert store.bulk(delete) == {"errors": False, "items": []}  # retried in place
    assert single.calls == 2
