"""Read-your-writes for applications: wait until committed changes are searchable.

Usage, right after the application's transaction has committed::

    from indexer.consistency import wait_searchable
    if not wait_searchable(conn, "pagila_film", timeout=5.0):
        ...  # not yet searchable after 5 s

It calls the state schema's SQL function ``wait_searchable(index, timeout)``,
which any client can call directly. The guarantee: when it returns true, every
change committed before the call, on a table the index reads, that fired the
capture triggers, is in the live index and visible to searches (the workers
refresh the index before acknowledging while someone waits; nobody waiting, no
refresh is forced). Changes that bypassed the triggers are found later by the
slot reconciler and are not waited for.
"""

from __future__ import annotations

from typing import Any

import psycopg2.extensions

from indexer.state import StateStore


def wait_searchable(conn: Any, index: str, *, timeout: float = 10.0, state_schema: str = "indexer") -> bool:
    """True once everything committed before the call is searchable in
    ``index`` (the alias schema.json names), False after ``timeout`` seconds.

    ``conn`` is a psycopg2 connection to the database of the change, not inside
    a transaction (call it after commit). Raises :class:`ValueError` otherwise.
    """
    if conn.info.transaction_status != psycopg2.extensions.TRANSACTION_STATUS_IDLE:
        raise ValueError("wait_searchable() needs a connection outside a transaction: commit first")
    done = StateStore(conn, state_schema).flag("wait_searchable", {"index": index, "timeout": timeout})
    if not conn.autocommit:
        conn.commit()  # end the transaction the call opened; it wrote nothing
    return bool(done)
