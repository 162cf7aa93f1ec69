"""Where a capture trigger's cost goes: pgbench's single-row UPDATE with the
book table's capture function replaced by cheaper stand-ins.

    python -m loadtest.trigger_cost --books 100000 [--durable]

Variants, in rounds whose order turns each round, a checkpoint before each; medians:

* ``none``: our triggers disabled;
* ``empty``: the statement-level trigger fires, transition tables are kept, the
  function returns at once (the floor of any statement-level trigger);
* ``message_keys``: the function emits the changed rows' keys as one
  transactional logical message (the floor of a capture that leaves writing
  the outbox to the slot's consumer, not built);
* ``one_insert``: the function runs one constant single-row INSERT into the
  outbox (the floor of any trigger that writes its outbox row in the
  transaction);
* ``ours``: the generated function (key query, outbox insert, coverage message,
  capture lock).

The book table's function is restored at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
from typing import Any

from psycopg2 import sql

from loadtest.bench import books_bench, turned

ONE_INSERT = (
    "BEGIN INSERT INTO indexer.outbox (index_name, root_key, op, source_table, partition)"
    " VALUES ('books', '{\"id\": 1}', 'update', 'public.book', 0); RETURN NULL; END"
)
EMPTY = "BEGIN RETURN NULL; END"
MESSAGE_KEYS = (
    "DECLARE _lsn pg_lsn; BEGIN _lsn := pg_logical_emit_message(true, 'indexer:keys',"
    " (SELECT string_agg(id::text, ',') FROM new_rows)); RETURN NULL; END"
)


def capture_function(cur: Any) -> tuple[str, str, str]:
    """(schema, name, body) of the book table's capture function."""
    cur.execute(
        "SELECT n.nspname, p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
        " JOIN pg_trigger t ON t.tgfoid = p.oid WHERE t.tgrelid = 'public.book'::regclass AND n.nspname = 'indexer'"
        " LIMIT 1"
    )
    schema, name, body = cur.fetchone()
    return str(schema), str(name), str(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--books", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--durable", action="store_true", help="fsync and synchronous_commit on")
    args = parser.parse_args()

    with books_bench(args.books, "trigger-cost") as (_pg, bench, sink_url):
        bench.indexer("bootstrap", search_url=sink_url)
        bench.set_durability(args.durable)
        with contextlib.closing(bench.connect()) as conn, conn.cursor() as cur:
            schema, name, ours = capture_function(cur)
            cur.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'public.book'::regclass AND tgfoid = %s::regprocedure",
                (sql.SQL("{}()").format(sql.Identifier(schema, name)).as_string(conn),),
            )
            triggers = [row[0] for row in cur.fetchall()]

            def use(body: str | None) -> None:
                state = sql.SQL("DISABLE" if body is None else "ENABLE ALWAYS")
                for trigger in triggers:
                    cur.execute(sql.SQL("ALTER TABLE public.book {} TRIGGER {}").format(state, sql.Identifier(trigger)))
                if body is not None:
                    cur.execute(
                        sql.SQL(
                            "CREATE OR REPLACE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER"
                            " SET search_path = pg_catalog, pg_temp AS {}"
                        ).format(sql.Identifier(schema, name), sql.Literal(body))
                    )
                cur.execute("TRUNCATE indexer.outbox")
                cur.execute("CHECKPOINT")

            variants: dict[str, str | None] = {
                "none": None,
                "empty": EMPTY,
                "message_keys": MESSAGE_KEYS,
                "one_insert": ONE_INSERT,
                "ours": ours,
            }
            tps: dict[str, list[float]] = {v: [] for v in variants}
            loads: list[float] = []  # the 1-minute load average after each round
            try:
                for round_ in range(args.rounds):
                    for variant in turned(list(variants), round_):
                        use(variants[variant])
                        tps[variant].append(bench.pgbench_tps(args.seconds, args.books, "update"))
                    loads.append(os.getloadavg()[0])
            finally:
                use(ours)
        print(f"load average after each round: {' '.join(f'{v:.2f}' for v in loads)}")
        base = statistics.median(tps["none"])
        print(f"{'variant':12} {'tps':>8} {'overhead':>9}   rounds ({'durable' if args.durable else 'fsync off'})")
        for variant, values in tps.items():
            median = statistics.median(values)
            print(f"{variant:12} {median:8.0f} {100 * (1 - median / base):8.1f}%   {[round(v) for v in values]}")


if __name__ == "__main__":
    main()
