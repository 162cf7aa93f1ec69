"""A small HTTP proxy in front of osmem, for two jobs the real server cannot do:

* **look like Elasticsearch 8.** osmem answers as OpenSearch, which makes the
  indexer pick opensearch-py, and (like OpenSearch) it refuses Elasticsearch's
  ``compatible-with`` media types on some requests. In ``elasticsearch`` mode
  the proxy reports an Elasticsearch 8 version on ``GET /``, accepts only the
  media types a real 8.x server accepts (plain JSON or ``compatible-with`` 7/8,
  as 8.x refuses 9), rewrites them to plain JSON for osmem, and records what it
  saw so tests can check the official client's headers;
* **go away.** :meth:`down` closes the listening socket (clients get
  "connection refused"), :meth:`up` listens again on the same port; osmem and
  its data stay untouched, like a cluster restart.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import socket
import threading
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from loadtest.sink import QuietHandler

_COMPAT = re.compile(r"application/vnd\.elasticsearch\+(json|x-ndjson);\s*compatible-with=(\d+)")


def _as_elasticsearch_8(headers: dict[str, str]) -> str | None:
    """What an Elasticsearch 8 server says about the versioned media types in
    ``headers``: an error for a version it refuses, else None after turning
    them into plain ones (``headers`` is changed in place) for the upstream."""
    for name in ("Accept", "Content-Type"):
        found = headers.get(name) or headers.get(name.lower())
        if not found:
            continue
        match = _COMPAT.search(found)
        if match and match.group(2) not in ("7", "8"):
            return f"{name} version must be either version 8 or 7, but found {match.group(2)}"
        for key in (name, name.lower()):
            if key in headers:
                headers[key] = _COMPAT.sub(r"application/\1", headers[key])
    return None


ES_ROOT = {
    "name": "proxy-node",
    "cluster_name": "proxy",
    "cluster_uuid": "proxy",
    "version": {
        "number": "8.15.0",
        "build_flavor": "default",
        "build_type": "docker",
        "lucene_version": "9.11.1",
        "minimum_wire_compatibility_version": "7.17.0",
        "minimum_index_compatibility_version": "7.0.0",
    },
    "tagline": "You Know, for Search",
}


class SearchProxy:
    def __init__(self, upstream: str, *, mode: str = "passthrough") -> None:
        self.upstream = urlsplit(upstream)
        self.mode = mode
        self.seen_media_types: set[str] = set()
        self.requests = 0
        self.bulk_actions = 0  # index and delete actions received in bulk requests
        self._server: ThreadingHTTPServer | None = None
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.up()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def up(self) -> None:
        proxy = self

        class Handler(QuietHandler):
            def setup(self) -> None:
                super().setup()
                with proxy._lock:
                    proxy._connections.add(self.request)

            def finish(self) -> None:
                with proxy._lock:
                    proxy._connections.discard(self.request)
                super().finish()

            def _handle(self) -> None:
                proxy.requests += 1
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if body and self.path.split("?")[0].endswith("_bulk"):
                    proxy.bulk_actions += body.count(b'{"index":') + body.count(b'{"delete":')
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                for key, value in headers.items():
                    if key.lower() in ("accept", "content-type"):
                        proxy.seen_media_types.add(value)
                if proxy.mode == "elasticsearch":
                    refusal = _as_elasticsearch_8(headers)
                    if refusal:
                        self._reply(400, {"error": refusal})
                        return
                    if self.command == "GET" and self.path in ("/", ""):
                        self._reply(200, ES_ROOT)
                        return
                upstream = http.client.HTTPConnection(proxy.upstream.hostname or "", proxy.upstream.port, timeout=60)
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    response = upstream.getresponse()
                    data = response.read()
                    self.send_response(response.status)
                    for key, value in response.getheaders():
                        if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                            self.send_header(key, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                finally:
                    upstream.close()

            def _reply(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("X-Elastic-Product", "Elasticsearch")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle  # noqa: N815 - http.server names

        class Server(ThreadingHTTPServer):
            allow_reuse_address = True
            daemon_threads = True

        self._server = Server(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def down(self) -> None:
        """Stop listening and cut every open connection, like a server going away."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self._lock:
            for connection in list(self._connections):
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
            self._connections.clear()

    def close(self) -> None:
        self.down()


class TcpProxy:
    """A plain TCP forwarder to ``127.0.0.1:upstream_port`` (Postgres, say)
    that can go away: :meth:`down` stops listening and cuts every connection,
    :meth:`up` listens again on the same port."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.upstream_port))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update((client, server))
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, target), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def down(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()

    def close(self) -> None:
        self.down()
