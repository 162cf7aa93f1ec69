"""Prometheus metrics of a running indexer, served by the supervisor.

Workers send one stats record per batch over a queue; the supervisor folds them
into counters and polls Postgres for the gauges (backlog, oldest pending row,
WAL retained by the slot). The registry belongs to the :class:`Metrics` object,
not to the process, so nothing is global.

Names (all prefixed ``indexer_``): ``documents_indexed_total{index,phase}``,
``documents_deleted_total{index}``, ``documents_rejected_total{index}``,
``version_conflicts_total{index}``, ``outbox_rows_acked_total{index}``,
``batch_seconds{index,phase}`` (histogram), ``outbox_pending{index}``,
``outbox_oldest_seconds{index}``, ``slot_retained_bytes{database}``,
``backfill_documents{index}``, ``workers_alive``, ``bulk_request_seconds{outcome}``
(histogram), ``bulk_request_bytes_total``.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.indexed = Counter("indexer_documents_indexed_total", "Documents written", ["index", "phase"], registry=r)
        self.deleted = Counter("indexer_documents_deleted_total", "Documents deleted", ["index"], registry=r)
        self.rejected = Counter(
            "indexer_documents_rejected_total", "Documents sent to dead letters", ["index"], registry=r
        )
        self.conflicts = Counter(
            "indexer_version_conflicts_total", "Writes superseded by a newer version", ["index"], registry=r
        )
        self.acked = Counter(
            "indexer_outbox_rows_acked_total", "Outbox rows removed after indexing", ["index"], registry=r
        )
        self.batch = Histogram(
            "indexer_batch_seconds",
            "Time to build and write one batch",
            ["index", "phase"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=r,
        )
        self.pending = Gauge("indexer_outbox_pending", "Outbox rows waiting", ["index"], registry=r)
        self.oldest = Gauge("indexer_outbox_oldest_seconds", "Age of the oldest waiting row", ["index"], registry=r)
        self.retained = Gauge(
            "indexer_slot_retained_bytes", "WAL kept by the replication slot", ["database"], registry=r
        )
        self.backfilled = Gauge("indexer_backfill_documents", "Documents backfilled so far", ["index"], registry=r)
        self.workers = Gauge("indexer_workers_alive", "Worker and slot processes running", registry=r)
        self.requests = Histogram(
            "indexer_bulk_request_seconds",
            "Latency of one bulk request to the search engine",
            ["outcome"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=r,
        )
        self.request_bytes = Counter("indexer_bulk_request_bytes_total", "Bytes sent in bulk requests", registry=r)

    def serve(self, port: int) -> None:
        start_http_server(port, addr="0.0.0.0", registry=self.registry)  # noqa: S104 - scraped from outside

    def record(self, stats: dict[str, Any]) -> None:
        index = stats.get("index", "")
        phase = stats.get("phase", "")
        if phase == "request":  # one bulk request, from MeteredStore
            self.requests.labels("ok" if stats.get("ok") else "failed").observe(stats.get("seconds", 0.0))
            self.request_bytes.inc(stats.get("bytes", 0))
            return
        self.indexed.labels(index, phase).inc(stats.get("indexed", 0))
        self.deleted.labels(index).inc(stats.get("deleted", 0))
        self.rejected.labels(index).inc(stats.get("rejected", 0))
        self.conflicts.labels(index).inc(stats.get("conflicts", 0))
        self.acked.labels(index).inc(stats.get("outbox_rows", 0))
        if "seconds" in stats:
            self.batch.labels(index, phase).observe(stats["seconds"])
