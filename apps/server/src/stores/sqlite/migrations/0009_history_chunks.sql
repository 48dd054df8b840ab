-- History lines move from one row per line to chunks of up to 1,024 consecutive lines per row
-- (see history-chunks.ts). Each contiguous stretch of a run's stored line numbers is cut into
-- chunks; texts are concatenated as UTF-8 with their end byte offsets and steps packed beside them.
ALTER TABLE runs ADD COLUMN history_step_span INTEGER NOT NULL DEFAULT 0;

CREATE TABLE history_chunks (
  id         INTEGER PRIMARY KEY,
  run_id     INTEGER NOT NULL,
  first_line INTEGER NOT NULL,
  lines      INTEGER NOT NULL,
  min_step   INTEGER NOT NULL,
  max_step   INTEGER NOT NULL,
  steps      BLOB NOT NULL,
  ends       BLOB NOT NULL,
  text       BLOB NOT NULL
);
CREATE UNIQUE INDEX history_chunks_line ON history_chunks (run_id, first_line);
CREATE INDEX history_chunks_step ON history_chunks (run_id, min_step, max_step);

INSERT INTO history_chunks (run_id, first_line, lines, min_step, max_step, steps, ends, text)
SELECT run_id, min(line_no), count(*), min(step), max(step),
       ballast_pack_steps(step ORDER BY line_no),
       ballast_pack_ends(line ORDER BY line_no),
       CAST(group_concat(line, '' ORDER BY line_no) AS BLOB)
FROM (
  SELECT run_id, line_no, coalesce(step, line_no) AS step, line, island,
         (row_number() OVER (PARTITION BY run_id, island ORDER BY line_no) - 1) / 1024 AS piece
  FROM (
    SELECT run_id, line_no, step, line,
           line_no - row_number() OVER (PARTITION BY run_id ORDER BY line_no) AS island
    FROM run_history
  )
)
GROUP BY run_id, island, piece;

UPDATE runs SET history_step_span =
  coalesce((SELECT max(max_step - min_step) FROM history_chunks c WHERE c.run_id = runs.id), 0);

DROP TABLE run_history;
