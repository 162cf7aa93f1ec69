"""Settings: flags, INDEXER_* variables, the settings file, PGSync's names."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from psycopg2.extensions import parse_dsn

from indexer.errors import ConfigError
from indexer.settings import build_settings, pgsync_not_needed

ROOT = Path(__file__).resolve().parent.parent.parent


def test_pgsync_environment_names_are_understood() -> None:
    env = {
        "SCHEMA": "examples/book.json",
        "PG_HOST": "db.internal",
        "PG_PORT": "6543",
        "PG_USER": "sync",
        "PG_PASSWORD": "secret",
        "PG_SSLMODE": "require",
        "ELASTICSEARCH_SCHEME": "https",
        "ELASTICSEARCH_HOST": "search.internal",
        "ELASTICSEARCH_PORT": "9243",
        "ELASTICSEARCH_USER": "elastic",
        "ELASTICSEARCH_PASSWORD": "pw",
        "ELASTICSEARCH_VERIFY_CERTS": "false",
        "ELASTICSEARCH_CHUNK_SIZE": "500",
        "OPENSEARCH": "true",
        "NUM_WORKERS": "6",
    }
    settings = build_settings({}, env)
    assert settings.schema_file == "examples/book.json"
    params = parse_dsn(settings.dsn_for("books"))
    assert params == {"host": "db.internal", "port": "6543", "user": "sync", "password": "secret",
                      "sslmode": "require", "dbname": "books"}  # fmt: skip
    assert settings.search.url == "https://search.internal:9243"
    assert settings.search.engine == "opensearch"
    assert (settings.search.username, settings.search.password) == ("elastic", "pw")
    assert settings.search.verify_certs is False
    assert settings.batch_size == 500
    assert settings.workers == 6


def test_flags_win_over_the_environment() -> None:
    env = {"PG_URL": "postgresql://a@b/c", "ELASTICSEARCH_URL": "http://es:9200", "NUM_WORKERS": "6"}
    settings = build_settings(
        {"config": "s.json", "dsn": "host=x user=y", "search_url": "http://other:9200/", "workers": 3}, env
    )
    assert parse_dsn(settings.dsn) == {"host": "x", "user": "y"}
    assert settings.search.url == "http://other:9200"
    assert settings.workers == 3


def test_pg_url_and_libpq_defaults() -> None:
    assert build_settings({"config": "s"}, {"PG_URL": "postgresql://u@h:5/d"}).dsn == "postgresql://u@h:5/d"
    # nothing given: libpq reads PGHOST, PGPORT... itself
    assert build_settings({"config": "s"}, {}).dsn == ""
    assert build_settings({"config": "s"}, {}).search.url == "http://localhost:9200"


@pytest.mark.parametrize(
    ("options", "env", "message"),
    [
        ({}, {}, "no schema.json given"),
        ({"config": "s", "search_url": "localhost:9200"}, {}, "invalid search URL"),
        ({"config": "s", "engine": "solr"}, {}, "unknown engine 'solr'"),
        ({"config": "s"}, {"NUM_WORKERS": "many"}, "NUM_WORKERS='many' is not a number"),
        ({"config": "s", "state_schema": "bad-name"}, {}, "invalid state schema name"),
        ({"config": "s", "dsn": "host='unterminated"}, {}, "invalid Postgres connection string"),
        ({"config": "s", "workers": 0}, {}, "at least 1"),
    ],
)
def test_bad_settings_are_refused_clearly(options: dict[str, object], env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build_settings(options, env)


def run_cli(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("INDEXER_", "PG", "ELASTICSEARCH", "OPENSEARCH"))}
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "indexer", *args], cwd=cwd, env={**clean, **(env or {})}, capture_output=True, text=True,
        check=False,
    )  # fmt: skip


def test_settings_file_and_dotenv_are_read(tmp_path: Path) -> None:
    (tmp_path / "indexer.toml").write_text('search-url = "http://127.0.0.1:1"\n[status]\nstate-schema = "from_file"\n')
    (tmp_path / ".env").write_text("SCHEMA=missing-schema.json\nPG_HOST=127.0.0.1\nPG_PORT=1\n")
    result = run_cli(["status"], tmp_path)
    # SCHEMA from .env was used (the file does not exist), so settings were read in that order
    assert result.returncode == 2
    assert "missing-schema.json: file not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_explains_every_flag_and_its_environment_twin(tmp_path: Path) -> None:
    top = run_cli(["--help"], tmp_path)
    assert top.returncode == 0
    for command in ("bootstrap", "run", "teardown", "status", "verify", "dead-letters", "demo"):
        assert command in top.stdout
    run = run_cli(["run", "--help"], tmp_path)
    text_of_help = " ".join(run.stdout.split())
    for text in ("--workers", "env var: INDEXER_WORKERS", "--once", "--search-url", "env var: INDEXER_SEARCH_URL",
                 "ELASTICSEARCH_URL", "--metrics-port"):  # fmt: skip
        assert text in text_of_help, text


def test_more_pgsync_search_variables() -> None:
    cloud = "prod:" + base64.b64encode(b"eu-west-1.aws.found.io$abc123$kib456").decode()
    settings = build_settings(
        {"config": "s.json"},
        {
            "ELASTIC_CLOUD_ID": cloud,
            "ELASTICSEARCH_HTTP_AUTH": "elastic:p:w",
            "ELASTICSEARCH_BEARER_AUTH": "tok",
            "ELASTICSEARCH_CLIENT_CERT": "/certs/c.pem",
            "ELASTICSEARCH_CLIENT_KEY": "/certs/c.key",
            "ELASTICSEARCH_HTTP_COMPRESS": "true",
            "ELASTICSEARCH_MAX_CHUNK_BYTES": "1048576",
        },
    )
    search = settings.search
    assert search.url == "https://abc123.eu-west-1.aws.found.io:443"
    assert (search.username, search.password) == ("elastic", "p:w")
    assert (search.bearer_token, search.client_cert, search.client_key) == ("tok", "/certs/c.pem", "/certs/c.key")
    assert search.http_compress is True
    assert settings.max_bulk_bytes == 1048576
    ssl = build_settings({"config": "s.json"}, {"ELASTICSEARCH_HOST": "es", "ELASTICSEARCH_USE_SSL": "true"})
    assert ssl.search.url == "https://es:9200"


def test_aws_signing_from_pgsync_variables() -> None:
    hosted = build_settings({"config": "s.json"}, {"ELASTICSEARCH_AWS_HOSTED": "true", "AWS_REGION": "eu-west-1"})
    assert (hosted.search.aws_region, hosted.search.aws_service) == ("eu-west-1", "es")
    serverless = build_settings(
        {"config": "s.json"}, {"OPENSEARCH_AWS_SERVERLESS": "true", "ELASTICSEARCH_AWS_REGION": "us-east-2"}
    )
    assert (serverless.search.aws_region, serverless.search.aws_service) == ("us-east-2", "aoss")
    assert build_settings({"config": "s.json"}, {}).search.aws_region is None
    with pytest.raises(ConfigError, match="signed for AWS, but no region is set"):
        build_settings({"config": "s.json"}, {"OPENSEARCH_AWS_SERVERLESS": "true"})


def test_pgsync_variables_without_meaning_here_are_named_with_the_reason() -> None:
    env = {"REDIS_HOST": "r", "CHECKPOINT_PATH": "/tmp", "QUERY_CHUNK_SIZE": "10", "PG_HOST": "db", "HOME": "/root"}
    notes = dict(pgsync_not_needed(env))
    assert set(notes) == {"REDIS_HOST", "CHECKPOINT_PATH", "QUERY_CHUNK_SIZE"}
    assert "outbox table in Postgres" in notes["REDIS_HOST"]
    assert "state schema" in notes["CHECKPOINT_PATH"]


def test_settings_file_reaches_dead_letters_commands(tmp_path: Path) -> None:
    (tmp_path / "indexer.toml").write_text(
        'config = "from-top-level.json"\n[dead-letters]\nsearch-url = "http://127.0.0.1:1"\n'
        '[dead-letters.requeue]\nconfig = "from-requeue-section.json"\n'
    )
    listed = run_cli(["dead-letters", "list"], tmp_path)
    assert listed.returncode == 2 and "from-top-level.json: file not found" in listed.stderr
    requeued = run_cli(["dead-letters", "requeue"], tmp_path)
    assert requeued.returncode == 2 and "from-requeue-section.json: file not found" in requeued.stderr
    (tmp_path / "indexer.toml").write_text("[dead-letter]\nlimit = 3\n")
    typo = run_cli(["dead-letters", "list"], tmp_path)
    assert typo.returncode != 0 and "unknown section [dead-letter]" in typo.stderr
