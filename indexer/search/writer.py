"""Deliver rows to an index, settling every item.

:meth:`DocumentWriter.write` returns only when every row is settled: accepted,
superseded by a newer version (409), or rejected for good (collected for the
dead letters). Outages are waited out by the store it is given (a
:class:`~indexer.search.wrappers.RetryingStore`); items the engine asks to send
again (429, 5xx) are resent with backoff. A request the server refuses as a
whole (too large, an invalid item) is split in halves until the culprit stands
alone and goes to the dead letters. Items whose index is gone raise
:class:`TargetMissing`: nothing may be acknowledged for them, and the caller
rebuilds the index.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from indexer import logs
from indexer.errors import SearchOverloaded, SearchRejected
from indexer.search.bulk import Outcome, Rejection, Row, classify, encode, split_by_size
from indexer.search.store import DocumentStore
from indexer.search.wrappers import Stopped

__all__ = ["DocumentWriter", "Stopped", "TargetMissing"]


MIN_REQUEST_BYTES = 64 * 1024  # below this a request is not made smaller


class TargetMissing(Exception):
    """The index (or alias) written to does not exist."""

    def __init__(self, target: str) -> None:
        super().__init__(f"index {target} does not exist")
        self.target = target


class DocumentWriter:
    """Writes rows through ``store``. ``stop`` interrupts waits; ``max_bytes``
    caps one bulk request; item retries back off from ``initial_backoff`` to
    ``max_backoff`` seconds."""

    def __init__(
        self,
        store: DocumentStore,
        *,
        stop: threading.Event,
        max_bytes: int = 20 * 1024 * 1024,
        initial_backoff: float = 0.5,
        max_backoff: float = 30.0,
        target_seconds: float = 10.0,
    ) -> None:
        self.store = store
        self.stop = stop
        self.max_bytes = max_bytes
        # The request size in use, see _adapt: halved when the server is
        # overloaded (a timeout or 429 on a request of several items) or, while
        # that pays off, when a request took longer than target_seconds; grown
        # back by a quarter after a request that took less than half of it;
        # never above max_bytes.
        self.request_bytes = max_bytes
        self.target_seconds = target_seconds
        # The last request that was slow and was followed by a halving: (bytes, seconds).
        self._slow: tuple[int, float] | None = None
        # Set once halving a slow request did not make the next one faster:
        # the engine's latency is a cost per request, not per byte.
        self._latency_per_request = False
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.log = logs.get("writer")

    def write(
        self, index: str, rows: Sequence[Row], *, pipeline: str | None = None, require_alias: bool = False
    ) -> Outcome:
        """Deliver ``rows`` to ``index``; see the module docstring."""
        total = Outcome()
        body = encode(index, rows)
        if len(body) <= self.request_bytes:  # the usual case: one request, no sizing pass
            self._write_group(index, pipeline, require_alias, rows, total, body=body)
        else:
            del body
            for group in split_by_size(rows, self.request_bytes):
                self._write_group(index, pipeline, require_alias, group, total)
        if total.missing:
            raise TargetMissing(index)
        return total

    def _adapt(self, size: int, elapsed: float) -> None:
        """Set the next request size from one accepted request of ``size``
        bytes that took ``elapsed`` seconds.

        A slow request (over ``target_seconds``) halves the size, on the
        assumption that the engine's time grows with the bytes sent. The next
        request at most 60 % as large tests that assumption: if it took more
        than 70 % of the slow one's time, the time is a cost per request (as
        osmem-server charges on an index written in small requests, measured by
        ``loadtest/osmem_requests.py``), smaller requests would only pay it more
        often, so the size goes back up and later slow requests keep their size.
        Timeouts and 429s still halve it (see :meth:`_write_group`)."""
        if self._slow is not None and size <= self._slow[0] * 0.6:
            slow_size, slow_elapsed = self._slow
            self._slow = None
            if elapsed > slow_elapsed * 0.7:
                self._latency_per_request = True
                self.request_bytes = min(self.max_bytes, max(self.request_bytes, slow_size))
                self.log.info("bulk_latency_per_request", seconds=round(elapsed, 2), bytes=size,
                              earlier_seconds=round(slow_elapsed, 2), earlier_bytes=slow_size,
                              now_bytes=self.request_bytes)  # fmt: skip
                return
        if elapsed > self.target_seconds and not self._latency_per_request:
            if size // 2 >= MIN_REQUEST_BYTES:
                self._slow = (size, elapsed)
            self.request_bytes = max(MIN_REQUEST_BYTES, size // 2)
        elif elapsed < self.target_seconds / 2:
            self.request_bytes = min(self.max_bytes, max(self.request_bytes, size) * 5 // 4)

    def _write_group(
        self,
        index: str,
        pipeline: str | None,
        require_alias: bool,
        rows: Sequence[Row],
        total: Outcome,
        *,
        body: bytes | None = None,
    ) -> None:
        """Write ``rows`` (``body``: their encoded request, when already made)."""
        pending: Sequence[Row] = rows
        delay = self.initial_backoff
        while pending:
            if body is None:
                body = encode(index, pending)
            started = time.monotonic()
            try:
                response = self.store.bulk(body, pipeline=pipeline, require_alias=require_alias)
            except SearchOverloaded as exc:
                # Too slow for this size: wait, then send it in halves, and keep
                # later requests at most half this size until requests pass again.
                self.request_bytes = max(MIN_REQUEST_BYTES, len(body) // 2)
                self.log.warning("bulk_request_shrunk", index=index, items=len(pending), bytes=len(body),
                                 now_bytes=self.request_bytes, error=str(exc), retry_in_s=round(delay, 1))  # fmt: skip
                if self.stop.wait(delay):
                    raise Stopped from None
                half = len(pending) // 2
                self._write_group(index, pipeline, require_alias, pending[:half], total)
                self._write_group(index, pipeline, require_alias, pending[half:], total)
                return
            except SearchRejected as exc:
                # The whole request was refused (too large, or one item failed
                # validation): split it until the culprit stands alone.
                if len(pending) > 1:
                    half = len(pending) // 2
                    self._write_group(index, pipeline, require_alias, pending[:half], total)
                    self._write_group(index, pipeline, require_alias, pending[half:], total)
                    return
                error = {"type": f"http_{exc.status}", "reason": exc.message}
                total.rejected.append(Rejection(pending[0], exc.status or 0, error["type"], error))
                return
            self._adapt(len(body), time.monotonic() - started)
            outcome = classify(response, pending)
            total.indexed += outcome.indexed
            total.deleted += outcome.deleted
            total.conflicts += outcome.conflicts
            total.rejected.extend(outcome.rejected)
            total.missing.extend(outcome.missing)
            pending = outcome.retry
            body = None
            if pending:
                self.log.warning("bulk_items_retry", index=index, items=len(pending), retry_in_s=round(delay, 1))
                if self.stop.wait(delay):
                    raise Stopped
                delay = min(delay * 2, self.max_backoff)
