-- 0002: the slot reconciler's work survives restarts, and bootstrap remembers
-- the replica identities it changed.

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
    table_name text PRIMARY KEY,     -- regclass text, quoted as needed
    original "char" NOT NULL,        -- pg_class.relreplident: d default, n nothing, i index, f full
    original_index text              -- the index, when original = 'i'
);
