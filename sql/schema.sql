-- The indexer's own objects, created by `indexer bootstrap` in one transaction.
-- {schema} is the state schema (default "indexer"), {partitions} the number of
-- outbox partitions. Everything here is plain tables and views, readable in psql.
--
-- This file is the current shape, for reading and for fresh installs. An
-- installation made by an earlier release is brought to the same shape by the
-- numbered files in migrations/ (installation.format_version is the last one
-- applied); the tests check that both ways give the same objects.

CREATE SCHEMA {schema};
COMMENT ON SCHEMA {schema} IS 'pg-search-indexer state: outbox, backfill checkpoints, dead letters';

-- One row: what `indexer bootstrap` installed and from which schema.json.
CREATE TABLE {schema}.installation (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    format_version integer NOT NULL,
    partitions integer NOT NULL,
    slot_name text NOT NULL,
    publication_name text NOT NULL,
    fingerprint text NOT NULL,
    schema_file text NOT NULL,
    installed_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per search index, i.e. per alias users search: its root table, the
-- versioned physical indexes behind it (book -> book_v3) and the backfill of
-- the version being built. Writes to the live version go through the alias
-- with require_alias, so a deleted index is reported, never auto-created; a new
-- version is built in the background and swapped in once it has caught up.
CREATE TABLE {schema}.indexes (
    index_name text PRIMARY KEY,
    root_table text NOT NULL,
    fingerprint text NOT NULL,
    backfill_state text NOT NULL DEFAULT 'pending'
        CHECK (backfill_state IN ('pending', 'running', 'done')),
    backfill_total bigint,
    backfill_started_at timestamptz,
    backfill_finished_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- last version number used: physical indexes are named <index>_v<generation>
    generation integer NOT NULL DEFAULT 0,
    -- where searches go: the alias's index, or an adopted index named like the alias
    live_physical text,
    live_via_alias boolean NOT NULL DEFAULT true,
    live_fingerprint text,
    -- digest of the current document query, and the live version's query and digest
    -- (an older shape than schema.json's while a rebuild runs)
    shape text,
    live_shape text,
    live_query text,
    -- the version being built (backfill_* describe its backfill), and why
    building_physical text,
    building_reason text,
    -- the version replaced by the last swap, deleted after a grace period
    retired_physical text,
    retire_after timestamptz
);

-- Key ranges of a backfill. A worker holds an advisory lock on a chunk while it
-- scans it and records the last indexed key after every bulk request, so a
-- crashed backfill resumes where it stopped.
CREATE TABLE {schema}.backfill_chunks (
    index_name text NOT NULL REFERENCES {schema}.indexes ON DELETE CASCADE,
    chunk integer NOT NULL,
    lower_key jsonb,          -- exclusive; NULL: from the first row
    upper_key jsonb,          -- inclusive; NULL: to the last row
    last_key jsonb,           -- checkpoint: the last key indexed
    docs bigint NOT NULL DEFAULT 0,
    done boolean NOT NULL DEFAULT false,
    updated_at timestamptz,
    PRIMARY KEY (index_name, chunk)
);

-- External document versions: every document query draws one value. It starts
-- at the current time in microseconds, and workers raise it to the clock when
-- they connect, so versions keep growing across reinstalls, restores of older
-- backups and failovers (see ARCHITECTURE.md).
CREATE SEQUENCE {schema}.version_seq;
SELECT setval('{schema}.version_seq', (extract(epoch FROM clock_timestamp()) * 1000000)::bigint);

-- The outbox partition of a root key: a hash of (index, root key) modulo
-- {partitions}. Every writer of the outbox passes it. The planner inlines this
-- one-SELECT function into the writer's plan (every name in it is qualified, as
-- it is resolved there), where a generated column's expression would be set up
-- again by every INSERT: 73,000 of the 450,000 instructions a single-row
-- UPDATE's capture cost (callgrind, loadtest/README.md).
CREATE FUNCTION {schema}.outbox_partition(index_name text, root_key jsonb) RETURNS smallint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ((pg_catalog.hashtextextended(index_name OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) root_key::pg_catalog.text, 0)
             OPERATOR(pg_catalog.&) 9223372036854775807) OPERATOR(pg_catalog.%) {partitions})::pg_catalog.int2
$$;

-- The outbox: one row per (statement, index, affected root key). Rows are
-- removed once the document built after them has been accepted by the search
-- engine. partition = outbox_partition(index_name, root_key).
CREATE TABLE {schema}.outbox (
    id bigint GENERATED ALWAYS AS IDENTITY,
    enqueued_at timestamptz NOT NULL DEFAULT now(),
    index_name text NOT NULL,
    root_key jsonb NOT NULL,
    op text NOT NULL,
    source_table text NOT NULL,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    partition smallint NOT NULL,
    -- A recheck: rebuild this key again once that transaction has ended (see ARCHITECTURE.md).
    after_xid xid8,
    -- A row already written to the live version and waiting for the version being
    -- built to finish its backfill (its document is then built again for both).
    held boolean NOT NULL DEFAULT false,
    -- 0: written by a statement on the root table that changed at most a few
    -- rows (one key per row); 1: everything else, fan-outs of child and lookup
    -- tables included. Workers take lane 0 first, so a change to one document
    -- is not queued behind thousands of others that a shared row fanned out to.
    lane smallint NOT NULL DEFAULT 1,
    CONSTRAINT outbox_pkey PRIMARY KEY (index_name, partition, lane, id)
) WITH (
    autovacuum_vacuum_scale_factor = 0.0,
    autovacuum_vacuum_threshold = 5000,
    autovacuum_vacuum_insert_scale_factor = 0.0,
    autovacuum_vacuum_insert_threshold = 5000
);

-- Documents the search engine refused (mapping conflicts, oversized documents),
-- with its reason. `indexer dead-letters requeue` puts them back in the outbox.
CREATE TABLE {schema}.dead_letters (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    failed_at timestamptz NOT NULL DEFAULT now(),
    index_name text NOT NULL,
    root_key jsonb NOT NULL,
    doc_id text NOT NULL,
    reason text NOT NULL,
    error jsonb NOT NULL
);

-- What the slot reconciler has seen.
CREATE TABLE {schema}.slot_state (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    reconciled_lsn pg_lsn,
    reconciled_at timestamptz,
    uncovered_changes bigint NOT NULL DEFAULT 0,
    recreated_at timestamptz,
    -- Changes found in the slot up to this LSN are in the outbox already: a pass
    -- that enqueued them and died before advancing the slot does not enqueue them again.
    enqueued_lsn pg_lsn
);
INSERT INTO {schema}.slot_state DEFAULT VALUES;

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

-- Pending work per index and partition.
CREATE VIEW {schema}.backlog AS
SELECT index_name,
       partition,
       count(*) AS pending,
       min(enqueued_at) AS oldest_enqueued_at,
       date_trunc('millisecond', clock_timestamp() - min(enqueued_at)) AS oldest_age
FROM {schema}.outbox
GROUP BY index_name, partition;

-- One line per index: backfill, backlog and dead letters.
CREATE VIEW {schema}.status AS
SELECT i.index_name,
       i.root_table,
       i.backfill_state,
       (SELECT sum(c.docs) FROM {schema}.backfill_chunks c WHERE c.index_name = i.index_name) AS backfilled_docs,
       coalesce(b.pending, 0) AS pending,
       b.oldest_age,
       (SELECT count(*) FROM {schema}.dead_letters d WHERE d.index_name = i.index_name) AS dead_letters
FROM {schema}.indexes i
LEFT JOIN (
    SELECT index_name, count(*) AS pending,
           date_trunc('millisecond', clock_timestamp() - min(enqueued_at)) AS oldest_age
    FROM {schema}.outbox GROUP BY index_name
) b USING (index_name);

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
