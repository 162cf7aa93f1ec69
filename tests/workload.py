"""A random writer for the invariant tests: inserts, updates, deletes and key
changes on root, child and through tables of Pagila's film and actor documents,
with long transactions and rollbacks."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

import psycopg2

from tests.harness import Harness

RETRYABLE = (
    psycopg2.errors.DeadlockDetected,
    psycopg2.errors.UniqueViolation,
    psycopg2.errors.ForeignKeyViolation,
    psycopg2.errors.SerializationFailure,
)


class Writer(threading.Thread):
    """Random changes for ``seconds`` (or until :meth:`halt`)."""

    def __init__(self, h: Harness, seed: int, seconds: float, *, films: int = 100, actors: int = 50) -> None:
        super().__init__(daemon=True)
        self.h = h
        self.rng = random.Random(seed)
        self.seed = seed
        self.deadline = time.monotonic() + seconds
        self.films = films
        self.actors = actors
        self.my_films: list[int] = []
        self.next_film = 100_000 + seed * 10_000
        self.committed = 0
        self.rolled_back = 0
        self.error: BaseException | None = None
        self._halt = threading.Event()

    def halt(self) -> None:
        self._halt.set()

    def run(self) -> None:
        try:
            conn = self.h.connect(autocommit=False)
            while time.monotonic() < self.deadline and not self._halt.is_set():
                try:
                    with conn.cursor() as cur:
                        for _ in range(self.rng.randint(1, 4)):
                            self.operation(cur)
                        if self.rng.random() < 0.2:
                            self._stay_open(cur, others=self.rng.randint(1, 5))  # a long transaction
                    if self.rng.random() < 0.15:
                        conn.rollback()
                        self.rolled_back += 1
                    else:
                        conn.commit()
                        self.committed += 1
                except RETRYABLE:
                    conn.rollback()
                    self.rolled_back += 1
                except psycopg2.OperationalError:
                    # the server restarted under us: go on as soon as it accepts connections
                    reconnected = self._reconnect()
                    if reconnected is None:
                        break
                    conn = reconnected
            conn.close()
        except BaseException as exc:
            self.error = exc

    def _stay_open(self, cur: Any, others: int, timeout: float = 10.0) -> None:
        """Keep this transaction open until ``others`` more transactions have
        taken a transaction id since (other writers, a worker's ack), so that
        it overlaps them whatever the machine's speed; at most ``timeout``
        seconds, for a writer left alone."""
        cur.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint")
        start = int(cur.fetchone()[0])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self._halt.is_set():
            cur.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint")
            if int(cur.fetchone()[0]) - start > others:  # this transaction's own id counts once
                return
            self._halt.wait(0.02)

    def _reconnect(self) -> Any:
        """A new connection as soon as Postgres accepts one, or None once the
        writer's time is up or it was halted."""
        while time.monotonic() < self.deadline and not self._halt.is_set():
            try:
                return self.h.connect(autocommit=False)
            except psycopg2.OperationalError:
                self._halt.wait(0.05)
        return None

    def operation(self, cur: Any) -> None:
        r = self.rng
        choice = r.random()
        film = r.randint(1, self.films)
        actor = r.randint(1, self.actors)
        if choice < 0.2:
            cur.execute("UPDATE film SET title = %s WHERE film_id = %s", (f"T{self.seed}-{r.randint(0, 10**6)}", film))
        elif choice < 0.3:
            cur.execute("UPDATE actor SET last_name = %s WHERE actor_id = %s", (f"L{r.randint(0, 10**6)}", actor))
        elif choice < 0.42:
            cur.execute(
                "INSERT INTO film_actor (actor_id, film_id) VALUES (%s, %s) ON CONFLICT DO NOTHING", (actor, film)
            )
        elif choice < 0.52:
            cur.execute(
                "DELETE FROM film_actor WHERE ctid = (SELECT ctid FROM film_actor WHERE film_id = %s LIMIT 1)", (film,)
            )
        elif choice < 0.6:
            cur.execute(
                "UPDATE inventory SET film_id = %s WHERE inventory_id = (SELECT min(inventory_id) FROM inventory"
                " WHERE film_id = %s)",
                (r.randint(1, self.films), film),
            )
        elif choice < 0.66:
            cur.execute(
                "UPDATE film_category SET category_id = 1 + (category_id %% 16) WHERE film_id = %s"
                " AND NOT EXISTS (SELECT FROM film_category x WHERE x.film_id = %s"
                " AND x.category_id = 1 + (film_category.category_id %% 16))",
                (film, film),
            )
        elif choice < 0.76:
            self.next_film += 1
            new = self.next_film
            cur.execute(
                "INSERT INTO film (film_id, title, language_id) VALUES (%s, %s, %s)",
                (new, f"NEW {new}", r.randint(1, 6)),
            )
            cur.execute(
                "INSERT INTO film_actor (actor_id, film_id) VALUES (%s, %s), (%s, %s) ON CONFLICT DO NOTHING",
                (actor, new, r.randint(1, self.actors), new),
            )
            cur.execute("INSERT INTO film_category (film_id, category_id) VALUES (%s, %s)", (new, r.randint(1, 16)))
            cur.execute("INSERT INTO inventory (film_id, store_id) VALUES (%s, 1)", (new,))
            self.my_films.append(new)
        elif choice < 0.84 and self.my_films:
            old = self.my_films.pop(r.randrange(len(self.my_films)))
            self.next_film += 1
            cur.execute(
                "UPDATE film SET film_id = %s WHERE film_id = %s", (self.next_film, old)
            )  # key change, cascading
            self.my_films.append(self.next_film)
        elif choice < 0.92 and self.my_films:
            old = self.my_films.pop(r.randrange(len(self.my_films)))
            cur.execute("DELETE FROM film_actor WHERE film_id = %s", (old,))
            cur.execute("DELETE FROM film_category WHERE film_id = %s", (old,))
            cur.execute("DELETE FROM inventory WHERE film_id = %s", (old,))
            cur.execute("DELETE FROM film WHERE film_id = %s", (old,))
        elif choice < 0.95:
            cur.execute(
                "UPDATE language SET name = %s WHERE language_id = %s", (f"Lang{r.randint(0, 99)}", r.randint(1, 6))
            )
        else:
            # a set-based statement touching many rows of a through table
            cur.execute("UPDATE film_actor SET film_id = film_id WHERE actor_id = %s", (actor,))


def drained(h: Harness) -> bool:
    """The outbox is empty and the slot reconciler has read the WAL up to now."""
    lsn = h.sql("SELECT pg_current_wal_lsn()::text")[0][0]
    reconciled = h.sql(
        f'SELECT coalesce(reconciled_lsn >= %s::pg_lsn, false) FROM "{h.state_schema}".slot_state', (lsn,)
    )[0][0]
    return bool(reconciled) and h.pending() == 0
