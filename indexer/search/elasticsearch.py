"""The Elasticsearch adapter: the official 8.x client, for Elasticsearch 8 and
9 alike. It sends ``compatible-with=8`` media types, which both accept (the
9.x client sends ``compatible-with=9``, which 8.x servers refuse)."""

from __future__ import annotations

from typing import Any

import orjson

from indexer.search.client import BULK_FILTER, SCROLL, ClientStore, loads_exact, loads_response


class ElasticsearchStore(ClientStore):
    def _make_client(self, exact_numbers: bool) -> Any:
        from elastic_transport import JsonSerializer, SerializationError
        from elasticsearch import Elasticsearch

        class ExactJsonSerializer(JsonSerializer):
            def loads(self, data: bytes) -> Any:
                return loads_exact(data)

        class FastJsonSerializer(JsonSerializer):
            def loads(self, data: bytes) -> Any:
                try:
                    return loads_response(data)
                except ValueError as exc:
                    raise SerializationError(f"Unable to deserialize as JSON: {data!r}", errors=(exc,)) from None

        s = self.settings
        kwargs: dict[str, Any] = {"request_timeout": s.timeout, "max_retries": 0, "retry_on_timeout": False}
        kwargs["verify_certs"] = s.verify_certs
        if s.ca_certs:
            kwargs["ca_certs"] = s.ca_certs
        if s.username:
            kwargs["basic_auth"] = (s.username, s.password or "")
        if s.api_key:
            kwargs["api_key"] = s.encoded_api_key()
        if s.bearer_token:
            kwargs["bearer_auth"] = s.bearer_token
        if s.client_cert:
            kwargs["client_cert"] = s.client_cert
        if s.client_key:
            kwargs["client_key"] = s.client_key
        if s.http_compress:
            kwargs["http_compress"] = True
        serializer = ExactJsonSerializer() if exact_numbers else FastJsonSerializer()
        kwargs["serializers"] = {"application/json": serializer}
        return Elasticsearch(s.url, **kwargs)

    def bulk(self, body: bytes, *, pipeline: str | None = None, require_alias: bool = False) -> dict[str, Any]:
        params: dict[str, Any] = {"filter_path": BULK_FILTER}
        if pipeline:
            params["pipeline"] = pipeline
        if require_alias:
            params["require_alias"] = True
        response = self._call(
            "bulk request",
            lambda: self._client.options(request_timeout=self.settings.timeout).bulk(operations=body, **params),
        )
        raw = getattr(response, "body", response)
        return dict(orjson.loads(raw)) if isinstance(raw, bytes | str) else dict(raw)

    def index_exists(self, name: str) -> bool:
        return bool(self._call(f"check index {name}", lambda: self._client.indices.exists(index=name)))

    def alias_targets(self, alias: str) -> list[str] | None:
        response = self._call(
            f"get alias {alias}", lambda: self._client.options(ignore_status=404).indices.get_alias(name=alias)
        )
        body = dict(getattr(response, "body", response) or {})
        if body.get("status") == 404 or "error" in body:
            return None
        return sorted(name for name, entry in body.items() if alias in (entry.get("aliases") or {}))

    def create_index(self, name: str, body: dict[str, Any]) -> None:
        self._call(f"create index {name}", lambda: self._client.indices.create(index=name, **body))

    def delete_index(self, name: str) -> None:
        self._call(f"delete index {name}", lambda: self._client.indices.delete(index=name, ignore_unavailable=True))

    def update_aliases(self, actions: list[dict[str, Any]]) -> None:
        self._call("update aliases", lambda: self._client.indices.update_aliases(actions=actions))

    def _get_mapping(self, name: str) -> Any:
        return getattr(self._client.indices.get_mapping(index=name), "body", None)

    def get_source(self, name: str, doc_id: str) -> dict[str, Any] | None:
        response = self._call(
            f"get {name}/{doc_id}", lambda: self._client.options(ignore_status=404).get(index=name, id=doc_id)
        )
        return dict(response["_source"]) if response.get("found") else None

    def _mget(self, name: str, ids: list[str]) -> Any:
        return self._client.mget(index=name, ids=ids)

    def search(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        return dict(self._call(f"search {name}", lambda: self._client.search(index=name, **body)))

    def _scroll_start(self, name: str, query: dict[str, Any]) -> Any:
        return self._client.search(index=name, scroll=SCROLL, **query)

    def _scroll_next(self, scroll_id: str) -> Any:
        return self._client.scroll(scroll_id=scroll_id, scroll=SCROLL)

    def _scroll_clear(self, scroll_id: str) -> None:
        self._client.clear_scroll(scroll_id=scroll_id)
