"""How many outbox rows a worker fetches per batch (no engine involved:
:class:`BatchSizer` sees only row counts, sizes and seconds)."""

from __future__ import annotations

from indexer.pipeline.drain import FIRST_BATCH_ROWS, MIN_BATCH_ROWS, BatchResult, BatchSizer

MB = 1024 * 1024


def full(sizer: BatchSizer, doc_bytes: int = 500) -> BatchResult:
    return BatchResult(rows=sizer.limit, documents=sizer.limit, row_bytes=doc_bytes)


def test_slow_full_batches_grow_up_to_the_row_ceiling() -> None:
    s = BatchSizer(1000, max_rows=16_000, max_bytes=64 * MB)
    assert s.limit == FIRST_BATCH_ROWS  # no document size known yet
    limits = [s.after(full(s), 10.0) for _ in range(6)]
    assert limits == [1000, 2000, 4000, 8000, 16_000, 16_000]


def test_the_first_batch_is_small_until_a_document_size_is_known() -> None:
    s = BatchSizer(2000, max_rows=32_000, max_bytes=8 * MB)
    assert s.limit == FIRST_BATCH_ROWS
    assert s.after(BatchResult(), 0.0) == 2000  # nothing built: the base
    assert BatchSizer(100, max_rows=1600, max_bytes=8 * MB).limit == 100  # a base below it is kept


def test_growth_stops_at_about_the_byte_ceiling() -> None:
    s = BatchSizer(1000, max_rows=16_000, max_bytes=8 * MB)
    for _ in range(10):
        s.after(full(s, doc_bytes=2000), 10.0)
    assert s.limit == 8 * MB // 2000  # 4,194 documents of 2,000 bytes
    s.after(full(s, doc_bytes=100_000), 10.0)  # far larger documents: as many as fill max_bytes
    assert s.limit == 8 * MB // 100_000  # 83, below the base
    s.after(full(s, doc_bytes=100_000), 10.0)  # slow and full: still no more than fit
    assert s.limit == 83
    s.after(full(s, doc_bytes=10 * MB), 0.1)  # documents larger than max_bytes: the least batch
    assert s.limit == MIN_BATCH_ROWS
    s.after(BatchResult(), 0.0)  # an empty batch says nothing new about sizes
    assert s.limit == MIN_BATCH_ROWS
    s.after(full(s, doc_bytes=500), 0.1)  # small documents again: back to the base
    assert s.limit == 1000


def test_large_documents_cap_the_batches_after_the_first() -> None:
    s = BatchSizer(2000, max_rows=32_000, max_bytes=8 * MB)
    assert s.after(full(s, doc_bytes=100_000), 0.1) == 83  # 8 MiB / 100 kB, not the base


def test_a_batch_that_was_not_full_or_fast_shrinks_back_to_the_base() -> None:
    s = BatchSizer(1000, max_rows=16_000, max_bytes=64 * MB)
    for _ in range(5):
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
    s.after(full(s), 10.0)
    for _ in range(5):
        s.after(full(s), 0.5)  # between a quarter of slow_seconds and slow_seconds
    assert s.limit == 2000
