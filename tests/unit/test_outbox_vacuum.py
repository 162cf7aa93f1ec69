"""When a worker vacuums the outbox (the decision only; the integration test
in tests/test_outbox_ack.py runs the VACUUM against Postgres)."""

from __future__ import annotations

from typing import Any, cast

from indexer.pipeline.vacuum import MIN_ROWS_PER_WORKER, OutboxVacuum


def vacuum(workers: int, every: int = 10_000) -> OutboxVacuum:
    return OutboxVacuum(cast(Any, None), workers=workers, every=every)


def test_the_rows_are_shared_out_over_the_workers_with_a_floor() -> None:
    assert vacuum(1).threshold == 10_000
    assert vacuum(4).threshold == 2_500
    assert vacuum(64).threshold == MIN_ROWS_PER_WORKER


def test_never_while_batches_come_back_full_then_once_the_backlog_is_drained() -> None:
    v = vacuum(2)  # every 5,000 rows of this worker
    assert not v.due(4_000, full=False)  # not enough rows yet
    assert not v.due(4_000, full=True)  # enough, but a backlog is waiting
    assert not v.due(4_000, full=True)
    assert v.due(10, full=False)  # the backlog is drained: now


def test_idle_polls_do_not_vacuum_again() -> None:
    v = vacuum(1, every=1_000)
    assert not v.due(999, full=False)
    assert not v.due(0, full=False)
    assert v.due(1, full=False)
