"""``indexer verify``: compare every document in Postgres with the index.

Both sides are reduced to ``(doc_id, md5 of the document as jsonb text)`` in
temporary tables, and compared with SQL joins, so memory stays bounded however
large the index is. The Postgres side is computed in one statement on the
server. The index side is read with a scroll, parsed with exact decimals,
re-encoded and sent to Postgres page by page with COPY; there ``::jsonb``
normalizes key order and spacing the same way for both sides.

Documents whose key is waiting in the outbox are counted as *in flight* rather
than as differences. On a busy system a document can also be in flight without
an outbox row (fetched by a worker, not yet written), so the suspects of the
first comparison are compared once more, by key, after ``settle`` seconds; only
documents that still differ count. ``repair`` enqueues the key of every missing,
extra and stale document; the running pipeline then rebuilds (or deletes) them.
Two documents can never share an ``_id`` (see :func:`~indexer.sqlgen.names.doc_id`),
but a ``primary_key`` override that is not unique can produce such rows; they
are counted as ``duplicates`` instead of breaking the comparison.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson
from psycopg2 import sql

from indexer.plan import IndexPlan
from indexer.search.bulk import row_doc_id
from indexer.search.store import DocumentStore
from indexer.sqlgen.names import qualified, split_doc_id
from indexer.state import StateStore

# Suspects re-checked by key after the first comparison; beyond this many the
# first comparison's counts stand (a second look would cost a full pass anyway).
SECOND_LOOK_LIMIT = 10_000


@dataclass
class VerifyReport:
    index: str
    in_postgres: int = 0
    in_index: int = 0
    missing: int = 0
    extra: int = 0
    stale: int = 0
    in_flight: int = 0
    duplicates: int = 0
    repaired: int = 0
    samples: dict[str, list[str]] = field(default_factory=dict)

    @property
    def differences(self) -> int:
        return self.missing + self.extra + self.stale

    def counts(self) -> dict[str, int]:
        return {
            "in_postgres": self.in_postgres,
            "in_index": self.in_index,
            "missing": self.missing,
            "extra": self.extra,
            "stale": self.stale,
            "in_flight": self.in_flight,
            "duplicates": self.duplicates,
            "repaired": self.repaired,
        }


def canonical_json(value: Any) -> str:
    """JSON text for ``value`` with decimals written exactly as parsed."""
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k) + ":" + canonical_json(v) for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(canonical_json(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


class _Comparison:
    """The temp tables of one verification, in ``store``'s session (autocommit)."""

    def __init__(self, store: StateStore, engine: DocumentStore, plan: IndexPlan) -> None:
        self.store = store
        self.engine = engine
        self.plan = plan
        self.name = plan.index.name

    def load_target_page(self, page: Iterable[tuple[str, Any]]) -> int:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for doc_id, source in page:
            writer.writerow((doc_id, canonical_json(source)))
        buffer.seek(0)
        self.store.copy_in("verify_copy_page", buffer)
        count = self.store.run("verify_take_page")
        self.store.run("verify_clear_page")
        return count

    def load_plugged_source(self, query: sql.Composable, params: dict[str, Any] | None = None) -> int:
        """Source documents of an index with plugins: ``query`` gives rows
        ``(version, doc_id_json, doc, root_key)`` as text; the plugins run on
        them in Python as they do before indexing (a dropped or failed document
        is absent), and their hashes go to the source table."""
        assert self.plan.plugins is not None
        rows = [
            (0, doc_id.encode(), doc.encode() if doc is not None else None, key.encode())
            for _v, doc_id, doc, key in self.store.rows(query, params)
        ]
        kept, _failed = self.plan.plugins.apply(rows)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for _v, doc_id_json, doc, key in kept:
            if doc is not None:
                writer.writerow((row_doc_id(doc_id_json), key.decode(), doc.decode()))
        buffer.seek(0)
        self.store.copy_in("verify_copy_plugged", buffer)
        count = self.store.run("verify_take_plugged")
        self.store.run("verify_clear_plugged")
        return count

    def load_everything(self, report: VerifyReport) -> None:
        documents = self.plan.queries.all_documents()
        if self.plan.plugins is not None:
            as_text = self.store.statement("verify_documents_as_text", documents=documents)
            report.in_postgres = self.load_plugged_source(as_text)
        else:
            report.in_postgres = self.store.run("verify_take_documents", documents=documents)
        rows = int(self.store.value("count_rows", table=qualified(self.plan.index.root.table)))
        report.duplicates = rows - report.in_postgres
        if self.engine.index_exists(self.name):
            for page in self.engine.scan(self.name):
                report.in_index += self.load_target_page(page)

    def diff(self) -> None:
        doc_id = self.plan.queries.doc_id_of_key(sql.Identifier("o", "root_key"))
        self.store.run("verify_diff", doc_id=doc_id, index=sql.Literal(self.name))

    def suspects(self) -> list[tuple[str, str | None]]:
        """(doc_id, root_key text or None) of the differences not in flight."""
        return [(doc_id, key) for doc_id, key in self.store.rows("verify_suspects")]

    def key_of(self, doc_id: str, key: str | None) -> str | None:
        """The root key (jsonb text) of a suspect: known for rows of Postgres, parsed from the _id otherwise."""
        if key is not None:
            return key
        root = self.plan.index.root
        parts = split_doc_id(doc_id, len(root.key))
        if parts is None:
            return None
        key_expr = self.plan.queries.key_of_parts(sql.Identifier("p", "parts"))
        return str(self.store.value("key_as_text", {"parts": parts}, key=key_expr))

    def second_look(self, suspects: list[tuple[str, str | None]]) -> None:
        """Compare just ``suspects`` again, by key, from both sides."""
        keys = [k for k in (self.key_of(doc_id, key) for doc_id, key in suspects) if k is not None]
        self.store.run("verify_clear_sides")
        by_keys = {"keys": "[" + ",".join(keys) + "]"}
        if self.plan.plugins is not None:
            self.load_plugged_source(self.plan.queries.by_keys(), by_keys)
        else:
            self.store.run("verify_take_documents_by_key", by_keys, documents=self.plan.queries.by_keys())
        ids = [doc_id for doc_id, _ in suspects]
        for start in range(0, len(ids), 500):
            found = self.engine.mget(self.name, ids[start : start + 500])
            self.load_target_page(found.items())
        # Only ids that were suspects can differ now: anything else is absent on both sides.
        self.diff()


def verify_index(
    conn: Any,
    engine: DocumentStore,
    plan: IndexPlan,
    state_schema: str,
    *,
    repair: bool,
    samples: int = 5,
    settle: float = 2.0,
) -> VerifyReport:
    """Compare ``plan``'s index with Postgres. ``conn`` must be in autocommit
    mode; ``engine`` should be opened with ``exact_numbers=True``. Suspects are
    compared again after ``settle`` seconds (0: no second look)."""
    report = VerifyReport(index=plan.index.name)
    store = StateStore(conn, state_schema)
    store.run("verify_setup")
    comparison = _Comparison(store, engine, plan)
    try:
        comparison.load_everything(report)
        comparison.diff()
        suspects = comparison.suspects()
        if suspects and settle > 0 and len(suspects) <= SECOND_LOOK_LIMIT:
            in_flight_first = int(store.value("verify_in_flight"))
            time.sleep(settle)
            comparison.second_look(suspects)
            # in flight: waiting in the outbox at the first look, or changed since
            report.in_flight = in_flight_first + len(suspects) - len(comparison.suspects())
        else:
            report.in_flight = int(store.value("verify_in_flight"))
        for kind, count in store.rows("verify_kinds"):
            setattr(report, kind, count)
        report.samples = {kind: list(ids) for kind, ids in store.rows("verify_samples", {"samples": samples})}
        if repair and report.differences:
            report.repaired = _enqueue_repairs(comparison)
    finally:
        store.run("verify_clear")
    return report


def _enqueue_repairs(comparison: _Comparison) -> int:
    keys = [comparison.key_of(doc_id, key) for doc_id, key in comparison.suspects()]
    found = [k for k in keys if k is not None]
    if not found:
        return 0
    keys_json = orjson.dumps([orjson.loads(k) for k in found]).decode()
    return comparison.store.run("enqueue_repairs", {"index": comparison.name, "keys": keys_json})
