-- 0004: read-your-writes, {schema}.wait_searchable (see schema.sql).

-- Read-your-writes: after its transaction commits, an application calls
-- SELECT {schema}.wait_searchable('index', '5 seconds') and gets true once every
-- change committed before the call (that fired the capture triggers) is
-- searchable in that index (and its first backfill is done), false when the
-- timeout passes first. While it
-- waits it holds a shared advisory lock (released with its transaction) that
-- tells the workers to refresh the index before acknowledging what they wrote.
CREATE FUNCTION {schema}.wait_searchable(index_name text, timeout interval DEFAULT '10 seconds')
RETURNS boolean LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    upto bigint;
    deadline timestamptz := clock_timestamp() + timeout;
BEGIN
    PERFORM pg_advisory_xact_lock_shared(hashtext({schema_name} || ':waiters'), hashtext(index_name));
    SELECT max(o.id) INTO upto FROM {schema}.outbox o WHERE o.index_name = wait_searchable.index_name;
    LOOP
        IF (upto IS NULL OR NOT EXISTS (
                SELECT FROM {schema}.outbox o WHERE o.index_name = wait_searchable.index_name AND o.id <= upto))
           AND NOT EXISTS (  -- nor is the version searches see still being filled by its first backfill
                SELECT FROM {schema}.indexes i
                WHERE i.index_name = wait_searchable.index_name AND i.backfill_state <> 'done'
                  AND (i.live_physical IS NULL OR i.live_physical = i.building_physical))
        THEN
            RETURN true;
        END IF;
        IF clock_timestamp() >= deadline THEN
            RETURN false;
        END IF;
        PERFORM pg_sleep(0.005);
    END LOOP;
END
$$;
