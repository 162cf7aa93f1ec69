"""Advisory lock keys: pure functions, imported by the SQL generators and the
pipeline alike (PostgreSQL advisory locks take one signed 64-bit key, shown in
``pg_locks`` as two 32-bit halves; see "Advisory Lock Functions" in the
PostgreSQL documentation)."""

from __future__ import annotations

import hashlib


def advisory_key(*parts: str) -> int:
    """A signed 64-bit advisory lock key derived from ``parts``."""
    digest = hashlib.sha256("\x00".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def split_key(key: int) -> tuple[int, int]:
    """How ``pg_locks`` shows a bigint advisory key: (classid, objid) as oids."""
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    return unsigned >> 32, unsigned & 0xFFFFFFFF
