"""The exceptions the indexer raises on purpose.

Every error a user can cause or fix derives from :class:`IndexerError`; the CLI
prints its message (no traceback) and exits with :attr:`IndexerError.exit_code`.
Driver exceptions (psycopg2, the search clients) are translated into these once,
where they cross into the indexer (``indexer.db``, ``indexer.search``).

::

    IndexerError
    ├── ConfigError            settings, flags, environment
    ├── SchemaError            schema.json: syntax, unknown keys, bad values
    ├── CatalogError           schema.json against the live catalog
    ├── PreflightError         server settings and privileges
    ├── NotBootstrapped        `run`/`verify` before `bootstrap`
    │   └── PlanMismatch       schema.json changed since `bootstrap`
    ├── DatabaseUnavailable    Postgres cannot be reached (transient)
    └── SearchUnavailable      the search server cannot be reached (transient)
        ├── SearchOverloaded   it timed out or answered 429: smaller requests may pass
        └── SearchRejected     the search server answered with a permanent error
"""

from __future__ import annotations


class IndexerError(Exception):
    """Base of every error the indexer reports to its user."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  hint: {self.hint}"
        return self.message


class ConfigError(IndexerError):
    """A setting, flag or environment variable is missing or invalid."""

    exit_code = 2


class SchemaError(IndexerError):
    """schema.json cannot be read, or says something the indexer cannot do.

    The message names the file and the JSON path of the offending value,
    e.g. ``schema.json: [0].nodes.children[1].relationship.type: ...``.
    """

    exit_code = 2

    def __init__(self, file: str, path: str, problem: str, *, hint: str | None = None) -> None:
        where = f"{file}: {path}" if path else file
        super().__init__(f"{where}: {problem}", hint=hint)
        self.file = file
        self.path = path
        self.problem = problem


class CatalogError(SchemaError):
    """schema.json names a table, column or key the database does not have."""


class PreflightError(IndexerError):
    """The server is not set up for the indexer (wal_level, privileges, slots)."""

    exit_code = 3


class NotBootstrapped(IndexerError):
    """The database has no indexer objects, or they belong to another schema.json."""

    exit_code = 3


class PlanMismatch(NotBootstrapped):
    """schema.json (or the tables) differ from what bootstrap installed."""


class DatabaseUnavailable(IndexerError):
    """Postgres could not be reached or dropped the connection."""

    exit_code = 4


class SearchUnavailable(IndexerError):
    """The search server could not be reached or answered with a transient error."""

    exit_code = 4


class SearchOverloaded(SearchUnavailable):
    """A request timed out or was answered 429 (too many requests): the server
    is there but slow, and sending the same large request again may never pass."""


class SearchRejected(SearchUnavailable):
    """The search server refused a request for a reason retrying will not fix."""

    exit_code = 5

    def __init__(self, message: str, *, hint: str | None = None, status: int | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status
