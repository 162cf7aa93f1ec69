"""Deliver rows to the search engine, waiting out outages.

:meth:`DocumentWriter.write` returns only when every row is settled: accepted,
superseded by a newer version (409), or rejected for good (collected for the
dead letters). While the server is unreachable or overloaded it retries with
capped exponential backoff and jitter (tenacity), logging one
``search_unavailable`` event per attempt, never a busy loop. A request the
server refuses as a whole (too large, an invalid item) is split in halves
until the culprit stands alone and goes to the dead letters. If the process is asked to stop
while waiting, :class:`Stopped` is raised and nothing is acknowledged.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import tenacity

from indexer import logs
from indexer.errors import SearchRejected, SearchUnavailable
from indexer.search.bulk import Outcome, Rejection, Row, classify, encode, split_by_size
from indexer.search.engine import SearchEngine


class Stopped(Exception):
    """The process is shutting down; the batch in hand was not delivered."""


class DocumentWriter:
    """Writes rows with retries. ``stop`` interrupts waits; ``max_bytes`` caps
    one bulk request; backoff grows from ``initial_backoff`` to ``max_backoff``
    seconds."""

    def __init__(
        self,
        engine: SearchEngine,
        *,
        stop: threading.Event,
        max_bytes: int = 20 * 1024 * 1024,
        initial_backoff: float = 0.5,
        max_backoff: float = 30.0,
    ) -> None:
        self.engine = engine
        self.stop = stop
        self.max_bytes = max_bytes
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.log = logs.get("writer")
        self.failures = 0  # consecutive failed attempts, for metrics and status

    def _retrying(self) -> tenacity.Retrying:
        return tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(SearchUnavailable)
            & tenacity.retry_if_not_exception_type(SearchRejected),
            wait=tenacity.wait_exponential_jitter(initial=self.initial_backoff, max=self.max_backoff),
            stop=tenacity.stop_when_event_set(self.stop),
            sleep=self._sleep,
            before_sleep=self._before_sleep,
            reraise=True,
        )

    def _sleep(self, seconds: float) -> None:
        self.stop.wait(seconds)

    def _before_sleep(self, state: tenacity.RetryCallState) -> None:
        self.failures += 1
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        self.log.warning("search_unavailable", error=str(exc), attempt=state.attempt_number, retry_in_s=round(wait, 1))

    def _send(self, index: str, pipeline: str | None, rows: Sequence[Row]) -> dict[str, Any]:
        body = encode(index, rows)
        try:
            for attempt in self._retrying():
                with attempt:
                    response = self.engine.bulk(body, pipeline=pipeline)
        except SearchUnavailable:
            if self.stop.is_set():
                raise Stopped from None
            raise
        if self.failures:
            self.log.info("search_available", after_attempts=self.failures + 1)
            self.failures = 0
        return response

    def write(self, index: str, rows: Sequence[Row], *, pipeline: str | None = None) -> Outcome:
        """Deliver ``rows`` to ``index``; see the module docstring."""
        total = Outcome()
        for group in split_by_size(rows, self.max_bytes):
            self._write_group(index, pipeline, group, total)
        return total

    def _write_group(self, index: str, pipeline: str | None, rows: Sequence[Row], total: Outcome) -> None:
        pending: Sequence[Row] = rows
        delay = self.initial_backoff
        while pending:
            try:
                response = self._send(index, pipeline, pending)
            except SearchRejected as exc:
                # The whole request was refused (too large, or one item failed
                # validation): split it until the culprit stands alone.
                if len(pending) > 1:
                    half = len(pending) // 2
                    self._write_group(index, pipeline, pending[:half], total)
                    self._write_group(index, pipeline, pending[half:], total)
                    return
                if len(pending) == 1:
                    error = {"type": f"http_{exc.status}", "reason": exc.message}
                    total.rejected.append(Rejection(pending[0], exc.status or 0, error["type"], error))
                    return
                raise
            outcome = classify(response, pending)
            total.indexed += outcome.indexed
            total.deleted += outcome.deleted
            total.conflicts += outcome.conflicts
            total.rejected.extend(outcome.rejected)
            pending = outcome.retry
            if pending:
                self.log.warning("bulk_items_retry", index=index, items=len(pending), retry_in_s=round(delay, 1))
                if self.stop.wait(delay):
                    raise Stopped
                delay = min(delay * 2, self.max_backoff)
