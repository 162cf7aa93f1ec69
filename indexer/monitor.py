"""``indexer status --watch``: one screen that refreshes, for operators.

Per database: live workers, the replication slot (active, retained WAL), and
capture triggers not firing ALWAYS; per index: backfill state and progress with
an estimate of the time left, the outbox backlog and its oldest row's age,
dead letters and the newest dead letter's reason; per database also outbox
rows captured and drained per second (Postgres's table statistics of the
outbox between two looks, which lag by up to a second).
Everything comes from the state schema, so it works from any host that can
reach Postgres, with or without a running indexer.

Drawn with rich (a maintained terminal UI library: tables, live redraw, works in
tmux and over ssh); ``--watch`` without a terminal prints one plain screen per
interval instead.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from indexer import db, locks
from indexer.install import read_installation
from indexer.settings import Settings
from indexer.state import StateStore


@dataclass
class IndexLook:
    name: str
    root_table: str
    backfill: str
    backfilled: int
    backfill_total: int | None
    pending: int
    oldest_s: float | None
    dead_letters: int
    last_dead_letter: str | None


@dataclass
class DatabaseLook:
    database: str
    at: float
    installed: bool = True
    workers: int = 0
    slot: str = ""
    slot_active: bool | None = None
    retained_bytes: int | None = None
    triggers_not_always: int = 0
    partitions: list[tuple[int, int]] = field(default_factory=list)  # (worker pid, partitions it holds)
    outbox_inserted: int = 0  # cumulative, from pg_stat_user_tables
    outbox_deleted: int = 0
    indexes: list[IndexLook] = field(default_factory=list)


def look(settings: Settings, database: str) -> DatabaseLook:
    """One reading of ``database``'s state schema."""
    found = DatabaseLook(database=database, at=time.monotonic())
    with db.connection(settings.dsn_for(database), application="indexer status", autocommit=True) as conn:
        installation = read_installation(conn, settings.state_schema)
        if installation is None:
            found.installed = False
            return found
        store = StateStore(conn, settings.state_schema)
        classid, objid = locks.split_key(locks.advisory_key(settings.state_schema, "member"))
        found.workers = int(store.value("live_workers", {"classid": classid, "objid": objid}))
        keys = [locks.split_key(locks.advisory_key(settings.state_schema, "partition", str(p)))
                for p in range(installation.partitions)]  # fmt: skip
        lock_keys = {"classids": [k[0] for k in keys], "objids": [k[1] for k in keys]}
        found.partitions = [(int(pid), int(n)) for pid, n in store.rows("partitions_by_worker", lock_keys)]
        found.slot = installation.slot_name
        slot = store.row("slot_position", {"slot": installation.slot_name})
        if slot is not None:
            found.slot_active, found.retained_bytes = bool(slot[2]), slot[3]
        states = store.rows("capture_trigger_states", {"schema": settings.state_schema})
        found.triggers_not_always = sum(count for state, count, _ in states if state != "A")
        for row in store.rows("monitor_rows"):
            found.indexes.append(IndexLook(*row))
        counters = store.row("outbox_counters", {"schema": settings.state_schema})
        assert counters is not None
        found.outbox_inserted, found.outbox_deleted = (int(v) for v in counters)
    return found


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.1f} s"
    return f"{seconds / 60:.0f} min" if seconds < 7200 else f"{seconds / 3600:.1f} h"


def _size(value: int | None) -> str:
    if value is None:
        return "-"
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1024:
            return f"{value:.0f} {unit}"
        value //= 1024
    return f"{value} TB"


def rows_for(now: DatabaseLook, before: DatabaseLook | None) -> list[list[str]]:
    """Table rows (strings) for ``now``; the backfill's ETA from its progress since ``before``."""
    previous = {i.name: i for i in before.indexes} if before else {}
    elapsed = (now.at - before.at) if before else 0.0
    out = []
    for index in now.indexes:
        was = previous.get(index.name)
        eta = "-"
        if was is not None and elapsed > 0 and index.backfill != "done" and index.backfill_total:
            rate = (index.backfilled - was.backfilled) / elapsed
            if rate > 0:
                eta = _age(max(0, index.backfill_total - index.backfilled) / rate)
        progress = f"{index.backfilled}"
        if index.backfill_total:
            progress += f" / {index.backfill_total} ({100 * index.backfilled / max(1, index.backfill_total):.0f} %)"
        out.append(
            [index.name, index.backfill, progress, eta, str(index.pending), _age(index.oldest_s),
             str(index.dead_letters), (index.last_dead_letter or "")[:50]]
        )  # fmt: skip
    return out


def rates(now: DatabaseLook, before: DatabaseLook | None) -> str:
    """Outbox rows captured and drained per second since ``before``."""
    if before is None or now.at <= before.at:
        return "captured -, drained -"
    elapsed = now.at - before.at
    captured = max(0, now.outbox_inserted - before.outbox_inserted) / elapsed
    drained = max(0, now.outbox_deleted - before.outbox_deleted) / elapsed
    return f"captured {captured:.0f}/s, drained {drained:.0f}/s"


HEADER = ["index", "backfill", "backfilled", "ETA", "backlog", "oldest", "dead", "last error"]


def render(looks: list[tuple[DatabaseLook, DatabaseLook | None]]) -> Any:
    """A rich renderable for the screen."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    parts: list[Any] = []
    for now, before in looks:
        if not now.installed:
            parts.append(Text(f"{now.database}: not bootstrapped"))
            continue
        slot = "MISSING" if now.slot_active is None else ("active" if now.slot_active else "idle")
        head = (
            f"{now.database}: {now.workers} worker(s); outbox {rates(now, before)};"
            f" slot {now.slot} {slot}, retaining {_size(now.retained_bytes)} of WAL"
        )
        if now.partitions:
            head += "\n  partitions held: " + ", ".join(f"pid {pid}: {n}" for pid, n in now.partitions)
        if now.triggers_not_always:
            head += f"; WARNING {now.triggers_not_always} capture trigger(s) not enabled ALWAYS"
        table = Table(title=head, title_justify="left", expand=False)
        for name in HEADER:
            table.add_column(name, justify="right" if name not in ("index", "backfill", "last error") else "left")
        for row in rows_for(now, before):
            table.add_row(*row)
        parts.append(table)
    return Group(*parts)


def watch(settings: Settings, databases: list[str], interval: float, *, rounds: int | None = None) -> None:
    """Redraw every ``interval`` seconds until Ctrl-C (or ``rounds`` screens)."""
    from rich.console import Console
    from rich.live import Live

    console = Console()
    if not console.is_terminal:
        console = Console(width=200)  # a log or a pipe: no terminal width to fit
    previous: dict[str, DatabaseLook] = {}
    count = 0

    def screen() -> Any:
        looks = []
        for database in databases:
            now = look(settings, database)
            looks.append((now, previous.get(database)))
            previous[database] = now
        return render(looks)

    if not console.is_terminal:
        while rounds is None or count < rounds:
            console.print(screen())
            count += 1
            if rounds is None or count < rounds:
                time.sleep(interval)
        return
    with Live(screen(), console=console, refresh_per_second=4, screen=False) as live:
        count = 1
        while rounds is None or count < rounds:
            time.sleep(interval)
            live.update(screen())
            count += 1
