"""The one interface the indexer has to a search engine: :class:`DocumentStore`.

Two adapters implement it, :class:`~indexer.search.elasticsearch.ElasticsearchStore`
(the official 8.x client, for Elasticsearch 8 and 9) and
:class:`~indexer.search.opensearch.OpenSearchStore` (opensearch-py, for
OpenSearch 2 and 3). Wrappers add behaviour without touching them:
:class:`~indexer.search.wrappers.RetryingStore` waits out outages,
:class:`~indexer.search.wrappers.MeteredStore` reports request latency and size;
:func:`~indexer.search.connect.open_store` picks the adapter for a server.
Another engine (a serverless collection, a second cluster for dual writes) is
one more adapter or wrapper.

Errors: every method raises :class:`~indexer.errors.SearchUnavailable` when the
server cannot be reached, times out or answers 429/5xx (retrying may help) and
:class:`~indexer.errors.SearchRejected` for any other refusal.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from indexer.errors import SearchRejected, SearchUnavailable


@dataclass(frozen=True)
class ServerInfo:
    flavor: str  # "elasticsearch" | "opensearch"
    version: str
    major: int


class DocumentStore(Protocol):
    """A search engine, as far as the indexer needs one. Index names may be
    aliases wherever the engines accept them."""

    info: ServerInfo

    def bulk(self, body: bytes, *, pipeline: str | None = None, require_alias: bool = False) -> dict[str, Any]:
        """Send one NDJSON bulk request; the response reduced to ``took``,
        ``errors`` and per item its status, ``_id`` and error, or to
        ``{"errors": False}`` when every item succeeded. With
        ``require_alias`` every target must be an alias (never auto-created)."""
        ...

    def index_exists(self, name: str) -> bool: ...

    def alias_targets(self, alias: str) -> list[str] | None:
        """The indexes behind ``alias``, or None when no alias has that name."""
        ...

    def create_index(self, name: str, body: dict[str, Any]) -> None: ...

    def delete_index(self, name: str) -> None:
        """Delete an index; no error when it does not exist."""
        ...

    def update_aliases(self, actions: list[dict[str, Any]]) -> None:
        """Apply alias actions (``add``, ``remove``, ``remove_index``) atomically."""
        ...

    def index_meta(self, name: str) -> dict[str, Any] | None:
        """The ``_meta`` of an index's mapping; None when the index does not exist."""
        ...

    def refresh(self, name: str) -> None: ...

    def count(self, name: str) -> int: ...

    def get_source(self, name: str, doc_id: str) -> dict[str, Any] | None: ...

    def mget(self, name: str, ids: list[str]) -> dict[str, Any]:
        """``{_id: _source}`` of those of ``ids`` that exist."""
        ...

    def search(self, name: str, body: dict[str, Any]) -> dict[str, Any]: ...

    def scan(self, name: str, page_size: int = 1000) -> Iterator[list[tuple[str, Any]]]:
        """Every document as pages of ``(_id, _source)``."""
        ...

    def close(self) -> None: ...


__all__ = ["DocumentStore", "SearchRejected", "SearchUnavailable", "ServerInfo"]
