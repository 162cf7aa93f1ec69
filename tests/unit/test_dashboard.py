"""The Grafana dashboard queries only metrics the indexer exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

from prometheus_client import CollectorRegistry

from indexer.metrics import Metrics

DASHBOARD = Path(__file__).resolve().parents[2] / "docker" / "grafana" / "pg-search-indexer.json"


def test_every_dashboard_query_names_an_exported_metric() -> None:
    metrics = Metrics()
    registry: CollectorRegistry = metrics.registry
    exported = {sample.name for family in registry.collect() for sample in family.samples}
    exported |= {family.name for family in registry.collect()}
    exported |= {name + suffix for name in list(exported) for suffix in ("_bucket", "_total")}
    queries = [t["expr"] for panel in json.loads(DASHBOARD.read_text())["panels"] for t in panel["targets"]]
    used = {name for query in queries for name in re.findall(r"\bindexer_[a-z_]+", query)}
    assert used and used <= exported, sorted(used - exported)
    assert {"indexer_outbox_pending", "indexer_slot_retained_bytes", "indexer_outbox_oldest_seconds"} <= used
