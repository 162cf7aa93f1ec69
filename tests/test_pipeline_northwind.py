"""Northwind's order document end to end: five levels of nesting, one-to-one
lookups held by the parent (customer, employee, shipper via ship_via), scalar
grandchildren (category, supplier), and fan-out from lookup tables."""

from __future__ import annotations

from pathlib import Path

from tests.harness import Harness

SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "northwind_order.json"


def test_orders_match_reference_through_changes(cluster, make_database, search_url) -> None:
    northwind = Harness(cluster, make_database("northwind_tpl"), search_url, SCHEMA)
    try:
        northwind.cli("bootstrap")
        northwind.run_once()
        assert northwind.assert_matches("northwind_order") == 830

        for statement in [
            # lookups held by the parent: every order of the customer / shipper changes
            "UPDATE customers SET company_name = 'Renamed Ltd' WHERE customer_id = 'ALFKI'",
            "UPDATE shippers SET phone = '(000) 000-0000' WHERE shipper_id = 2",
            # two levels down: a category renamed reaches orders through products and order lines
            "UPDATE categories SET category_name = 'Drinks' WHERE category_id = 1",
            "UPDATE suppliers SET company_name = 'New Supplier' WHERE supplier_id = 3",
            "UPDATE products SET product_name = 'Chai Latte' WHERE product_id = 1",
            # an order line moves to another product, another is deleted, an order is created
            "UPDATE order_details SET product_id = 77 WHERE order_id = 10248 AND product_id = 11",
            "DELETE FROM order_details WHERE order_id = 10249 AND product_id = 14",
            "INSERT INTO orders (order_id, customer_id, employee_id, order_date, ship_via, freight)"
            " VALUES (20000, 'ALFKI', 1, '2024-01-02', 3, 12.5);"
            " INSERT INTO order_details (order_id, product_id, unit_price, quantity, discount)"
            " VALUES (20000, 1, 18, 2, 0), (20000, 2, 19, 1, 0.1)",
            # an order's shipper removed: the one-to-one becomes null
            "UPDATE orders SET ship_via = NULL WHERE order_id = 10250",
        ]:
            northwind.sql(statement)
        northwind.run_once()
        northwind.assert_matches("northwind_order")
        order = northwind.document("northwind_order", "20000")
        assert order is not None
        assert order["customer"]["company_name"] == "Renamed Ltd"
        assert [line["product"]["product_name"] for line in order["lines"]] == ["Chai Latte", "Chang"]
        assert order["lines"][0]["product"]["category"] == "Drinks"
        assert northwind.source("northwind_order", "10250")["shipper"] is None
    finally:
        northwind.close()
