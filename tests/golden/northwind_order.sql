-- index northwind_order: documents by key
WITH v AS MATERIALIZED (SELECT nextval('"indexer"."version_seq"'::regclass) AS version), k AS (SELECT DISTINCT (e.key ->> 'order_id')::smallint AS "k0" FROM jsonb_array_elements(%(keys)s::jsonb) AS e(key) ORDER BY "k0")
SELECT v.version, to_json(("k"."k0")::text)::text,
  (SELECT (json_build_object('order_id', "n0"."order_id", 'order_date', "n0"."order_date", 'required_date', "n0"."required_date", 'shipped_date', "n0"."shipped_date", 'freight', "n0"."freight", 'ship_name', "n0"."ship_name", 'ship_address', "n0"."ship_address", 'ship_city', "n0"."ship_city", 'ship_region', "n0"."ship_region", 'ship_postal_code', "n0"."ship_postal_code", 'ship_country', "n0"."ship_country", 'customer', (SELECT json_build_object('customer_id', "n1"."customer_id", 'company_name', "n1"."company_name", 'contact_name', "n1"."contact_name", 'city', "n1"."city", 'country', "n1"."country") FROM "public"."customers" AS "n1" WHERE "n1"."customer_id" = "n0"."customer_id" ORDER BY "n1"."customer_id" LIMIT 1), 'employee', (SELECT json_build_object('employee_id', "n2"."employee_id", 'first_name', "n2"."first_name", 'last_name', "n2"."last_name", 'title', "n2"."title") FROM "public"."employees" AS "n2" WHERE "n2"."employee_id" = "n0"."employee_id" ORDER BY "n2"."employee_id" LIMIT 1), 'shipper', (SELECT json_build_object('shipper_id', "n3"."shipper_id", 'company_name', "n3"."company_name", 'phone', "n3"."phone") FROM "public"."shippers" AS "n3" WHERE "n3"."shipper_id" = "n0"."ship_via" ORDER BY "n3"."shipper_id" LIMIT 1), 'lines', (SELECT json_agg(json_build_object('product_id', "n4"."product_id", 'unit_price', "n4"."unit_price", 'quantity', "n4"."quantity", 'discount', "n4"."discount", 'product', (SELECT json_build_object('product_name', "n5"."product_name", 'quantity_per_unit', "n5"."quantity_per_unit", 'category', (SELECT "n6"."category_name" FROM "public"."categories" AS "n6" WHERE "n6"."category_id" = "n5"."category_id" ORDER BY "n6"."category_id" LIMIT 1), 'supplier', (SELECT "n7"."company_name" FROM "public"."suppliers" AS "n7" WHERE "n7"."supplier_id" = "n5"."supplier_id" ORDER BY "n7"."supplier_id" LIMIT 1)) FROM "public"."products" AS "n5" WHERE "n5"."product_id" = "n4"."product_id" ORDER BY "n5"."product_id" LIMIT 1)) ORDER BY "n4"."order_id", "n4"."product_id") FROM "public"."order_details" AS "n4" WHERE "n4"."order_id" = "n0"."order_id")))::text FROM "public"."orders" AS "n0" WHERE "n0"."order_id" = "k"."k0"),
  jsonb_build_object('order_id', ("k"."k0")::smallint)::text
FROM v, k;

-- index northwind_order: backfill page
WITH v AS MATERIALIZED (SELECT nextval('"indexer"."version_seq"'::regclass) AS version)
SELECT v.version, to_json(("n0"."order_id")::text)::text, (json_build_object('order_id', "n0"."order_id", 'order_date', "n0"."order_date", 'required_date', "n0"."required_date", 'shipped_date', "n0"."shipped_date", 'freight', "n0"."freight", 'ship_name', "n0"."ship_name", 'ship_address', "n0"."ship_address", 'ship_city', "n0"."ship_city", 'ship_region', "n0"."ship_region", 'ship_postal_code', "n0"."ship_postal_code", 'ship_country', "n0"."ship_country", 'customer', (SELECT json_build_object('customer_id', "n1"."customer_id", 'company_name', "n1"."company_name", 'contact_name', "n1"."contact_name", 'city', "n1"."city", 'country', "n1"."country") FROM "public"."customers" AS "n1" WHERE "n1"."customer_id" = "n0"."customer_id" ORDER BY "n1"."customer_id" LIMIT 1), 'employee', (SELECT json_build_object('employee_id', "n2"."employee_id", 'first_name', "n2"."first_name", 'last_name', "n2"."last_name", 'title', "n2"."title") FROM "public"."employees" AS "n2" WHERE "n2"."employee_id" = "n0"."employee_id" ORDER BY "n2"."employee_id" LIMIT 1), 'shipper', (SELECT json_build_object('shipper_id', "n3"."shipper_id", 'company_name', "n3"."company_name", 'phone', "n3"."phone") FROM "public"."shippers" AS "n3" WHERE "n3"."shipper_id" = "n0"."ship_via" ORDER BY "n3"."shipper_id" LIMIT 1), 'lines', (SELECT json_agg(json_build_object('product_id', "n4"."product_id", 'unit_price', "n4"."unit_price", 'quantity', "n4"."quantity", 'discount', "n4"."discount", 'product', (SELECT json_build_object('product_name', "n5"."product_name", 'quantity_per_unit', "n5"."quantity_per_unit", 'category', (SELECT "n6"."category_name" FROM "public"."categories" AS "n6" WHERE "n6"."category_id" = "n5"."category_id" ORDER BY "n6"."category_id" LIMIT 1), 'supplier', (SELECT "n7"."company_name" FROM "public"."suppliers" AS "n7" WHERE "n7"."supplier_id" = "n5"."supplier_id" ORDER BY "n7"."supplier_id" LIMIT 1)) FROM "public"."products" AS "n5" WHERE "n5"."product_id" = "n4"."product_id" ORDER BY "n5"."product_id" LIMIT 1)) ORDER BY "n4"."order_id", "n4"."product_id") FROM "public"."order_details" AS "n4" WHERE "n4"."order_id" = "n0"."order_id")))::text, jsonb_build_object('order_id', ("n0"."order_id")::smallint)::text
FROM "public"."orders" AS "n0", v WHERE ("n0"."order_id") > ((%(after)s::jsonb ->> 'order_id')::smallint) AND ("n0"."order_id") <= ((%(upto)s::jsonb ->> 'order_id')::smallint)
ORDER BY "n0"."order_id" LIMIT %(limit)s;

-- capture of public.orders
CREATE OR REPLACE FUNCTION "indexer"."capture_orders_86a1f739"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'DECLARE _lsn pg_lsn; _n bigint; _changed boolean;
BEGIN
IF TG_OP = ''UPDATE'' THEN
SELECT (SELECT count(*) FROM new_rows), (SELECT ROW("n"."order_id", "n"."order_date", "n"."required_date", "n"."shipped_date", "n"."freight", "n"."ship_name", "n"."ship_address", "n"."ship_city", "n"."ship_region", "n"."ship_postal_code", "n"."ship_country", "n"."customer_id", "n"."employee_id", "n"."ship_via")::text IS DISTINCT FROM ROW("o"."order_id", "o"."order_date", "o"."required_date", "o"."shipped_date", "o"."freight", "o"."ship_name", "o"."ship_address", "o"."ship_city", "o"."ship_region", "o"."ship_postal_code", "o"."ship_country", "o"."customer_id", "o"."employee_id", "o"."ship_via")::text FROM new_rows AS n, old_rows AS o LIMIT 1) INTO _n, _changed;
IF _n = 1 THEN
IF _changed THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''update'', ''public.orders'', 0, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "c"."order_id") AS root_key FROM (SELECT n.* FROM new_rows AS n UNION ALL SELECT o.* FROM old_rows AS o) AS c  WHERE "c"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
END IF;
ELSE
_changed := EXISTS (SELECT FROM (SELECT ROW("n"."order_id", "n"."order_date", "n"."required_date", "n"."shipped_date", "n"."freight", "n"."ship_name", "n"."ship_address", "n"."ship_city", "n"."ship_region", "n"."ship_postal_code", "n"."ship_country", "n"."customer_id", "n"."employee_id", "n"."ship_via")::text AS r, 1 AS s FROM new_rows AS n UNION ALL SELECT ROW("o"."order_id", "o"."order_date", "o"."required_date", "o"."shipped_date", "o"."freight", "o"."ship_name", "o"."ship_address", "o"."ship_city", "o"."ship_region", "o"."ship_postal_code", "o"."ship_country", "o"."customer_id", "o"."employee_id", "o"."ship_via")::text, -1 FROM old_rows AS o) AS x GROUP BY x.r HAVING sum(x.s) <> 0);
IF NOT _changed THEN
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
ELSE
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''update'', ''public.orders'', 0, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "c"."order_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."order_id" = "n"."order_id" WHERE o."order_id" IS NULL OR ROW("n"."order_id", "n"."order_date", "n"."required_date", "n"."shipped_date", ("n"."freight")::text, "n"."ship_name", "n"."ship_address", "n"."ship_city", "n"."ship_region", "n"."ship_postal_code", "n"."ship_country", "n"."customer_id", "n"."employee_id", "n"."ship_via") IS DISTINCT FROM ROW("o"."order_id", "o"."order_date", "o"."required_date", "o"."shipped_date", ("o"."freight")::text, "o"."ship_name", "o"."ship_address", "o"."ship_city", "o"."ship_region", "o"."ship_postal_code", "o"."ship_country", "o"."customer_id", "o"."employee_id", "o"."ship_via") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."order_id" = "n"."order_id" WHERE n."order_id" IS NULL OR ROW("n"."order_id", "n"."order_date", "n"."required_date", "n"."shipped_date", ("n"."freight")::text, "n"."ship_name", "n"."ship_address", "n"."ship_city", "n"."ship_region", "n"."ship_postal_code", "n"."ship_country", "n"."customer_id", "n"."employee_id", "n"."ship_via") IS DISTINCT FROM ROW("o"."order_id", "o"."order_date", "o"."required_date", "o"."shipped_date", ("o"."freight")::text, "o"."ship_name", "o"."ship_address", "o"."ship_city", "o"."ship_region", "o"."ship_postal_code", "o"."ship_country", "o"."customer_id", "o"."employee_id", "o"."ship_via")) AS c  WHERE "c"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''update'''', ''''public.orders'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "c"."order_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."order_id" = "n"."order_id" WHERE o."order_id" IS NULL OR ROW("n"."order_id", "n"."order_date", "n"."required_date", "n"."shipped_date", ("n"."freight")::text, "n"."ship_name", "n"."ship_address", "n"."ship_city", "n"."ship_region", "n"."ship_postal_code", "n"."ship_country", "n"."customer_id", "n"."employee_id", "n"."ship_via") IS DISTINCT FROM ROW("o"."order_id", "o"."order_date", "o"."required_date", "o"."shipped_date", ("o"."freight")::text, "o"."ship_name", "o"."ship_address", "o"."ship_city", "o"."ship_region", "o"."ship_postal_code", "o"."ship_country", "o"."customer_id", "o"."employee_id", "o"."ship_via") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."order_id" = "n"."order_id" WHERE n."order_id" IS NULL OR ROW("n"."order_id", "n"."order_date", "n"."required_date", "n"."shipped_date", ("n"."freight")::text, "n"."ship_name", "n"."ship_address", "n"."ship_city", "n"."ship_region", "n"."ship_postal_code", "n"."ship_country", "n"."customer_id", "n"."employee_id", "n"."ship_via") IS DISTINCT FROM ROW("o"."order_id", "o"."order_date", "o"."required_date", "o"."shipped_date", ("o"."freight")::text, "o"."ship_name", "o"."ship_address", "o"."ship_city", "o"."ship_region", "o"."ship_postal_code", "o"."ship_country", "o"."customer_id", "o"."employee_id", "o"."ship_via")) AS c  WHERE "c"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
END IF;
ELSIF TG_OP = ''INSERT'' THEN
_n := (SELECT count(*) FROM new_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''insert'', ''public.orders'', 0, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "c"."order_id") AS root_key FROM new_rows AS c  WHERE "c"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''insert'''', ''''public.orders'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "c"."order_id") AS root_key FROM new_rows AS c  WHERE "c"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''DELETE'' THEN
_n := (SELECT count(*) FROM old_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''delete'', ''public.orders'', 0, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "c"."order_id") AS root_key FROM old_rows AS c  WHERE "c"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''delete'''', ''''public.orders'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "c"."order_id") AS root_key FROM old_rows AS c  WHERE "c"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''TRUNCATE'' THEN
_n := 0;
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''truncate'', ''public.orders'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "c"."order_id") AS root_key FROM "public"."orders" AS c  WHERE "c"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''truncate'''', ''''public.orders'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "c"."order_id") AS root_key FROM "public"."orders" AS c  WHERE "c"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
RETURN NULL;
END';

-- capture of public.customers
CREATE OR REPLACE FUNCTION "indexer"."capture_customers_746dedf2"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'DECLARE _lsn pg_lsn; _n bigint; _changed boolean;
BEGIN
IF TG_OP = ''UPDATE'' THEN
SELECT (SELECT count(*) FROM new_rows), (SELECT ROW("n"."customer_id", "n"."company_name", "n"."contact_name", "n"."city", "n"."country")::text IS DISTINCT FROM ROW("o"."customer_id", "o"."company_name", "o"."contact_name", "o"."city", "o"."country")::text FROM new_rows AS n, old_rows AS o LIMIT 1) INTO _n, _changed;
IF _n = 1 THEN
IF _changed THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''update'', ''public.customers'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j1"."order_id") AS root_key FROM (SELECT n.* FROM new_rows AS n UNION ALL SELECT o.* FROM old_rows AS o) AS c JOIN "public"."orders" AS "j1" ON "j1"."customer_id" = "c"."customer_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
END IF;
ELSE
_changed := EXISTS (SELECT FROM (SELECT ROW("n"."customer_id", "n"."company_name", "n"."contact_name", "n"."city", "n"."country")::text AS r, 1 AS s FROM new_rows AS n UNION ALL SELECT ROW("o"."customer_id", "o"."company_name", "o"."contact_name", "o"."city", "o"."country")::text, -1 FROM old_rows AS o) AS x GROUP BY x.r HAVING sum(x.s) <> 0);
IF NOT _changed THEN
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
ELSE
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''update'', ''public.customers'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j1"."order_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."customer_id" = "n"."customer_id" WHERE o."customer_id" IS NULL OR ROW("n"."customer_id", "n"."company_name", "n"."contact_name", "n"."city", "n"."country") IS DISTINCT FROM ROW("o"."customer_id", "o"."company_name", "o"."contact_name", "o"."city", "o"."country") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."customer_id" = "n"."customer_id" WHERE n."customer_id" IS NULL OR ROW("n"."customer_id", "n"."company_name", "n"."contact_name", "n"."city", "n"."country") IS DISTINCT FROM ROW("o"."customer_id", "o"."company_name", "o"."contact_name", "o"."city", "o"."country")) AS c JOIN "public"."orders" AS "j1" ON "j1"."customer_id" = "c"."customer_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''update'''', ''''public.customers'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "j1"."order_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."customer_id" = "n"."customer_id" WHERE o."customer_id" IS NULL OR ROW("n"."customer_id", "n"."company_name", "n"."contact_name", "n"."city", "n"."country") IS DISTINCT FROM ROW("o"."customer_id", "o"."company_name", "o"."contact_name", "o"."city", "o"."country") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."customer_id" = "n"."customer_id" WHERE n."customer_id" IS NULL OR ROW("n"."customer_id", "n"."company_name", "n"."contact_name", "n"."city", "n"."country") IS DISTINCT FROM ROW("o"."customer_id", "o"."company_name", "o"."contact_name", "o"."city", "o"."country")) AS c JOIN "public"."orders" AS "j1" ON "j1"."customer_id" = "c"."customer_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
END IF;
ELSIF TG_OP = ''INSERT'' THEN
_n := (SELECT count(*) FROM new_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''insert'', ''public.customers'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j1"."order_id") AS root_key FROM new_rows AS c JOIN "public"."orders" AS "j1" ON "j1"."customer_id" = "c"."customer_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''insert'''', ''''public.customers'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "j1"."order_id") AS root_key FROM new_rows AS c JOIN "public"."orders" AS "j1" ON "j1"."customer_id" = "c"."customer_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''DELETE'' THEN
_n := (SELECT count(*) FROM old_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''delete'', ''public.customers'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j1"."order_id") AS root_key FROM old_rows AS c JOIN "public"."orders" AS "j1" ON "j1"."customer_id" = "c"."customer_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''delete'''', ''''public.customers'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "j1"."order_id") AS root_key FROM old_rows AS c JOIN "public"."orders" AS "j1" ON "j1"."customer_id" = "c"."customer_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''TRUNCATE'' THEN
_n := 0;
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''truncate'', ''public.customers'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j1"."order_id") AS root_key FROM "public"."customers" AS c JOIN "public"."orders" AS "j1" ON "j1"."customer_id" = "c"."customer_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''truncate'''', ''''public.customers'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "j1"."order_id") AS root_key FROM "public"."customers" AS c JOIN "public"."orders" AS "j1" ON "j1"."customer_id" = "c"."customer_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
RETURN NULL;
END';

-- capture of public.employees
CREATE OR REPLACE FUNCTION "indexer"."capture_employees_2b107500"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'DECLARE _lsn pg_lsn; _n bigint; _changed boolean;
BEGIN
IF TG_OP = ''UPDATE'' THEN
SELECT (SELECT count(*) FROM new_rows), (SELECT ROW("n"."employee_id", "n"."first_name", "n"."last_name", "n"."title")::text IS DISTINCT FROM ROW("o"."employee_id", "o"."first_name", "o"."last_name", "o"."title")::text FROM new_rows AS n, old_rows AS o LIMIT 1) INTO _n, _changed;
IF _n = 1 THEN
IF _changed THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''update'', ''public.employees'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j1"."order_id") AS root_key FROM (SELECT n.* FROM new_rows AS n UNION ALL SELECT o.* FROM old_rows AS o) AS c JOIN "public"."orders" AS "j1" ON "j1"."employee_id" = "c"."employee_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
END IF;
ELSE
_changed := EXISTS (SELECT FROM (SELECT ROW("n"."employee_id", "n"."first_name", "n"."last_name", "n"."title")::text AS r, 1 AS s FROM new_rows AS n UNION ALL SELECT ROW("o"."employee_id", "o"."first_name", "o"."last_name", "o"."title")::text, -1 FROM old_rows AS o) AS x GROUP BY x.r HAVING sum(x.s) <> 0);
IF NOT _changed THEN
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
ELSE
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''update'', ''public.employees'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j1"."order_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."employee_id" = "n"."employee_id" WHERE o."employee_id" IS NULL OR ROW("n"."employee_id", "n"."first_name", "n"."last_name", "n"."title") IS DISTINCT FROM ROW("o"."employee_id", "o"."first_name", "o"."last_name", "o"."title") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."employee_id" = "n"."employee_id" WHERE n."employee_id" IS NULL OR ROW("n"."employee_id", "n"."first_name", "n"."last_name", "n"."title") IS DISTINCT FROM ROW("o"."employee_id", "o"."first_name", "o"."last_name", "o"."title")) AS c JOIN "public"."orders" AS "j1" ON "j1"."employee_id" = "c"."employee_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''update'''', ''''public.employees'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "j1"."order_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."employee_id" = "n"."employee_id" WHERE o."employee_id" IS NULL OR ROW("n"."employee_id", "n"."first_name", "n"."last_name", "n"."title") IS DISTINCT FROM ROW("o"."employee_id", "o"."first_name", "o"."last_name", "o"."title") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."employee_id" = "n"."employee_id" WHERE n."employee_id" IS NULL OR ROW("n"."employee_id", "n"."first_name", "n"."last_name", "n"."title") IS DISTINCT FROM ROW("o"."employee_id", "o"."first_name", "o"."last_name", "o"."title")) AS c JOIN "public"."orders" AS "j1" ON "j1"."employee_id" = "c"."employee_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
END IF;
ELSIF TG_OP = ''INSERT'' THEN
_n := (SELECT count(*) FROM new_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''insert'', ''public.employees'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j1"."order_id") AS root_key FROM new_rows AS c JOIN "public"."orders" AS "j1" ON "j1"."employee_id" = "c"."employee_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''insert'''', ''''public.employees'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "j1"."order_id") AS root_key FROM new_rows AS c JOIN "public"."orders" AS "j1" ON "j1"."employee_id" = "c"."employee_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''DELETE'' THEN
_n := (SELECT count(*) FROM old_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''delete'', ''public.employees'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j1"."order_id") AS root_key FROM old_rows AS c JOIN "public"."orders" AS "j1" ON "j1"."employee_id" = "c"."employee_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''delete'''', ''''public.employees'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "j1"."order_id") AS root_key FROM old_rows AS c JOIN "public"."orders" AS "j1" ON "j1"."employee_id" = "c"."employee_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''TRUNCATE'' THEN
_n := 0;
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''truncate'', ''public.employees'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j1"."order_id") AS root_key FROM "public"."employees" AS c JOIN "public"."orders" AS "j1" ON "j1"."employee_id" = "c"."employee_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''truncate'''', ''''public.employees'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "j1"."order_id") AS root_key FROM "public"."employees" AS c JOIN "public"."orders" AS "j1" ON "j1"."employee_id" = "c"."employee_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
RETURN NULL;
END';

-- capture of public.shippers
CREATE OR REPLACE FUNCTION "indexer"."capture_shippers_245708bb"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'DECLARE _lsn pg_lsn; _n bigint; _changed boolean;
BEGIN
IF TG_OP = ''UPDATE'' THEN
SELECT (SELECT count(*) FROM new_rows), (SELECT ROW("n"."shipper_id", "n"."company_name", "n"."phone")::text IS DISTINCT FROM ROW("o"."shipper_id", "o"."company_name", "o"."phone")::text FROM new_rows AS n, old_rows AS o LIMIT 1) INTO _n, _changed;
IF _n = 1 THEN
IF _changed THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''update'', ''public.shippers'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j1"."order_id") AS root_key FROM (SELECT n.* FROM new_rows AS n UNION ALL SELECT o.* FROM old_rows AS o) AS c JOIN "public"."orders" AS "j1" ON "j1"."ship_via" = "c"."shipper_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
END IF;
ELSE
_changed := EXISTS (SELECT FROM (SELECT ROW("n"."shipper_id", "n"."company_name", "n"."phone")::text AS r, 1 AS s FROM new_rows AS n UNION ALL SELECT ROW("o"."shipper_id", "o"."company_name", "o"."phone")::text, -1 FROM old_rows AS o) AS x GROUP BY x.r HAVING sum(x.s) <> 0);
IF NOT _changed THEN
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
ELSE
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''update'', ''public.shippers'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j1"."order_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."shipper_id" = "n"."shipper_id" WHERE o."shipper_id" IS NULL OR ROW("n"."shipper_id", "n"."company_name", "n"."phone") IS DISTINCT FROM ROW("o"."shipper_id", "o"."company_name", "o"."phone") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."shipper_id" = "n"."shipper_id" WHERE n."shipper_id" IS NULL OR ROW("n"."shipper_id", "n"."company_name", "n"."phone") IS DISTINCT FROM ROW("o"."shipper_id", "o"."company_name", "o"."phone")) AS c JOIN "public"."orders" AS "j1" ON "j1"."ship_via" = "c"."shipper_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''update'''', ''''public.shippers'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "j1"."order_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."shipper_id" = "n"."shipper_id" WHERE o."shipper_id" IS NULL OR ROW("n"."shipper_id", "n"."company_name", "n"."phone") IS DISTINCT FROM ROW("o"."shipper_id", "o"."company_name", "o"."phone") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."shipper_id" = "n"."shipper_id" WHERE n."shipper_id" IS NULL OR ROW("n"."shipper_id", "n"."company_name", "n"."phone") IS DISTINCT FROM ROW("o"."shipper_id", "o"."company_name", "o"."phone")) AS c JOIN "public"."orders" AS "j1" ON "j1"."ship_via" = "c"."shipper_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
END IF;
ELSIF TG_OP = ''INSERT'' THEN
_n := (SELECT count(*) FROM new_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''insert'', ''public.shippers'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j1"."order_id") AS root_key FROM new_rows AS c JOIN "public"."orders" AS "j1" ON "j1"."ship_via" = "c"."shipper_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''insert'''', ''''public.shippers'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "j1"."order_id") AS root_key FROM new_rows AS c JOIN "public"."orders" AS "j1" ON "j1"."ship_via" = "c"."shipper_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''DELETE'' THEN
_n := (SELECT count(*) FROM old_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''delete'', ''public.shippers'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j1"."order_id") AS root_key FROM old_rows AS c JOIN "public"."orders" AS "j1" ON "j1"."ship_via" = "c"."shipper_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''delete'''', ''''public.shippers'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "j1"."order_id") AS root_key FROM old_rows AS c JOIN "public"."orders" AS "j1" ON "j1"."ship_via" = "c"."shipper_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''TRUNCATE'' THEN
_n := 0;
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''truncate'', ''public.shippers'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j1"."order_id") AS root_key FROM "public"."shippers" AS c JOIN "public"."orders" AS "j1" ON "j1"."ship_via" = "c"."shipper_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''truncate'''', ''''public.shippers'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "j1"."order_id") AS root_key FROM "public"."shippers" AS c JOIN "public"."orders" AS "j1" ON "j1"."ship_via" = "c"."shipper_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
RETURN NULL;
END';

-- capture of public.order_details
CREATE OR REPLACE FUNCTION "indexer"."capture_order_details_54b9b341"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'DECLARE _lsn pg_lsn; _n bigint; _changed boolean;
BEGIN
IF TG_OP = ''UPDATE'' THEN
SELECT (SELECT count(*) FROM new_rows), (SELECT ROW("n"."order_id", "n"."product_id", "n"."unit_price", "n"."quantity", "n"."discount")::text IS DISTINCT FROM ROW("o"."order_id", "o"."product_id", "o"."unit_price", "o"."quantity", "o"."discount")::text FROM new_rows AS n, old_rows AS o LIMIT 1) INTO _n, _changed;
IF _n = 1 THEN
IF _changed THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''update'', ''public.order_details'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "c"."order_id") AS root_key FROM (SELECT n.* FROM new_rows AS n UNION ALL SELECT o.* FROM old_rows AS o) AS c  WHERE "c"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
END IF;
ELSE
_changed := EXISTS (SELECT FROM (SELECT ROW("n"."order_id", "n"."product_id", "n"."unit_price", "n"."quantity", "n"."discount")::text AS r, 1 AS s FROM new_rows AS n UNION ALL SELECT ROW("o"."order_id", "o"."product_id", "o"."unit_price", "o"."quantity", "o"."discount")::text, -1 FROM old_rows AS o) AS x GROUP BY x.r HAVING sum(x.s) <> 0);
IF NOT _changed THEN
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
ELSE
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''update'', ''public.order_details'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "c"."order_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."order_id" = "n"."order_id" AND "o"."product_id" = "n"."product_id" WHERE o."order_id" IS NULL OR ROW("n"."order_id", "n"."product_id", ("n"."unit_price")::text, "n"."quantity", ("n"."discount")::text) IS DISTINCT FROM ROW("o"."order_id", "o"."product_id", ("o"."unit_price")::text, "o"."quantity", ("o"."discount")::text) UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."order_id" = "n"."order_id" AND "o"."product_id" = "n"."product_id" WHERE n."order_id" IS NULL OR ROW("n"."order_id", "n"."product_id", ("n"."unit_price")::text, "n"."quantity", ("n"."discount")::text) IS DISTINCT FROM ROW("o"."order_id", "o"."product_id", ("o"."unit_price")::text, "o"."quantity", ("o"."discount")::text)) AS c  WHERE "c"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''update'''', ''''public.order_details'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "c"."order_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."order_id" = "n"."order_id" AND "o"."product_id" = "n"."product_id" WHERE o."order_id" IS NULL OR ROW("n"."order_id", "n"."product_id", ("n"."unit_price")::text, "n"."quantity", ("n"."discount")::text) IS DISTINCT FROM ROW("o"."order_id", "o"."product_id", ("o"."unit_price")::text, "o"."quantity", ("o"."discount")::text) UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."order_id" = "n"."order_id" AND "o"."product_id" = "n"."product_id" WHERE n."order_id" IS NULL OR ROW("n"."order_id", "n"."product_id", ("n"."unit_price")::text, "n"."quantity", ("n"."discount")::text) IS DISTINCT FROM ROW("o"."order_id", "o"."product_id", ("o"."unit_price")::text, "o"."quantity", ("o"."discount")::text)) AS c  WHERE "c"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
END IF;
ELSIF TG_OP = ''INSERT'' THEN
_n := (SELECT count(*) FROM new_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''insert'', ''public.order_details'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "c"."order_id") AS root_key FROM new_rows AS c  WHERE "c"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''insert'''', ''''public.order_details'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "c"."order_id") AS root_key FROM new_rows AS c  WHERE "c"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''DELETE'' THEN
_n := (SELECT count(*) FROM old_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''delete'', ''public.order_details'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "c"."order_id") AS root_key FROM old_rows AS c  WHERE "c"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''delete'''', ''''public.order_details'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "c"."order_id") AS root_key FROM old_rows AS c  WHERE "c"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''TRUNCATE'' THEN
_n := 0;
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''truncate'', ''public.order_details'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "c"."order_id") AS root_key FROM "public"."order_details" AS c  WHERE "c"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''truncate'''', ''''public.order_details'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "c"."order_id") AS root_key FROM "public"."order_details" AS c  WHERE "c"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
RETURN NULL;
END';

-- capture of public.products
CREATE OR REPLACE FUNCTION "indexer"."capture_products_f2ef6d14"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'DECLARE _lsn pg_lsn; _n bigint; _changed boolean;
BEGIN
IF TG_OP = ''UPDATE'' THEN
SELECT (SELECT count(*) FROM new_rows), (SELECT ROW("n"."product_id", "n"."product_name", "n"."quantity_per_unit", "n"."category_id", "n"."supplier_id")::text IS DISTINCT FROM ROW("o"."product_id", "o"."product_name", "o"."quantity_per_unit", "o"."category_id", "o"."supplier_id")::text FROM new_rows AS n, old_rows AS o LIMIT 1) INTO _n, _changed;
IF _n = 1 THEN
IF _changed THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''update'', ''public.products'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j1"."order_id") AS root_key FROM (SELECT n.* FROM new_rows AS n UNION ALL SELECT o.* FROM old_rows AS o) AS c JOIN "public"."order_details" AS "j1" ON "j1"."product_id" = "c"."product_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
END IF;
ELSE
_changed := EXISTS (SELECT FROM (SELECT ROW("n"."product_id", "n"."product_name", "n"."quantity_per_unit", "n"."category_id", "n"."supplier_id")::text AS r, 1 AS s FROM new_rows AS n UNION ALL SELECT ROW("o"."product_id", "o"."product_name", "o"."quantity_per_unit", "o"."category_id", "o"."supplier_id")::text, -1 FROM old_rows AS o) AS x GROUP BY x.r HAVING sum(x.s) <> 0);
IF NOT _changed THEN
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
ELSE
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''update'', ''public.products'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j1"."order_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."product_id" = "n"."product_id" WHERE o."product_id" IS NULL OR ROW("n"."product_id", "n"."product_name", "n"."quantity_per_unit", "n"."category_id", "n"."supplier_id") IS DISTINCT FROM ROW("o"."product_id", "o"."product_name", "o"."quantity_per_unit", "o"."category_id", "o"."supplier_id") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."product_id" = "n"."product_id" WHERE n."product_id" IS NULL OR ROW("n"."product_id", "n"."product_name", "n"."quantity_per_unit", "n"."category_id", "n"."supplier_id") IS DISTINCT FROM ROW("o"."product_id", "o"."product_name", "o"."quantity_per_unit", "o"."category_id", "o"."supplier_id")) AS c JOIN "public"."order_details" AS "j1" ON "j1"."product_id" = "c"."product_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''update'''', ''''public.products'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "j1"."order_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."product_id" = "n"."product_id" WHERE o."product_id" IS NULL OR ROW("n"."product_id", "n"."product_name", "n"."quantity_per_unit", "n"."category_id", "n"."supplier_id") IS DISTINCT FROM ROW("o"."product_id", "o"."product_name", "o"."quantity_per_unit", "o"."category_id", "o"."supplier_id") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."product_id" = "n"."product_id" WHERE n."product_id" IS NULL OR ROW("n"."product_id", "n"."product_name", "n"."quantity_per_unit", "n"."category_id", "n"."supplier_id") IS DISTINCT FROM ROW("o"."product_id", "o"."product_name", "o"."quantity_per_unit", "o"."category_id", "o"."supplier_id")) AS c JOIN "public"."order_details" AS "j1" ON "j1"."product_id" = "c"."product_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
END IF;
ELSIF TG_OP = ''INSERT'' THEN
_n := (SELECT count(*) FROM new_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''insert'', ''public.products'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j1"."order_id") AS root_key FROM new_rows AS c JOIN "public"."order_details" AS "j1" ON "j1"."product_id" = "c"."product_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''insert'''', ''''public.products'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "j1"."order_id") AS root_key FROM new_rows AS c JOIN "public"."order_details" AS "j1" ON "j1"."product_id" = "c"."product_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''DELETE'' THEN
_n := (SELECT count(*) FROM old_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''delete'', ''public.products'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j1"."order_id") AS root_key FROM old_rows AS c JOIN "public"."order_details" AS "j1" ON "j1"."product_id" = "c"."product_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''delete'''', ''''public.products'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "j1"."order_id") AS root_key FROM old_rows AS c JOIN "public"."order_details" AS "j1" ON "j1"."product_id" = "c"."product_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''TRUNCATE'' THEN
_n := 0;
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''truncate'', ''public.products'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j1"."order_id") AS root_key FROM "public"."products" AS c JOIN "public"."order_details" AS "j1" ON "j1"."product_id" = "c"."product_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''truncate'''', ''''public.products'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "j1"."order_id") AS root_key FROM "public"."products" AS c JOIN "public"."order_details" AS "j1" ON "j1"."product_id" = "c"."product_id" WHERE "j1"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
RETURN NULL;
END';

-- capture of public.categories
CREATE OR REPLACE FUNCTION "indexer"."capture_categories_51e14854"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'DECLARE _lsn pg_lsn; _n bigint; _changed boolean;
BEGIN
IF TG_OP = ''UPDATE'' THEN
SELECT (SELECT count(*) FROM new_rows), (SELECT ROW("n"."category_id", "n"."category_name")::text IS DISTINCT FROM ROW("o"."category_id", "o"."category_name")::text FROM new_rows AS n, old_rows AS o LIMIT 1) INTO _n, _changed;
IF _n = 1 THEN
IF _changed THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''update'', ''public.categories'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j2"."order_id") AS root_key FROM (SELECT n.* FROM new_rows AS n UNION ALL SELECT o.* FROM old_rows AS o) AS c JOIN "public"."products" AS "j1" ON "j1"."category_id" = "c"."category_id" JOIN "public"."order_details" AS "j2" ON "j2"."product_id" = "j1"."product_id" WHERE "j2"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
END IF;
ELSE
_changed := EXISTS (SELECT FROM (SELECT ROW("n"."category_id", "n"."category_name")::text AS r, 1 AS s FROM new_rows AS n UNION ALL SELECT ROW("o"."category_id", "o"."category_name")::text, -1 FROM old_rows AS o) AS x GROUP BY x.r HAVING sum(x.s) <> 0);
IF NOT _changed THEN
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
ELSE
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''update'', ''public.categories'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j2"."order_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."category_id" = "n"."category_id" WHERE o."category_id" IS NULL OR ROW("n"."category_id", "n"."category_name") IS DISTINCT FROM ROW("o"."category_id", "o"."category_name") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."category_id" = "n"."category_id" WHERE n."category_id" IS NULL OR ROW("n"."category_id", "n"."category_name") IS DISTINCT FROM ROW("o"."category_id", "o"."category_name")) AS c JOIN "public"."products" AS "j1" ON "j1"."category_id" = "c"."category_id" JOIN "public"."order_details" AS "j2" ON "j2"."product_id" = "j1"."product_id" WHERE "j2"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''update'''', ''''public.categories'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "j2"."order_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."category_id" = "n"."category_id" WHERE o."category_id" IS NULL OR ROW("n"."category_id", "n"."category_name") IS DISTINCT FROM ROW("o"."category_id", "o"."category_name") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."category_id" = "n"."category_id" WHERE n."category_id" IS NULL OR ROW("n"."category_id", "n"."category_name") IS DISTINCT FROM ROW("o"."category_id", "o"."category_name")) AS c JOIN "public"."products" AS "j1" ON "j1"."category_id" = "c"."category_id" JOIN "public"."order_details" AS "j2" ON "j2"."product_id" = "j1"."product_id" WHERE "j2"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
END IF;
ELSIF TG_OP = ''INSERT'' THEN
_n := (SELECT count(*) FROM new_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''insert'', ''public.categories'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j2"."order_id") AS root_key FROM new_rows AS c JOIN "public"."products" AS "j1" ON "j1"."category_id" = "c"."category_id" JOIN "public"."order_details" AS "j2" ON "j2"."product_id" = "j1"."product_id" WHERE "j2"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''insert'''', ''''public.categories'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "j2"."order_id") AS root_key FROM new_rows AS c JOIN "public"."products" AS "j1" ON "j1"."category_id" = "c"."category_id" JOIN "public"."order_details" AS "j2" ON "j2"."product_id" = "j1"."product_id" WHERE "j2"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''DELETE'' THEN
_n := (SELECT count(*) FROM old_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''delete'', ''public.categories'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j2"."order_id") AS root_key FROM old_rows AS c JOIN "public"."products" AS "j1" ON "j1"."category_id" = "c"."category_id" JOIN "public"."order_details" AS "j2" ON "j2"."product_id" = "j1"."product_id" WHERE "j2"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''delete'''', ''''public.categories'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "j2"."order_id") AS root_key FROM old_rows AS c JOIN "public"."products" AS "j1" ON "j1"."category_id" = "c"."category_id" JOIN "public"."order_details" AS "j2" ON "j2"."product_id" = "j1"."product_id" WHERE "j2"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''TRUNCATE'' THEN
_n := 0;
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''truncate'', ''public.categories'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j2"."order_id") AS root_key FROM "public"."categories" AS c JOIN "public"."products" AS "j1" ON "j1"."category_id" = "c"."category_id" JOIN "public"."order_details" AS "j2" ON "j2"."product_id" = "j1"."product_id" WHERE "j2"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''truncate'''', ''''public.categories'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "j2"."order_id") AS root_key FROM "public"."categories" AS c JOIN "public"."products" AS "j1" ON "j1"."category_id" = "c"."category_id" JOIN "public"."order_details" AS "j2" ON "j2"."product_id" = "j1"."product_id" WHERE "j2"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
RETURN NULL;
END';

-- capture of public.suppliers
CREATE OR REPLACE FUNCTION "indexer"."capture_suppliers_9c13acc9"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'DECLARE _lsn pg_lsn; _n bigint; _changed boolean;
BEGIN
IF TG_OP = ''UPDATE'' THEN
SELECT (SELECT count(*) FROM new_rows), (SELECT ROW("n"."supplier_id", "n"."company_name")::text IS DISTINCT FROM ROW("o"."supplier_id", "o"."company_name")::text FROM new_rows AS n, old_rows AS o LIMIT 1) INTO _n, _changed;
IF _n = 1 THEN
IF _changed THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''update'', ''public.suppliers'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j2"."order_id") AS root_key FROM (SELECT n.* FROM new_rows AS n UNION ALL SELECT o.* FROM old_rows AS o) AS c JOIN "public"."products" AS "j1" ON "j1"."supplier_id" = "c"."supplier_id" JOIN "public"."order_details" AS "j2" ON "j2"."product_id" = "j1"."product_id" WHERE "j2"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
END IF;
ELSE
_changed := EXISTS (SELECT FROM (SELECT ROW("n"."supplier_id", "n"."company_name")::text AS r, 1 AS s FROM new_rows AS n UNION ALL SELECT ROW("o"."supplier_id", "o"."company_name")::text, -1 FROM old_rows AS o) AS x GROUP BY x.r HAVING sum(x.s) <> 0);
IF NOT _changed THEN
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
ELSE
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''update'', ''public.suppliers'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j2"."order_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."supplier_id" = "n"."supplier_id" WHERE o."supplier_id" IS NULL OR ROW("n"."supplier_id", "n"."company_name") IS DISTINCT FROM ROW("o"."supplier_id", "o"."company_name") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."supplier_id" = "n"."supplier_id" WHERE n."supplier_id" IS NULL OR ROW("n"."supplier_id", "n"."company_name") IS DISTINCT FROM ROW("o"."supplier_id", "o"."company_name")) AS c JOIN "public"."products" AS "j1" ON "j1"."supplier_id" = "c"."supplier_id" JOIN "public"."order_details" AS "j2" ON "j2"."product_id" = "j1"."product_id" WHERE "j2"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''update'''', ''''public.suppliers'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "j2"."order_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."supplier_id" = "n"."supplier_id" WHERE o."supplier_id" IS NULL OR ROW("n"."supplier_id", "n"."company_name") IS DISTINCT FROM ROW("o"."supplier_id", "o"."company_name") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."supplier_id" = "n"."supplier_id" WHERE n."supplier_id" IS NULL OR ROW("n"."supplier_id", "n"."company_name") IS DISTINCT FROM ROW("o"."supplier_id", "o"."company_name")) AS c JOIN "public"."products" AS "j1" ON "j1"."supplier_id" = "c"."supplier_id" JOIN "public"."order_details" AS "j2" ON "j2"."product_id" = "j1"."product_id" WHERE "j2"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
END IF;
ELSIF TG_OP = ''INSERT'' THEN
_n := (SELECT count(*) FROM new_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''insert'', ''public.suppliers'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j2"."order_id") AS root_key FROM new_rows AS c JOIN "public"."products" AS "j1" ON "j1"."supplier_id" = "c"."supplier_id" JOIN "public"."order_details" AS "j2" ON "j2"."product_id" = "j1"."product_id" WHERE "j2"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''insert'''', ''''public.suppliers'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "j2"."order_id") AS root_key FROM new_rows AS c JOIN "public"."products" AS "j1" ON "j1"."supplier_id" = "c"."supplier_id" JOIN "public"."order_details" AS "j2" ON "j2"."product_id" = "j1"."product_id" WHERE "j2"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''DELETE'' THEN
_n := (SELECT count(*) FROM old_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''delete'', ''public.suppliers'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j2"."order_id") AS root_key FROM old_rows AS c JOIN "public"."products" AS "j1" ON "j1"."supplier_id" = "c"."supplier_id" JOIN "public"."order_details" AS "j2" ON "j2"."product_id" = "j1"."product_id" WHERE "j2"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''delete'''', ''''public.suppliers'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "j2"."order_id") AS root_key FROM old_rows AS c JOIN "public"."products" AS "j1" ON "j1"."supplier_id" = "c"."supplier_id" JOIN "public"."order_details" AS "j2" ON "j2"."product_id" = "j1"."product_id" WHERE "j2"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''TRUNCATE'' THEN
_n := 0;
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''northwind_order'', q.root_key, ''truncate'', ''public.suppliers'', 1, "indexer"."outbox_partition"(''northwind_order'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''order_id'', "j2"."order_id") AS root_key FROM "public"."suppliers" AS c JOIN "public"."products" AS "j1" ON "j1"."supplier_id" = "c"."supplier_id" JOIN "public"."order_details" AS "j2" ON "j2"."product_id" = "j1"."product_id" WHERE "j2"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''northwind_order'''', q.root_key, ''''truncate'''', ''''public.suppliers'''', 1, "indexer"."outbox_partition"(''''northwind_order'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''order_id'''', "j2"."order_id") AS root_key FROM "public"."suppliers" AS c JOIN "public"."products" AS "j1" ON "j1"."supplier_id" = "c"."supplier_id" JOIN "public"."order_details" AS "j2" ON "j2"."product_id" = "j1"."product_id" WHERE "j2"."order_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
RETURN NULL;
END';
