-- 0006: the outbox partition is a plain column that every writer fills with
-- outbox_partition() (see schema.sql): the same hash as the generated column it
-- replaces, so rows already queued keep their partition.
CREATE FUNCTION {schema}.outbox_partition(index_name text, root_key jsonb) RETURNS smallint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ((pg_catalog.hashtextextended(index_name OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) root_key::pg_catalog.text, 0)
             OPERATOR(pg_catalog.&) 9223372036854775807) OPERATOR(pg_catalog.%) {partitions})::pg_catalog.int2
$$;
ALTER TABLE {schema}.outbox ALTER COLUMN partition DROP EXPRESSION;
