-- 0001: the state schema as the first release installed it. Frozen: later
-- changes are new numbered files, never edits here.

-- The indexer's own objects, created by `indexer bootstrap` in one transaction.
-- {schema} is the state schema (default "indexer"), {partitions} the number of
-- outbox partitions. Everything here is plain tables and views, readable in psql.

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

-- One row per search index: its root table and backfill progress.
CREATE TABLE {schema}.indexes (
    index_name text PRIMARY KEY,
    root_table text NOT NULL,
    fingerprint text NOT NULL,
    backfill_state text NOT NULL DEFAULT 'pending'
        CHECK (backfill_state IN ('pending', 'running', 'done')),
    backfill_total bigint,
    backfill_started_at timestamptz,
    backfill_finished_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
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

-- The outbox: one row per (statement, index, affected root key). Rows are
-- removed once the document built after them has been accepted by the search
-- engine. partition = hash of (index, root key) modulo {partitions}.
CREATE TABLE {schema}.outbox (
    id bigint GENERATED ALWAYS AS IDENTITY,
    enqueued_at timestamptz NOT NULL DEFAULT now(),
    index_name text NOT NULL,
    root_key jsonb NOT NULL,
    op text NOT NULL,
    source_table text NOT NULL,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    partition smallint NOT NULL GENERATED ALWAYS AS
        (((hashtextextended(index_name || ' ' || root_key::text, 0) & 9223372036854775807) % {partitions})::smallint) STORED,
    -- A recheck: rebuild this key again once that transaction has ended (see ARCHITECTURE.md).
    after_xid xid8,
    PRIMARY KEY (index_name, partition, id)
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
    recreated_at timestamptz
);
INSERT INTO {schema}.slot_state DEFAULT VALUES;

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
