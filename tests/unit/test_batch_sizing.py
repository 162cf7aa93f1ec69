"""How many outbox rows a worker fetches per batch (no engine involved:
:class:`BatchSizer` sees only row counts, sizes and seconds)."""

from __future__ import annotations

from indexer.pipeline.drain import BatchResult, BatchSizer

MB = 1024 * 1024


def full(sizer: BatchSizer, doc_bytes: int = 500) -> BatchResult:
    return BatchResult(rows=sizer.limit, documents=sizer.limit, row_bytes=doc_bytes)


def test_slow_full_batches_grow_up_to_the_row_ceiling() -> None:
    s = BatchSizer(1000, max_rows=16_000, max_bytes=64 * MB)
    limits = [s.after(full(s), 10.0) for _ in range(6)]
    assert limits == [2000, 4000, 8000, 16_000, 16_000, 16_000]


def test_growth_stops_at_about_the_byte_ceiling() -> None:
    s = BatchSizer(1000, max_rows=16_000, max_bytes=8 * MB)
    for _ in range(10):
        s.after(full(s, doc_bytes=2000), 10.0)
    assert s.limit == 8 * MB // 2000  # 4,194 documents of 2,000 bytes
    s.after(full(s, doc_bytes=100_000), 10.0)  # far larger documents: back to the base (never below it)
    assert s.limit == 1000


def test_a_batch_that_was_not_full_or_fast_shrinks_back_to_the_base() -> None:
    s = BatchSizer(1000, max_rows=16_000, max_bytes=64 * MB)
    for _ in range(4):
        s.after(full(s), 10.0)
    assert s.limit == 16_000
    s.after(BatchResult(rows=300, documents=300, row_bytes=500), 10.0)  # the backlog is gone
    assert s.limit == 8000
    s.after(full(s), 0.1)  # full but fast: the engine keeps up
    assert s.limit == 4000
    for _ in range(5):
        s.after(BatchResult(), 0.0)
    assert s.limit == 1000


def test_full_batches_at_a_moderate_pace_keep_their_size() -> None:
    s = BatchSizer(1000, max_rows=16_000, max_bytes=64 * MB)
    s.after(full(s), 10.0)
    for _ in range(5):
        s.after(full(s), 0.5)  # between a quarter of slow_seconds and slow_seconds
    assert s.limit == 2000
