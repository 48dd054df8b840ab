-- Run queries read the JSONB query copies of config and summary (0004) from two narrow tables
-- instead of the end of the `runs` row. A run with 100 config and 100 summary keys is ~11 kB, so
-- a copy at the end of its row sat behind the client's config and summary texts in the row's
-- overflow-page chain: filtering or sorting 10,000 runs walked ~100 MB of pages (~100 ms) for
-- ~25 MB of JSONB. Here each copy is its own small row (one page for a few hundred keys), and a
-- summary update rewrites that row, not the wide run row a second time.
CREATE TABLE run_config_query (
  run_id INTEGER PRIMARY KEY,
  doc    BLOB NOT NULL
);

CREATE TABLE run_summary_query (
  run_id INTEGER PRIMARY KEY,
  doc    BLOB NOT NULL
);

INSERT INTO run_config_query (run_id, doc) SELECT id, coalesce(config_query, jsonb('{}')) FROM runs;
INSERT INTO run_summary_query (run_id, doc) SELECT id, coalesce(summary_query, jsonb('{}')) FROM runs;

DROP TRIGGER runs_query_copies_insert;
DROP TRIGGER runs_config_query;
DROP TRIGGER runs_summary_query;
ALTER TABLE runs DROP COLUMN config_query;
ALTER TABLE runs DROP COLUMN summary_query;

-- Same rules as 0004: the text parsed as JSON5 into JSONB (NaN → null), `{}` when unparseable.
CREATE TRIGGER runs_query_docs_insert AFTER INSERT ON runs
BEGIN
  INSERT OR REPLACE INTO run_config_query (run_id, doc)
  VALUES (new.id, CASE WHEN json_valid(new.config, 2) THEN jsonb(new.config) ELSE jsonb('{}') END);
  INSERT OR REPLACE INTO run_summary_query (run_id, doc)
  VALUES (new.id, CASE WHEN json_valid(new.summary, 2) THEN jsonb(new.summary) ELSE jsonb('{}') END);
END;

CREATE TRIGGER runs_config_query_doc AFTER UPDATE OF config ON runs
WHEN new.config IS NOT old.config
BEGIN
  INSERT OR REPLACE INTO run_config_query (run_id, doc)
  VALUES (new.id, CASE WHEN json_valid(new.config, 2) THEN jsonb(new.config) ELSE jsonb('{}') END);
END;

CREATE TRIGGER runs_summary_query_doc AFTER UPDATE OF summary ON runs
WHEN new.summary IS NOT old.summary
BEGIN
  INSERT OR REPLACE INTO run_summary_query (run_id, doc)
  VALUES (new.id, CASE WHEN json_valid(new.summary, 2) THEN jsonb(new.summary) ELSE jsonb('{}') END);
END;

CREATE TRIGGER runs_query_docs_delete AFTER DELETE ON runs
BEGIN
  DELETE FROM run_config_query WHERE run_id = old.id;
  DELETE FROM run_summary_query WHERE run_id = old.id;
END;
