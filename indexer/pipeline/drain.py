"""One batch of the change stream: outbox rows to documents to the engine.

Per batch, on the worker's lock-holding connection (autocommit):

1. fetch pending rows of the owned partitions (per index, deduplicated keys);
2. build every document of those keys in one statement, whose snapshot is
   taken after step 1's, so it contains every change those rows stand for;
3. write them (retrying through outages) with the statement's version;
4. in one transaction, record rejected documents as dead letters and delete
   exactly the fetched rows.

A crash anywhere before step 4 commits leaves the rows in place: the batch is
redone, and the engine's version check makes the repeat harmless.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from indexer.db import bytes_cursor, transaction
from indexer.plan import IndexPlan
from indexer.search.bulk import Outcome, Rejection, Row
from indexer.search.writer import DocumentWriter
from indexer.sqlfiles import Queries

Report = Callable[..., None]


@dataclass
class BatchResult:
    rows: int = 0  # outbox rows acknowledged
    documents: int = 0


def record_rejections(cur: Any, queries: Queries, index: str, rejected: Sequence[Rejection]) -> None:
    """Insert one dead letter per rejected document (same transaction as the ack)."""
    for rejection in rejected:
        _version, doc_id_json, _doc, key = rejection.row
        cur.execute(
            queries["dead_letter"],
            {
                "index": index,
                "root_key": key.decode(),
                "doc_id": orjson.loads(doc_id_json),
                "reason": rejection.reason,
                "error": orjson.dumps(dict(rejection.error, status=rejection.status)).decode(),
            },
        )


def build(conn: Any, plan: IndexPlan, keys_json: str) -> list[Row]:
    with bytes_cursor(conn) as cur:
        cur.execute(plan.queries.by_keys(), {"keys": keys_json})
        return cur.fetchall()  # type: ignore[no-any-return]


def drain_batch(
    conn: Any,
    queries: Queries,
    plans: dict[str, IndexPlan],
    partitions: Sequence[int],
    writer: DocumentWriter,
    *,
    limit: int,
    report: Report,
) -> BatchResult:
    """Process one batch over ``partitions`` for the indexes in ``plans``."""
    result = BatchResult()
    if not partitions or not plans:
        return result
    with conn.cursor() as cur:
        cur.execute(queries["fetch_batch"], {"indexes": list(plans), "partitions": list(partitions), "limit": limit})
        groups = cur.fetchall()
    for index_name, keys_json, parts, ids, row_count in groups:
        plan = plans[index_name]
        started = time.monotonic()
        rows = build(conn, plan, keys_json)
        outcome: Outcome = writer.write(index_name, rows, pipeline=plan.index.pipeline)
        with transaction(conn) as cur:
            record_rejections(cur, queries, index_name, outcome.rejected)
            cur.execute(queries["ack_batch"], {"index": index_name, "partitions": parts, "ids": ids})
        result.rows += row_count
        result.documents += len(rows)
        report(
            phase="drain",
            index=index_name,
            indexed=outcome.indexed,
            deleted=outcome.deleted,
            conflicts=outcome.conflicts,
            rejected=len(outcome.rejected),
            outbox_rows=row_count,
            seconds=time.monotonic() - started,
        )
    return result
