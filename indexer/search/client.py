"""What the two engine adapters share: error translation, exact-decimal
parsing and the scroll loop. Each adapter supplies only the calls of its own
client library."""

from __future__ import annotations

import contextlib
import functools
import json
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, TypeVar

import orjson

from indexer.errors import SearchOverloaded, SearchRejected, SearchUnavailable
from indexer.search.store import ServerInfo
from indexer.settings import SearchSettings

T = TypeVar("T")

# What the indexer asks back from a bulk request: per item only its status,
# id and error, never the whole result object.
BULK_FILTER = "took,errors,items.*.status,items.*._id,items.*.error"
SCROLL = "2m"


# A bulk reply in which every item succeeded, as the engines write it under
# BULK_FILTER: compact, with "errors" (true when any item failed) as its first
# key, or second after "took" (Elasticsearch and OpenSearch keep that order;
# osmem-server sorts keys). Its items are never read (bulk.classify reads them
# only when "errors" is true), so they are not parsed: with Python's json
# module that was about half of the client's CPU per bulk request in a backfill
# (2,500 items: 1.5 ms of 3 ms, cProfile against loadtest/sink.py).
_BULK_OK = re.compile(rb'\{(?:"took":\d+,)?"errors":false[,}]')


def loads_response(data: str | bytes) -> Any:
    """A response body as JSON, parsed with orjson (with Python's json module
    for what orjson refuses, such as integers beyond 64 bits); a successful
    bulk reply (see ``_BULK_OK``) as ``{"errors": False}`` without its items.
    An empty body is ``None``. Raises ``ValueError`` on invalid JSON."""
    raw = data.encode() if isinstance(data, str) else data
    if not raw:
        return None
    if _BULK_OK.match(raw) is not None and raw.endswith(b"}"):
        return {"errors": False}
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)


def loads_exact(data: str | bytes) -> Any:
    """JSON with decimals kept exact (for comparing documents)."""
    return json.loads(data, parse_float=Decimal)


def error_message(exc: Exception) -> str:
    """The engine's reason for an error response, else the exception's text."""
    info = getattr(exc, "info", None) or getattr(exc, "body", None)
    if isinstance(info, dict):
        error = info.get("error", info)
        if isinstance(error, dict):
            return str(error.get("reason") or error.get("type") or error)
        return str(error)
    return str(getattr(exc, "message", None) or exc)


def reason(exc: BaseException) -> str:
    text = str(getattr(exc, "reason", None) or exc)
    return text.split(": ", 1)[-1] if "Errno" in text else text


class ClientStore:
    """Base of the adapters: ``self._client`` is the library's client,
    every call goes through :meth:`_call`, which translates its errors."""

    def __init__(self, settings: SearchSettings, info: ServerInfo, *, exact_numbers: bool = False) -> None:
        self.settings = settings
        self.info = info
        self._client = self._make_client(exact_numbers)

    def _make_client(self, exact_numbers: bool) -> Any:
        raise NotImplementedError

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - translated below, per client family
            raise self._translate(what, exc) from None

    def _translate(self, what: str, exc: Exception) -> Exception:
        status = getattr(exc, "status_code", None)
        if status is None:
            meta = getattr(exc, "meta", None)
            status = getattr(meta, "status", None)
        if isinstance(status, int) and status > 0:
            message = error_message(exc)
            if status in (401, 403):
                return SearchRejected(
                    f"{what}: the search server at {self.settings.url} refused the credentials (HTTP {status})",
                    hint="set --search-user/--search-password or --search-api-key",
                    status=status,
                )
            if status == 429:
                return SearchOverloaded(f"{what}: the search server answered HTTP 429: {message}")
            if status >= 500:
                return SearchUnavailable(f"{what}: the search server answered HTTP {status}: {message}")
            return SearchRejected(
                f"{what}: the search server refused the request (HTTP {status}): {message}", status=status
            )
        name = type(exc).__name__
        if "Timeout" in name:
            return SearchOverloaded(
                f"{what}: the search server at {self.settings.url} did not answer within"
                f" {self.settings.timeout:g} s: {reason(exc)}",
                hint="a slow or overloaded server: requests are made smaller; --search-timeout sets the limit",
            )
        if "Connection" in name or "Transport" in name or isinstance(exc, OSError):
            return SearchUnavailable(
                f"{what}: cannot reach the search server at {self.settings.url}: {reason(exc)}",
                hint="check --search-url (or ELASTICSEARCH_URL / ELASTICSEARCH_HOST) and that the server is running",
            )
        return exc

    # -- the scroll, shared ---------------------------------------------------------

    def _scroll_start(self, name: str, query: dict[str, Any]) -> Any:
        raise NotImplementedError

    def _scroll_next(self, scroll_id: str) -> Any:
        raise NotImplementedError

    def _scroll_clear(self, scroll_id: str) -> None:
        raise NotImplementedError

    def scan(self, name: str, page_size: int = 1000) -> Iterator[list[tuple[str, Any]]]:
        """Every document of ``name`` as pages of ``(_id, _source)``, through a
        scroll sorted by ``_doc`` (cheapest order on both engines)."""
        page = self._call(f"scan {name}", lambda: self._scroll_start(name, {"size": page_size, "sort": ["_doc"]}))
        scroll_id = page.get("_scroll_id")
        try:
            while True:
                hits = page["hits"]["hits"]
                if not hits:
                    return
                yield [(hit["_id"], hit.get("_source")) for hit in hits]
                page = self._call(f"scan {name}", functools.partial(self._scroll_next, str(scroll_id)))
                scroll_id = page.get("_scroll_id", scroll_id)
        finally:
            if scroll_id:
                with contextlib.suppress(Exception):  # best effort; scrolls expire by themselves
                    self._scroll_clear(scroll_id)

    def mget(self, name: str, ids: list[str]) -> dict[str, Any]:
        response = self._call(f"mget {name}", lambda: self._mget(name, ids))
        return {doc["_id"]: doc.get("_source") for doc in response.get("docs", []) if doc.get("found")}

    def _mget(self, name: str, ids: list[str]) -> Any:
        raise NotImplementedError

    def index_meta(self, name: str) -> dict[str, Any] | None:
        if not self.index_exists(name):
            return None
        response = self._call(f"get mapping {name}", lambda: self._get_mapping(name))
        for mapping in dict(response).values():
            return dict((mapping.get("mappings") or {}).get("_meta") or {})
        return None

    def _get_mapping(self, name: str) -> Any:
        raise NotImplementedError

    def refresh(self, name: str) -> None:
        self._call(f"refresh index {name}", lambda: self._client.indices.refresh(index=name))

    def count(self, name: str) -> int:
        return int(self._call(f"count index {name}", lambda: self._client.count(index=name))["count"])

    def index_exists(self, name: str) -> bool:
        raise NotImplementedError

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing a client that lost its server
            self._client.close()
