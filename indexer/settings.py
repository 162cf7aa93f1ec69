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
    bearer_token: str | None = None
    client_cert: str | None = None  # PEM file of a TLS client certificate
    client_key: str | None = None  # its key
    http_compress: bool = False
    aws_region: str | None = None  # set: requests are signed with AWS SigV4 for this region
    aws_service: str = "es"  # "es" (OpenSearch Service) or "aoss" (OpenSearch Serverless)

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
    # Outbox rows per batch. 2000 drained 20,000 committed updates 1.5x as fast as 1000 on this
    # box (a batch's fixed statements and round trips are paid half as often); PGSync 7.3 sends
    # 5000 documents per bulk request by default (ELASTICSEARCH_CHUNK_SIZE).
    batch_size: int = 2000
    backfill_page_size: int | None = None  # None: pages of about 1 MiB of documents
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


def cloud_id_url(cloud_id: str) -> str:
    """The Elasticsearch URL an Elastic Cloud id stands for: ``name:base64``
    where the base64 holds ``host[:port]$es_uuid$kibana_uuid``
    (https://www.elastic.co/guide/en/cloud/current/ec-cloud-id.html)."""
    import base64
    import binascii

    _, _, encoded = cloud_id.rpartition(":")
    try:
        host, es_uuid, *_ = base64.b64decode(encoded + "=" * (-len(encoded) % 4)).decode().split("$")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ConfigError(f"cannot read the Elastic Cloud id {cloud_id!r}") from None
    host, _, port = host.partition(":")
    if not host or not es_uuid:
        raise ConfigError(f"cannot read the Elastic Cloud id {cloud_id!r}")
    return f"https://{es_uuid}.{host}:{port or 443}"


def aws_signing(options: Mapping[str, Any], env: Mapping[str, str]) -> tuple[str | None, str]:
    """``(region, service)`` when requests are to be signed with AWS SigV4: the
    flags, or PGSync's ``ELASTICSEARCH_AWS_HOSTED``/``OPENSEARCH_AWS_HOSTED``
    (service ``es``) or ``OPENSEARCH_AWS_SERVERLESS`` (``aoss``) with
    ``ELASTICSEARCH_AWS_REGION`` (or ``AWS_REGION``). Raises
    :class:`ConfigError` when signing is asked for without a region."""
    service = options.get("search_aws_service")
    region = options.get("search_aws_region")
    if not service:
        if _truthy(env.get("OPENSEARCH_AWS_SERVERLESS")):
            service = "aoss"
        elif _truthy(env.get("ELASTICSEARCH_AWS_HOSTED")) or _truthy(env.get("OPENSEARCH_AWS_HOSTED")):
            service = "es"
    if service and not region:
        region = (
            env.get("ELASTICSEARCH_AWS_REGION")
            or env.get("OPENSEARCH_AWS_REGION")
            or env.get("AWS_REGION")
            or env.get("AWS_DEFAULT_REGION")
        )
        if not region:
            raise ConfigError(
                "requests are to be signed for AWS, but no region is set",
                hint="set ELASTICSEARCH_AWS_REGION (or --search-aws-region)",
            )
    return region or None, service or "es"


def search_settings(options: Mapping[str, Any], env: Mapping[str, str]) -> SearchSettings:
    """The search server settings: flags, then PGSync's variables
    (``ELASTICSEARCH_*``, ``ELASTIC_CLOUD_ID``). Raises :class:`ConfigError`."""
    aws_region, aws_service = aws_signing(options, env)
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
    username = options.get("search_user") or env.get("ELASTICSEARCH_USER") or None
    password = options.get("search_password") or env.get("ELASTICSEARCH_PASSWORD") or None
    pair = env.get("ELASTICSEARCH_HTTP_AUTH") or env.get("ELASTICSEARCH_BASIC_AUTH")
    if not username and pair:
        username, _, password = pair.partition(":")
    url_flag = options.get("search_url")
    cloud_id = env.get("ELASTIC_CLOUD_ID") or env.get("ELASTICSEARCH_CLOUD_ID")
    if not url_flag and not env.get("ELASTICSEARCH_URL") and cloud_id:
        url_flag = cloud_id_url(cloud_id)
    if not url_flag and not env.get("ELASTICSEARCH_SCHEME") and _truthy(env.get("ELASTICSEARCH_USE_SSL")):
        env = {**env, "ELASTICSEARCH_SCHEME": "https"}
    return SearchSettings(
        url=search_url(url_flag, env),
        engine=engine_choice(options.get("engine"), env),
        username=username,
        password=password or None,
        api_key=api_key or None,
        verify_certs=True if verify is None else bool(verify),
        ca_certs=options.get("search_ca_certs") or env.get("ELASTICSEARCH_CA_CERTS") or None,
        timeout=float(timeout) if timeout is not None else 30.0,
        bearer_token=options.get("search_bearer_token") or env.get("ELASTICSEARCH_BEARER_AUTH") or None,
        client_cert=options.get("search_client_cert") or env.get("ELASTICSEARCH_CLIENT_CERT") or None,
        client_key=options.get("search_client_key") or env.get("ELASTICSEARCH_CLIENT_KEY") or None,
        http_compress=bool(_truthy(env.get("ELASTICSEARCH_HTTP_COMPRESS"))),
        aws_region=aws_region,
        aws_service=aws_service,
    )


def build_settings(options: Mapping[str, Any], env: Mapping[str, str]) -> Settings:
    """Settings from the command's option values (``None`` when not given) and
    the environment. Raises :class:`ConfigError` for missing or invalid values."""
    schema_file = options.get("config") or env.get("SCHEMA")
    if not schema_file:
        raise ConfigError("no schema.json given", hint="pass -c/--config schema.json or set INDEXER_CONFIG")
    search = search_settings(options, env)
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
    max_bulk_bytes = None
    if env.get("ELASTICSEARCH_MAX_CHUNK_BYTES"):
        max_bulk_bytes = _number(env["ELASTICSEARCH_MAX_CHUNK_BYTES"], "ELASTICSEARCH_MAX_CHUNK_BYTES", int)
    dsn = postgres_dsn(options.get("dsn"), env)
    parts = {k: str(options[f"pg_{k}"]) for k in ("host", "port", "user", "password") if options.get(f"pg_{k}")}
    if parts:
        dsn = str(make_dsn(dsn, **parts))
    settings = Settings(
        schema_file=schema_file,
        dsn=dsn,
        search=search,
        state_schema=state_schema,
        slot_name=options.get("slot_name") or None,
        database=options.get("database") or None,
    )
    changes: dict[str, Any] = {}
    for name, value in (
        ("workers", workers),
        ("batch_size", batch_size),
        ("max_bulk_bytes", max_bulk_bytes),
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


_BUILT_BY_SQL = "documents are built by one SQL query per batch, not by chunked queries"
_ONE_REQUEST = "each worker has one bulk request in flight; scale with --workers (INDEXER_WORKERS)"
_RETRIED = (
    "a failed request is retried with capped backoff until it succeeds, and a document the engine"
    " rejects goes to the dead letters table"
)
_LOGGING = "logging is set with --log-level and --log-format (INDEXER_LOG_LEVEL, INDEXER_LOG_FORMAT)"

# PGSync variables that mean nothing here, with the reason (reported once at start-up).
PGSYNC_NOT_NEEDED: dict[str, str] = {
    "CHECKPOINT_PATH": "progress is kept in the state schema (slot position, backfill chunks), not in a file",
    "QUERY_CHUNK_SIZE": "backfill pages are --backfill-page-size (INDEXER_BACKFILL_PAGE_SIZE)",
    "POLL_TIMEOUT": "workers poll the outbox every --poll-interval (INDEXER_POLL_INTERVAL)",
    "REPLICATION_SLOT_CLEANUP_INTERVAL": "the slot is advanced after every reconciliation pass",
    "LOG_INTERVAL": "progress is shown by `indexer status` and the metrics (--metrics-port)",
    "BLOCK_SIZE": "backfill pages follow the root key, not ctid blocks",
    "FILTER_CHUNK_SIZE": _BUILT_BY_SQL,
    "JOIN_QUERIES": _BUILT_BY_SQL,
    "USE_ASYNC": _ONE_REQUEST,
    "ELASTICSEARCH_THREAD_COUNT": _ONE_REQUEST,
    "ELASTICSEARCH_QUEUE_SIZE": _ONE_REQUEST,
    "ELASTICSEARCH_STREAMING_BULK": _ONE_REQUEST,
    "ELASTICSEARCH_MAX_RETRIES": _RETRIED,
    "ELASTICSEARCH_INITIAL_BACKOFF": _RETRIED,
    "ELASTICSEARCH_MAX_BACKOFF": _RETRIED,
    "ELASTICSEARCH_RAISE_ON_EXCEPTION": _RETRIED,
    "ELASTICSEARCH_RAISE_ON_ERROR": _RETRIED,
    "ELASTICSEARCH_SSL_SHOW_WARN": "certificates are checked unless ELASTICSEARCH_VERIFY_CERTS=false",
    "CONSOLE_LOGGING_HANDLER_MIN_LEVEL": _LOGGING,
    "GENERAL_LOGGING_LEVEL": _LOGGING,
    "LOG_HANDLERS": _LOGGING,
    "CUSTOM_LOGGING": _LOGGING,
    "PG_DRIVER": "the indexer reads PostgreSQL only, through psycopg2",
}
_REDIS = "changes wait in the outbox table in Postgres; Redis is not used"


def pgsync_not_needed(env: Mapping[str, str]) -> list[tuple[str, str]]:
    """``(name, reason)`` for every PGSync variable set in ``env`` that has no
    meaning here, in name order, so none is silently ignored."""
    out = []
    for name in sorted(env):
        if name in PGSYNC_NOT_NEEDED:
            out.append((name, PGSYNC_NOT_NEEDED[name]))
        elif name.startswith("REDIS_"):
            out.append((name, _REDIS))
    return out
