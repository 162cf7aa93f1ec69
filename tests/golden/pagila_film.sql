-- index pagila_film: documents by key
WITH v AS MATERIALIZED (SELECT nextval('"indexer"."version_seq"'::regclass) AS version), k AS (SELECT DISTINCT (e.key ->> 'film_id')::integer AS "k0" FROM jsonb_array_elements(%(keys)s::jsonb) AS e(key) ORDER BY "k0")
SELECT v.version, to_json(("k"."k0")::text)::text,
  (SELECT (json_build_object('film_id', "n0"."film_id", 'title', "n0"."title", 'description', "n0"."description", 'release_year', "n0"."release_year", 'rental_duration', "n0"."rental_duration", 'rental_rate', "n0"."rental_rate", 'length', "n0"."length", 'replacement_cost', "n0"."replacement_cost", 'rating', "n0"."rating", 'special_features', "n0"."special_features", 'last_update', "n0"."last_update", 'language', (SELECT json_build_object('language_id', "n1"."language_id", 'name', "n1"."name") FROM "public"."language" AS "n1" WHERE "n1"."language_id" = "n0"."language_id" ORDER BY "n1"."language_id" LIMIT 1), 'categories', (SELECT json_agg("n2"."name" ORDER BY "n2"."category_id", "t2"."film_id", "t2"."category_id") FROM "public"."film_category" AS "t2" JOIN "public"."category" AS "n2" ON "n2"."category_id" = "t2"."category_id" WHERE "t2"."film_id" = "n0"."film_id"), 'actors', (SELECT json_agg(json_build_object('actor_id', "n3"."actor_id", 'first_name', "n3"."first_name", 'last_name', "n3"."last_name") ORDER BY "n3"."actor_id", "t3"."actor_id", "t3"."film_id") FROM "public"."film_actor" AS "t3" JOIN "public"."actor" AS "n3" ON "n3"."actor_id" = "t3"."actor_id" WHERE "t3"."film_id" = "n0"."film_id"), 'inventory', (SELECT json_agg(json_build_object('inventory_id', "n4"."inventory_id", 'store_id', "n4"."store_id") ORDER BY "n4"."inventory_id") FROM "public"."inventory" AS "n4" WHERE "n4"."film_id" = "n0"."film_id")))::text FROM "public"."film" AS "n0" WHERE "n0"."film_id" = "k"."k0"),
  jsonb_build_object('film_id', ("k"."k0")::integer)::text
FROM v, k;

-- index pagila_film: backfill page
WITH v AS MATERIALIZED (SELECT nextval('"indexer"."version_seq"'::regclass) AS version)
SELECT v.version, to_json(("n0"."film_id")::text)::text, (json_build_object('film_id', "n0"."film_id", 'title', "n0"."title", 'description', "n0"."description", 'release_year', "n0"."release_year", 'rental_duration', "n0"."rental_duration", 'rental_rate', "n0"."rental_rate", 'length', "n0"."length", 'replacement_cost', "n0"."replacement_cost", 'rating', "n0"."rating", 'special_features', "n0"."special_features", 'last_update', "n0"."last_update", 'language', (SELECT json_build_object('language_id', "n1"."language_id", 'name', "n1"."name") FROM "public"."language" AS "n1" WHERE "n1"."language_id" = "n0"."language_id" ORDER BY "n1"."language_id" LIMIT 1), 'categories', (SELECT json_agg("n2"."name" ORDER BY "n2"."category_id", "t2"."film_id", "t2"."category_id") FROM "public"."film_category" AS "t2" JOIN "public"."category" AS "n2" ON "n2"."category_id" = "t2"."category_id" WHERE "t2"."film_id" = "n0"."film_id"), 'actors', (SELECT json_agg(json_build_object('actor_id', "n3"."actor_id", 'first_name', "n3"."first_name", 'last_name', "n3"."last_name") ORDER BY "n3"."actor_id", "t3"."actor_id", "t3"."film_id") FROM "public"."film_actor" AS "t3" JOIN "public"."actor" AS "n3" ON "n3"."actor_id" = "t3"."actor_id" WHERE "t3"."film_id" = "n0"."film_id"), 'inventory', (SELECT json_agg(json_build_object('inventory_id', "n4"."inventory_id", 'store_id', "n4"."store_id") ORDER BY "n4"."inventory_id") FROM "public"."inventory" AS "n4" WHERE "n4"."film_id" = "n0"."film_id")))::text, jsonb_build_object('film_id', ("n0"."film_id")::integer)::text
FROM "public"."film" AS "n0", v WHERE ("n0"."film_id") > ((%(after)s::jsonb ->> 'film_id')::integer) AND ("n0"."film_id") <= ((%(upto)s::jsonb ->> 'film_id')::integer)
ORDER BY "n0"."film_id" LIMIT %(limit)s;

-- capture of public.film
CREATE OR REPLACE FUNCTION "indexer"."capture_film_dcd40dfb"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'DECLARE _lsn pg_lsn; _n bigint; _changed boolean;
BEGIN
IF TG_OP = ''UPDATE'' THEN
SELECT (SELECT count(*) FROM new_rows), (SELECT ROW("n"."film_id", "n"."title", "n"."description", "n"."release_year", "n"."rental_duration", "n"."rental_rate", "n"."length", "n"."replacement_cost", "n"."rating", "n"."special_features", "n"."last_update", "n"."language_id")::text IS DISTINCT FROM ROW("o"."film_id", "o"."title", "o"."description", "o"."release_year", "o"."rental_duration", "o"."rental_rate", "o"."length", "o"."replacement_cost", "o"."rating", "o"."special_features", "o"."last_update", "o"."language_id")::text FROM new_rows AS n, old_rows AS o LIMIT 1) INTO _n, _changed;
IF _n = 1 THEN
IF _changed THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_film'', q.root_key, ''update'', ''public.film'', 0, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "c"."film_id") AS root_key FROM (SELECT n.* FROM new_rows AS n UNION ALL SELECT o.* FROM old_rows AS o) AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
END IF;
ELSE
_changed := EXISTS (SELECT FROM (SELECT ROW("n"."film_id", "n"."title", "n"."description", "n"."release_year", "n"."rental_duration", "n"."rental_rate", "n"."length", "n"."replacement_cost", "n"."rating", "n"."special_features", "n"."last_update", "n"."language_id")::text AS r, 1 AS s FROM new_rows AS n UNION ALL SELECT ROW("o"."film_id", "o"."title", "o"."description", "o"."release_year", "o"."rental_duration", "o"."rental_rate", "o"."length", "o"."replacement_cost", "o"."rating", "o"."special_features", "o"."last_update", "o"."language_id")::text, -1 FROM old_rows AS o) AS x GROUP BY x.r HAVING sum(x.s) <> 0);
IF NOT _changed THEN
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
ELSE
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_film'', q.root_key, ''update'', ''public.film'', 0, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "c"."film_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."film_id" = "n"."film_id" WHERE o."film_id" IS NULL OR ROW("n"."film_id", "n"."title", "n"."description", ("n"."release_year")::text, "n"."rental_duration", ("n"."rental_rate")::text, "n"."length", ("n"."replacement_cost")::text, ("n"."rating")::text, "n"."special_features", "n"."last_update", "n"."language_id") IS DISTINCT FROM ROW("o"."film_id", "o"."title", "o"."description", ("o"."release_year")::text, "o"."rental_duration", ("o"."rental_rate")::text, "o"."length", ("o"."replacement_cost")::text, ("o"."rating")::text, "o"."special_features", "o"."last_update", "o"."language_id") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."film_id" = "n"."film_id" WHERE n."film_id" IS NULL OR ROW("n"."film_id", "n"."title", "n"."description", ("n"."release_year")::text, "n"."rental_duration", ("n"."rental_rate")::text, "n"."length", ("n"."replacement_cost")::text, ("n"."rating")::text, "n"."special_features", "n"."last_update", "n"."language_id") IS DISTINCT FROM ROW("o"."film_id", "o"."title", "o"."description", ("o"."release_year")::text, "o"."rental_duration", ("o"."rental_rate")::text, "o"."length", ("o"."replacement_cost")::text, ("o"."rating")::text, "o"."special_features", "o"."last_update", "o"."language_id")) AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_film'''', q.root_key, ''''update'''', ''''public.film'''', 1, "indexer"."outbox_partition"(''''pagila_film'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''film_id'''', "c"."film_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."film_id" = "n"."film_id" WHERE o."film_id" IS NULL OR ROW("n"."film_id", "n"."title", "n"."description", ("n"."release_year")::text, "n"."rental_duration", ("n"."rental_rate")::text, "n"."length", ("n"."replacement_cost")::text, ("n"."rating")::text, "n"."special_features", "n"."last_update", "n"."language_id") IS DISTINCT FROM ROW("o"."film_id", "o"."title", "o"."description", ("o"."release_year")::text, "o"."rental_duration", ("o"."rental_rate")::text, "o"."length", ("o"."replacement_cost")::text, ("o"."rating")::text, "o"."special_features", "o"."last_update", "o"."language_id") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."film_id" = "n"."film_id" WHERE n."film_id" IS NULL OR ROW("n"."film_id", "n"."title", "n"."description", ("n"."release_year")::text, "n"."rental_duration", ("n"."rental_rate")::text, "n"."length", ("n"."replacement_cost")::text, ("n"."rating")::text, "n"."special_features", "n"."last_update", "n"."language_id") IS DISTINCT FROM ROW("o"."film_id", "o"."title", "o"."description", ("o"."release_year")::text, "o"."rental_duration", ("o"."rental_rate")::text, "o"."length", ("o"."replacement_cost")::text, ("o"."rating")::text, "o"."special_features", "o"."last_update", "o"."language_id")) AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
END IF;
ELSIF TG_OP = ''INSERT'' THEN
_n := (SELECT count(*) FROM new_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_film'', q.root_key, ''insert'', ''public.film'', 0, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "c"."film_id") AS root_key FROM new_rows AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_film'''', q.root_key, ''''insert'''', ''''public.film'''', 1, "indexer"."outbox_partition"(''''pagila_film'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''film_id'''', "c"."film_id") AS root_key FROM new_rows AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''DELETE'' THEN
_n := (SELECT count(*) FROM old_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_film'', q.root_key, ''delete'', ''public.film'', 0, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "c"."film_id") AS root_key FROM old_rows AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_film'''', q.root_key, ''''delete'''', ''''public.film'''', 1, "indexer"."outbox_partition"(''''pagila_film'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''film_id'''', "c"."film_id") AS root_key FROM old_rows AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''TRUNCATE'' THEN
_n := 0;
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_film'', q.root_key, ''truncate'', ''public.film'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "c"."film_id") AS root_key FROM "public"."film" AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_film'''', q.root_key, ''''truncate'''', ''''public.film'''', 1, "indexer"."outbox_partition"(''''pagila_film'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''film_id'''', "c"."film_id") AS root_key FROM "public"."film" AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
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
SELECT ''pagila_film'', q.root_key, ''update'', ''public.language'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "j1"."film_id") AS root_key FROM (SELECT n.* FROM new_rows AS n UNION ALL SELECT o.* FROM old_rows AS o) AS c JOIN "public"."film" AS "j1" ON "j1"."language_id" = "c"."language_id" WHERE "j1"."film_id" IS NOT NULL) AS q)
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
SELECT ''pagila_film'', q.root_key, ''update'', ''public.language'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "j1"."film_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."language_id" = "n"."language_id" WHERE o."language_id" IS NULL OR ROW("n"."language_id", "n"."name") IS DISTINCT FROM ROW("o"."language_id", "o"."name") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."language_id" = "n"."language_id" WHERE n."language_id" IS NULL OR ROW("n"."language_id", "n"."name") IS DISTINCT FROM ROW("o"."language_id", "o"."name")) AS c JOIN "public"."film" AS "j1" ON "j1"."language_id" = "c"."language_id" WHERE "j1"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_film'''', q.root_key, ''''update'''', ''''public.language'''', 1, "indexer"."outbox_partition"(''''pagila_film'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''film_id'''', "j1"."film_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."language_id" = "n"."language_id" WHERE o."language_id" IS NULL OR ROW("n"."language_id", "n"."name") IS DISTINCT FROM ROW("o"."language_id", "o"."name") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."language_id" = "n"."language_id" WHERE n."language_id" IS NULL OR ROW("n"."language_id", "n"."name") IS DISTINCT FROM ROW("o"."language_id", "o"."name")) AS c JOIN "public"."film" AS "j1" ON "j1"."language_id" = "c"."language_id" WHERE "j1"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
END IF;
ELSIF TG_OP = ''INSERT'' THEN
_n := (SELECT count(*) FROM new_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_film'', q.root_key, ''insert'', ''public.language'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "j1"."film_id") AS root_key FROM new_rows AS c JOIN "public"."film" AS "j1" ON "j1"."language_id" = "c"."language_id" WHERE "j1"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_film'''', q.root_key, ''''insert'''', ''''public.language'''', 1, "indexer"."outbox_partition"(''''pagila_film'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''film_id'''', "j1"."film_id") AS root_key FROM new_rows AS c JOIN "public"."film" AS "j1" ON "j1"."language_id" = "c"."language_id" WHERE "j1"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''DELETE'' THEN
_n := (SELECT count(*) FROM old_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_film'', q.root_key, ''delete'', ''public.language'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "j1"."film_id") AS root_key FROM old_rows AS c JOIN "public"."film" AS "j1" ON "j1"."language_id" = "c"."language_id" WHERE "j1"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_film'''', q.root_key, ''''delete'''', ''''public.language'''', 1, "indexer"."outbox_partition"(''''pagila_film'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''film_id'''', "j1"."film_id") AS root_key FROM old_rows AS c JOIN "public"."film" AS "j1" ON "j1"."language_id" = "c"."language_id" WHERE "j1"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''TRUNCATE'' THEN
_n := 0;
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_film'', q.root_key, ''truncate'', ''public.language'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "j1"."film_id") AS root_key FROM "public"."language" AS c JOIN "public"."film" AS "j1" ON "j1"."language_id" = "c"."language_id" WHERE "j1"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_film'''', q.root_key, ''''truncate'''', ''''public.language'''', 1, "indexer"."outbox_partition"(''''pagila_film'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''film_id'''', "j1"."film_id") AS root_key FROM "public"."language" AS c JOIN "public"."film" AS "j1" ON "j1"."language_id" = "c"."language_id" WHERE "j1"."film_id" IS NOT NULL) AS q)
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
SELECT ''pagila_film'', q.root_key, ''update'', ''public.category'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "j1"."film_id") AS root_key FROM (SELECT n.* FROM new_rows AS n UNION ALL SELECT o.* FROM old_rows AS o) AS c JOIN "public"."film_category" AS "j1" ON "j1"."category_id" = "c"."category_id" WHERE "j1"."film_id" IS NOT NULL) AS q)
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
SELECT ''pagila_film'', q.root_key, ''update'', ''public.category'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "j1"."film_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."category_id" = "n"."category_id" WHERE o."category_id" IS NULL OR ROW("n"."category_id", "n"."name") IS DISTINCT FROM ROW("o"."category_id", "o"."name") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."category_id" = "n"."category_id" WHERE n."category_id" IS NULL OR ROW("n"."category_id", "n"."name") IS DISTINCT FROM ROW("o"."category_id", "o"."name")) AS c JOIN "public"."film_category" AS "j1" ON "j1"."category_id" = "c"."category_id" WHERE "j1"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_film'''', q.root_key, ''''update'''', ''''public.category'''', 1, "indexer"."outbox_partition"(''''pagila_film'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''film_id'''', "j1"."film_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."category_id" = "n"."category_id" WHERE o."category_id" IS NULL OR ROW("n"."category_id", "n"."name") IS DISTINCT FROM ROW("o"."category_id", "o"."name") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."category_id" = "n"."category_id" WHERE n."category_id" IS NULL OR ROW("n"."category_id", "n"."name") IS DISTINCT FROM ROW("o"."category_id", "o"."name")) AS c JOIN "public"."film_category" AS "j1" ON "j1"."category_id" = "c"."category_id" WHERE "j1"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
END IF;
ELSIF TG_OP = ''INSERT'' THEN
_n := (SELECT count(*) FROM new_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_film'', q.root_key, ''insert'', ''public.category'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "j1"."film_id") AS root_key FROM new_rows AS c JOIN "public"."film_category" AS "j1" ON "j1"."category_id" = "c"."category_id" WHERE "j1"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_film'''', q.root_key, ''''insert'''', ''''public.category'''', 1, "indexer"."outbox_partition"(''''pagila_film'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''film_id'''', "j1"."film_id") AS root_key FROM new_rows AS c JOIN "public"."film_category" AS "j1" ON "j1"."category_id" = "c"."category_id" WHERE "j1"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''DELETE'' THEN
_n := (SELECT count(*) FROM old_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_film'', q.root_key, ''delete'', ''public.category'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "j1"."film_id") AS root_key FROM old_rows AS c JOIN "public"."film_category" AS "j1" ON "j1"."category_id" = "c"."category_id" WHERE "j1"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_film'''', q.root_key, ''''delete'''', ''''public.category'''', 1, "indexer"."outbox_partition"(''''pagila_film'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''film_id'''', "j1"."film_id") AS root_key FROM old_rows AS c JOIN "public"."film_category" AS "j1" ON "j1"."category_id" = "c"."category_id" WHERE "j1"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''TRUNCATE'' THEN
_n := 0;
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_film'', q.root_key, ''truncate'', ''public.category'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "j1"."film_id") AS root_key FROM "public"."category" AS c JOIN "public"."film_category" AS "j1" ON "j1"."category_id" = "c"."category_id" WHERE "j1"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_film'''', q.root_key, ''''truncate'''', ''''public.category'''', 1, "indexer"."outbox_partition"(''''pagila_film'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''film_id'''', "j1"."film_id") AS root_key FROM "public"."category" AS c JOIN "public"."film_category" AS "j1" ON "j1"."category_id" = "c"."category_id" WHERE "j1"."film_id" IS NOT NULL) AS q)
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
SELECT ''pagila_film'', q.root_key, ''update'', ''public.film_category'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "c"."film_id") AS root_key FROM (SELECT n.* FROM new_rows AS n UNION ALL SELECT o.* FROM old_rows AS o) AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
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
SELECT ''pagila_film'', q.root_key, ''update'', ''public.film_category'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "c"."film_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."film_id" = "n"."film_id" AND "o"."category_id" = "n"."category_id" WHERE o."film_id" IS NULL OR ROW("n"."film_id", "n"."category_id") IS DISTINCT FROM ROW("o"."film_id", "o"."category_id") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."film_id" = "n"."film_id" AND "o"."category_id" = "n"."category_id" WHERE n."film_id" IS NULL OR ROW("n"."film_id", "n"."category_id") IS DISTINCT FROM ROW("o"."film_id", "o"."category_id")) AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_film'''', q.root_key, ''''update'''', ''''public.film_category'''', 1, "indexer"."outbox_partition"(''''pagila_film'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''film_id'''', "c"."film_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."film_id" = "n"."film_id" AND "o"."category_id" = "n"."category_id" WHERE o."film_id" IS NULL OR ROW("n"."film_id", "n"."category_id") IS DISTINCT FROM ROW("o"."film_id", "o"."category_id") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."film_id" = "n"."film_id" AND "o"."category_id" = "n"."category_id" WHERE n."film_id" IS NULL OR ROW("n"."film_id", "n"."category_id") IS DISTINCT FROM ROW("o"."film_id", "o"."category_id")) AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
END IF;
ELSIF TG_OP = ''INSERT'' THEN
_n := (SELECT count(*) FROM new_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_film'', q.root_key, ''insert'', ''public.film_category'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "c"."film_id") AS root_key FROM new_rows AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_film'''', q.root_key, ''''insert'''', ''''public.film_category'''', 1, "indexer"."outbox_partition"(''''pagila_film'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''film_id'''', "c"."film_id") AS root_key FROM new_rows AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''DELETE'' THEN
_n := (SELECT count(*) FROM old_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_film'', q.root_key, ''delete'', ''public.film_category'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "c"."film_id") AS root_key FROM old_rows AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_film'''', q.root_key, ''''delete'''', ''''public.film_category'''', 1, "indexer"."outbox_partition"(''''pagila_film'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''film_id'''', "c"."film_id") AS root_key FROM old_rows AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''TRUNCATE'' THEN
_n := 0;
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_film'', q.root_key, ''truncate'', ''public.film_category'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "c"."film_id") AS root_key FROM "public"."film_category" AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_film'''', q.root_key, ''''truncate'''', ''''public.film_category'''', 1, "indexer"."outbox_partition"(''''pagila_film'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''film_id'''', "c"."film_id") AS root_key FROM "public"."film_category" AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
RETURN NULL;
END';

-- capture of public.actor
CREATE OR REPLACE FUNCTION "indexer"."capture_actor_7fb74f13"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'DECLARE _lsn pg_lsn; _n bigint; _changed boolean;
BEGIN
IF TG_OP = ''UPDATE'' THEN
SELECT (SELECT count(*) FROM new_rows), (SELECT ROW("n"."actor_id", "n"."first_name", "n"."last_name")::text IS DISTINCT FROM ROW("o"."actor_id", "o"."first_name", "o"."last_name")::text FROM new_rows AS n, old_rows AS o LIMIT 1) INTO _n, _changed;
IF _n = 1 THEN
IF _changed THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_film'', q.root_key, ''update'', ''public.actor'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "j1"."film_id") AS root_key FROM (SELECT n.* FROM new_rows AS n UNION ALL SELECT o.* FROM old_rows AS o) AS c JOIN "public"."film_actor" AS "j1" ON "j1"."actor_id" = "c"."actor_id" WHERE "j1"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
END IF;
ELSE
_changed := EXISTS (SELECT FROM (SELECT ROW("n"."actor_id", "n"."first_name", "n"."last_name")::text AS r, 1 AS s FROM new_rows AS n UNION ALL SELECT ROW("o"."actor_id", "o"."first_name", "o"."last_name")::text, -1 FROM old_rows AS o) AS x GROUP BY x.r HAVING sum(x.s) <> 0);
IF NOT _changed THEN
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
ELSE
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_film'', q.root_key, ''update'', ''public.actor'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "j1"."film_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."actor_id" = "n"."actor_id" WHERE o."actor_id" IS NULL OR ROW("n"."actor_id", "n"."first_name", "n"."last_name") IS DISTINCT FROM ROW("o"."actor_id", "o"."first_name", "o"."last_name") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."actor_id" = "n"."actor_id" WHERE n."actor_id" IS NULL OR ROW("n"."actor_id", "n"."first_name", "n"."last_name") IS DISTINCT FROM ROW("o"."actor_id", "o"."first_name", "o"."last_name")) AS c JOIN "public"."film_actor" AS "j1" ON "j1"."actor_id" = "c"."actor_id" WHERE "j1"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_film'''', q.root_key, ''''update'''', ''''public.actor'''', 1, "indexer"."outbox_partition"(''''pagila_film'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''film_id'''', "j1"."film_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."actor_id" = "n"."actor_id" WHERE o."actor_id" IS NULL OR ROW("n"."actor_id", "n"."first_name", "n"."last_name") IS DISTINCT FROM ROW("o"."actor_id", "o"."first_name", "o"."last_name") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."actor_id" = "n"."actor_id" WHERE n."actor_id" IS NULL OR ROW("n"."actor_id", "n"."first_name", "n"."last_name") IS DISTINCT FROM ROW("o"."actor_id", "o"."first_name", "o"."last_name")) AS c JOIN "public"."film_actor" AS "j1" ON "j1"."actor_id" = "c"."actor_id" WHERE "j1"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
END IF;
ELSIF TG_OP = ''INSERT'' THEN
_n := (SELECT count(*) FROM new_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_film'', q.root_key, ''insert'', ''public.actor'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "j1"."film_id") AS root_key FROM new_rows AS c JOIN "public"."film_actor" AS "j1" ON "j1"."actor_id" = "c"."actor_id" WHERE "j1"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_film'''', q.root_key, ''''insert'''', ''''public.actor'''', 1, "indexer"."outbox_partition"(''''pagila_film'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''film_id'''', "j1"."film_id") AS root_key FROM new_rows AS c JOIN "public"."film_actor" AS "j1" ON "j1"."actor_id" = "c"."actor_id" WHERE "j1"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''DELETE'' THEN
_n := (SELECT count(*) FROM old_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_film'', q.root_key, ''delete'', ''public.actor'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "j1"."film_id") AS root_key FROM old_rows AS c JOIN "public"."film_actor" AS "j1" ON "j1"."actor_id" = "c"."actor_id" WHERE "j1"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_film'''', q.root_key, ''''delete'''', ''''public.actor'''', 1, "indexer"."outbox_partition"(''''pagila_film'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''film_id'''', "j1"."film_id") AS root_key FROM old_rows AS c JOIN "public"."film_actor" AS "j1" ON "j1"."actor_id" = "c"."actor_id" WHERE "j1"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''TRUNCATE'' THEN
_n := 0;
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_film'', q.root_key, ''truncate'', ''public.actor'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "j1"."film_id") AS root_key FROM "public"."actor" AS c JOIN "public"."film_actor" AS "j1" ON "j1"."actor_id" = "c"."actor_id" WHERE "j1"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_film'''', q.root_key, ''''truncate'''', ''''public.actor'''', 1, "indexer"."outbox_partition"(''''pagila_film'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''film_id'''', "j1"."film_id") AS root_key FROM "public"."actor" AS c JOIN "public"."film_actor" AS "j1" ON "j1"."actor_id" = "c"."actor_id" WHERE "j1"."film_id" IS NOT NULL) AS q)
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
SELECT ''pagila_film'', q.root_key, ''update'', ''public.film_actor'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "c"."film_id") AS root_key FROM (SELECT n.* FROM new_rows AS n UNION ALL SELECT o.* FROM old_rows AS o) AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
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
SELECT ''pagila_film'', q.root_key, ''update'', ''public.film_actor'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "c"."film_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."actor_id" = "n"."actor_id" AND "o"."film_id" = "n"."film_id" WHERE o."actor_id" IS NULL OR ROW("n"."actor_id", "n"."film_id") IS DISTINCT FROM ROW("o"."actor_id", "o"."film_id") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."actor_id" = "n"."actor_id" AND "o"."film_id" = "n"."film_id" WHERE n."actor_id" IS NULL OR ROW("n"."actor_id", "n"."film_id") IS DISTINCT FROM ROW("o"."actor_id", "o"."film_id")) AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_film'''', q.root_key, ''''update'''', ''''public.film_actor'''', 1, "indexer"."outbox_partition"(''''pagila_film'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''film_id'''', "c"."film_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."actor_id" = "n"."actor_id" AND "o"."film_id" = "n"."film_id" WHERE o."actor_id" IS NULL OR ROW("n"."actor_id", "n"."film_id") IS DISTINCT FROM ROW("o"."actor_id", "o"."film_id") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."actor_id" = "n"."actor_id" AND "o"."film_id" = "n"."film_id" WHERE n."actor_id" IS NULL OR ROW("n"."actor_id", "n"."film_id") IS DISTINCT FROM ROW("o"."actor_id", "o"."film_id")) AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
END IF;
ELSIF TG_OP = ''INSERT'' THEN
_n := (SELECT count(*) FROM new_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_film'', q.root_key, ''insert'', ''public.film_actor'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "c"."film_id") AS root_key FROM new_rows AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_film'''', q.root_key, ''''insert'''', ''''public.film_actor'''', 1, "indexer"."outbox_partition"(''''pagila_film'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''film_id'''', "c"."film_id") AS root_key FROM new_rows AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''DELETE'' THEN
_n := (SELECT count(*) FROM old_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_film'', q.root_key, ''delete'', ''public.film_actor'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "c"."film_id") AS root_key FROM old_rows AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_film'''', q.root_key, ''''delete'''', ''''public.film_actor'''', 1, "indexer"."outbox_partition"(''''pagila_film'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''film_id'''', "c"."film_id") AS root_key FROM old_rows AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''TRUNCATE'' THEN
_n := 0;
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_film'', q.root_key, ''truncate'', ''public.film_actor'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "c"."film_id") AS root_key FROM "public"."film_actor" AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_film'''', q.root_key, ''''truncate'''', ''''public.film_actor'''', 1, "indexer"."outbox_partition"(''''pagila_film'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''film_id'''', "c"."film_id") AS root_key FROM "public"."film_actor" AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
RETURN NULL;
END';

-- capture of public.inventory
CREATE OR REPLACE FUNCTION "indexer"."capture_inventory_3accd482"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'DECLARE _lsn pg_lsn; _n bigint; _changed boolean;
BEGIN
IF TG_OP = ''UPDATE'' THEN
SELECT (SELECT count(*) FROM new_rows), (SELECT ROW("n"."inventory_id", "n"."film_id", "n"."store_id")::text IS DISTINCT FROM ROW("o"."inventory_id", "o"."film_id", "o"."store_id")::text FROM new_rows AS n, old_rows AS o LIMIT 1) INTO _n, _changed;
IF _n = 1 THEN
IF _changed THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_film'', q.root_key, ''update'', ''public.inventory'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "c"."film_id") AS root_key FROM (SELECT n.* FROM new_rows AS n UNION ALL SELECT o.* FROM old_rows AS o) AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
END IF;
ELSE
_changed := EXISTS (SELECT FROM (SELECT ROW("n"."inventory_id", "n"."film_id", "n"."store_id")::text AS r, 1 AS s FROM new_rows AS n UNION ALL SELECT ROW("o"."inventory_id", "o"."film_id", "o"."store_id")::text, -1 FROM old_rows AS o) AS x GROUP BY x.r HAVING sum(x.s) <> 0);
IF NOT _changed THEN
_lsn := pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n));
ELSE
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_film'', q.root_key, ''update'', ''public.inventory'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "c"."film_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."inventory_id" = "n"."inventory_id" WHERE o."inventory_id" IS NULL OR ROW("n"."inventory_id", "n"."film_id", "n"."store_id") IS DISTINCT FROM ROW("o"."inventory_id", "o"."film_id", "o"."store_id") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."inventory_id" = "n"."inventory_id" WHERE n."inventory_id" IS NULL OR ROW("n"."inventory_id", "n"."film_id", "n"."store_id") IS DISTINCT FROM ROW("o"."inventory_id", "o"."film_id", "o"."store_id")) AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_film'''', q.root_key, ''''update'''', ''''public.inventory'''', 1, "indexer"."outbox_partition"(''''pagila_film'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''film_id'''', "c"."film_id") AS root_key FROM (SELECT n.* FROM new_rows AS n LEFT JOIN old_rows AS o ON "o"."inventory_id" = "n"."inventory_id" WHERE o."inventory_id" IS NULL OR ROW("n"."inventory_id", "n"."film_id", "n"."store_id") IS DISTINCT FROM ROW("o"."inventory_id", "o"."film_id", "o"."store_id") UNION ALL SELECT o.* FROM old_rows AS o LEFT JOIN new_rows AS n ON "o"."inventory_id" = "n"."inventory_id" WHERE n."inventory_id" IS NULL OR ROW("n"."inventory_id", "n"."film_id", "n"."store_id") IS DISTINCT FROM ROW("o"."inventory_id", "o"."film_id", "o"."store_id")) AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
END IF;
ELSIF TG_OP = ''INSERT'' THEN
_n := (SELECT count(*) FROM new_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_film'', q.root_key, ''insert'', ''public.inventory'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "c"."film_id") AS root_key FROM new_rows AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_film'''', q.root_key, ''''insert'''', ''''public.inventory'''', 1, "indexer"."outbox_partition"(''''pagila_film'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''film_id'''', "c"."film_id") AS root_key FROM new_rows AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''DELETE'' THEN
_n := (SELECT count(*) FROM old_rows);
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_film'', q.root_key, ''delete'', ''public.inventory'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "c"."film_id") AS root_key FROM old_rows AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_film'''', q.root_key, ''''delete'''', ''''public.inventory'''', 1, "indexer"."outbox_partition"(''''pagila_film'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''film_id'''', "c"."film_id") AS root_key FROM old_rows AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
ELSIF TG_OP = ''TRUNCATE'' THEN
_n := 0;
IF _n <= 64 THEN
WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''pagila_film'', q.root_key, ''truncate'', ''public.inventory'', 1, "indexer"."outbox_partition"(''pagila_film'', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''film_id'', "c"."film_id") AS root_key FROM "public"."inventory" AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''indexer:indexer'', concat_ws('' '', TG_RELID, TG_OP, _n)) FROM pg_advisory_xact_lock_shared(3165119501798170139) INTO _lsn;
ELSE
EXECUTE ''WITH enqueued AS (INSERT INTO "indexer"."outbox" (index_name, root_key, op, source_table, lane, partition)
SELECT ''''pagila_film'''', q.root_key, ''''truncate'''', ''''public.inventory'''', 1, "indexer"."outbox_partition"(''''pagila_film'''', q.root_key) FROM (SELECT DISTINCT jsonb_build_object(''''film_id'''', "c"."film_id") AS root_key FROM "public"."inventory" AS c  WHERE "c"."film_id" IS NOT NULL) AS q)
SELECT pg_logical_emit_message(true, ''''indexer:indexer'''', concat_ws('''' '''', $1, $2, $3)) FROM pg_advisory_xact_lock_shared(3165119501798170139)'' INTO _lsn USING TG_RELID, TG_OP, _n;
END IF;
END IF;
RETURN NULL;
END';
