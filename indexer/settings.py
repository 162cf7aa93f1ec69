"""Settings: parsed once into frozen objects and passed explicitly.

Precedence, highest first: command-line flag, its ``INDEXER_*`` environment
twin, the settings file (``indexer.toml``), PGSync's environment variable names,
built-in defaults. :func:`build_settings` is a pure function of the flag values
and an environment mapping, so it is tested without touching ``os.environ``.

PGSync names understood, so a PGSync ``.env`` works unchanged:
``SCHEMA`` (schema.json path), ``PG_URL``, ``PG_HOST``, ``PG_PORT``, ``PG_USER``,
``PG_PASSWORD``, ``PG_DATABASE``, ``PG_SSLMODE``, ``PG_SSLROOTCERT``,
``ELASTICSEARCH_URL``, ``ELASTICSEARCH_SCHEME``, ``ELASTICSEARCH_HOST``,
``ELASTICSEARCH_PORT``, ``ELASTICSEARCH_USER``, ``ELASTICSEARCH_PASSWORD``,
``ELASTICSEARCH_API_KEY_ID``, ``ELASTICSEARCH_API_KEY``,
``ELASTICSEARCH_VERIFY_CERTS``, ``ELASTICSEARCH_CA_CERTS``,
``ELASTICSEARCH_TIMEOUT``, ``ELASTICSEARCH_CHUNK_SIZE`` (bulk size),
``ELASTICSEARCH`` / ``OPENSEARCH`` (engine), ``NUM_WORKERS``.
Without any of these, libpq's own ``PGHOST``, ``PGPORT``, ... apply.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import psycopg2
from psycopg2.extensions import make_dsn, parse_dsn

from indexer.errors import ConfigError

ENGINES = ("auto", "elasticsearch", "opensearch")
_STATE_SCHEMA = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,39}$")


@dataclass(frozen=True)
class SearchSettings:
    url: str
    engine: str = "auto"
    username: str | None = None
    password: str | None = None
    api_key: str | None = None  # "id:key" or an encoded key
    verify_certs: bool = True
    ca_certs: str | None = None
    timeout: float = 30.0

    def encoded_api_key(self) -> str | None:
        """The API key as the ``Authorization: ApiKey`` header wants it:
        base64 of ``id:key`` when given in that form, else as given."""
        if not self.api_key:
            return None
        if ":" in self.api_key:
            import base64

            return base64.b64encode(self.api_key.encode()).decode()
        return self.api_key


@dataclass(frozen=True)
class Settings:
    """Everything a command needs; see ``indexer <command> --help`` for each flag.

    ``dsn`` is a libpq connection string (or URL) without a database: each
    schema.json entry's ``database`` is added to it.
    """

    schema_file: str
    dsn: str
    search: SearchSettings
    state_schema: str = "indexer"
    slot_name: str | None = None
    database: str | None = None  # overrides every schema.json "database"
    partitions: int = 32
    workers: int = 2
    batch_size: int = 1000
    backfill_page_size: int = 1000
    poll_interval: float = 0.1
    concurrent_wait: float = 1.0  # seconds a batch waits for capturing transactions in flight
    max_bulk_bytes: int = 20 * 1024 * 1024
    metrics_port: int | None = None
    progress: bool = True
    replica_identity: str = "full"  # "full" | "keep": see `indexer bootstrap --help`
    retire_after: float = 600.0  # seconds a replaced index version is kept before it is deleted

    def dsn_for(self, database: str) -> str:
        """The connection string for ``database``."""
        return str(make_dsn(self.dsn, dbname=database))

    def with_options(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def _truthy(value: str | None) -> bool | None:
    if value is None or value == "":
        return None
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"expected true or false, got {value!r}")


def postgres_dsn(flag: str | None, env: Mapping[str, str]) -> str:
    """The base connection string: the flag, else PGSync's ``PG_URL`` or
    ``PG_HOST``/``PG_PORT``/``PG_USER``/``PG_PASSWORD``/``PG_SSLMODE``/
    ``PG_SSLROOTCERT``, else empty (libpq then reads ``PGHOST`` etc. itself)."""
    if flag:
        dsn = flag
    elif env.get("PG_URL"):
        dsn = env["PG_URL"]
    else:
        parts: dict[str, str] = {}
        for name, key in (
            ("PG_HOST", "host"),
            ("PG_PORT", "port"),
            ("PG_USER", "user"),
            ("PG_PASSWORD", "password"),
            ("PG_SSLMODE", "sslmode"),
            ("PG_SSLROOTCERT", "sslrootcert"),
        ):
            if env.get(name):
                parts[key] = env[name]
        dsn = make_dsn(**parts) if parts else ""
    try:
        parse_dsn(dsn)
    except psycopg2.ProgrammingError as exc:  # the message comes from libpq
        raise ConfigError(f"invalid Postgres connection string: {str(exc).strip()}") from None
    return dsn


def search_url(flag: str | None, env: Mapping[str, str]) -> str:
    """The search URL: the flag, else ``ELASTICSEARCH_URL``, else
    ``ELASTICSEARCH_SCHEME://ELASTICSEARCH_HOST:ELASTICSEARCH_PORT``
    (defaults http, localhost, 9200)."""
    if flag:
        url = flag
    elif env.get("ELASTICSEARCH_URL"):
        url = env["ELASTICSEARCH_URL"]
    else:
        scheme = env.get("ELASTICSEARCH_SCHEME") or "http"
        host = env.get("ELASTICSEARCH_HOST") or "localhost"
        port = env.get("ELASTICSEARCH_PORT") or "9200"
        url = f"{scheme}://{host}:{port}"
    if not re.match(r"^https?://[^/\s]+", url):
        raise ConfigError(f"invalid search URL {url!r}", hint="use http(s)://host:port")
    return url.rstrip("/")


def engine_choice(flag: str | None, env: Mapping[str, str]) -> str:
    if flag:
        engine = flag.lower()
    elif _truthy(env.get("OPENSEARCH")):
        engine = "opensearch"
    elif _truthy(env.get("ELASTICSEARCH")):
        engine = "elasticsearch"
    else:
        engine = "auto"
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}", hint=f"one of {', '.join(ENGINES)}")
    return engine


def build_settings(options: Mapping[str, Any], env: Mapping[str, str]) -> Settings:
    """Settings from the command's option values (``None`` when not given) and
    the environment. Raises :class:`ConfigError` for missing or invalid values."""
    schema_file = options.get("config") or env.get("SCHEMA")
    if not schema_file:
        raise ConfigError("no schema.json given", hint="pass -c/--config schema.json or set INDEXER_CONFIG")
    verify = options.get("search_verify_certs")
    if verify is None:
        verify = _truthy(env.get("ELASTICSEARCH_VERIFY_CERTS"))
    api_key = options.get("search_api_key")
    if not api_key and env.get("ELASTICSEARCH_API_KEY"):
        key_id = env.get("ELASTICSEARCH_API_KEY_ID")
        api_key = f"{key_id}:{env['ELASTICSEARCH_API_KEY']}" if key_id else env["ELASTICSEARCH_API_KEY"]
    timeout = options.get("search_timeout")
    if timeout is None and env.get("ELASTICSEARCH_TIMEOUT"):
        timeout = _number(env["ELASTICSEARCH_TIMEOUT"], "ELASTICSEARCH_TIMEOUT", float)
    search = SearchSettings(
        url=search_url(options.get("search_url"), env),
        engine=engine_choice(options.get("engine"), env),
        username=options.get("search_user") or env.get("ELASTICSEARCH_USER") or None,
        password=options.get("search_password") or env.get("ELASTICSEARCH_PASSWORD") or None,
        api_key=api_key or None,
        verify_certs=True if verify is None else bool(verify),
        ca_certs=options.get("search_ca_certs") or env.get("ELASTICSEARCH_CA_CERTS") or None,
        timeout=float(timeout) if timeout is not None else 30.0,
    )
    state_schema = options.get("state_schema") or "indexer"
    if not _STATE_SCHEMA.match(state_schema):
        raise ConfigError(
            f"invalid state schema name {state_schema!r}",
            hint="use letters, digits and underscores, at most 40 characters",
        )
    workers = options.get("workers")
    if workers is None and env.get("NUM_WORKERS"):
        workers = _number(env["NUM_WORKERS"], "NUM_WORKERS", int)
    batch_size = options.get("batch_size")
    if batch_size is None and env.get("ELASTICSEARCH_CHUNK_SIZE"):
        batch_size = _number(env["ELASTICSEARCH_CHUNK_SIZE"], "ELASTICSEARCH_CHUNK_SIZE", int)
    settings = Settings(
        schema_file=schema_file,
        dsn=postgres_dsn(options.get("dsn"), env),
        search=search,
        state_schema=state_schema,
        slot_name=options.get("slot_name") or None,
        database=options.get("database") or None,
    )
    changes: dict[str, Any] = {}
    for name, value in (
        ("workers", workers),
        ("batch_size", batch_size),
        ("partitions", options.get("partitions")),
        ("backfill_page_size", options.get("backfill_page_size")),
        ("poll_interval", options.get("poll_interval")),
        ("metrics_port", options.get("metrics_port")),
        ("progress", options.get("progress")),
        ("replica_identity", options.get("replica_identity")),
        ("retire_after", options.get("retire_after")),
    ):
        if value is not None:
            changes[name] = value
    settings = replace(settings, **changes)
    if settings.workers < 1 or settings.batch_size < 1 or settings.partitions < 1:
        raise ConfigError("--workers, --batch-size and --partitions must be at least 1")
    if settings.partitions > 1024:
        raise ConfigError("--partitions can be at most 1024")
    return settings


def _number(value: str, name: str, kind: type) -> Any:
    try:
        return kind(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a number") from None
