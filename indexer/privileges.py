"""What each command needs from Postgres, in words for error messages (the
checks themselves are in :mod:`indexer.preflight`)."""

from __future__ import annotations

RUN_PRIVILEGES = (
    "SELECT on every tracked table",
    "USAGE on the state schema; SELECT, INSERT, UPDATE, DELETE on its tables; USAGE on its sequences",
    "the REPLICATION attribute (to read and advance the replication slot)",
)


TEARDOWN_PRIVILEGES = (
    "ownership of every table with capture triggers (or superuser)",
    "ownership of the state schema and of the publication",
    "superuser, if bootstrap installed the event trigger",
    "the REPLICATION attribute (to drop the replication slot)",
)

PRIVILEGES_BY_COMMAND = {"run": RUN_PRIVILEGES, "teardown": TEARDOWN_PRIVILEGES}
