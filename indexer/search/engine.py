"""The search server: Elasticsearch through its official client, OpenSearch
through opensearch-py, behind one narrow interface.

:func:`probe` asks ``GET /`` with plain JSON headers (which every server accepts)
and reads the distribution and version; :func:`open_engine` then builds the
matching client. The Elasticsearch 8 client is used for Elasticsearch 8 and 9
alike: it sends ``compatible-with=8`` media types, which both accept (the 9.x
client sends ``compatible-with=9``, which 8.x servers refuse). OpenSearch
servers refuse those Elasticsearch media types altogether, hence the two clients.

Errors are translated here: an unreachable server, a timeout, 429 and 5xx
become :class:`~indexer.errors.SearchUnavailable` (retry later); other 4xx
become :class:`~indexer.errors.SearchRejected` with the server's reason.
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

import orjson
import urllib3

from indexer.errors import SearchRejected, SearchUnavailable
from indexer.settings import SearchSettings

T = TypeVar("T")

# What the indexer asks back from a bulk request: per item only its status,
# id and error, never the whole result object.
BULK_FILTER = "took,errors,items.*.status,items.*._id,items.*.error"


@dataclass(frozen=True)
class ServerInfo:
    flavor: str  # "elasticsearch" | "opensearch"
    version: str
    major: int


def _auth_headers(settings: SearchSettings) -> dict[str, str]:
    if settings.api_key:
        key = settings.api_key
        if ":" in key:
            key = base64.b64encode(key.encode()).decode()
        return {"authorization": f"ApiKey {key}"}
    if settings.username:
        return urllib3.make_headers(basic_auth=f"{settings.username}:{settings.password or ''}")
    return {}


def probe(settings: SearchSettings) -> ServerInfo:
    """Identify the server at ``settings.url``. Raises :class:`SearchUnavailable`
    when it cannot be reached and :class:`SearchRejected` when it answers with
    something that is not Elasticsearch or OpenSearch."""
    headers = {"accept": "application/json", **_auth_headers(settings)}
    kwargs: dict[str, Any] = {"timeout": urllib3.Timeout(total=settings.timeout), "retries": False}
    if settings.url.startswith("https"):
        kwargs["cert_reqs"] = "CERT_REQUIRED" if settings.verify_certs else "CERT_NONE"
        if settings.ca_certs:
            kwargs["ca_certs"] = settings.ca_certs
    pool = urllib3.PoolManager(**kwargs)
    try:
        response = pool.request("GET", settings.url + "/", headers=headers)
    except urllib3.exceptions.HTTPError as exc:
        raise SearchUnavailable(
            f"cannot reach the search server at {settings.url}: {_reason(exc)}",
            hint="check --search-url (or ELASTICSEARCH_URL / ELASTICSEARCH_HOST) and that the server is running",
        ) from None
    finally:
        pool.clear()
    if response.status in (401, 403):
        raise SearchRejected(
            f"the search server at {settings.url} refused the credentials (HTTP {response.status})",
            hint="set --search-user/--search-password or --search-api-key",
        )
    if response.status >= 500:
        raise SearchUnavailable(f"the search server at {settings.url} answered HTTP {response.status}")
    try:
        body = json.loads(response.data)
        version = body["version"]
        number = str(version["number"])
    except (ValueError, KeyError, TypeError):
        raise SearchRejected(
            f"{settings.url} does not look like Elasticsearch or OpenSearch (HTTP {response.status})"
        ) from None
    flavor = "opensearch" if version.get("distribution") == "opensearch" else "elasticsearch"
    major = int(number.split(".")[0]) if number.split(".")[0].isdigit() else 0
    return ServerInfo(flavor=flavor, version=number, major=major)


def _reason(exc: BaseException) -> str:
    text = str(getattr(exc, "reason", None) or exc)
    return text.split(": ", 1)[-1] if "Errno" in text else text


def _loads_exact(data: str | bytes) -> Any:
    """JSON with decimals kept exact (for comparing documents)."""
    return json.loads(data, parse_float=Decimal)


class SearchEngine:
    """One connection to the search server. Methods raise
    :class:`SearchUnavailable` or :class:`SearchRejected` (see module doc)."""

    def __init__(self, settings: SearchSettings, info: ServerInfo, *, exact_numbers: bool = False) -> None:
        self.settings = settings
        self.info = info
        self.flavor = info.flavor
        self._client = self._make_client(exact_numbers)

    def _make_client(self, exact_numbers: bool) -> Any:
        s = self.settings
        common: dict[str, Any] = {"verify_certs": s.verify_certs}
        if s.ca_certs:
            common["ca_certs"] = s.ca_certs
        if self.flavor == "opensearch":
            from opensearchpy import OpenSearch
            from opensearchpy.serializer import JSONSerializer

            class ExactSerializer(JSONSerializer):
                def loads(self, s: str) -> Any:
                    return _loads_exact(s)

            kwargs: dict[str, Any] = dict(common, timeout=s.timeout, max_retries=0, retry_on_timeout=False)
            if s.username:
                kwargs["http_auth"] = (s.username, s.password or "")
            if s.api_key:
                kwargs["headers"] = _auth_headers(s)
            if exact_numbers:
                kwargs["serializer"] = ExactSerializer()
            return OpenSearch(hosts=[s.url], **kwargs)
        from elastic_transport import JsonSerializer
        from elasticsearch import Elasticsearch

        class ExactJsonSerializer(JsonSerializer):
            def loads(self, data: bytes) -> Any:
                return _loads_exact(data)

        kwargs = dict(common, request_timeout=s.timeout, max_retries=0, retry_on_timeout=False)
        if s.username:
            kwargs["basic_auth"] = (s.username, s.password or "")
        if s.api_key:
            kwargs["api_key"] = s.api_key if ":" not in s.api_key else tuple(s.api_key.split(":", 1))
        if exact_numbers:
            kwargs["serializers"] = {"application/json": ExactJsonSerializer()}
        return Elasticsearch(s.url, **kwargs)

    # -- error translation -------------------------------------------------

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
            message = _error_message(exc)
            if status == 429 or status >= 500:
                return SearchUnavailable(f"{what}: the search server answered HTTP {status}: {message}")
            return SearchRejected(
                f"{what}: the search server refused the request (HTTP {status}): {message}", status=status
            )
        name = type(exc).__name__
        if "Connection" in name or "Timeout" in name or "Transport" in name or isinstance(exc, OSError):
            return SearchUnavailable(
                f"{what}: cannot reach the search server at {self.settings.url}: {_reason(exc)}",
            )
        return exc

    # -- operations ----------------------------------------------------------

    def bulk(self, body: bytes, *, pipeline: str | None = None) -> dict[str, Any]:
        """Send one bulk request (NDJSON ``body``). Returns the response reduced
        by :data:`BULK_FILTER`, parsed with orjson."""
        params: dict[str, Any] = {"filter_path": BULK_FILTER}
        if pipeline:
            params["pipeline"] = pipeline

        def send() -> Any:
            if self.flavor == "opensearch":
                return self._client.bulk(body=body, params=params)
            return self._client.options(request_timeout=self.settings.timeout).bulk(operations=body, **params)

        response = self._call("bulk request", send)
        raw = getattr(response, "body", response)
        if isinstance(raw, bytes | str):
            return dict(orjson.loads(raw))
        return dict(raw)

    def index_exists(self, name: str) -> bool:
        return bool(self._call(f"check index {name}", lambda: self._client.indices.exists(index=name)))

    def create_index(self, name: str, body: dict[str, Any]) -> None:
        def create() -> Any:
            if self.flavor == "opensearch":
                return self._client.indices.create(index=name, body=body)
            return self._client.indices.create(index=name, **body)

        self._call(f"create index {name}", create)

    def delete_index(self, name: str) -> None:
        def delete() -> Any:
            if self.flavor == "opensearch":
                return self._client.indices.delete(index=name, params={"ignore_unavailable": "true"})
            return self._client.indices.delete(index=name, ignore_unavailable=True)

        self._call(f"delete index {name}", delete)

    def refresh(self, name: str) -> None:
        self._call(f"refresh index {name}", lambda: self._client.indices.refresh(index=name))

    def count(self, name: str) -> int:
        response = self._call(f"count index {name}", lambda: self._client.count(index=name))
        return int(response["count"])

    def get_source(self, name: str, doc_id: str) -> dict[str, Any] | None:
        def get() -> Any:
            if self.flavor == "opensearch":
                return self._client.get(index=name, id=doc_id, params={"ignore": "404"})
            return self._client.options(ignore_status=404).get(index=name, id=doc_id)

        response = self._call(f"get {name}/{doc_id}", get)
        if not response.get("found"):
            return None
        return dict(response["_source"])

    def mget(self, name: str, ids: list[str]) -> dict[str, Any]:
        """``{_id: _source}`` of the documents of ``ids`` that exist in ``name``."""

        def get() -> Any:
            if self.flavor == "opensearch":
                return self._client.mget(index=name, body={"ids": ids})
            return self._client.mget(index=name, ids=ids)

        response = self._call(f"mget {name}", get)
        return {doc["_id"]: doc.get("_source") for doc in response.get("docs", []) if doc.get("found")}

    def search(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        def run() -> Any:
            if self.flavor == "opensearch":
                return self._client.search(index=name, body=body)
            return self._client.search(index=name, **body)

        return dict(self._call(f"search {name}", run))

    def scan(self, name: str, page_size: int = 1000) -> Iterator[list[tuple[str, Any]]]:
        """Every document of ``name`` as pages of ``(_id, _source)``, through a
        scroll sorted by ``_doc`` (cheapest order on both engines)."""
        query = {"size": page_size, "sort": ["_doc"]}

        def first() -> Any:
            if self.flavor == "opensearch":
                return self._client.search(index=name, body=query, params={"scroll": "2m"})
            return self._client.search(index=name, scroll="2m", **query)

        page = self._call(f"scan {name}", first)
        scroll_id = page.get("_scroll_id")
        try:
            while True:
                hits = page["hits"]["hits"]
                if not hits:
                    return
                yield [(hit["_id"], hit.get("_source")) for hit in hits]
                current = scroll_id

                def more(sid: Any = current) -> Any:
                    if self.flavor == "opensearch":
                        return self._client.scroll(body={"scroll_id": sid, "scroll": "2m"})
                    return self._client.scroll(scroll_id=sid, scroll="2m")

                page = self._call(f"scan {name}", more)
                scroll_id = page.get("_scroll_id", scroll_id)
        finally:
            if scroll_id:
                try:
                    if self.flavor == "opensearch":
                        self._client.clear_scroll(body={"scroll_id": scroll_id})
                    else:
                        self._client.clear_scroll(scroll_id=scroll_id)
                except Exception:  # noqa: BLE001, S110 - best effort; scrolls expire by themselves
                    pass

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing a client that lost its server
            self._client.close()


def _error_message(exc: Exception) -> str:
    info = getattr(exc, "info", None) or getattr(exc, "body", None)
    if isinstance(info, dict):
        error = info.get("error", info)
        if isinstance(error, dict):
            return str(error.get("reason") or error.get("type") or error)
        return str(error)
    return str(getattr(exc, "message", None) or exc)


def open_engine(settings: SearchSettings, *, exact_numbers: bool = False) -> SearchEngine:
    """Probe the server and return a :class:`SearchEngine` for it. ``settings.engine``
    other than ``auto`` overrides the detected flavor."""
    info = probe(settings)
    if settings.engine != "auto" and settings.engine != info.flavor:
        info = ServerInfo(flavor=settings.engine, version=info.version, major=info.major)
    return SearchEngine(settings, info, exact_numbers=exact_numbers)
