"""An HTTP proxy in front of the test search server that lets through only
requests carrying the ``Authorization`` header it expects (401 otherwise), so
the credentials the indexer sends are checked on the wire, not assumed. It can
also stand in for ingest pipelines, which the test server lacks: a bulk
request naming a known pipeline has its documents rewritten by it on the way."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

Pipeline = Callable[[dict[str, Any]], dict[str, Any]]
Check = Callable[[str, str, Any, bytes | None], bool]  # (method, path, headers, body) -> authorized


def sigv4_check(access_key: str, secret_key: str, region: str, service: str) -> Check:
    """A check that recomputes each request's AWS SigV4 signature with botocore
    from the request as received (its signed headers, its X-Amz-Date) and the
    known secret, and accepts only an exact match for this key, region and
    service."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    signer = SigV4Auth(Credentials(access_key, secret_key), service, region)
    scope = f"/{region}/{service}/aws4_request"

    def check(method: str, path: str, headers: Any, body: bytes | None) -> bool:
        header = headers.get("Authorization") or ""
        if not header.startswith("AWS4-HMAC-SHA256 "):
            return False
        fields = dict(part.strip().split("=", 1) for part in header.removeprefix("AWS4-HMAC-SHA256 ").split(","))
        if not (fields.get("Credential", "").startswith(access_key + "/") and fields["Credential"].endswith(scope)):
            return False
        signed = fields["SignedHeaders"].split(";")
        request = AWSRequest(
            method=method, url=f"http://{headers['Host']}{path}", data=body or b"",
            headers={name: headers[name] for name in signed},
        )  # fmt: skip
        request.context["timestamp"] = headers["X-Amz-Date"]
        canonical = signer.canonical_request(request)
        return bool(fields["Signature"] == signer.signature(signer.string_to_sign(request, canonical), request))

    return check


def _through_pipeline(path: str, body: bytes | None, pipelines: dict[str, Pipeline]) -> tuple[str, bytes | None]:
    """A ``_bulk`` request naming a known pipeline, with that pipeline applied
    to its documents and the parameter removed; any other request unchanged."""
    parts = urlsplit(path)
    query = dict(parse_qsl(parts.query))
    name = query.get("pipeline")
    if body is None or not parts.path.endswith("_bulk") or name not in pipelines:
        return path, body
    del query["pipeline"]
    lines = body.decode().splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        action = json.loads(lines[i])
        out.append(lines[i])
        if "index" in action or "create" in action:
            out.append(json.dumps(pipelines[name](json.loads(lines[i + 1]))))
            i += 1
        i += 1
    return parts.path + ("?" + urlencode(query) if query else ""), ("\n".join(out) + "\n").encode()


class AuthProxy:
    """``AuthProxy(upstream, "Bearer abc")``; ``url`` to point the indexer at;
    ``accepted``/``refused`` count the requests; ``close()`` stops it. A
    ``check`` sees the request's headers with ``X-Client-Port`` added (the
    sender's port, to find the process that sent it)."""

    def __init__(
        self,
        upstream: str,
        expected: str | None,
        pipelines: dict[str, Pipeline] | None = None,
        check: Check | None = None,
        delay: Callable[[bytes | None], float] | None = None,
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.expected = expected  # None: no Authorization header required
        self.check = check  # or a function that decides
        self.delay = delay  # seconds to stall a request before passing it on (a slow engine), by its body
        self.pipelines = pipelines or {}
        self.closing = threading.Event()
        self.accepted = 0
        self.refused = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                refused = proxy.expected is not None and self.headers.get("Authorization") != proxy.expected
                # which connection the request came by, for a check that looks for its sender (never forwarded)
                self.headers["X-Client-Port"] = str(self.client_address[1])
                if proxy.check is not None and not proxy.check(self.command, self.path, self.headers, body):
                    refused = True
                if refused:
                    proxy.refused += 1
                    self.reply(401, b'{"error":{"type":"security_exception","reason":"bad credentials"},"status":401}')
                    return
                proxy.accepted += 1
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")}
                if proxy.delay is not None:
                    # the slow engine being simulated; a proxy closing ends the stall at once
                    proxy.closing.wait(proxy.delay(body))
                path, body = _through_pipeline(self.path, body, proxy.pipelines)
                request = urllib.request.Request(proxy.upstream + path, data=body, method=self.command, headers=headers)
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
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()
