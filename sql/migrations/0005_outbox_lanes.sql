-- 0005: outbox lanes (see schema.sql). Rows written by a statement on the root
-- table that changed at most a few rows are lane 0, everything else lane 1;
-- workers take lane 0 first, so a root change is not queued behind a fan-out.
ALTER TABLE {schema}.outbox ADD COLUMN lane smallint NOT NULL DEFAULT 1;
ALTER TABLE {schema}.outbox DROP CONSTRAINT outbox_pkey;
ALTER TABLE {schema}.outbox ADD CONSTRAINT outbox_pkey PRIMARY KEY (index_name, partition, lane, id);
