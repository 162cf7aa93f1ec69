"""PGSync's schema.json forms, parsed and resolved against a static catalog
(no database): what each form becomes, and the message for each mistake."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from indexer.errors import CatalogError, SchemaError
from indexer.schema.catalog import Catalog, Column, ForeignKey, Table
from indexer.schema.model import ColumnRef
from indexer.schema.parse import load_schema, parse_column, parse_schema
from indexer.schema.resolve import resolve
from indexer.schema.tree import Index

_OID = iter(range(1000, 2000))


def table(
    name: str, columns: dict[str, str], key: tuple[str, ...] = ("id",), fks: tuple[ForeignKey, ...] = ()
) -> Table:
    return Table(
        schema="public",
        name=name,
        oid=next(_OID),
        kind="r",
        columns=tuple(Column(c, t, c in key) for c, t in columns.items()),
        primary_key=key,
        foreign_keys=fks,
    )


def fk(name: str, columns: tuple[str, ...], ref: str, ref_columns: tuple[str, ...] = ("id",)) -> ForeignKey:
    return ForeignKey(name, columns, "public", ref, ref_columns)


CATALOG_TABLES = [
    table(
        "book",
        {
            "id": "integer",
            "isbn": "text",
            "title": "text",
            "tags": "text[]",
            "doc": "jsonb",
            "price": "numeric",
            "publisher_id": "integer",
        },
        fks=(fk("book_publisher_fk", ("publisher_id",), "publisher"),),
    ),
    table("publisher", {"id": "integer", "name": "text", "is_active": "boolean"}),
    table(
        "node", {"id": "integer", "name": "text", "node_id": "integer"}, fks=(fk("node_parent", ("node_id",), "node"),)
    ),
    table("parent", {"id": "integer", "name": "text"}),
    table("surrogate", {"id": "integer", "parent_id": "integer"}, fks=(fk("s_parent", ("parent_id",), "parent"),)),
    table("child", {"id": "integer", "surrogate_id": "integer"}, fks=(fk("c_s", ("surrogate_id",), "surrogate"),)),
]
CATALOG = Catalog(
    tables={t.key: t for t in CATALOG_TABLES}, names_by_schema={"public": tuple(t.name for t in CATALOG_TABLES)}
)


def resolved(document: Any, environ: dict[str, str] | None = None) -> Index:
    schema = parse_schema(document, "schema.json", environ or {})
    (index,) = resolve(schema.indexes, CATALOG, "schema.json")
    return index


def entry(nodes: dict[str, Any], **extra: Any) -> list[dict[str, Any]]:
    return [{"database": "db", "index": "book", "nodes": nodes, **extra}]


def test_empty_or_missing_columns_mean_every_column_and_a_null_label_the_table() -> None:
    index = resolved(
        entry({"table": "book", "columns": [], "children": [
            {"table": "publisher", "label": None, "columns": [],
             "relationship": {"variant": "object", "type": "one_to_one"}},
        ]})
    )  # fmt: skip
    assert [f.key for f in index.root.fields] == ["id", "isbn", "title", "tags", "doc", "price", "publisher_id"]
    (publisher,) = index.root.children
    assert publisher.label == "publisher"
    assert [f.key for f in publisher.fields] == ["id", "name", "is_active"]


def test_nodes_as_a_one_element_list_is_read_as_the_root() -> None:
    index = resolved([{"database": "db", "index": "book", "nodes": [{"table": "book", "columns": ["id"]}]}])
    assert index.root.table.name == "book"


@pytest.mark.parametrize(
    ("text", "column", "steps", "name"),
    [
        ("doc->firstname", "doc", (("->", "firstname"),), "doc_firstname"),
        ("doc->>'a'", "doc", (("->>", "a"),), "doc_a"),
        ("doc->'a'->>'b'", "doc", (("->", "a"), ("->>", "b")), "doc_a_b"),
        ("data#>'{a,b}'", "data", (("#>", ("a", "b")),), "data_a,b"),
        ("data#>>{a,b}", "data", (("#>>", ("a", "b")),), "data_a,b"),
        ("tags->0", "tags", (("->", 0),), "tags_0"),
    ],
)
def test_json_operators_in_columns(text: str, column: str, steps: tuple[Any, ...], name: str) -> None:
    parsed = parse_column(text)
    assert parsed == (column, steps)
    assert ColumnRef(text, column, steps).name == name


def test_json_operator_fields_read_the_column_and_name_the_field_as_pgsync() -> None:
    index = resolved(entry({"table": "book", "columns": ["id", "doc->>'a'", "doc#>'{x,y}'"]}))
    assert [(f.key, f.column, f.steps) for f in index.root.fields] == [
        ("id", "id", ()),
        ("doc_a", "doc", (("->>", "a"),)),
        ("doc_x,y", "doc", (("#>", ("x", "y")),)),
    ]
    # capture watches the base column only: other columns' updates are skipped
    assert index.root.watched_columns() == ("id", "doc")


def test_json_operators_on_a_column_that_is_not_json_are_refused() -> None:
    with pytest.raises(
        CatalogError, match=r"columns\[0\]: \"title->>'a'\" applies JSON operators to 'title', which is text"
    ):
        resolved(entry({"table": "book", "columns": ["title->>'a'"]}))


def test_unreadable_json_operator_entry_names_the_path() -> None:
    with pytest.raises(SchemaError, match=r"\[0\]\.nodes\.columns\[1\]: cannot read 'doc->' as a column"):
        parse_schema(entry({"table": "book", "columns": ["id", "doc->"]}))


def test_transform_order_is_replace_rename_concat_and_mapping_uses_the_new_names() -> None:
    index = resolved(
        entry({"table": "book", "columns": ["id", "isbn", "title", "price"], "transform": {
            "replace": {"isbn": {"00": "XX", "-": ""}},
            "rename": {"id": "book_id", "isbn": "book_isbn"},
            "concat": {"columns": ["book_id", "title", "price", "x"], "destination": "label", "delimiter": "_"},
            "mapping": {"book_id": {"type": "long"}, "label": {"type": "keyword"}, "title": {"type": "text"}},
        }})
    )  # fmt: skip
    fields = {f.key: f for f in index.root.fields}
    assert list(fields) == ["book_id", "book_isbn", "title", "price", "label"]
    assert fields["book_isbn"].replace == (("00", "XX"), ("-", ""))
    concat = fields["label"].concat
    assert concat is not None and concat.delimiter == "_"
    assert [p.key if not isinstance(p, str) else p for p in concat.parts] == ["book_id", "title", "price", "x"]
    assert isinstance(concat.parts[3], str)  # not a field: literal text, as PGSync does
    assert fields["label"].columns() == ("id", "title", "price")
    assert index.mappings is not None
    properties = index.mappings["properties"]
    assert properties["book_id"] == {"type": "long"}
    assert properties["label"] == {"type": "keyword"}
    assert properties["price"] == {"type": "double"}  # inferred from numeric


def test_mapping_by_the_column_name_of_a_renamed_column_is_still_accepted() -> None:
    index = resolved(
        entry({"table": "book", "columns": ["id"], "transform": {
            "rename": {"id": "book_id"}, "mapping": {"id": {"type": "keyword"}}}})
    )  # fmt: skip
    assert index.mappings == {"properties": {"book_id": {"type": "keyword"}}}


def test_mapping_of_an_unknown_field_lists_the_fields_after_rename() -> None:
    with pytest.raises(CatalogError, match=r"(?s)transform\.mapping\.nope: 'nope' is not a field.*book_id, title"):
        resolved(entry({"table": "book", "columns": ["id", "title"], "transform": {
            "rename": {"id": "book_id"}, "mapping": {"nope": {"type": "keyword"}}}}))  # fmt: skip


def test_concat_of_a_child_node_is_refused() -> None:
    with pytest.raises(CatalogError, match=r"concat\.columns\[1\]: 'publisher' is a child node"):
        resolved(entry({"table": "book", "columns": ["id"],
                        "transform": {"concat": {"columns": ["id", "publisher"], "destination": "d"}},
                        "children": [{"table": "publisher", "columns": ["name"],
                                      "relationship": {"variant": "object", "type": "one_to_one"}}]}))  # fmt: skip


def test_move_is_accepted_and_reported_as_without_effect() -> None:
    schema = parse_schema(
        entry({"table": "book", "transform": {"move": {"column": "id", "destination": "$root.x"}}}), environ={}
    )
    assert schema.ignored_keys() == ["[0].nodes.transform.move"]


def test_mapping_and_mappings_are_merged_and_mapping_wins_where_both_speak() -> None:
    index = resolved(
        entry(
            {"table": "book", "columns": ["id", "title", "isbn"]},
            mappings={"dynamic": "strict", "properties": {"title": {"type": "keyword"}, "isbn": {"type": "keyword"}}},
            mapping={"title": {"type": "nested"}},
        )
    )
    assert index.mappings == {
        "dynamic": "strict",
        "properties": {"title": {"type": "nested"}, "isbn": {"type": "keyword"}},
    }


def test_environment_variables_are_substituted_in_index_values() -> None:
    index = resolved([{"database": "$DB", "index": "${PREFIX}_book", "nodes": {"table": "book", "columns": ["id"]}}],
                     environ={"DB": "shop", "PREFIX": "prod"})  # fmt: skip
    assert (index.database, index.name) == ("shop", "prod_book")


def test_an_undefined_variable_is_a_schema_error_naming_it(tmp_path: Path) -> None:
    file = tmp_path / "schema.json"
    file.write_text(json.dumps([{"database": "$MISSING_DB", "index": "a", "nodes": {"table": "book"}}]))
    with pytest.raises(
        SchemaError, match=r"schema.json: \[0\]\.database: environment variable 'MISSING_DB' is not set"
    ):
        load_schema(file, environ={})


def test_double_dollar_is_a_literal_dollar() -> None:
    schema = parse_schema([{"database": "db$$x", "index": "a", "nodes": {"table": "book"}}], environ={})
    assert schema.indexes[0].database == "db$x"


def test_self_referencing_table_children_are_the_rows_pointing_at_the_parent() -> None:
    index = resolved(
        entry({"table": "node", "label": "parent", "children": [
            {"table": "node", "label": "child", "relationship": {"variant": "object", "type": "one_to_many"}}]})
    )  # fmt: skip
    (child,) = index.root.children
    assert child.link is not None and child.link.pairs == (("node_id", "id"),)


def test_through_table_reached_by_a_foreign_key_from_the_child() -> None:
    index = resolved(
        entry({"table": "parent", "children": [
            {"table": "child", "label": "children",
             "relationship": {"variant": "object", "type": "one_to_many", "through_tables": ["surrogate"]}}]})
    )  # fmt: skip
    (child,) = index.root.children
    assert child.link is not None
    assert child.link.node_pairs == (("surrogate_id", "id"),)
    assert child.link.parent_pairs == (("id", "parent_id"),)


def test_mapping_may_name_fields_a_plugin_adds_when_the_index_has_plugins() -> None:
    nodes = {"table": "book", "columns": ["id", "doc#>{a,b,c}->4", "doc->x->0->y"],
             "transform": {"mapping": {"shape": {"type": "geo_shape"}}}}  # fmt: skip
    index = resolved(entry(nodes, plugins=["Geometry"]))
    assert [f.key for f in index.root.fields] == ["id", "doc_a,b,c_4", "doc_x_0_y"]
    assert index.mappings == {"properties": {"shape": {"type": "geo_shape"}}}
    with pytest.raises(CatalogError, match="'shape' is not a field of the node"):
        resolved(entry(nodes))


def test_view_nodes_need_base_tables_with_their_key_and_link_columns() -> None:
    view = Table(
        schema="public", name="book_view", oid=next(_OID), kind="v",
        columns=(Column("id", "integer", False), Column("title", "text", False), Column("pub", "integer", False)),
        primary_key=(), foreign_keys=(),
    )  # fmt: skip
    catalog = Catalog(
        tables={**CATALOG.tables, view.key: view},
        names_by_schema={"public": (*CATALOG.names_by_schema["public"], "book_view")},
    )
    nodes = {"table": "book_view", "base_tables": ["book"], "primary_key": ["id"], "children": [
        {"table": "publisher", "relationship": {"variant": "object", "type": "one_to_one",
                                                "foreign_key": {"child": ["id"], "parent": ["pub"]}}}]}  # fmt: skip
    with pytest.raises(CatalogError, match=r"base_tables\[0\]: base table public.book lacks the column\(s\) pub"):
        resolve(parse_schema(entry(nodes), environ={}).indexes, catalog, "schema.json")
    no_key = {"table": "book_view", "base_tables": ["book"]}
    with pytest.raises(CatalogError, match=r"view public\.book_view has no primary key"):
        resolve(parse_schema(entry(no_key), environ={}).indexes, catalog, "schema.json")
    ok = {"table": "book_view", "base_tables": ["book"], "primary_key": ["id"], "columns": ["id", "title"]}
    (index,) = resolve(parse_schema(entry(ok), environ={}).indexes, catalog, "schema.json")
    assert index.tables() == [("public", "book")]  # captured on the base table, not the view


def test_routing_names_a_plain_root_field_and_requires_routing_in_the_mapping() -> None:
    index = resolved(entry({"table": "book", "columns": ["id", "isbn"], "transform": {"rename": {"isbn": "code"}}},
                           routing="code"))  # fmt: skip
    assert index.routing == "isbn"
    assert index.mappings is not None and index.mappings["_routing"] == {"required": True}
    with pytest.raises(CatalogError, match=r"\[0\]\.routing: 'isbn' is not a field of the root table"):
        resolved(entry({"table": "book", "columns": ["id", "isbn"], "transform": {"rename": {"isbn": "code"}}},
                       routing="isbn"))  # fmt: skip


def test_foreign_key_with_a_through_table_names_its_columns_for_each_side_key() -> None:
    rel = {"variant": "object", "type": "one_to_many", "through_tables": ["surrogate"],
           "foreign_key": {"child": ["parent_id", "id"], "parent": ["id"]}}  # fmt: skip
    with pytest.raises(CatalogError, match=r"foreign_key\.child: 2 column\(s\) for public\.child's primary key"):
        resolved(entry({"table": "parent", "children": [{"table": "child", "relationship": rel}]}))


def test_two_tables_joined_by_several_foreign_keys_are_refused_naming_the_keys() -> None:
    """PGSync takes one of the keys; here the choice is left to the schema, with
    the keys named, and a ``foreign_key`` that makes it is accepted."""
    film = table("film", {"id": "integer", "language_id": "integer", "original_language_id": "integer"},
                 fks=(fk("film_language_fk", ("language_id",), "language"),
                      fk("film_original_fk", ("original_language_id",), "language")))  # fmt: skip
    language = table("language", {"id": "integer", "name": "text"})
    catalog = Catalog(tables={film.key: film, language.key: language}, names_by_schema={"public": ("film", "language")})
    child: dict[str, Any] = {"table": "language", "relationship": {"variant": "object", "type": "one_to_one"}}
    document = entry({"table": "film", "children": [child]})
    with pytest.raises(
        CatalogError, match=r"joined by several foreign keys \(.*film_language_fk, .*film_original_fk\)"
    ):
        resolve(parse_schema(document, environ={}).indexes, catalog, "schema.json")
    child["relationship"]["foreign_key"] = {"child": ["id"], "parent": ["original_language_id"]}
    (index,) = resolve(parse_schema(document, environ={}).indexes, catalog, "schema.json")
    (language_node,) = index.root.children
    assert language_node.link is not None and language_node.link.pairs == (("id", "original_language_id"),)


def _chain_catalog(contract_to_book: bool = True) -> Catalog:
    author = table("author", {"id": "integer", "name": "text"})
    contract = table("contract", {"id": "integer", "author_id": "integer"}, fks=(fk("c_a", ("author_id",), "author"),))
    links = (fk("cb_c", ("contract_id",), "contract"),) if contract_to_book else ()
    contract_book = table("contract_book", {"contract_id": "integer", "book_id": "integer"},
                          key=("contract_id", "book_id"), fks=(*links, fk("cb_b", ("book_id",), "book")))  # fmt: skip
    book = table("book", {"id": "integer", "title": "text"})
    tables = (author, contract, contract_book, book)
    return Catalog(tables={t.key: t for t in tables}, names_by_schema={"public": tuple(t.name for t in tables)})


def test_several_through_tables_are_a_chain_from_the_parent_side() -> None:
    rel: dict[str, Any] = {"variant": "object", "type": "one_to_many", "through_tables": ["contract", "contract_book"]}
    document = entry({"table": "author", "children": [{"table": "book", "relationship": rel}]})
    catalog = _chain_catalog()
    (index,) = resolve(parse_schema(document, environ={}).indexes, catalog, "schema.json")
    (book,) = index.root.children
    link = book.link
    assert link is not None
    assert [t.name for t in link.throughs()] == ["contract_book", "contract"]  # from the node's side
    assert link.node_pairs == (("id", "book_id"),)
    assert [hop.pairs for hop in link.hops] == [(("contract_id", "id"),)]
    assert link.parent_pairs == (("id", "author_id"),)
    assert [name for _, name in index.tables()] == ["author", "book", "contract_book", "contract"]
    # foreign_key names the columns of the through table at each end of the chain
    rel["foreign_key"] = {"child": ["book_id"], "parent": ["author_id"]}
    (index,) = resolve(parse_schema(document, environ={}).indexes, catalog, "schema.json")
    assert index.root.children[0].link == link
    # neighbours of a chain need the foreign key between them
    del rel["foreign_key"]
    with pytest.raises(
        CatalogError, match=r"through_tables\[0\]: no foreign key joins through tables public\.contract"
    ):
        resolve(parse_schema(document, environ={}).indexes, _chain_catalog(contract_to_book=False), "schema.json")
