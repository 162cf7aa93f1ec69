-- 0002: the slot reconciler's work survives restarts, and bootstrap remembers
-- the replica identities it changed; capture triggers switched to ENABLE
-- (origin only) by `ALTER TABLE ... ENABLE TRIGGER ALL` are put back to ALWAYS.

-- Changes found in the slot up to this LSN are in the outbox already: a pass
-- that enqueued them and died before advancing the slot does not enqueue them again.
ALTER TABLE {schema}.slot_state ADD COLUMN enqueued_lsn pg_lsn;

-- Verifications of an index that the slot reconciler owes (after a recreated
-- slot, or a change whose rows cannot be found any more, such as a TRUNCATE
-- that bypassed the triggers). Written in the transaction that found the need,
-- deleted when the verification has run.
CREATE TABLE {schema}.repairs (
    index_name text PRIMARY KEY,
    reason text NOT NULL,
    requested_at timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0,
    last_attempt_at timestamptz,
    last_error text
);

-- Tables whose REPLICA IDENTITY bootstrap set to FULL (so that the slot holds
-- the old link columns of updated and deleted rows), with what it was before;
-- teardown puts it back.
CREATE TABLE {schema}.replica_identities (
    schema_name text NOT NULL,
    table_name text NOT NULL,
    original "char" NOT NULL,        -- pg_class.relreplident: d default, n nothing, i index, f full
    original_index text,             -- the index (same schema), when original = 'i'
    PRIMARY KEY (schema_name, table_name)
);

-- Puts the capture triggers back to ENABLE ALWAYS where something changed them.
-- `ALTER TABLE ... ENABLE TRIGGER ALL` (routine after a bulk load) makes every
-- trigger of a table fire for ordinary sessions only; writes under
-- session_replication_role = replica (subscriptions, some tools) would then
-- bypass the capture, leaving them to the slot alone. Disabled triggers are
-- reported and left as they are: disabling is deliberate. SECURITY DEFINER so
-- that `indexer run`, which does not own the tables, can call it.
CREATE FUNCTION {schema}.restore_capture_triggers()
RETURNS TABLE (table_name text, trigger_name text, was "char", action text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT c.oid AS relid, cn.nspname, c.relname, tg.tgname, tg.tgenabled
        FROM pg_trigger tg
        JOIN pg_class c ON c.oid = tg.tgrelid
        JOIN pg_namespace cn ON cn.oid = c.relnamespace
        JOIN pg_proc p ON p.oid = tg.tgfoid
        JOIN pg_namespace pn ON pn.oid = p.pronamespace
        WHERE pn.nspname = {schema_name} AND NOT tg.tgisinternal AND tg.tgenabled <> 'A'
        ORDER BY 2, 3, 4
    LOOP
        table_name := format('%I.%I', t.nspname, t.relname);
        trigger_name := t.tgname;
        was := t.tgenabled;
        IF t.tgenabled = 'D' THEN
            action := 'left disabled';
        ELSE
            EXECUTE format('ALTER TABLE %I.%I ENABLE ALWAYS TRIGGER %I', t.nspname, t.relname, t.tgname);
            action := 'enabled always';
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;
