-- index pagila_actor: documents by key
WITH v AS MATERIALIZED (SELECT nextval('"indexer"."version_seq"'::regclass) AS version), k AS (SELECT DISTINCT (e.key ->> 'actor_id')::integer AS "k0" FROM jsonb_array_elements(%(keys)s::jsonb) AS e(key) ORDER BY "k0")
SELECT v.version, to_json(("k"."k0")::text)::text,
  (SELECT (json_build_object('actor_id', "n0"."actor_id", 'first_name', "n0"."first_name", 'last_name', "n0"."last_name", 'last_update', "n0"."last_update", 'films', (SELECT json_agg(json_build_object('film_id', "n1"."film_id", 'title', "n1"."title", 'release_year', "n1"."release_year", 'rating', "n1"."rating", 'length', "n1"."length", 'categories', (SELECT json_agg("n2"."name" ORDER BY "n2"."category_id", "t2"."film_id", "t2"."category_id") FROM "public"."film_category" AS "t2" JOIN "public"."category" AS "n2" ON "n2"."category_id" = "t2"."category_id" WHERE "t2"."film_id" = "n1"."film_id"), 'language', (SELECT "n3"."name" FROM "public"."language" AS "n3" WHERE "n3"."language_id" = "n1"."language_id" ORDER BY "n3"."language_id" LIMIT 1)) ORDER BY "n1"."film_id", "t1"."actor_id", "t1"."film_id") FROM "public"."film_actor" AS "t1" JOIN "public"."film" AS "n1" ON "n1"."film_id" = "t1"."film_id" WHERE "t1"."actor_id" = "n0"."actor_id")))::text FROM "public"."actor" AS "n0" WHERE "n0"."actor_id" = "k"."k0"),
  jsonb_build_object('actor_id', ("k"."k0")::integer)::text
FROM v, k;

-- index pagila_actor: backfill page
WITH v AS MATERIALIZED (SELECT nextval('"indexer"."version_seq"'::regclass) AS version)
SELECT v.version, to_json(("n0"."actor_id")::text)::text, (json_build_object('actor_id', "n0"."actor_id", 'first_name', "n0"."first_name", 'last_name', "n0"."last_name", 'last_update', "n0"."last_update", 'films', (SELECT json_agg(json_build_object('film_id', "n1"."film_id", 'title', "n1"."title", 'release_year', "n1"."release_year", 'rating', "n1"."rating", 'length', "n1"."length", 'categories', (SELECT json_agg("n2"."name" ORDER BY "n2"."category_id", "t2"."film_id", "t2"."category_id") FROM "public"."film_category" AS "t2" JOIN "public"."category" AS "n2" ON "n2"."category_id" = "t2"."category_id" WHERE "t2"."film_id" = "n1"."film_id"), 'language', (SELECT "n3"."name" FROM "public"."language" AS "n3" WHERE "n3"."language_id" = "n1"."language_id" ORDER BY "n3"."language_id" LIMIT 1)) ORDER BY "n1"."film_id", "t1"."actor_id", "t1"."film_id") FROM "public"."film_actor" AS "t1" JOIN "public"."film" AS "n1" ON "n1"."film_id" = "t1"."film_id" WHERE "t1"."actor_id" = "n0"."actor_id")))::text, jsonb_build_object('actor_id', ("n0"."actor_id")::integer)::text
FROM "public"."actor" AS "n0", v WHERE ("n0"."actor_id") > ((%(after)s::jsonb ->> 'actor_id')::integer) AND ("n0"."actor_id") <= ((%(upto)s::jsonb ->> 'actor_id')::integer)
ORDER BY "n0"."actor_id" LIMIT %(limit)s;

-- capture of public.actor
CREATE OR REPLACE FUNCTION "indexer"."capture_actor_7fb74f13"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'DECLARE _lsn pg_lsn; _n bigint; _changed boolean;
BEGIN
IF TG_OP = ''UPDATE'' THEN
SELECT (SELECT count(*) FROM new_rows), (SELECT ROW("n"."actor_id", "n"."first_name", "n"."last_name", "n"."last_update")::text IS DISTINCT FROM ROW("o"."actor_id", "o"."first_name", "o"."last_name", "o"."last_update")::text FROM new_rows AS n, old_rows AS o LIMIT 1) INTO _n, _changed;
IF _n = 1 THEN
IF _changed THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''update'', ''public.actor'', 0, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "c"."actor_id") AS root_key FROM (SELECT n.* FROM new_rows AS n UNION ALL SELECT o.* FROM old_rows AS o) AS c  WHERE "c"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
END IF;
ELSE
_changed := EXISTS (SELECT FROM (SELECT ROW("n"."actor_id", "n"."first_name", "n"."last_name", "n"."last_update")::text AS r, 1 AS s FROM new_rows AS n UNION ALL SELECT ROW("o"."actor_id", "o"."first_name", "o"."last_name", "o"."last_update")::text, -1 FROM old_rows AS o) AS x GROUP BY x.r HAVING sum(x.s) <> 0);
IF NOT _changed THEN
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
ELSE
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''update'', ''public.actor'', 0, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "c"."actor_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."actor_id" = "n"."actor_id" WHERE o."actor_id" IS NULL OR ROW("n"."actor_id", "n"."first_name", "n"."last_name", "n"."last_update") IS DISTINCT FROM ROW("o"."actor_id", "o"."first_name", "o"."last_name", "o"."last_update") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."actor_id" = "n"."actor_id" WHERE n."actor_id" IS NULL OR ROW("n"."actor_id", "n"."first_name", "n"."last_name", "n"."last_update") IS DISTINCT FROM ROW("o"."actor_id", "o"."first_name", "o"."last_name", "o"."last_update")) AS c  WHERE "c"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_actor'''', q.root_key, ''''update'''', ''''public.actor'''', 1, "indexer"."outbox_partition"(''''pagila_actor'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''actor_id'''', "c"."actor_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."actor_id" = "n"."actor_id" WHERE o."actor_id" IS NULL OR ROW("n"."actor_id", "n"."first_name", "n"."last_name", "n"."last_update") IS DISTINCT FROM ROW("o"."actor_id", "o"."first_name", "o"."last_name", "o"."last_update") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."actor_id" = "n"."actor_id" WHERE n."actor_id" IS NULL OR ROW("n"."actor_id", "n"."first_name", "n"."last_name", "n"."last_update") IS DISTINCT FROM ROW("o"."actor_id", "o"."first_name", "o"."last_name", "o"."last_update")) AS c  WHERE "c"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
END IF;
ELSIF TG_OP = ''INSERT'' THEN
_n := (SELECT count(*) FROM new_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''insert'', ''public.actor'', 0, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "c"."actor_id") AS root_key FROM new_rows AS c  WHERE "c"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_actor'''', q.root_key, ''''insert'''', ''''public.actor'''', 1, "indexer"."outbox_partition"(''''pagila_actor'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''actor_id'''', "c"."actor_id") AS root_key FROM new_rows AS c  WHERE "c"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''DELETE'' THEN
_n := (SELECT count(*) FROM old_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''delete'', ''public.actor'', 0, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "c"."actor_id") AS root_key FROM old_rows AS c  WHERE "c"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_actor'''', q.root_key, ''''delete'''', ''''public.actor'''', 1, "indexer"."outbox_partition"(''''pagila_actor'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''actor_id'''', "c"."actor_id") AS root_key FROM old_rows AS c  WHERE "c"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''TRUNCATE'' THEN
_n := 0;
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''truncate'', ''public.actor'', 1, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "c"."actor_id") AS root_key FROM "public"."actor" AS c  WHERE "c"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_actor'''', q.root_key, ''''truncate'''', ''''public.actor'''', 1, "indexer"."outbox_partition"(''''pagila_actor'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''actor_id'''', "c"."actor_id") AS root_key FROM "public"."actor" AS c  WHERE "c"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
RETURN NULL;
END';

-- capture of public.film
CREATE OR REPLACE FUNCTION "indexer"."capture_film_dcd40dfb"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'DECLARE _lsn pg_lsn; _n bigint; _changed boolean;
BEGIN
IF TG_OP = ''UPDATE'' THEN
SELECT (SELECT count(*) FROM new_rows), (SELECT ROW("n"."film_id", "n"."title", "n"."release_year", "n"."rating", "n"."length", "n"."language_id")::text IS DISTINCT FROM ROW("o"."film_id", "o"."title", "o"."release_year", "o"."rating", "o"."length", "o"."language_id")::text FROM new_rows AS n, old_rows AS o LIMIT 1) INTO _n, _changed;
IF _n = 1 THEN
IF _changed THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''update'', ''public.film'', 1, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "j1"."actor_id") AS root_key FROM (SELECT n.* FROM new_rows AS n UNION ALL SELECT o.* FROM old_rows AS o) AS c JOIN "public"."film_actor" AS "j1" ON "j1"."film_id" = "c"."film_id" WHERE "j1"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
END IF;
ELSE
_changed := EXISTS (SELECT FROM (SELECT ROW("n"."film_id", "n"."title", "n"."release_year", "n"."rating", "n"."length", "n"."language_id")::text AS r, 1 AS s FROM new_rows AS n UNION ALL SELECT ROW("o"."film_id", "o"."title", "o"."release_year", "o"."rating", "o"."length", "o"."language_id")::text, -1 FROM old_rows AS o) AS x GROUP BY x.r HAVING sum(x.s) <> 0);
IF NOT _changed THEN
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
ELSE
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''update'', ''public.film'', 1, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "j1"."actor_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."film_id" = "n"."film_id" WHERE o."film_id" IS NULL OR ROW("n"."film_id", "n"."title", ("n"."release_year")::text, ("n"."rating")::text, "n"."length", "n"."language_id") IS DISTINCT FROM ROW("o"."film_id", "o"."title", ("o"."release_year")::text, ("o"."rating")::text, "o"."length", "o"."language_id") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."film_id" = "n"."film_id" WHERE n."film_id" IS NULL OR ROW("n"."film_id", "n"."title", ("n"."release_year")::text, ("n"."rating")::text, "n"."length", "n"."language_id") IS DISTINCT FROM ROW("o"."film_id", "o"."title", ("o"."release_year")::text, ("o"."rating")::text, "o"."length", "o"."language_id")) AS c JOIN "public"."film_actor" AS "j1" ON "j1"."film_id" = "c"."film_id" WHERE "j1"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_actor'''', q.root_key, ''''update'''', ''''public.film'''', 1, "indexer"."outbox_partition"(''''pagila_actor'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''actor_id'''', "j1"."actor_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."film_id" = "n"."film_id" WHERE o."film_id" IS NULL OR ROW("n"."film_id", "n"."title", ("n"."release_year")::text, ("n"."rating")::text, "n"."length", "n"."language_id") IS DISTINCT FROM ROW("o"."film_id", "o"."title", ("o"."release_year")::text, ("o"."rating")::text, "o"."length", "o"."language_id") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."film_id" = "n"."film_id" WHERE n."film_id" IS NULL OR ROW("n"."film_id", "n"."title", ("n"."release_year")::text, ("n"."rating")::text, "n"."length", "n"."language_id") IS DISTINCT FROM ROW("o"."film_id", "o"."title", ("o"."release_year")::text, ("o"."rating")::text, "o"."length", "o"."language_id")) AS c JOIN "public"."film_actor" AS "j1" ON "j1"."film_id" = "c"."film_id" WHERE "j1"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
END IF;
ELSIF TG_OP = ''INSERT'' THEN
_n := (SELECT count(*) FROM new_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''insert'', ''public.film'', 1, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "j1"."actor_id") AS root_key FROM new_rows AS c JOIN "public"."film_actor" AS "j1" ON "j1"."film_id" = "c"."film_id" WHERE "j1"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_actor'''', q.root_key, ''''insert'''', ''''public.film'''', 1, "indexer"."outbox_partition"(''''pagila_actor'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''actor_id'''', "j1"."actor_id") AS root_key FROM new_rows AS c JOIN "public"."film_actor" AS "j1" ON "j1"."film_id" = "c"."film_id" WHERE "j1"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''DELETE'' THEN
_n := (SELECT count(*) FROM old_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''delete'', ''public.film'', 1, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "j1"."actor_id") AS root_key FROM old_rows AS c JOIN "public"."film_actor" AS "j1" ON "j1"."film_id" = "c"."film_id" WHERE "j1"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_actor'''', q.root_key, ''''delete'''', ''''public.film'''', 1, "indexer"."outbox_partition"(''''pagila_actor'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''actor_id'''', "j1"."actor_id") AS root_key FROM old_rows AS c JOIN "public"."film_actor" AS "j1" ON "j1"."film_id" = "c"."film_id" WHERE "j1"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''TRUNCATE'' THEN
_n := 0;
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''truncate'', ''public.film'', 1, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "j1"."actor_id") AS root_key FROM "public"."film" AS c JOIN "public"."film_actor" AS "j1" ON "j1"."film_id" = "c"."film_id" WHERE "j1"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_actor'''', q.root_key, ''''truncate'''', ''''public.film'''', 1, "indexer"."outbox_partition"(''''pagila_actor'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''actor_id'''', "j1"."actor_id") AS root_key FROM "public"."film" AS c JOIN "public"."film_actor" AS "j1" ON "j1"."film_id" = "c"."film_id" WHERE "j1"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
RETURN NULL;
END';

-- capture of public.film_actor
CREATE OR REPLACE FUNCTION "indexer"."capture_film_actor_733d91d4"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'DECLARE _lsn pg_lsn; _n bigint; _changed boolean;
BEGIN
IF TG_OP = ''UPDATE'' THEN
SELECT (SELECT count(*) FROM new_rows), (SELECT ROW("n"."actor_id", "n"."film_id")::text IS DISTINCT FROM ROW("o"."actor_id", "o"."film_id")::text FROM new_rows AS n, old_rows AS o LIMIT 1) INTO _n, _changed;
IF _n = 1 THEN
IF _changed THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''update'', ''public.film_actor'', 1, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "c"."actor_id") AS root_key FROM (SELECT n.* FROM new_rows AS n UNION ALL SELECT o.* FROM old_rows AS o) AS c  WHERE "c"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
END IF;
ELSE
_changed := EXISTS (SELECT FROM (SELECT ROW("n"."actor_id", "n"."film_id")::text AS r, 1 AS s FROM new_rows AS n UNION ALL SELECT ROW("o"."actor_id", "o"."film_id")::text, -1 FROM old_rows AS o) AS x GROUP BY x.r HAVING sum(x.s) <> 0);
IF NOT _changed THEN
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
ELSE
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''update'', ''public.film_actor'', 1, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "c"."actor_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."actor_id" = "n"."actor_id" AND "o"."film_id" = "n"."film_id" WHERE o."actor_id" IS NULL OR ROW("n"."actor_id", "n"."film_id") IS DISTINCT FROM ROW("o"."actor_id", "o"."film_id") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."actor_id" = "n"."actor_id" AND "o"."film_id" = "n"."film_id" WHERE n."actor_id" IS NULL OR ROW("n"."actor_id", "n"."film_id") IS DISTINCT FROM ROW("o"."actor_id", "o"."film_id")) AS c  WHERE "c"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_actor'''', q.root_key, ''''update'''', ''''public.film_actor'''', 1, "indexer"."outbox_partition"(''''pagila_actor'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''actor_id'''', "c"."actor_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."actor_id" = "n"."actor_id" AND "o"."film_id" = "n"."film_id" WHERE o."actor_id" IS NULL OR ROW("n"."actor_id", "n"."film_id") IS DISTINCT FROM ROW("o"."actor_id", "o"."film_id") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."actor_id" = "n"."actor_id" AND "o"."film_id" = "n"."film_id" WHERE n."actor_id" IS NULL OR ROW("n"."actor_id", "n"."film_id") IS DISTINCT FROM ROW("o"."actor_id", "o"."film_id")) AS c  WHERE "c"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
END IF;
ELSIF TG_OP = ''INSERT'' THEN
_n := (SELECT count(*) FROM new_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''insert'', ''public.film_actor'', 1, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "c"."actor_id") AS root_key FROM new_rows AS c  WHERE "c"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_actor'''', q.root_key, ''''insert'''', ''''public.film_actor'''', 1, "indexer"."outbox_partition"(''''pagila_actor'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''actor_id'''', "c"."actor_id") AS root_key FROM new_rows AS c  WHERE "c"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''DELETE'' THEN
_n := (SELECT count(*) FROM old_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''delete'', ''public.film_actor'', 1, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "c"."actor_id") AS root_key FROM old_rows AS c  WHERE "c"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_actor'''', q.root_key, ''''delete'''', ''''public.film_actor'''', 1, "indexer"."outbox_partition"(''''pagila_actor'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''actor_id'''', "c"."actor_id") AS root_key FROM old_rows AS c  WHERE "c"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''TRUNCATE'' THEN
_n := 0;
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''truncate'', ''public.film_actor'', 1, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "c"."actor_id") AS root_key FROM "public"."film_actor" AS c  WHERE "c"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_actor'''', q.root_key, ''''truncate'''', ''''public.film_actor'''', 1, "indexer"."outbox_partition"(''''pagila_actor'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''actor_id'''', "c"."actor_id") AS root_key FROM "public"."film_actor" AS c  WHERE "c"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
RETURN NULL;
END';

-- capture of public.category
CREATE OR REPLACE FUNCTION "indexer"."capture_category_b209fbbe"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'DECLARE _lsn pg_lsn; _n bigint; _changed boolean;
BEGIN
IF TG_OP = ''UPDATE'' THEN
SELECT (SELECT count(*) FROM new_rows), (SELECT ROW("n"."category_id", "n"."name")::text IS DISTINCT FROM ROW("o"."category_id", "o"."name")::text FROM new_rows AS n, old_rows AS o LIMIT 1) INTO _n, _changed;
IF _n = 1 THEN
IF _changed THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''update'', ''public.category'', 1, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "j2"."actor_id") AS root_key FROM (SELECT n.* FROM new_rows AS n UNION ALL SELECT o.* FROM old_rows AS o) AS c JOIN "public"."film_category" AS "j1" ON "j1"."category_id" = "c"."category_id" JOIN "public"."film_actor" AS "j2" ON "j2"."film_id" = "j1"."film_id" WHERE "j2"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
END IF;
ELSE
_changed := EXISTS (SELECT FROM (SELECT ROW("n"."category_id", "n"."name")::text AS r, 1 AS s FROM new_rows AS n UNION ALL SELECT ROW("o"."category_id", "o"."name")::text, -1 FROM old_rows AS o) AS x GROUP BY x.r HAVING sum(x.s) <> 0);
IF NOT _changed THEN
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
ELSE
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''update'', ''public.category'', 1, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "j2"."actor_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."category_id" = "n"."category_id" WHERE o."category_id" IS NULL OR ROW("n"."category_id", "n"."name") IS DISTINCT FROM ROW("o"."category_id", "o"."name") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."category_id" = "n"."category_id" WHERE n."category_id" IS NULL OR ROW("n"."category_id", "n"."name") IS DISTINCT FROM ROW("o"."category_id", "o"."name")) AS c JOIN "public"."film_category" AS "j1" ON "j1"."category_id" = "c"."category_id" JOIN "public"."film_actor" AS "j2" ON "j2"."film_id" = "j1"."film_id" WHERE "j2"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_actor'''', q.root_key, ''''update'''', ''''public.category'''', 1, "indexer"."outbox_partition"(''''pagila_actor'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''actor_id'''', "j2"."actor_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."category_id" = "n"."category_id" WHERE o."category_id" IS NULL OR ROW("n"."category_id", "n"."name") IS DISTINCT FROM ROW("o"."category_id", "o"."name") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."category_id" = "n"."category_id" WHERE n."category_id" IS NULL OR ROW("n"."category_id", "n"."name") IS DISTINCT FROM ROW("o"."category_id", "o"."name")) AS c JOIN "public"."film_category" AS "j1" ON "j1"."category_id" = "c"."category_id" JOIN "public"."film_actor" AS "j2" ON "j2"."film_id" = "j1"."film_id" WHERE "j2"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
END IF;
ELSIF TG_OP = ''INSERT'' THEN
_n := (SELECT count(*) FROM new_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''insert'', ''public.category'', 1, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "j2"."actor_id") AS root_key FROM new_rows AS c JOIN "public"."film_category" AS "j1" ON "j1"."category_id" = "c"."category_id" JOIN "public"."film_actor" AS "j2" ON "j2"."film_id" = "j1"."film_id" WHERE "j2"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_actor'''', q.root_key, ''''insert'''', ''''public.category'''', 1, "indexer"."outbox_partition"(''''pagila_actor'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''actor_id'''', "j2"."actor_id") AS root_key FROM new_rows AS c JOIN "public"."film_category" AS "j1" ON "j1"."category_id" = "c"."category_id" JOIN "public"."film_actor" AS "j2" ON "j2"."film_id" = "j1"."film_id" WHERE "j2"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''DELETE'' THEN
_n := (SELECT count(*) FROM old_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''delete'', ''public.category'', 1, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "j2"."actor_id") AS root_key FROM old_rows AS c JOIN "public"."film_category" AS "j1" ON "j1"."category_id" = "c"."category_id" JOIN "public"."film_actor" AS "j2" ON "j2"."film_id" = "j1"."film_id" WHERE "j2"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_actor'''', q.root_key, ''''delete'''', ''''public.category'''', 1, "indexer"."outbox_partition"(''''pagila_actor'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''actor_id'''', "j2"."actor_id") AS root_key FROM old_rows AS c JOIN "public"."film_category" AS "j1" ON "j1"."category_id" = "c"."category_id" JOIN "public"."film_actor" AS "j2" ON "j2"."film_id" = "j1"."film_id" WHERE "j2"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''TRUNCATE'' THEN
_n := 0;
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''truncate'', ''public.category'', 1, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "j2"."actor_id") AS root_key FROM "public"."category" AS c JOIN "public"."film_category" AS "j1" ON "j1"."category_id" = "c"."category_id" JOIN "public"."film_actor" AS "j2" ON "j2"."film_id" = "j1"."film_id" WHERE "j2"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_actor'''', q.root_key, ''''truncate'''', ''''public.category'''', 1, "indexer"."outbox_partition"(''''pagila_actor'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''actor_id'''', "j2"."actor_id") AS root_key FROM "public"."category" AS c JOIN "public"."film_category" AS "j1" ON "j1"."category_id" = "c"."category_id" JOIN "public"."film_actor" AS "j2" ON "j2"."film_id" = "j1"."film_id" WHERE "j2"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
RETURN NULL;
END';

-- capture of public.film_category
CREATE OR REPLACE FUNCTION "indexer"."capture_film_category_f4db7363"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'DECLARE _lsn pg_lsn; _n bigint; _changed boolean;
BEGIN
IF TG_OP = ''UPDATE'' THEN
SELECT (SELECT count(*) FROM new_rows), (SELECT ROW("n"."film_id", "n"."category_id")::text IS DISTINCT FROM ROW("o"."film_id", "o"."category_id")::text FROM new_rows AS n, old_rows AS o LIMIT 1) INTO _n, _changed;
IF _n = 1 THEN
IF _changed THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''update'', ''public.film_category'', 1, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "j1"."actor_id") AS root_key FROM (SELECT n.* FROM new_rows AS n UNION ALL SELECT o.* FROM old_rows AS o) AS c JOIN "public"."film_actor" AS "j1" ON "j1"."film_id" = "c"."film_id" WHERE "j1"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
END IF;
ELSE
_changed := EXISTS (SELECT FROM (SELECT ROW("n"."film_id", "n"."category_id")::text AS r, 1 AS s FROM new_rows AS n UNION ALL SELECT ROW("o"."film_id", "o"."category_id")::text, -1 FROM old_rows AS o) AS x GROUP BY x.r HAVING sum(x.s) <> 0);
IF NOT _changed THEN
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
ELSE
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''update'', ''public.film_category'', 1, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "j1"."actor_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."film_id" = "n"."film_id" AND "o"."category_id" = "n"."category_id" WHERE o."film_id" IS NULL OR ROW("n"."film_id", "n"."category_id") IS DISTINCT FROM ROW("o"."film_id", "o"."category_id") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."film_id" = "n"."film_id" AND "o"."category_id" = "n"."category_id" WHERE n."film_id" IS NULL OR ROW("n"."film_id", "n"."category_id") IS DISTINCT FROM ROW("o"."film_id", "o"."category_id")) AS c JOIN "public"."film_actor" AS "j1" ON "j1"."film_id" = "c"."film_id" WHERE "j1"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_actor'''', q.root_key, ''''update'''', ''''public.film_category'''', 1, "indexer"."outbox_partition"(''''pagila_actor'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''actor_id'''', "j1"."actor_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."film_id" = "n"."film_id" AND "o"."category_id" = "n"."category_id" WHERE o."film_id" IS NULL OR ROW("n"."film_id", "n"."category_id") IS DISTINCT FROM ROW("o"."film_id", "o"."category_id") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."film_id" = "n"."film_id" AND "o"."category_id" = "n"."category_id" WHERE n."film_id" IS NULL OR ROW("n"."film_id", "n"."category_id") IS DISTINCT FROM ROW("o"."film_id", "o"."category_id")) AS c JOIN "public"."film_actor" AS "j1" ON "j1"."film_id" = "c"."film_id" WHERE "j1"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
END IF;
ELSIF TG_OP = ''INSERT'' THEN
_n := (SELECT count(*) FROM new_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''insert'', ''public.film_category'', 1, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "j1"."actor_id") AS root_key FROM new_rows AS c JOIN "public"."film_actor" AS "j1" ON "j1"."film_id" = "c"."film_id" WHERE "j1"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_actor'''', q.root_key, ''''insert'''', ''''public.film_category'''', 1, "indexer"."outbox_partition"(''''pagila_actor'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''actor_id'''', "j1"."actor_id") AS root_key FROM new_rows AS c JOIN "public"."film_actor" AS "j1" ON "j1"."film_id" = "c"."film_id" WHERE "j1"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''DELETE'' THEN
_n := (SELECT count(*) FROM old_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''delete'', ''public.film_category'', 1, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "j1"."actor_id") AS root_key FROM old_rows AS c JOIN "public"."film_actor" AS "j1" ON "j1"."film_id" = "c"."film_id" WHERE "j1"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_actor'''', q.root_key, ''''delete'''', ''''public.film_category'''', 1, "indexer"."outbox_partition"(''''pagila_actor'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''actor_id'''', "j1"."actor_id") AS root_key FROM old_rows AS c JOIN "public"."film_actor" AS "j1" ON "j1"."film_id" = "c"."film_id" WHERE "j1"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''TRUNCATE'' THEN
_n := 0;
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''truncate'', ''public.film_category'', 1, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "j1"."actor_id") AS root_key FROM "public"."film_category" AS c JOIN "public"."film_actor" AS "j1" ON "j1"."film_id" = "c"."film_id" WHERE "j1"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_actor'''', q.root_key, ''''truncate'''', ''''public.film_category'''', 1, "indexer"."outbox_partition"(''''pagila_actor'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''actor_id'''', "j1"."actor_id") AS root_key FROM "public"."film_category" AS c JOIN "public"."film_actor" AS "j1" ON "j1"."film_id" = "c"."film_id" WHERE "j1"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
RETURN NULL;
END';

-- capture of public.language
CREATE OR REPLACE FUNCTION "indexer"."capture_language_cbf0f4f3"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'DECLARE _lsn pg_lsn; _n bigint; _changed boolean;
BEGIN
IF TG_OP = ''UPDATE'' THEN
SELECT (SELECT count(*) FROM new_rows), (SELECT ROW("n"."language_id", "n"."name")::text IS DISTINCT FROM ROW("o"."language_id", "o"."name")::text FROM new_rows AS n, old_rows AS o LIMIT 1) INTO _n, _changed;
IF _n = 1 THEN
IF _changed THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''update'', ''public.language'', 1, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "j2"."actor_id") AS root_key FROM (SELECT n.* FROM new_rows AS n UNION ALL SELECT o.* FROM old_rows AS o) AS c JOIN "public"."film" AS "j1" ON "j1"."language_id" = "c"."language_id" JOIN "public"."film_actor" AS "j2" ON "j2"."film_id" = "j1"."film_id" WHERE "j2"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
END IF;
ELSE
_changed := EXISTS (SELECT FROM (SELECT ROW("n"."language_id", "n"."name")::text AS r, 1 AS s FROM new_rows AS n UNION ALL SELECT ROW("o"."language_id", "o"."name")::text, -1 FROM old_rows AS o) AS x GROUP BY x.r HAVING sum(x.s) <> 0);
IF NOT _changed THEN
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
ELSE
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''update'', ''public.language'', 1, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "j2"."actor_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."language_id" = "n"."language_id" WHERE o."language_id" IS NULL OR ROW("n"."language_id", "n"."name") IS DISTINCT FROM ROW("o"."language_id", "o"."name") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."language_id" = "n"."language_id" WHERE n."language_id" IS NULL OR ROW("n"."language_id", "n"."name") IS DISTINCT FROM ROW("o"."language_id", "o"."name")) AS c JOIN "public"."film" AS "j1" ON "j1"."language_id" = "c"."language_id" JOIN "public"."film_actor" AS "j2" ON "j2"."film_id" = "j1"."film_id" WHERE "j2"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_actor'''', q.root_key, ''''update'''', ''''public.language'''', 1, "indexer"."outbox_partition"(''''pagila_actor'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''actor_id'''', "j2"."actor_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."language_id" = "n"."language_id" WHERE o."language_id" IS NULL OR ROW("n"."language_id", "n"."name") IS DISTINCT FROM ROW("o"."language_id", "o"."name") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."language_id" = "n"."language_id" WHERE n."language_id" IS NULL OR ROW("n"."language_id", "n"."name") IS DISTINCT FROM ROW("o"."language_id", "o"."name")) AS c JOIN "public"."film" AS "j1" ON "j1"."language_id" = "c"."language_id" JOIN "public"."film_actor" AS "j2" ON "j2"."film_id" = "j1"."film_id" WHERE "j2"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
END IF;
ELSIF TG_OP = ''INSERT'' THEN
_n := (SELECT count(*) FROM new_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''insert'', ''public.language'', 1, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "j2"."actor_id") AS root_key FROM new_rows AS c JOIN "public"."film" AS "j1" ON "j1"."language_id" = "c"."language_id" JOIN "public"."film_actor" AS "j2" ON "j2"."film_id" = "j1"."film_id" WHERE "j2"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_actor'''', q.root_key, ''''insert'''', ''''public.language'''', 1, "indexer"."outbox_partition"(''''pagila_actor'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''actor_id'''', "j2"."actor_id") AS root_key FROM new_rows AS c JOIN "public"."film" AS "j1" ON "j1"."language_id" = "c"."language_id" JOIN "public"."film_actor" AS "j2" ON "j2"."film_id" = "j1"."film_id" WHERE "j2"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''DELETE'' THEN
_n := (SELECT count(*) FROM old_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''delete'', ''public.language'', 1, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "j2"."actor_id") AS root_key FROM old_rows AS c JOIN "public"."film" AS "j1" ON "j1"."language_id" = "c"."language_id" JOIN "public"."film_actor" AS "j2" ON "j2"."film_id" = "j1"."film_id" WHERE "j2"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_actor'''', q.root_key, ''''delete'''', ''''public.language'''', 1, "indexer"."outbox_partition"(''''pagila_actor'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''actor_id'''', "j2"."actor_id") AS root_key FROM old_rows AS c JOIN "public"."film" AS "j1" ON "j1"."language_id" = "c"."language_id" JOIN "public"."film_actor" AS "j2" ON "j2"."film_id" = "j1"."film_id" WHERE "j2"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''TRUNCATE'' THEN
_n := 0;
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_actor'', q.root_key, ''truncate'', ''public.language'', 1, "indexer"."outbox_partition"(''pagila_actor'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''actor_id'', "j2"."actor_id") AS root_key FROM "public"."language" AS c JOIN "public"."film" AS "j1" ON "j1"."language_id" = "c"."language_id" JOIN "public"."film_actor" AS "j2" ON "j2"."film_id" = "j1"."film_id" WHERE "j2"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_actor'''', q.root_key, ''''truncate'''', ''''public.language'''', 1, "indexer"."outbox_partition"(''''pagila_actor'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''actor_id'''', "j2"."actor_id") AS root_key FROM "public"."language" AS c JOIN "public"."film" AS "j1" ON "j1"."language_id" = "c"."language_id" JOIN "public"."film_actor" AS "j2" ON "j2"."film_id" = "j1"."film_id" WHERE "j2"."actor_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
RETURN NULL;
END';
