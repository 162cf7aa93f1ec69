"""A search server that accepts ``_bulk`` requests and discards them.

It stands in for a cluster far faster than this machine, so a benchmark can
measure the pipeline's own ceiling. It answers ``GET /`` as OpenSearch 2, keeps
indexes (create, exists, delete), their mappings' ``_meta`` and their aliases,
which versioned indexes check before every swap, counts the actions it received (readable
at ``GET /_sink/stats``) and answers every bulk request with
``{"took": 0, "errors": false}`` with a status 200 item per action (every item
an ``index`` one: nobody reads the kind of a successful item). Run it as ``python -m loadtest.sink``: it
prints its URL as JSON and exits when its stdin closes.
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import urllib3

ROOT = {
    "name": "sink",
    "cluster_name": "sink",
    "version": {"distribution": "opensearch", "number": "2.17.0"},
    "tagline": "The OpenSearch Project: https://opensearch.org/",
}


ITEM = b'{"index":{"status":200}}'
# What every action line holds, once: its target index ("_index"), which the
# indexer's bodies and the bulk helpers PGSync uses always name (first, or
# after "_id"). Counting one pattern is one pass over the body (~0.5 ms for
# 2 MB here); counting index and delete actions apart was two, most of the
# sink's CPU per request.
ACTION = b'"_index":'


class Sink:
    def __init__(self) -> None:
        self.indexes: dict[str, dict[str, Any]] = {}  # name -> its mappings ("_meta" kept) and aliases
        self.actions = 0
        self.bytes = 0
        self.requests = 0
        self.lock = threading.Lock()

    def record_bulk(self, body: bytes) -> int:
        """Count one bulk request (uncompressed ``body``); its actions."""
        actions = body.count(ACTION)
        with self.lock:
            self.requests += 1
            self.bytes += len(body)
            self.actions += actions
        return actions

    def stats(self) -> dict[str, int]:
        return {"actions": self.actions, "bytes": self.bytes, "requests": self.requests}


class QuietHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive, no access log, no Nagle delay."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *_args: Any) -> None:
        return

    def setup(self) -> None:
        super().setup()
        # Answer without waiting for Nagle and delayed ACKs (a 40 ms stall per request otherwise).
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def body(self) -> bytes:
        """The request body, uncompressed (PGSync gzips its requests)."""
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        return gzip.decompress(body) if body and self.headers.get("Content-Encoding") == "gzip" else body


def make_handler(sink: Sink) -> type[BaseHTTPRequestHandler]:  # noqa: C901 - one route table
    class Handler(QuietHandler):
        def reply(self, status: int, payload: Any) -> None:
            self.reply_raw(status, json.dumps(payload).encode())

        def reply_raw(self, status: int, data: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _named(self, name: str) -> list[str]:
            """The indexes ``name`` stands for: itself, or those carrying it as an alias."""
            if name in sink.indexes:
                return [name]
            return [n for n, e in sink.indexes.items() if name in e["aliases"]]

        def handle_any(self) -> None:
            body = self.body()
            path = self.path.split("?", 1)[0].strip("/")
            parts = path.split("/") if path else []
            if not parts:
                self.reply(200, ROOT)
            elif parts[-1] == "_bulk":
                actions = sink.record_bulk(body)
                # every item's outcome, as an engine answers (PGSync's bulk helpers read them),
                # joined from fixed bytes: the sink stands in for a cluster on other machines,
                # so it should take as little of this machine's CPU as it can
                items = b",".join([ITEM] * actions)
                self.reply_raw(200, b'{"took":0,"errors":false,"items":[' + items + b"]}")
            elif parts == ["_sink", "stats"]:
                self.reply(200, sink.stats())
            elif parts == ["_aliases"]:
                with sink.lock:
                    for action in json.loads(body or b"{}").get("actions", []):
                        for verb, spec in action.items():
                            entry = sink.indexes.get(spec.get("index"))
                            if entry is not None:
                                (entry["aliases"].add if verb == "add" else entry["aliases"].discard)(spec["alias"])
                self.reply(200, {"acknowledged": True})
            elif len(parts) == 2 and parts[0] == "_alias":
                found: dict[str, Any] = {
                    n: {"aliases": {parts[1]: {}}} for n, e in sink.indexes.items() if parts[1] in e["aliases"]
                }
                self.reply(200 if found else 404, found)
            elif len(parts) == 2 and parts[1] == "_mapping":
                named = self._named(parts[0])
                self.reply(200 if named else 404, {n: {"mappings": sink.indexes[n]["mappings"]} for n in named})
            elif len(parts) == 1 and not parts[0].startswith("_"):
                name = parts[0]
                if self.command == "PUT":
                    created = json.loads(body or b"{}")
                    with sink.lock:
                        sink.indexes[name] = {"mappings": created.get("mappings") or {},
                                              "aliases": set(created.get("aliases") or {})}  # fmt: skip
                    self.reply(200, {"acknowledged": True, "index": name})
                elif self.command == "DELETE":
                    sink.indexes.pop(name, None)
                    self.reply(200, {"acknowledged": True})
                else:
                    self.reply(200 if self._named(name) else 404, {})
            elif len(parts) == 2 and parts[1] == "_count":
                self.reply(200, {"count": 0})
            else:
                self.reply(200, {})

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any  # noqa: N815 - http.server names

    return Handler


def make_forwarder(sink: Sink, upstream: str, trace: Any = None) -> type[BaseHTTPRequestHandler]:
    """A handler that passes every request to ``upstream`` unchanged and counts
    the actions of the ``_bulk`` requests it answered 200, so a benchmark can
    tell when a tool has written its documents without reading the engine
    (a search or refresh between writes slows osmem's next write by about a
    second). With ``trace`` (a text file) it writes a line per request: time
    since start, method, path, actions, bytes, status and seconds taken."""
    pool = urllib3.PoolManager(maxsize=16)
    origin = time.monotonic()

    class Forwarder(QuietHandler):
        def handle_any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""  # forwarded as it came, compressed or not
            skip = {"host", "content-length", "connection", "transfer-encoding"}
            headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
            started = time.monotonic()
            answer = pool.request(self.command, upstream + self.path, body=body or None, headers=headers,
                                  retries=False, timeout=urllib3.Timeout(total=600), preload_content=True)  # fmt: skip
            took = time.monotonic() - started
            actions = 0
            if self.path.split("?", 1)[0].endswith("/_bulk") and answer.status == 200:
                actions = sink.record_bulk(
                    gzip.decompress(body) if self.headers.get("Content-Encoding") == "gzip" else body
                )
            if trace is not None:
                with sink.lock:
                    trace.write(
                        f"{started - origin:9.3f} {self.command:6} {self.path[:60]:60} {actions:6} {len(body):9} {answer.status} {took:.3f}\n"
                    )
                    trace.flush()
            if self.path == "/_sink/stats":
                data = json.dumps(sink.stats()).encode()
                status, content_type = 200, "application/json"
            else:
                data, status = answer.data, answer.status
                content_type = answer.headers.get("Content-Type", "application/json")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any  # noqa: N815 - http.server names

    return Forwarder


def main() -> None:
    """``python -m loadtest.sink [UPSTREAM]``: the discarding sink, or with an
    upstream URL a counting proxy in front of that server."""
    sink = Sink()
    trace = open(os.environ["SINK_TRACE"], "a") if os.environ.get("SINK_TRACE") else None  # noqa: SIM115
    handler = make_forwarder(sink, sys.argv[1].rstrip("/"), trace) if len(sys.argv) > 1 else make_handler(sink)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps({"url": f"http://127.0.0.1:{server.server_address[1]}"}), flush=True)
    sys.stdin.read()  # exit when the parent closes our stdin
    server.shutdown()


if __name__ == "__main__":
    main()
