"""Opening a :class:`~indexer.search.store.DocumentStore`: ask the server what
it is, then pick its adapter. Kept apart from the protocol so the adapters can
import the protocol without a cycle."""

from __future__ import annotations

from indexer.errors import SearchRejected
from indexer.search.elasticsearch import ElasticsearchStore
from indexer.search.opensearch import OpenSearchStore
from indexer.search.store import DocumentStore, ServerInfo
from indexer.settings import SearchSettings


def preload() -> None:
    """Import the client library every connection starts with (the probe goes
    through opensearch-py's transport), so that processes forked afterwards
    share it instead of each spending about 0.15 s importing it."""
    import opensearchpy  # noqa: F401


def probe(settings: SearchSettings) -> ServerInfo:
    """Identify the server at ``settings.url`` from ``GET /`` (plain JSON, which
    every server accepts), through opensearch-py's transport. Raises
    :class:`SearchUnavailable` when it cannot be reached and
    :class:`SearchRejected` when it is not Elasticsearch or OpenSearch."""
    plain = OpenSearchStore(settings, ServerInfo("opensearch", "", 0))
    try:
        body = plain.root()
    finally:
        plain.close()
    try:
        version = body["version"]
        number = str(version["number"])
    except (KeyError, TypeError):
        raise SearchRejected(f"{settings.url} does not look like Elasticsearch or OpenSearch") from None
    flavor = "opensearch" if version.get("distribution") == "opensearch" else "elasticsearch"
    head = number.split(".")[0]
    return ServerInfo(flavor=flavor, version=number, major=int(head) if head.isdigit() else 0)


def open_store(settings: SearchSettings, *, exact_numbers: bool = False) -> DocumentStore:
    """Probe the server and return the adapter for it; ``settings.engine``
    other than ``auto`` overrides the detected flavour. ``exact_numbers``
    parses responses with exact decimals (for comparing documents)."""
    if settings.aws_region and settings.aws_service == "aoss":
        # a Serverless collection answers no GET /: it is OpenSearch by definition
        return OpenSearchStore(settings, ServerInfo("opensearch", "serverless", 2), exact_numbers=exact_numbers)
    info = probe(settings)
    if settings.aws_region:
        # AWS signing is done by opensearch-py's signer, which also speaks to the
        # Elasticsearch 7.10 domains of Amazon OpenSearch Service
        return OpenSearchStore(settings, info, exact_numbers=exact_numbers)
    if settings.engine != "auto" and settings.engine != info.flavor:
        info = ServerInfo(flavor=settings.engine, version=info.version, major=info.major)
    if info.flavor == "opensearch":
        return OpenSearchStore(settings, info, exact_numbers=exact_numbers)
    return ElasticsearchStore(settings, info, exact_numbers=exact_numbers)
