-- Named runtime queries. Each section starts with a line "-- name: <name>".
-- {schema} is the state schema; %(x)s are driver parameters.

-- name: installation
SELECT format_version, partitions, slot_name, publication_name, fingerprint, schema_file
FROM {schema}.installation;

-- name: installed_fingerprint
SELECT fingerprint FROM {schema}.installation;

-- name: index_targets
-- Where each index's documents go; see targets.IndexState for the columns.
SELECT index_name, generation, fingerprint, shape, live_physical, live_via_alias, live_fingerprint, live_shape,
       building_physical, building_reason, backfill_state, retired_physical,
       coalesce(retire_after <= clock_timestamp(), false) AS retire_due
FROM {schema}.indexes ORDER BY index_name;

-- name: held_rows
SELECT EXISTS (SELECT FROM {schema}.outbox WHERE index_name = %(index)s AND held);

-- name: start_build
-- A new version is being built: its backfill starts from scratch.
UPDATE {schema}.indexes
SET generation = %(generation)s, building_physical = %(building)s, building_reason = %(reason)s,
    backfill_state = 'pending', backfill_total = NULL, backfill_started_at = NULL, backfill_finished_at = NULL
WHERE index_name = %(index)s;
DELETE FROM {schema}.backfill_chunks WHERE index_name = %(index)s;

-- name: go_live
-- The built version replaces the live one (the alias was moved already).
UPDATE {schema}.indexes
SET retired_physical = CASE WHEN live_via_alias AND live_physical IS DISTINCT FROM building_physical
                            THEN live_physical ELSE retired_physical END,
    retire_after = CASE WHEN live_via_alias AND live_physical IS DISTINCT FROM building_physical
                        THEN clock_timestamp() + make_interval(secs => %(grace)s) ELSE retire_after END,
    live_physical = building_physical, live_via_alias = true, live_fingerprint = fingerprint,
    live_shape = shape, live_query = %(query)s, building_physical = NULL, building_reason = NULL
WHERE index_name = %(index)s AND building_physical = %(building)s;

-- name: live_lost
UPDATE {schema}.indexes SET live_physical = NULL, live_fingerprint = NULL
WHERE index_name = %(index)s AND live_physical = %(live)s;

-- name: retire
UPDATE {schema}.indexes SET retired_physical = %(physical)s, retire_after = clock_timestamp() + make_interval(secs => %(grace)s)
WHERE index_name = %(index)s;

-- name: retired_deleted
UPDATE {schema}.indexes SET retired_physical = NULL, retire_after = NULL
WHERE index_name = %(index)s AND retired_physical = %(physical)s;

-- name: fetch_batch
-- Pending outbox rows of the partitions this worker owns, grouped per index,
-- with where the index's documents go. The caller lists (lane, partition)
-- pairs in the order to take them: every partition's lane 0 first, then lane 1,
-- the partitions rotated so no partition starves. A row is eligible once the
-- version being built (if any) has finished its backfill; before that only
-- rows not yet written to the live version are, and they are written there and held.
-- Keys may repeat (the document queries deduplicate them); joining their
-- text is cheaper than jsonb_agg(DISTINCT ...), which sorted and re-encoded
-- them: 3.9 -> 1.6 ms for a batch of 1,000 rows.
SELECT b.index_name,
       '[' || string_agg(b.root_key::text, ',') || ']' AS keys,
       array_agg(b.ctid)::text AS ctids,
       array_agg(b.id)::text AS ids,
       count(*) AS row_count,
       min(b.live_physical) AS live_physical,
       bool_and(b.live_via_alias) AS live_via_alias,
       min(b.live_query) AS live_query,
       min(b.building_physical) AS building_physical,
       bool_and(b.ready) AS building_ready,
       min(b.shape) AS shape
FROM (
    SELECT o.index_name, o.ctid, o.id, o.root_key, t.live_physical, t.live_via_alias,
           CASE WHEN t.live_shape IS DISTINCT FROM t.shape THEN t.live_query END AS live_query,
           t.building_physical, t.ready, t.shape
    FROM unnest(%(indexes)s::text[]) AS i(index_name)
    CROSS JOIN LATERAL (
        SELECT x.*, x.building_physical IS NULL OR x.backfill_state = 'done' AS ready
        FROM {schema}.indexes x WHERE x.index_name = i.index_name
    ) t
    CROSS JOIN unnest(%(lanes)s::smallint[], %(partitions)s::smallint[]) WITH ORDINALITY AS p(lane, partition, position)
    CROSS JOIN LATERAL (
        SELECT x.index_name, x.ctid, x.id, x.root_key
        FROM {schema}.outbox x
        WHERE x.index_name = i.index_name AND x.partition = p.partition AND x.lane = p.lane
          AND (x.after_xid IS NULL OR pg_catalog.pg_xact_status(x.after_xid) IS DISTINCT FROM 'in progress')
          AND (t.ready OR (t.live_physical IS NOT NULL AND NOT x.held))
        ORDER BY x.id
        LIMIT %(limit)s
    ) o
    LIMIT %(limit)s
) b
GROUP BY b.index_name;

-- name: ack_batch
-- Remove outbox rows whose documents the search engine has accepted: the
-- fetched row versions, found by the ctids fetch_batch returned (a TID scan:
-- 1.9 µs per row for batches of 2,000, against 3.4 when each row was looked
-- up again by its primary key). A row updated since the fetch is a new
-- version at another ctid and is left alone, to be processed again; the ids
-- (unique, from an identity column) keep a row that a later insert placed in
-- the slot of a fetched row deleted and vacuumed meanwhile.
DELETE FROM {schema}.outbox o WHERE o.ctid = ANY (%(ctids)s::tid[]) AND o.id = ANY (%(ids)s::bigint[]);

-- name: hold_batch
-- Rows written to the live version while the version being built is still
-- backfilling: kept until it has finished, then built again for both.
UPDATE {schema}.outbox o SET held = true WHERE o.ctid = ANY (%(ctids)s::tid[]) AND o.id = ANY (%(ids)s::bigint[]);

-- name: make_visible_commits_durable
-- Run after building documents and before writing them, in autocommit: flushes
-- the WAL up to a commit record that follows the commit of every transaction
-- the build saw. With synchronous_commit = off a transaction is visible once
-- its commit is in the WAL buffers, before the WAL writer flushes it, and a
-- server crash in between loses it: a document already written from it would
-- show a state the database no longer has, and no change would ever correct
-- it. This statement's own transaction writes one WAL record (an empty logical
-- message, under a prefix the slot reconciler does not read) and commits with
-- synchronous_commit = on for itself only, so its commit waits for the flush
-- (with a synchronous standby, for the standby too).
SELECT pg_catalog.set_config('synchronous_commit', 'on', true),
       pg_catalog.pg_logical_emit_message(true, 'indexer:' || {schema_name} || ':durable', '');

-- name: dead_letter
INSERT INTO {schema}.dead_letters (index_name, root_key, doc_id, reason, error)
VALUES (%(index)s, %(root_key)s::jsonb, %(doc_id)s, %(reason)s, %(error)s::jsonb);

-- name: requeue_dead_letters
WITH moved AS (
    DELETE FROM {schema}.dead_letters
    WHERE %(index)s::text IS NULL OR index_name = %(index)s
    RETURNING index_name, root_key
)
INSERT INTO {schema}.outbox (index_name, root_key, op, source_table, partition)
SELECT DISTINCT index_name, root_key, 'requeue', 'dead_letters', {schema}.outbox_partition(index_name, root_key) FROM moved;

-- name: list_dead_letters
SELECT id, failed_at, index_name, doc_id, reason, error->>'reason' AS message
FROM {schema}.dead_letters
WHERE %(index)s::text IS NULL OR index_name = %(index)s
ORDER BY id LIMIT %(limit)s;

-- name: backfill_state
SELECT backfill_state FROM {schema}.indexes WHERE index_name = %(index)s;

-- name: backfill_total
SELECT backfill_total FROM {schema}.indexes WHERE index_name = %(index)s;

-- name: backfill_chunks
SELECT chunk, lower_key::text, upper_key::text, last_key::text, done
FROM {schema}.backfill_chunks
WHERE index_name = %(index)s
ORDER BY chunk;

-- name: insert_chunk
INSERT INTO {schema}.backfill_chunks (index_name, chunk, lower_key, upper_key)
VALUES (%(index)s, %(chunk)s, %(lower)s::jsonb, %(upper)s::jsonb);

-- name: checkpoint_chunk
-- Only while the version written to is still the one being built with this
-- document shape: a worker whose plan or version is outdated updates nothing
-- (and restarts), so it can never mark a range of the next version as done.
UPDATE {schema}.backfill_chunks c
SET last_key = %(last_key)s::jsonb, docs = c.docs + %(docs)s, done = %(done)s, updated_at = clock_timestamp()
FROM {schema}.indexes i
WHERE c.index_name = %(index)s AND c.chunk = %(chunk)s
  AND i.index_name = c.index_name AND i.shape = %(shape)s AND i.building_physical = %(building)s
RETURNING c.chunk;

-- name: backfill_started
UPDATE {schema}.indexes
SET backfill_state = 'running', backfill_total = %(total)s, backfill_started_at = clock_timestamp()
WHERE index_name = %(index)s AND backfill_state = 'pending';

-- name: backfill_finished
-- Marks the backfill done once every chunk is; returns the index when it did.
UPDATE {schema}.indexes
SET backfill_state = 'done', backfill_finished_at = clock_timestamp()
WHERE index_name = %(index)s AND backfill_state = 'running'
  AND NOT EXISTS (SELECT FROM {schema}.backfill_chunks c WHERE c.index_name = %(index)s AND NOT c.done)
RETURNING index_name;

-- name: backfill_progress
SELECT i.index_name, i.backfill_state, i.backfill_total, coalesce(sum(c.docs), 0)::bigint,
       count(c.chunk) FILTER (WHERE c.done), count(c.chunk)
FROM {schema}.indexes i LEFT JOIN {schema}.backfill_chunks c USING (index_name)
GROUP BY i.index_name, i.backfill_state, i.backfill_total
ORDER BY i.index_name;

-- name: backlog_by_index
SELECT index_name, count(*), extract(epoch FROM clock_timestamp() - min(enqueued_at))::float8
FROM {schema}.outbox GROUP BY index_name ORDER BY index_name;

-- name: live_workers
-- Processes holding the shared membership lock, on this database.
SELECT count(*)
FROM pg_catalog.pg_locks
WHERE locktype = 'advisory' AND granted AND objsubid = 1
  AND database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
  AND classid = %(classid)s::oid AND objid = %(objid)s::oid;

-- name: slot_position
SELECT s.restart_lsn::text, s.confirmed_flush_lsn::text, s.active,
       pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::bigint AS retained_bytes
FROM pg_catalog.pg_replication_slots s
WHERE s.slot_name = %(slot)s;

-- name: pending_for
SELECT EXISTS (SELECT FROM {schema}.outbox WHERE index_name = ANY(%(indexes)s::text[]));

-- name: workers_busy
-- Rows the workers can drain now (held rows wait for a backfill, not for
-- them), or a backfill under way.
SELECT EXISTS (SELECT FROM {schema}.outbox WHERE NOT held)
    OR EXISTS (SELECT FROM {schema}.indexes WHERE backfill_state = 'running');

-- name: can_vacuum_outbox
-- Whether this session may VACUUM the outbox: its owner (or a member of the
-- owning role), a superuser, or from PostgreSQL 17 a role with MAINTAIN on it.
SELECT pg_catalog.pg_has_role(c.relowner, 'USAGE')
    OR (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)
    OR (pg_catalog.current_setting('server_version_num')::int >= 170000
        AND pg_catalog.has_table_privilege(c.oid, 'MAINTAIN'))
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = {schema_name} AND c.relname = 'outbox';

-- name: vacuum_outbox
-- Reclaim the rows acknowledged since the last vacuum (see pipeline/vacuum.py);
-- skipped, not waited for, while another vacuum holds the table.
VACUUM (SKIP_LOCKED) {schema}.outbox;

-- name: raise_version_floor
-- Versions never fall behind the clock (in microseconds), even after a restore.
SELECT setval('{schema}.version_seq', greatest(
    nextval('{schema}.version_seq'),
    (extract(epoch FROM clock_timestamp()) * 1000000)::bigint));

-- name: status_rows
SELECT index_name, root_table, backfill_state, backfilled_docs, pending, oldest_age, dead_letters
FROM {schema}.status ORDER BY index_name;

-- name: reconciled_since
SELECT coalesce(reconciled_lsn >= %(lsn)s::pg_lsn, false) FROM {schema}.slot_state;

-- name: capturing_transactions
-- Transactions (other than ours) that have run a capture function and not
-- ended: holders of the shared capture lock, as full xid8 values.
-- pg_locks shows 32-bit xids. Each is widened against a reference full xid (the
-- xmax of a snapshot) by the signed 32-bit distance between them, which is exact
-- because xids in use never span more than 2^31 (wraparound protection,
-- "Preventing Transaction ID Wraparound Failures" in the PostgreSQL manual). The
-- reference may be older than a holder (the snapshot is taken before pg_locks is
-- read, or is a REPEATABLE READ transaction's), so the distance can be either sign.
WITH holders AS (
    SELECT DISTINCT x.transactionid::text::bigint AS xid32
    FROM pg_catalog.pg_locks a
    JOIN pg_catalog.pg_locks x
      ON x.virtualtransaction = a.virtualtransaction AND x.locktype = 'transactionid'
     AND x.mode = 'ExclusiveLock' AND x.granted
    WHERE a.locktype = 'advisory' AND a.granted AND a.objsubid = 1
      AND a.classid = %(classid)s::oid AND a.objid = %(objid)s::oid
      AND a.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
      AND a.pid <> pg_catalog.pg_backend_pid()
), reference AS (
    SELECT pg_catalog.pg_snapshot_xmax(pg_catalog.pg_current_snapshot())::text::bigint AS full_xid
)
SELECT (r.full_xid + (((h.xid32 - (r.full_xid & 4294967295) + 2147483648) & 4294967295) - 2147483648))::text
FROM holders h, reference r;

-- name: still_running
SELECT coalesce(array_agg(x::text), '{{}}')
FROM unnest(%(xids)s::xid8[]) AS x
WHERE pg_catalog.pg_xact_status(x) = 'in progress';

-- name: enqueue_recheck
INSERT INTO {schema}.outbox (index_name, root_key, op, source_table, after_xid, partition)
SELECT DISTINCT %(index)s, k, 'recheck', 'concurrent', %(after)s::xid8, {schema}.outbox_partition(%(index)s, k)
FROM jsonb_array_elements(%(keys)s::jsonb) AS k;

-- name: slot_exists
-- A slot invalidated by max_slot_wal_keep_size (wal_status 'lost') can no longer
-- be read: it counts as missing, and is dropped before the slot is recreated.
SELECT EXISTS (
    SELECT FROM pg_catalog.pg_replication_slots WHERE slot_name = %(slot)s AND wal_status IS DISTINCT FROM 'lost'
);

-- name: drop_lost_slot
SELECT pg_catalog.pg_drop_replication_slot(slot_name)
FROM pg_catalog.pg_replication_slots WHERE slot_name = %(slot)s AND wal_status = 'lost';

-- name: create_slot
SELECT pg_catalog.pg_create_logical_replication_slot(%(slot)s, 'pgoutput');

-- name: slot_recreated
UPDATE {schema}.slot_state SET recreated_at = now(), enqueued_lsn = NULL;

-- name: flush_lsn
SELECT pg_catalog.pg_current_wal_flush_lsn()::text;

-- name: enqueued_lsn
SELECT coalesce(enqueued_lsn, '0/0')::text FROM {schema}.slot_state;

-- name: peek_slot
-- Decoded changes of the slot up to an LSN, without consuming them.
-- pgoutput parses publication_names as identifiers, so it comes quoted.
SELECT xid::text::bigint, data
FROM pg_catalog.pg_logical_slot_peek_binary_changes(
    %(slot)s, %(upto)s::pg_lsn, NULL,
    'proto_version', '1', 'publication_names', %(publication)s, 'messages', 'true');

-- name: peek_slot_summary
-- The same, for the completeness pass: only what it counts (Insert, Update,
-- Delete, Truncate, Message, Commit; no Begin or Relation), and of a row change
-- only its first 5 bytes (the kind and the relation OID), so a pass over many
-- wide REPLICA IDENTITY FULL rows moves and copies little. The kinds are the
-- ASCII codes of 'I' 'U' 'D' 'T' 'M' 'C' ("Logical Replication Message
-- Formats" in the PostgreSQL manual).
SELECT xid::text::bigint,
       CASE WHEN pg_catalog.get_byte(data, 0) IN (73, 85, 68) THEN pg_catalog.substr(data, 1, 5) ELSE data END
FROM pg_catalog.pg_logical_slot_peek_binary_changes(
    %(slot)s, %(upto)s::pg_lsn, NULL,
    'proto_version', '1', 'publication_names', %(publication)s, 'messages', 'true')
WHERE pg_catalog.get_byte(data, 0) IN (73, 85, 68, 84, 77, 67);

-- name: record_slot_pass
-- In the transaction that enqueued a pass's keys and repairs.
UPDATE {schema}.slot_state
SET enqueued_lsn = greatest(coalesce(enqueued_lsn, '0/0'::pg_lsn), %(lsn)s::pg_lsn),
    uncovered_changes = uncovered_changes + %(uncovered)s;

-- name: advance_slot
SELECT pg_catalog.pg_replication_slot_advance(%(slot)s, %(lsn)s::pg_lsn);

-- name: slot_reconciled
UPDATE {schema}.slot_state SET reconciled_lsn = %(lsn)s::pg_lsn, reconciled_at = now();

-- name: request_repair
-- A later request for an index already owed a repair moves its time forward,
-- so a verification that started before it does not count for it.
INSERT INTO {schema}.repairs (index_name, reason) VALUES (%(index)s, %(reason)s)
ON CONFLICT (index_name) DO UPDATE SET requested_at = clock_timestamp(), reason = EXCLUDED.reason;

-- name: due_repairs
-- Owed repairs, each retried with capped exponential backoff after a failure.
SELECT index_name, reason, attempts, clock_timestamp()::text
FROM {schema}.repairs
WHERE last_attempt_at IS NULL
   OR last_attempt_at + least(interval '1 second' * power(2, attempts), interval '60 seconds') < clock_timestamp()
ORDER BY requested_at;

-- name: repair_done
DELETE FROM {schema}.repairs WHERE index_name = %(index)s AND requested_at < %(started)s::timestamptz;

-- name: repair_failed
UPDATE {schema}.repairs
SET attempts = attempts + 1, last_attempt_at = clock_timestamp(), last_error = %(error)s
WHERE index_name = %(index)s;

-- name: repairs_pending
SELECT EXISTS (SELECT FROM {schema}.repairs);


-- name: replica_identities
SELECT schema_name, table_name, original, original_index FROM {schema}.replica_identities;

-- name: current_replica_identity
SELECT c.relreplident::text,
       (SELECT x.relname::text FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class x ON x.oid = i.indexrelid
         WHERE i.indrelid = c.oid AND i.indisreplident)
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND c.relname = %(table)s;

-- name: remember_replica_identity
INSERT INTO {schema}.replica_identities (schema_name, table_name, original, original_index)
VALUES (%(schema)s, %(table)s, %(original)s, %(index)s)
ON CONFLICT DO NOTHING;

-- name: forget_replica_identity
DELETE FROM {schema}.replica_identities WHERE schema_name = %(schema)s AND table_name = %(table)s;


-- name: restore_capture_triggers
SELECT table_name, trigger_name, was, action FROM {schema}.restore_capture_triggers();

-- name: capture_trigger_states
-- The capture triggers by state: A always (as installed), O origin only, R replica only, D disabled.
SELECT t.tgenabled::text, count(*), coalesce(string_agg(DISTINCT format('%%I.%%I', cn.nspname, c.relname), ', '), '')
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace cn ON cn.oid = c.relnamespace
JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
WHERE pn.nspname = %(schema)s AND NOT t.tgisinternal
GROUP BY 1 ORDER BY 1;

-- name: index_keep
-- bootstrap, nothing to rebuild: the row exists (or a fresh one for an index already built).
INSERT INTO {schema}.indexes (index_name, root_table, fingerprint, shape)
VALUES (%(index)s, %(root)s, %(fingerprint)s, %(shape)s)
ON CONFLICT (index_name) DO UPDATE SET root_table = EXCLUDED.root_table, shape = EXCLUDED.shape;

-- name: index_build
-- bootstrap starts a version of the index (see targets.BootstrapTarget); its backfill starts from scratch.
INSERT INTO {schema}.indexes (index_name, root_table, fingerprint, shape, generation, building_physical,
                              building_reason, live_physical, live_via_alias)
VALUES (%(index)s, %(root)s, %(fingerprint)s, %(shape)s, %(generation)s, %(building)s, %(reason)s,
        %(live)s, %(live_via_alias)s)
ON CONFLICT (index_name) DO UPDATE SET
    root_table = EXCLUDED.root_table, fingerprint = EXCLUDED.fingerprint, shape = EXCLUDED.shape,
    generation = EXCLUDED.generation, building_physical = EXCLUDED.building_physical,
    building_reason = EXCLUDED.building_reason,
    backfill_state = 'pending', backfill_total = NULL, backfill_started_at = NULL, backfill_finished_at = NULL,
    live_fingerprint = CASE WHEN {schema}.indexes.live_physical IS NOT DISTINCT FROM EXCLUDED.live_physical
                            THEN {schema}.indexes.live_fingerprint END,
    live_shape = CASE WHEN {schema}.indexes.live_physical IS NOT DISTINCT FROM EXCLUDED.live_physical
                      THEN {schema}.indexes.live_shape END,
    live_query = CASE WHEN {schema}.indexes.live_physical IS NOT DISTINCT FROM EXCLUDED.live_physical
                      THEN {schema}.indexes.live_query END,
    live_physical = EXCLUDED.live_physical, live_via_alias = EXCLUDED.live_via_alias;
DELETE FROM {schema}.backfill_chunks WHERE index_name = %(index)s;

-- name: waiting_for_index
-- Is a session inside wait_searchable() for this index (its shared advisory lock)?
SELECT EXISTS (
    SELECT FROM pg_catalog.pg_locks
    WHERE locktype = 'advisory' AND objsubid = 2
      AND database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
      AND classid = hashtext({schema_name} || ':waiters')::oid AND objid = hashtext(%(index)s)::oid
);

-- name: monitor_rows
-- Per index, for `indexer status --watch`.
SELECT s.index_name, s.root_table, s.backfill_state, coalesce(s.backfilled_docs, 0)::bigint,
       i.backfill_total, s.pending::bigint, extract(epoch FROM s.oldest_age)::float8, s.dead_letters::bigint,
       (SELECT d.reason || ': ' || coalesce(d.error->>'reason', '') FROM {schema}.dead_letters d
        WHERE d.index_name = s.index_name ORDER BY d.id DESC LIMIT 1)
FROM {schema}.status s JOIN {schema}.indexes i USING (index_name)
ORDER BY s.index_name;

-- name: outbox_counters
-- Rows ever inserted into and deleted from the outbox (table statistics, which lag by up to a second).
SELECT coalesce(sum(n_tup_ins), 0), coalesce(sum(n_tup_del), 0)
FROM pg_catalog.pg_stat_user_tables WHERE schemaname = %(schema)s AND relname LIKE 'outbox%%';

-- name: partitions_by_worker
-- How many outbox partitions each worker session holds (their advisory locks).
SELECT l.pid, count(*)
FROM pg_catalog.pg_locks l
JOIN unnest(%(classids)s::bigint[], %(objids)s::bigint[]) AS k(classid, objid)
  ON l.classid = k.classid::oid AND l.objid = k.objid::oid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
GROUP BY l.pid ORDER BY l.pid;

-- ---------------------------------------------------------------------------
-- Transactions and session settings.

-- name: begin
BEGIN;

-- name: commit
COMMIT;

-- name: rollback
ROLLBACK;

-- name: lock_timeout
-- DDL on tracked tables waits at most this long for their locks, then fails (and is retried).
SET LOCAL lock_timeout = '10s';

-- ---------------------------------------------------------------------------
-- What bootstrap checks and installs outside the state schema, and teardown drops.
-- {part} placeholders other than {schema} are identifiers filled at the call.

-- name: server_facts
SELECT current_setting('server_version_num')::int,
       current_setting('wal_level'),
       current_setting('max_replication_slots')::int,
       (SELECT count(*) FROM pg_catalog.pg_replication_slots)::int,
       r.rolsuper, r.rolreplication, current_user,
       has_database_privilege(current_database(), 'CREATE')
FROM pg_catalog.pg_roles r WHERE r.rolname = current_user;

-- name: is_superuser
SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user;

-- name: tables_not_owned
-- (oid, owner) of the tables among %(oids)s that the current role cannot act as owner of.
SELECT c.oid::bigint, pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class c
WHERE c.oid = ANY(%(oids)s::oid[]) AND NOT pg_catalog.pg_has_role(current_user, c.relowner, 'USAGE');

-- name: named_tables_not_owned
SELECT n.nspname, c.relname, pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE (n.nspname::text, c.relname::text) IN (SELECT * FROM unnest(%(schemas)s::text[], %(tables)s::text[]))
  AND NOT pg_catalog.pg_has_role(current_user, c.relowner, 'USAGE')
ORDER BY 1, 2;

-- name: schema_not_owned
SELECT pg_catalog.pg_get_userbyid(nspowner) FROM pg_catalog.pg_namespace
WHERE nspname = %(schema)s AND NOT pg_catalog.pg_has_role(current_user, nspowner, 'USAGE');

-- name: publication_not_owned
SELECT pg_catalog.pg_get_userbyid(pubowner) FROM pg_catalog.pg_publication
WHERE pubname = %(publication)s AND NOT pg_catalog.pg_has_role(current_user, pubowner, 'USAGE');

-- name: state_schema_exists
SELECT to_regnamespace(%(schema)s) IS NOT NULL;

-- name: relation_exists
-- %(relation)s is the quoted, schema-qualified name.
SELECT to_regclass(%(relation)s) IS NOT NULL;

-- name: slot_present
SELECT EXISTS (SELECT FROM pg_catalog.pg_replication_slots WHERE slot_name = %(slot)s);

-- name: slot_active
SELECT active FROM pg_catalog.pg_replication_slots WHERE slot_name = %(slot)s;

-- name: drop_slot
SELECT pg_catalog.pg_drop_replication_slot(%(slot)s);

-- name: objects_present
-- Capture triggers enabled ALWAYS on %(oids)s, tables in the publication, and the slot.
SELECT
  (SELECT count(*) FROM pg_catalog.pg_trigger t
     JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
     JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = %(schema)s AND t.tgrelid = ANY(%(oids)s::oid[]) AND t.tgenabled = 'A'),
  (SELECT count(*) FROM pg_catalog.pg_publication_tables WHERE pubname = %(publication)s),
  EXISTS (SELECT FROM pg_catalog.pg_replication_slots WHERE slot_name = %(slot)s);

-- name: our_triggers
-- Every trigger whose function lives in the state schema, whatever schema.json says today.
SELECT cn.nspname, c.relname, t.tgname
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace cn ON cn.oid = c.relnamespace
JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
WHERE pn.nspname = %(schema)s AND NOT t.tgisinternal
ORDER BY 1, 2, 3;

-- name: drop_trigger
DROP TRIGGER {trigger} ON {table};

-- name: capture_functions
SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = %(schema)s AND p.proname LIKE 'capture\_%%';

-- name: drop_function
-- {function} is a regprocedure's text, as capture_functions returns it.
DROP FUNCTION {function};

-- name: replica_identity_full
ALTER TABLE {table} REPLICA IDENTITY FULL;

-- name: replica_identity_default
ALTER TABLE {table} REPLICA IDENTITY DEFAULT;

-- name: replica_identity_nothing
ALTER TABLE {table} REPLICA IDENTITY NOTHING;

-- name: replica_identity_index
ALTER TABLE {table} REPLICA IDENTITY USING INDEX {index};

-- name: event_trigger_exists
SELECT EXISTS (SELECT FROM pg_catalog.pg_event_trigger WHERE evtname = %(name)s);

-- name: drop_event_trigger
DROP EVENT TRIGGER IF EXISTS {name};

-- name: refresh_owes_repair
-- Fragment of keep_capture_always's body: a REFRESH of a materialized view that
-- documents read owes those indexes a verification with repair. {relids} and
-- {indexes} are arrays: each materialized view and an index that reads it.
IF TG_TAG = 'REFRESH MATERIALIZED VIEW' THEN
  INSERT INTO {schema}.repairs (index_name, reason)
  SELECT DISTINCT m.index_name, 'REFRESH MATERIALIZED VIEW ' || c.object_identity
  FROM pg_event_trigger_ddl_commands() AS c
  JOIN unnest({relids}::oid[], {indexes}::text[]) AS m(relid, index_name) ON m.relid = c.objid
  ON CONFLICT (index_name) DO UPDATE SET requested_at = clock_timestamp(), reason = EXCLUDED.reason;
  RETURN;
END IF;

-- name: keep_capture_always_body
BEGIN {on_refresh} PERFORM {schema}.restore_capture_triggers(); END

-- name: create_keep_capture_always
-- {body} is keep_capture_always_body as a literal.
CREATE OR REPLACE FUNCTION {schema}.keep_capture_always() RETURNS event_trigger LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS {body};

-- name: create_event_trigger
CREATE EVENT TRIGGER {name} ON ddl_command_end WHEN TAG IN ('ALTER TABLE')
EXECUTE FUNCTION {schema}.keep_capture_always();

-- name: create_event_trigger_with_refresh
CREATE EVENT TRIGGER {name} ON ddl_command_end WHEN TAG IN ('ALTER TABLE', 'REFRESH MATERIALIZED VIEW')
EXECUTE FUNCTION {schema}.keep_capture_always();

-- name: record_installation
INSERT INTO {schema}.installation (format_version, partitions, slot_name, publication_name, fingerprint, schema_file)
VALUES (%(format)s, %(partitions)s, %(slot)s, %(publication)s, %(fingerprint)s, %(schema_file)s)
ON CONFLICT (singleton) DO UPDATE SET
  format_version = EXCLUDED.format_version, fingerprint = EXCLUDED.fingerprint,
  schema_file = EXCLUDED.schema_file, updated_at = now();

-- name: forget_other_indexes
-- Indexes schema.json no longer has: their bookkeeping and pending outbox rows go.
DELETE FROM {schema}.indexes WHERE NOT (index_name = ANY(%(names)s));
DELETE FROM {schema}.outbox WHERE NOT (index_name = ANY(%(names)s));

-- name: publication_exists
SELECT EXISTS (SELECT FROM pg_catalog.pg_publication WHERE pubname = %(publication)s);

-- name: publication_tables
SELECT schemaname, tablename FROM pg_catalog.pg_publication_tables WHERE pubname = %(publication)s;

-- name: create_publication
-- {tables} is a list of qualified table names.
CREATE PUBLICATION {publication} FOR TABLE {tables} WITH (publish_via_partition_root = true);

-- name: create_empty_publication
-- Every node is a materialized view (changed only by REFRESH): nothing to publish yet.
CREATE PUBLICATION {publication} WITH (publish_via_partition_root = true);

-- name: set_publication_tables
ALTER PUBLICATION {publication} SET TABLE {tables};

-- name: drop_publication_table
ALTER PUBLICATION {publication} DROP TABLE {table};

-- name: publish_via_partition_root
ALTER PUBLICATION {publication} SET (publish_via_partition_root = true);

-- name: drop_publication
DROP PUBLICATION IF EXISTS {publication};

-- name: drop_state_schema
DROP SCHEMA {schema} CASCADE;

-- ---------------------------------------------------------------------------
-- indexer verify: both sides reduced to (doc_id, md5 of the document's jsonb text)
-- in temporary tables of the session, compared with joins.

-- name: verify_setup
CREATE TEMP TABLE IF NOT EXISTS indexer_verify_source (doc_id text PRIMARY KEY, root_key jsonb, hash text);
CREATE TEMP TABLE IF NOT EXISTS indexer_verify_target (doc_id text PRIMARY KEY, hash text);
CREATE TEMP TABLE IF NOT EXISTS indexer_verify_page (doc_id text, source text);
CREATE TEMP TABLE IF NOT EXISTS indexer_verify_plugged (doc_id text, root_key text, source text);
CREATE TEMP TABLE IF NOT EXISTS indexer_verify_diff (doc_id text PRIMARY KEY, root_key jsonb, kind text,
                                                     in_flight boolean);
TRUNCATE indexer_verify_source, indexer_verify_target, indexer_verify_page, indexer_verify_diff;

-- name: verify_copy_page
COPY indexer_verify_page (doc_id, source) FROM STDIN WITH (FORMAT csv);

-- name: verify_take_page
INSERT INTO indexer_verify_target SELECT doc_id, md5(source::jsonb::text) FROM indexer_verify_page
ON CONFLICT (doc_id) DO NOTHING;

-- name: verify_clear_page
TRUNCATE indexer_verify_page;

-- name: verify_copy_plugged
COPY indexer_verify_plugged (doc_id, root_key, source) FROM STDIN WITH (FORMAT csv);

-- name: verify_take_plugged
INSERT INTO indexer_verify_source SELECT doc_id, root_key::jsonb, md5(source::jsonb::text)
FROM indexer_verify_plugged ON CONFLICT (doc_id) DO NOTHING;

-- name: verify_clear_plugged
TRUNCATE indexer_verify_plugged;

-- name: verify_documents_as_text
-- {documents}: every document of the index (doc_id, doc, root_key), as rows shaped like a document query's.
SELECT 0, to_json(d.doc_id)::text, d.doc::text, d.root_key::text FROM ({documents}) AS d;

-- name: verify_take_documents
INSERT INTO indexer_verify_source SELECT d.doc_id, d.root_key, md5(d.doc::jsonb::text)
FROM ({documents}) AS d ON CONFLICT (doc_id) DO NOTHING;

-- name: verify_take_documents_by_key
-- {documents}: a document query by keys, rows (version, doc_id_json, doc, root_key).
INSERT INTO indexer_verify_source
SELECT ('{{"_id":' || d.doc_id_json || '}}')::json ->> '_id', d.root_key::jsonb, md5(d.doc::jsonb::text)
FROM ({documents}) AS d(version, doc_id_json, doc, root_key)
WHERE d.doc IS NOT NULL ON CONFLICT (doc_id) DO NOTHING;

-- name: count_rows
SELECT count(*) FROM {table};

-- name: verify_diff
-- {doc_id} turns o.root_key into a document id.
TRUNCATE indexer_verify_diff;
INSERT INTO indexer_verify_diff
SELECT coalesce(s.doc_id, t.doc_id), s.root_key,
       CASE WHEN t.doc_id IS NULL THEN 'missing' WHEN s.doc_id IS NULL THEN 'extra' ELSE 'stale' END,
       p.doc_id IS NOT NULL
FROM indexer_verify_source s FULL JOIN indexer_verify_target t ON t.doc_id = s.doc_id
LEFT JOIN (SELECT DISTINCT {doc_id} AS doc_id FROM {schema}.outbox o WHERE o.index_name = {index}) p
  ON p.doc_id = coalesce(s.doc_id, t.doc_id)
WHERE s.doc_id IS NULL OR t.doc_id IS NULL OR s.hash <> t.hash;

-- name: verify_suspects
SELECT doc_id, root_key::text FROM indexer_verify_diff WHERE NOT in_flight ORDER BY doc_id;

-- name: key_as_text
-- {key}: a root key expression over p.parts, the key values of a document id.
SELECT ({key})::text FROM (SELECT %(parts)s::text[] AS parts) AS p;

-- name: verify_clear_sides
TRUNCATE indexer_verify_source, indexer_verify_target;

-- name: verify_in_flight
SELECT count(*) FROM indexer_verify_diff WHERE in_flight;

-- name: verify_kinds
SELECT kind, count(*) FROM indexer_verify_diff WHERE NOT in_flight GROUP BY kind;

-- name: verify_samples
SELECT kind, (array_agg(doc_id ORDER BY doc_id))[1:%(samples)s] FROM indexer_verify_diff
WHERE NOT in_flight GROUP BY kind;

-- name: verify_clear
TRUNCATE indexer_verify_source, indexer_verify_target, indexer_verify_diff;

-- name: enqueue_repairs
INSERT INTO {schema}.outbox (index_name, root_key, op, source_table, partition)
SELECT DISTINCT %(index)s, k, 'repair', 'verify', {schema}.outbox_partition(%(index)s, k)
FROM jsonb_array_elements(%(keys)s::jsonb) AS k;

-- ---------------------------------------------------------------------------
-- Advisory locks and positions.

-- name: try_advisory_lock
SELECT pg_catalog.pg_try_advisory_lock(%(key)s);

-- name: advisory_unlock
SELECT pg_catalog.pg_advisory_unlock(%(key)s);

-- name: advisory_lock_shared
SELECT pg_catalog.pg_advisory_lock_shared(%(key)s);

-- name: current_wal_lsn
SELECT pg_catalog.pg_current_wal_lsn()::text;

-- name: enqueue_matching_roots
-- indexer reindex --where: the keys of the root rows matching the operator's condition {where}
-- (parts from sqlgen.documents.matching_roots).
INSERT INTO {schema}.outbox (index_name, root_key, op, source_table, partition)
SELECT %(index)s, k.root_key, 'reindex', {table}, {schema}.outbox_partition(%(index)s, k.root_key)
FROM (SELECT {key} AS root_key FROM {root} AS {alias} WHERE ({where})) AS k;

-- name: wait_searchable
-- Read-your-writes for applications (indexer.consistency): true once everything
-- committed before the call is searchable in the index.
SELECT {schema}.wait_searchable(%(index)s, make_interval(secs => %(timeout)s));

-- ---------------------------------------------------------------------------
-- Catalog reflection (indexer.schema.catalog).

-- name: catalog_columns
-- Every column of every relation in %(schemas)s, typed as Postgres spells the type.
SELECT n.nspname, c.relname, c.oid::bigint, c.relkind::text, a.attname,
       format_type(a.atttypid, a.atttypmod), a.attnotnull,
       t.typnamespace = 'pg_catalog'::regnamespace
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
ORDER BY n.nspname, c.relname, a.attnum;

-- name: catalog_identities
-- Replica identity, its index and columns, and the leaf partitions of %(oids)s.
SELECT c.oid::bigint,
       CASE WHEN c.relkind = 'p' AND c.relreplident = 'f' AND EXISTS (
              SELECT FROM pg_catalog.pg_partition_tree(c.oid) p JOIN pg_catalog.pg_class l ON l.oid = p.relid
              WHERE p.isleaf AND l.relreplident <> 'f')
            THEN 'd' ELSE c.relreplident::text END,
       (SELECT x.relname::text FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class x ON x.oid = i.indexrelid
         WHERE i.indrelid = c.oid AND i.indisreplident),
       coalesce((SELECT array_agg(a.attname::text ORDER BY k.ord) FROM pg_catalog.pg_index i
                   CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                   JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                  WHERE i.indrelid = c.oid AND i.indisreplident), '{{}}'),
       CASE WHEN c.relkind = 'p' THEN coalesce((
                   SELECT array_agg(ARRAY[ln.nspname::text, l.relname::text] ORDER BY ln.nspname, l.relname)
                   FROM pg_catalog.pg_partition_tree(c.oid) p JOIN pg_catalog.pg_class l ON l.oid = p.relid
                   JOIN pg_catalog.pg_namespace ln ON ln.oid = l.relnamespace WHERE p.isleaf), '{{}}')
            ELSE '{{}}' END
FROM pg_catalog.pg_class c
WHERE c.oid = ANY(%(oids)s::oid[]);

-- name: catalog_btree_indexes
-- Key columns of every valid, non-partial, non-expression btree index of %(oids)s.
SELECT i.indrelid::bigint,
       array(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
             WHERE k.ord <= i.indnkeyatts ORDER BY k.ord)
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class x ON x.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = x.relam
WHERE i.indrelid = ANY(%(oids)s::oid[]) AND i.indisvalid AND am.amname = 'btree' AND i.indpred IS NULL
  AND 0 <> ALL (i.indkey::int2[]);

-- name: catalog_primary_keys
-- The primary key columns of %(oids)s, in the constraint's order.
SELECT c.conrelid::bigint,
       array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
             ORDER BY k.ord)
FROM pg_catalog.pg_constraint c
WHERE c.conrelid = ANY(%(oids)s::oid[]) AND c.contype = 'p';

-- name: catalog_foreign_keys
-- The foreign keys of %(oids)s by name: columns paired in the constraint's
-- order, and the schema and name of the referenced table. Left out: the
-- copies Postgres adds for each partition of a referenced partitioned table
-- (same referencing table as their parent constraint); a leaf partition's
-- copy of its parent table's key stays, it is the leaf's own key.
SELECT c.conrelid::bigint, c.conname::text, rn.nspname::text, r.relname::text,
       array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
             ORDER BY k.ord),
       array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum
             ORDER BY k.ord)
FROM pg_catalog.pg_constraint c
JOIN pg_catalog.pg_class r ON r.oid = c.confrelid
JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
WHERE c.conrelid = ANY(%(oids)s::oid[]) AND c.contype = 'f'
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint p WHERE p.oid = c.conparentid AND p.conrelid = c.conrelid)
ORDER BY c.conrelid, c.conname;

-- ---------------------------------------------------------------------------
-- The demo (indexer demo): its own check and the change it makes, as a user would in psql.

-- name: demo_backfilled
SELECT bool_and(backfill_state = 'done') FROM {schema}.indexes;

-- name: demo_films_of_actor_1
SELECT count(*) FROM public.film_actor WHERE actor_id = 1;

-- name: demo_rename_actor_1
UPDATE public.actor SET first_name = 'ZELDA' WHERE actor_id = 1;

-- name: create_index_advice
-- Printed by bootstrap and `run --analyze` for a lookup no index serves; never run by the indexer.
CREATE INDEX CONCURRENTLY ON {table} ({columns})
