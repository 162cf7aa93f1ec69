-- index books: documents by key
WITH v AS MATERIALIZED (SELECT nextval('"indexer"."version_seq"'::regclass) AS version), k AS (SELECT DISTINCT (e.key ->> 'id')::integer AS "k0" FROM jsonb_array_elements(%(keys)s::jsonb) AS e(key) ORDER BY "k0")
SELECT v.version, to_json(("k"."k0")::text)::text,
  (SELECT (json_build_object('id', "n0"."id", 'isbn', "n0"."isbn", 'title', "n0"."title", 'description', "n0"."description", 'price', "n0"."price", 'published_on', "n0"."published_on", 'publisher', (SELECT json_build_object('id', "n1"."id", 'name', "n1"."name", 'country', "n1"."country") FROM "public"."publisher" AS "n1" WHERE "n1"."id" = "n0"."publisher_id" ORDER BY "n1"."id" LIMIT 1), 'authors', (SELECT json_agg(json_build_object('id', "n2"."id", 'name', "n2"."name") ORDER BY "n2"."id", "t2"."book_id", "t2"."author_id") FROM "public"."book_author" AS "t2" JOIN "public"."author" AS "n2" ON "n2"."id" = "t2"."author_id" WHERE "t2"."book_id" = "n0"."id")))::text FROM "public"."book" AS "n0" WHERE "n0"."id" = "k"."k0"),
  jsonb_build_object('id', ("k"."k0")::integer)::text
FROM v, k;

-- index books: backfill page
WITH v AS MATERIALIZED (SELECT nextval('"indexer"."version_seq"'::regclass) AS version)
SELECT v.version, to_json(("n0"."id")::text)::text, (json_build_object('id', "n0"."id", 'isbn', "n0"."isbn", 'title', "n0"."title", 'description', "n0"."description", 'price', "n0"."price", 'published_on', "n0"."published_on", 'publisher', (SELECT json_build_object('id', "n1"."id", 'name', "n1"."name", 'country', "n1"."country") FROM "public"."publisher" AS "n1" WHERE "n1"."id" = "n0"."publisher_id" ORDER BY "n1"."id" LIMIT 1), 'authors', (SELECT json_agg(json_build_object('id', "n2"."id", 'name', "n2"."name") ORDER BY "n2"."id", "t2"."book_id", "t2"."author_id") FROM "public"."book_author" AS "t2" JOIN "public"."author" AS "n2" ON "n2"."id" = "t2"."author_id" WHERE "t2"."book_id" = "n0"."id")))::text, jsonb_build_object('id', ("n0"."id")::integer)::text
FROM "public"."book" AS "n0", v WHERE ("n0"."id") > ((%(after)s::jsonb ->> 'id')::integer) AND ("n0"."id") <= ((%(upto)s::jsonb ->> 'id')::integer)
ORDER BY "n0"."id" LIMIT %(limit)s;

-- capture of public.book
CREATE OR REPLACE FUNCTION "indexer"."capture_book_77dab5b4"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'DECLARE _lsn pg_lsn; _n bigint; _changed boolean;
BEGIN
IF TG_OP = ''UPDATE'' THEN
SELECT (SELECT count(*) FROM new_rows), (SELECT ROW("n"."id", "n"."isbn", "n"."title", "n"."description", "n"."price", "n"."published_on", "n"."publisher_id")::text IS DISTINCT FROM ROW("o"."id", "o"."isbn", "o"."title", "o"."description", "o"."price", "o"."published_on", "o"."publisher_id")::text FROM new_rows AS n, old_rows AS o LIMIT 1) INTO _n, _changed;
IF _n = 1 THEN
IF _changed THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''books'', q.root_key, ''update'', ''public.book'', 0, "indexer"."outbox_partition"(''books'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''id'', "c"."id") AS root_key FROM (SELECT n.* FROM new_rows AS n UNION ALL SELECT o.* FROM old_rows AS o) AS c  WHERE "c"."id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
END IF;
ELSE
_changed := EXISTS (SELECT FROM (SELECT ROW("n"."id", "n"."isbn", "n"."title", "n"."description", "n"."price", "n"."published_on", "n"."publisher_id")::text AS r, 1 AS s FROM new_rows AS n UNION ALL SELECT ROW("o"."id", "o"."isbn", "o"."title", "o"."description", "o"."price", "o"."published_on", "o"."publisher_id")::text, -1 FROM old_rows AS o) AS x GROUP BY x.r HAVING sum(x.s) <> 0);
IF NOT _changed THEN
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
ELSE
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''books'', q.root_key, ''update'', ''public.book'', 0, "indexer"."outbox_partition"(''books'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''id'', "c"."id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."id" = "n"."id" WHERE o."id" IS NULL OR ROW("n"."id", "n"."isbn", "n"."title", "n"."description", ("n"."price")::text, "n"."published_on", "n"."publisher_id") IS DISTINCT FROM ROW("o"."id", "o"."isbn", "o"."title", "o"."description", ("o"."price")::text, "o"."published_on", "o"."publisher_id") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."id" = "n"."id" WHERE n."id" IS NULL OR ROW("n"."id", "n"."isbn", "n"."title", "n"."description", ("n"."price")::text, "n"."published_on", "n"."publisher_id") IS DISTINCT FROM ROW("o"."id", "o"."isbn", "o"."title", "o"."description", ("o"."price")::text, "o"."published_on", "o"."publisher_id")) AS c  WHERE "c"."id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''books'''', q.root_key, ''''update'''', ''''public.book'''', 1, "indexer"."outbox_partition"(''''books'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''id'''', "c"."id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."id" = "n"."id" WHERE o."id" IS NULL OR ROW("n"."id", "n"."isbn", "n"."title", "n"."description", ("n"."price")::text, "n"."published_on", "n"."publisher_id") IS DISTINCT FROM ROW("o"."id", "o"."isbn", "o"."title", "o"."description", ("o"."price")::text, "o"."published_on", "o"."publisher_id") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."id" = "n"."id" WHERE n."id" IS NULL OR ROW("n"."id", "n"."isbn", "n"."title", "n"."description", ("n"."price")::text, "n"."published_on", "n"."publisher_id") IS DISTINCT FROM ROW("o"."id", "o"."isbn", "o"."title", "o"."description", ("o"."price")::text, "o"."published_on", "o"."publisher_id")) AS c  WHERE "c"."id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
END IF;
ELSIF TG_OP = ''INSERT'' THEN
_n := (SELECT count(*) FROM new_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''books'', q.root_key, ''insert'', ''public.book'', 0, "indexer"."outbox_partition"(''books'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''id'', "c"."id") AS root_key FROM new_rows AS c  WHERE "c"."id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''books'''', q.root_key, ''''insert'''', ''''public.book'''', 1, "indexer"."outbox_partition"(''''books'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''id'''', "c"."id") AS root_key FROM new_rows AS c  WHERE "c"."id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''DELETE'' THEN
_n := (SELECT count(*) FROM old_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''books'', q.root_key, ''delete'', ''public.book'', 0, "indexer"."outbox_partition"(''books'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''id'', "c"."id") AS root_key FROM old_rows AS c  WHERE "c"."id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''books'''', q.root_key, ''''delete'''', ''''public.book'''', 1, "indexer"."outbox_partition"(''''books'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''id'''', "c"."id") AS root_key FROM old_rows AS c  WHERE "c"."id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''TRUNCATE'' THEN
_n := 0;
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''books'', q.root_key, ''truncate'', ''public.book'', 1, "indexer"."outbox_partition"(''books'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''id'', "c"."id") AS root_key FROM "public"."book" AS c  WHERE "c"."id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''books'''', q.root_key, ''''truncate'''', ''''public.book'''', 1, "indexer"."outbox_partition"(''''books'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''id'''', "c"."id") AS root_key FROM "public"."book" AS c  WHERE "c"."id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
RETURN NULL;
END';

-- capture of public.publisher
CREATE OR REPLACE FUNCTION "indexer"."capture_publisher_4e68d38c"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'DECLARE _lsn pg_lsn; _n bigint; _changed boolean;
BEGIN
IF TG_OP = ''UPDATE'' THEN
SELECT (SELECT count(*) FROM new_rows), (SELECT ROW("n"."id", "n"."name", "n"."country")::text IS DISTINCT FROM ROW("o"."id", "o"."name", "o"."country")::text FROM new_rows AS n, old_rows AS o LIMIT 1) INTO _n, _changed;
IF _n = 1 THEN
IF _changed THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''books'', q.root_key, ''update'', ''public.publisher'', 1, "indexer"."outbox_partition"(''books'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''id'', "j1"."id") AS root_key FROM (SELECT n.* FROM new_rows AS n UNION ALL SELECT o.* FROM old_rows AS o) AS c JOIN "public"."book" AS "j1" ON "j1"."publisher_id" = "c"."id" WHERE "j1"."id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
END IF;
ELSE
_changed := EXISTS (SELECT FROM (SELECT ROW("n"."id", "n"."name", "n"."country")::text AS r, 1 AS s FROM new_rows AS n UNION ALL SELECT ROW("o"."id", "o"."name", "o"."country")::text, -1 FROM old_rows AS o) AS x GROUP BY x.r HAVING sum(x.s) <> 0);
IF NOT _changed THEN
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
ELSE
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''books'', q.root_key, ''update'', ''public.publisher'', 1, "indexer"."outbox_partition"(''books'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''id'', "j1"."id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."id" = "n"."id" WHERE o."id" IS NULL OR ROW("n"."id", "n"."name", "n"."country") IS DISTINCT FROM ROW("o"."id", "o"."name", "o"."country") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."id" = "n"."id" WHERE n."id" IS NULL OR ROW("n"."id", "n"."name", "n"."country") IS DISTINCT FROM ROW("o"."id", "o"."name", "o"."country")) AS c JOIN "public"."book" AS "j1" ON "j1"."publisher_id" = "c"."id" WHERE "j1"."id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''books'''', q.root_key, ''''update'''', ''''public.publisher'''', 1, "indexer"."outbox_partition"(''''books'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''id'''', "j1"."id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."id" = "n"."id" WHERE o."id" IS NULL OR ROW("n"."id", "n"."name", "n"."country") IS DISTINCT FROM ROW("o"."id", "o"."name", "o"."country") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."id" = "n"."id" WHERE n."id" IS NULL OR ROW("n"."id", "n"."name", "n"."country") IS DISTINCT FROM ROW("o"."id", "o"."name", "o"."country")) AS c JOIN "public"."book" AS "j1" ON "j1"."publisher_id" = "c"."id" WHERE "j1"."id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
END IF;
ELSIF TG_OP = ''INSERT'' THEN
_n := (SELECT count(*) FROM new_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''books'', q.root_key, ''insert'', ''public.publisher'', 1, "indexer"."outbox_partition"(''books'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''id'', "j1"."id") AS root_key FROM new_rows AS c JOIN "public"."book" AS "j1" ON "j1"."publisher_id" = "c"."id" WHERE "j1"."id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''books'''', q.root_key, ''''insert'''', ''''public.publisher'''', 1, "indexer"."outbox_partition"(''''books'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''id'''', "j1"."id") AS root_key FROM new_rows AS c JOIN "public"."book" AS "j1" ON "j1"."publisher_id" = "c"."id" WHERE "j1"."id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''DELETE'' THEN
_n := (SELECT count(*) FROM old_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''books'', q.root_key, ''delete'', ''public.publisher'', 1, "indexer"."outbox_partition"(''books'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''id'', "j1"."id") AS root_key FROM old_rows AS c JOIN "public"."book" AS "j1" ON "j1"."publisher_id" = "c"."id" WHERE "j1"."id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''books'''', q.root_key, ''''delete'''', ''''public.publisher'''', 1, "indexer"."outbox_partition"(''''books'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''id'''', "j1"."id") AS root_key FROM old_rows AS c JOIN "public"."book" AS "j1" ON "j1"."publisher_id" = "c"."id" WHERE "j1"."id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''TRUNCATE'' THEN
_n := 0;
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''books'', q.root_key, ''truncate'', ''public.publisher'', 1, "indexer"."outbox_partition"(''books'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''id'', "j1"."id") AS root_key FROM "public"."publisher" AS c JOIN "public"."book" AS "j1" ON "j1"."publisher_id" = "c"."id" WHERE "j1"."id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''books'''', q.root_key, ''''truncate'''', ''''public.publisher'''', 1, "indexer"."outbox_partition"(''''books'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''id'''', "j1"."id") AS root_key FROM "public"."publisher" AS c JOIN "public"."book" AS "j1" ON "j1"."publisher_id" = "c"."id" WHERE "j1"."id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
RETURN NULL;
END';

-- capture of public.author
CREATE OR REPLACE FUNCTION "indexer"."capture_author_ff498f03"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'DECLARE _lsn pg_lsn; _n bigint; _changed boolean;
BEGIN
IF TG_OP = ''UPDATE'' THEN
SELECT (SELECT count(*) FROM new_rows), (SELECT ROW("n"."id", "n"."name")::text IS DISTINCT FROM ROW("o"."id", "o"."name")::text FROM new_rows AS n, old_rows AS o LIMIT 1) INTO _n, _changed;
IF _n = 1 THEN
IF _changed THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''books'', q.root_key, ''update'', ''public.author'', 1, "indexer"."outbox_partition"(''books'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''id'', "j1"."book_id") AS root_key FROM (SELECT n.* FROM new_rows AS n UNION ALL SELECT o.* FROM old_rows AS o) AS c JOIN "public"."book_author" AS "j1" ON "j1"."author_id" = "c"."id" WHERE "j1"."book_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
END IF;
ELSE
_changed := EXISTS (SELECT FROM (SELECT ROW("n"."id", "n"."name")::text AS r, 1 AS s FROM new_rows AS n UNION ALL SELECT ROW("o"."id", "o"."name")::text, -1 FROM old_rows AS o) AS x GROUP BY x.r HAVING sum(x.s) <> 0);
IF NOT _changed THEN
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
ELSE
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''books'', q.root_key, ''update'', ''public.author'', 1, "indexer"."outbox_partition"(''books'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''id'', "j1"."book_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."id" = "n"."id" WHERE o."id" IS NULL OR ROW("n"."id", "n"."name") IS DISTINCT FROM ROW("o"."id", "o"."name") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."id" = "n"."id" WHERE n."id" IS NULL OR ROW("n"."id", "n"."name") IS DISTINCT FROM ROW("o"."id", "o"."name")) AS c JOIN "public"."book_author" AS "j1" ON "j1"."author_id" = "c"."id" WHERE "j1"."book_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''books'''', q.root_key, ''''update'''', ''''public.author'''', 1, "indexer"."outbox_partition"(''''books'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''id'''', "j1"."book_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."id" = "n"."id" WHERE o."id" IS NULL OR ROW("n"."id", "n"."name") IS DISTINCT FROM ROW("o"."id", "o"."name") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."id" = "n"."id" WHERE n."id" IS NULL OR ROW("n"."id", "n"."name") IS DISTINCT FROM ROW("o"."id", "o"."name")) AS c JOIN "public"."book_author" AS "j1" ON "j1"."author_id" = "c"."id" WHERE "j1"."book_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
END IF;
ELSIF TG_OP = ''INSERT'' THEN
_n := (SELECT count(*) FROM new_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''books'', q.root_key, ''insert'', ''public.author'', 1, "indexer"."outbox_partition"(''books'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''id'', "j1"."book_id") AS root_key FROM new_rows AS c JOIN "public"."book_author" AS "j1" ON "j1"."author_id" = "c"."id" WHERE "j1"."book_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''books'''', q.root_key, ''''insert'''', ''''public.author'''', 1, "indexer"."outbox_partition"(''''books'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''id'''', "j1"."book_id") AS root_key FROM new_rows AS c JOIN "public"."book_author" AS "j1" ON "j1"."author_id" = "c"."id" WHERE "j1"."book_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''DELETE'' THEN
_n := (SELECT count(*) FROM old_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''books'', q.root_key, ''delete'', ''public.author'', 1, "indexer"."outbox_partition"(''books'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''id'', "j1"."book_id") AS root_key FROM old_rows AS c JOIN "public"."book_author" AS "j1" ON "j1"."author_id" = "c"."id" WHERE "j1"."book_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''books'''', q.root_key, ''''delete'''', ''''public.author'''', 1, "indexer"."outbox_partition"(''''books'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''id'''', "j1"."book_id") AS root_key FROM old_rows AS c JOIN "public"."book_author" AS "j1" ON "j1"."author_id" = "c"."id" WHERE "j1"."book_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''TRUNCATE'' THEN
_n := 0;
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''books'', q.root_key, ''truncate'', ''public.author'', 1, "indexer"."outbox_partition"(''books'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''id'', "j1"."book_id") AS root_key FROM "public"."author" AS c JOIN "public"."book_author" AS "j1" ON "j1"."author_id" = "c"."id" WHERE "j1"."book_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''books'''', q.root_key, ''''truncate'''', ''''public.author'''', 1, "indexer"."outbox_partition"(''''books'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''id'''', "j1"."book_id") AS root_key FROM "public"."author" AS c JOIN "public"."book_author" AS "j1" ON "j1"."author_id" = "c"."id" WHERE "j1"."book_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
RETURN NULL;
END';

-- capture of public.book_author
CREATE OR REPLACE FUNCTION "indexer"."capture_book_author_ffab9939"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'DECLARE _lsn pg_lsn; _n bigint; _changed boolean;
BEGIN
IF TG_OP = ''UPDATE'' THEN
SELECT (SELECT count(*) FROM new_rows), (SELECT ROW("n"."book_id", "n"."author_id")::text IS DISTINCT FROM ROW("o"."book_id", "o"."author_id")::text FROM new_rows AS n, old_rows AS o LIMIT 1) INTO _n, _changed;
IF _n = 1 THEN
IF _changed THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''books'', q.root_key, ''update'', ''public.book_author'', 1, "indexer"."outbox_partition"(''books'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''id'', "c"."book_id") AS root_key FROM (SELECT n.* FROM new_rows AS n UNION ALL SELECT o.* FROM old_rows AS o) AS c  WHERE "c"."book_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
END IF;
ELSE
_changed := EXISTS (SELECT FROM (SELECT ROW("n"."book_id", "n"."author_id")::text AS r, 1 AS s FROM new_rows AS n UNION ALL SELECT ROW("o"."book_id", "o"."author_id")::text, -1 FROM old_rows AS o) AS x GROUP BY x.r HAVING sum(x.s) <> 0);
IF NOT _changed THEN
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
ELSE
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''books'', q.root_key, ''update'', ''public.book_author'', 1, "indexer"."outbox_partition"(''books'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''id'', "c"."book_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."book_id" = "n"."book_id" AND "o"."author_id" = "n"."author_id" WHERE o."book_id" IS NULL OR ROW("n"."book_id", "n"."author_id") IS DISTINCT FROM ROW("o"."book_id", "o"."author_id") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."book_id" = "n"."book_id" AND "o"."author_id" = "n"."author_id" WHERE n."book_id" IS NULL OR ROW("n"."book_id", "n"."author_id") IS DISTINCT FROM ROW("o"."book_id", "o"."author_id")) AS c  WHERE "c"."book_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''books'''', q.root_key, ''''update'''', ''''public.book_author'''', 1, "indexer"."outbox_partition"(''''books'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''id'''', "c"."book_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."book_id" = "n"."book_id" AND "o"."author_id" = "n"."author_id" WHERE o."book_id" IS NULL OR ROW("n"."book_id", "n"."author_id") IS DISTINCT FROM ROW("o"."book_id", "o"."author_id") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."book_id" = "n"."book_id" AND "o"."author_id" = "n"."author_id" WHERE n."book_id" IS NULL OR ROW("n"."book_id", "n"."author_id") IS DISTINCT FROM ROW("o"."book_id", "o"."author_id")) AS c  WHERE "c"."book_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
END IF;
ELSIF TG_OP = ''INSERT'' THEN
_n := (SELECT count(*) FROM new_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''books'', q.root_key, ''insert'', ''public.book_author'', 1, "indexer"."outbox_partition"(''books'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''id'', "c"."book_id") AS root_key FROM new_rows AS c  WHERE "c"."book_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''books'''', q.root_key, ''''insert'''', ''''public.book_author'''', 1, "indexer"."outbox_partition"(''''books'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''id'''', "c"."book_id") AS root_key FROM new_rows AS c  WHERE "c"."book_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''DELETE'' THEN
_n := (SELECT count(*) FROM old_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''books'', q.root_key, ''delete'', ''public.book_author'', 1, "indexer"."outbox_partition"(''books'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''id'', "c"."book_id") AS root_key FROM old_rows AS c  WHERE "c"."book_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''books'''', q.root_key, ''''delete'''', ''''public.book_author'''', 1, "indexer"."outbox_partition"(''''books'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''id'''', "c"."book_id") AS root_key FROM old_rows AS c  WHERE "c"."book_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''TRUNCATE'' THEN
_n := 0;
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''books'', q.root_key, ''truncate'', ''public.book_author'', 1, "indexer"."outbox_partition"(''books'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''id'', "c"."book_id") AS root_key FROM "public"."book_author" AS c  WHERE "c"."book_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''books'''', q.root_key, ''''truncate'''', ''''public.book_author'''', 1, "indexer"."outbox_partition"(''''books'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''id'''', "c"."book_id") AS root_key FROM "public"."book_author" AS c  WHERE "c"."book_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
RETURN NULL;
END';
