-- Metric points move from one row per point to blocks of up to 1,024 points per row (see
-- metric-blocks.ts): a row per point made the B-tree insert, not the data, the cost of ingest.
-- Each series also keeps its newest point and its widest block's span (the bound that turns
-- "blocks holding step s" into an index range).
ALTER TABLE metric_keys ADD COLUMN last_step INTEGER;
ALTER TABLE metric_keys ADD COLUMN last_value REAL;
ALTER TABLE metric_keys ADD COLUMN max_span INTEGER NOT NULL DEFAULT 0;

CREATE TABLE metric_blocks (
  id         INTEGER PRIMARY KEY,
  key_id     INTEGER NOT NULL,
  first_step INTEGER NOT NULL,
  last_step  INTEGER NOT NULL,
  points     INTEGER NOT NULL,
  data       BLOB NOT NULL
);
CREATE INDEX metric_blocks_series ON metric_blocks (key_id, first_step);

INSERT INTO metric_blocks (key_id, first_step, last_step, points, data)
SELECT key_id, min(step), max(step), count(*), ballast_pack_points(step, value)
FROM (
  SELECT key_id, step, value, (row_number() OVER (PARTITION BY key_id ORDER BY step) - 1) / 1024 AS chunk
  FROM metric_points
)
GROUP BY key_id, chunk;

UPDATE metric_keys SET
  max_span = coalesce((SELECT max(last_step - first_step) FROM metric_blocks b WHERE b.key_id = metric_keys.id), 0),
  last_step = (SELECT max(step) FROM metric_points p WHERE p.key_id = metric_keys.id),
  last_value = (SELECT value FROM metric_points p WHERE p.key_id = metric_keys.id ORDER BY step DESC LIMIT 1);

DROP TABLE metric_points;

-- The finest tier (16 steps) goes: ranges that fine are read from the blocks themselves.
DELETE FROM metric_tiers WHERE level = 1;
