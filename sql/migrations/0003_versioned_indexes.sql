-- 0003: every index is an alias over versioned physical indexes (book -> book_v3).
-- Writes to the live index go through the alias with require_alias, so a
-- deleted index is reported instead of silently re-created with dynamic
-- mappings; a new version is built in the background (changed schema.json,
-- `indexer reindex`, a deleted index, an adopted PGSync index) and swapped in
-- atomically once it has caught up.

ALTER TABLE {schema}.indexes
    -- last version number used: physical indexes are named <index>_v<generation>
    ADD COLUMN generation integer NOT NULL DEFAULT 0,
    -- where searches go: the alias's index, or an adopted index named like the alias
    ADD COLUMN live_physical text,
    ADD COLUMN live_via_alias boolean NOT NULL DEFAULT true,
    ADD COLUMN live_fingerprint text,
    -- digest of the current document query, and the live version's query and digest
    -- (an older shape than schema.json's while a rebuild runs)
    ADD COLUMN shape text,
    ADD COLUMN live_shape text,
    ADD COLUMN live_query text,
    -- the version being built (backfill_* describe its backfill), and why
    ADD COLUMN building_physical text,
    ADD COLUMN building_reason text,
    -- the version replaced by the last swap, deleted after a grace period
    ADD COLUMN retired_physical text,
    ADD COLUMN retire_after timestamptz;

-- A row already written to the live version and waiting for the version being
-- built to finish its backfill (its document is then built again for both).
ALTER TABLE {schema}.outbox ADD COLUMN held boolean NOT NULL DEFAULT false;
