"""An HTTP proxy in front of the test search server that lets through only
requests carrying the ``Authorization`` header it expects (401 otherwise), so
the credentials the indexer sends are checked on the wire, not assumed."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class AuthProxy:
    """``AuthProxy(upstream, "Bearer abc")``; ``url`` to point the indexer at;
    ``accepted``/``refused`` count the requests; ``close()`` stops it."""

    def __init__(self, upstream: str, expected: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.expected = expected
        self.accepted = 0
        self.refused = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if self.headers.get("Authorization") != proxy.expected:
                    proxy.refused += 1
                    self.reply(401, b'{"error":{"type":"security_exception","reason":"bad credentials"},"status":401}')
                    return
                proxy.accepted += 1
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")}
                request = urllib.request.Request(
                    proxy.upstream + self.path, data=body, method=self.command, headers=headers
                )
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        self.reply(response.status, response.read(), response.headers.get("Content-Type"))
                except urllib.error.HTTPError as exc:
                    self.reply(exc.code, exc.read(), exc.headers.get("Content-Type"))

            def reply(self, status: int, data: bytes, content_type: str | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type or "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = forward  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
