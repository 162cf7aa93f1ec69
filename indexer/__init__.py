"""pg-search-indexer: keep Elasticsearch and OpenSearch in sync with PostgreSQL."""

__version__ = "0.2.0"
