"""Driver errors at a command's boundary become one clear message."""

from __future__ import annotations

import psycopg2.errors

from indexer.db import translate
from indexer.errors import DatabaseUnavailable, PreflightError


def test_missing_privilege_names_what_the_failing_command_needs() -> None:
    exc = psycopg2.errors.InsufficientPrivilege("permission denied for table film\nDETAIL: more")
    teardown = translate(exc, "teardown")
    assert isinstance(teardown, PreflightError)
    assert str(teardown).startswith("permission denied for table film; `indexer teardown` needs: ownership")
    run = translate(exc, "run")
    assert "`indexer run` needs: SELECT on every tracked table" in str(run)
    assert "`indexer run` needs" in str(translate(exc, "verify"))  # commands without a list of their own


def test_lost_connection_is_unavailable_not_a_crash() -> None:
    assert isinstance(translate(psycopg2.OperationalError("server closed the connection")), DatabaseUnavailable)
