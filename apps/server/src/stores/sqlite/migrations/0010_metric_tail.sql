-- Each series remembers how many points its last block holds, so an append that cannot grow that
-- block (the usual case in bulk ingest) never reads it. 1,024 = full: an existing series starts
-- a new block at its next append.
ALTER TABLE metric_keys ADD COLUMN tail_points INTEGER NOT NULL DEFAULT 1024;
