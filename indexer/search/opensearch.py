"""The OpenSearch adapter (opensearch-py), for OpenSearch 2 and 3. It speaks
plain ``application/json``; OpenSearch refuses Elasticsearch's versioned media
types, hence an adapter of its own."""

from __future__ import annotations

from typing import Any

import orjson

from indexer.errors import ConfigError
from indexer.search.client import BULK_FILTER, SCROLL, ClientStore, loads_exact, loads_response


def aws_sigv4(region: str, service: str) -> dict[str, Any]:
    """Client options that sign every request with AWS SigV4 (opensearch-py's
    signer over botocore's credential chain: environment, profile, role).
    Raises :class:`ConfigError` without botocore or credentials."""
    try:
        import botocore.session
        from opensearchpy import AWSV4SignerAuth, RequestsHttpConnection
    except ImportError:
        raise ConfigError(
            "signing requests for AWS needs botocore", hint="pip install 'pg-search-indexer[aws]'"
        ) from None
    credentials = botocore.session.Session().get_credentials()
    if credentials is None:
        raise ConfigError(
            "requests are to be signed for AWS, but botocore found no credentials",
            hint="set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run with an instance role",
        )
    return {"http_auth": AWSV4SignerAuth(credentials, region, service), "connection_class": RequestsHttpConnection}


class OpenSearchStore(ClientStore):
    def _make_client(self, exact_numbers: bool) -> Any:
        from opensearchpy import OpenSearch
        from opensearchpy.exceptions import SerializationError
        from opensearchpy.serializer import JSONSerializer

        s = self.settings

        class ExactSerializer(JSONSerializer):
            def loads(self, s: str) -> Any:
                return loads_exact(s)

        class FastSerializer(JSONSerializer):
            def loads(self, s: str) -> Any:
                try:
                    return loads_response(s)
                except ValueError as exc:
                    raise SerializationError(s, exc) from None

        kwargs: dict[str, Any] = {"timeout": s.timeout, "max_retries": 0, "retry_on_timeout": False}
        kwargs["verify_certs"] = s.verify_certs
        if s.ca_certs:
            kwargs["ca_certs"] = s.ca_certs
        if s.username:
            kwargs["http_auth"] = (s.username, s.password or "")
        if s.api_key:
            kwargs["headers"] = {"authorization": f"ApiKey {s.encoded_api_key()}"}
        if s.bearer_token:
            kwargs["headers"] = {"authorization": f"Bearer {s.bearer_token}"}
        if s.client_cert:
            kwargs["client_cert"] = s.client_cert
        if s.client_key:
            kwargs["client_key"] = s.client_key
        if s.http_compress:
            kwargs["http_compress"] = True
        kwargs["serializer"] = ExactSerializer() if exact_numbers else FastSerializer()
        if s.aws_region:
            kwargs.update(aws_sigv4(s.aws_region, s.aws_service))
        return OpenSearch(hosts=[s.url], **kwargs)

    def root(self) -> dict[str, Any]:
        """``GET /``: the server's name and version."""
        return dict(self._call("connect", self._client.info))

    def bulk(self, body: bytes, *, pipeline: str | None = None, require_alias: bool = False) -> dict[str, Any]:
        params: dict[str, Any] = {"filter_path": BULK_FILTER}
        if pipeline:
            params["pipeline"] = pipeline
        if require_alias:
            params["require_alias"] = "true"
        response = self._call("bulk request", lambda: self._client.bulk(body=body, params=params))
        return dict(orjson.loads(response)) if isinstance(response, bytes | str) else dict(response)

    def index_exists(self, name: str) -> bool:
        return bool(self._call(f"check index {name}", lambda: self._client.indices.exists(index=name)))

    def alias_targets(self, alias: str) -> list[str] | None:
        response = self._call(
            f"get alias {alias}", lambda: self._client.indices.get_alias(name=alias, params={"ignore": 404})
        )
        if not isinstance(response, dict) or response.get("status") == 404 or "error" in response:
            return None
        return sorted(name for name, entry in response.items() if alias in (entry.get("aliases") or {}))

    def create_index(self, name: str, body: dict[str, Any]) -> None:
        self._call(f"create index {name}", lambda: self._client.indices.create(index=name, body=body))

    def delete_index(self, name: str) -> None:
        self._call(
            f"delete index {name}",
            lambda: self._client.indices.delete(index=name, params={"ignore_unavailable": "true"}),
        )

    def update_aliases(self, actions: list[dict[str, Any]]) -> None:
        self._call("update aliases", lambda: self._client.indices.update_aliases(body={"actions": actions}))

    def _get_mapping(self, name: str) -> Any:
        return self._client.indices.get_mapping(index=name)

    def get_source(self, name: str, doc_id: str) -> dict[str, Any] | None:
        response = self._call(
            f"get {name}/{doc_id}", lambda: self._client.get(index=name, id=doc_id, params={"ignore": 404})
        )
        return dict(response["_source"]) if response.get("found") else None

    def _mget(self, name: str, ids: list[str]) -> Any:
        return self._client.mget(index=name, body={"ids": ids})

    def search(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        return dict(self._call(f"search {name}", lambda: self._client.search(index=name, body=body)))

    def _scroll_start(self, name: str, query: dict[str, Any]) -> Any:
        return self._client.search(index=name, body=query, params={"scroll": SCROLL})

    def _scroll_next(self, scroll_id: str) -> Any:
        return self._client.scroll(body={"scroll_id": scroll_id, "scroll": SCROLL})

    def _scroll_clear(self, scroll_id: str) -> None:
        self._client.clear_scroll(body={"scroll_id": scroll_id})
