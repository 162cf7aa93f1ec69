"""``indexer verify``: compare every document in Postgres with the index.

Both sides are reduced to ``(doc_id, md5 of the document as jsonb text)`` in
temporary tables, and compared with SQL joins, so memory stays bounded however
large the index is. The Postgres side is computed in one statement on the
server. The index side is read with a scroll, parsed with exact decimals,
re-encoded and sent to Postgres page by page with COPY; there ``::jsonb``
normalizes key order and spacing the same way for both sides.

Documents whose key is still waiting in the outbox are counted as *in flight*
rather than as differences. ``repair`` enqueues the key of every missing, extra
and stale document; the running pipeline then rebuilds (or deletes) them.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from psycopg2 import sql

from indexer.plan import IndexPlan
from indexer.search.engine import SearchEngine


@dataclass
class VerifyReport:
    index: str
    in_postgres: int = 0
    in_index: int = 0
    missing: int = 0
    extra: int = 0
    stale: int = 0
    in_flight: int = 0
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


_SETUP = """
CREATE TEMP TABLE IF NOT EXISTS indexer_verify_source (doc_id text PRIMARY KEY, root_key jsonb, hash text);
CREATE TEMP TABLE IF NOT EXISTS indexer_verify_target (doc_id text PRIMARY KEY, hash text);
CREATE TEMP TABLE IF NOT EXISTS indexer_verify_page (doc_id text, source text);
TRUNCATE indexer_verify_source, indexer_verify_target, indexer_verify_page;
"""


def verify_index(
    conn: Any, engine: SearchEngine, plan: IndexPlan, state_schema: str, *, repair: bool, samples: int = 5
) -> VerifyReport:
    """Compare ``plan``'s index with Postgres. ``conn`` must be in autocommit
    mode; ``engine`` should be opened with ``exact_numbers=True``."""
    queries = plan.queries
    name = plan.index.name
    report = VerifyReport(index=name)
    with conn.cursor() as cur:
        cur.execute(_SETUP)
        cur.execute(
            sql.SQL(
                "INSERT INTO indexer_verify_source SELECT d.doc_id, d.root_key, md5(d.doc::jsonb::text) FROM ({}) AS d"
            ).format(queries.all_documents())
        )
        report.in_postgres = cur.rowcount
        if engine.index_exists(name):
            for page in engine.scan(name):
                buffer = io.StringIO()
                writer = csv.writer(buffer)
                for doc_id, source in page:
                    writer.writerow((doc_id, canonical_json(source)))
                buffer.seek(0)
                cur.copy_expert("COPY indexer_verify_page (doc_id, source) FROM STDIN WITH (FORMAT csv)", buffer)
                cur.execute(
                    "INSERT INTO indexer_verify_target SELECT doc_id, md5(source::jsonb::text) FROM indexer_verify_page"
                    " ON CONFLICT (doc_id) DO NOTHING"
                )
                report.in_index += cur.rowcount
                cur.execute("TRUNCATE indexer_verify_page")
        outbox = sql.Identifier(state_schema, "outbox")
        pending = sql.SQL("(SELECT DISTINCT {} AS doc_id FROM {} o WHERE o.index_name = {})").format(
            queries.doc_id_of_key(sql.SQL("o.root_key")), outbox, sql.Literal(name)
        )
        cur.execute(
            sql.SQL(
                "CREATE TEMP TABLE indexer_verify_diff AS"
                " SELECT coalesce(s.doc_id, t.doc_id) AS doc_id, s.root_key,"
                "  CASE WHEN t.doc_id IS NULL THEN 'missing' WHEN s.doc_id IS NULL THEN 'extra'"
                "  ELSE 'stale' END AS kind,"
                "  p.doc_id IS NOT NULL AS in_flight"
                " FROM indexer_verify_source s FULL JOIN indexer_verify_target t ON t.doc_id = s.doc_id"
                " LEFT JOIN {pending} p ON p.doc_id = coalesce(s.doc_id, t.doc_id)"
                " WHERE s.doc_id IS NULL OR t.doc_id IS NULL OR s.hash <> t.hash"
            ).format(pending=pending)
        )
        try:
            cur.execute("SELECT kind, in_flight, count(*) FROM indexer_verify_diff GROUP BY 1, 2")
            for kind, in_flight, count in cur.fetchall():
                if in_flight:
                    report.in_flight += count
                else:
                    setattr(report, kind, getattr(report, kind) + count)
            cur.execute(
                "SELECT kind, (array_agg(doc_id ORDER BY doc_id))[1:%s] FROM indexer_verify_diff"
                " WHERE NOT in_flight GROUP BY kind",
                (samples,),
            )
            report.samples = {kind: list(ids) for kind, ids in cur.fetchall()}
            if repair and report.differences:
                cur.execute(
                    sql.SQL(
                        "INSERT INTO {outbox} (index_name, root_key, op, source_table)"
                        " SELECT DISTINCT {index}, coalesce(d.root_key, {key_of_id}), 'repair', 'verify'"
                        " FROM indexer_verify_diff d WHERE NOT d.in_flight"
                    ).format(
                        outbox=outbox,
                        index=sql.Literal(name),
                        key_of_id=queries.key_of_doc_id(sql.SQL("d.doc_id")),
                    )
                )
                report.repaired = cur.rowcount
        finally:
            cur.execute("DROP TABLE IF EXISTS indexer_verify_diff")
            cur.execute("TRUNCATE indexer_verify_source, indexer_verify_target")
    return report
