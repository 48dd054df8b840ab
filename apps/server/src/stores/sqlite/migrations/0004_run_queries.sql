-- Run queries (`api.runs(filters, order)`): query copies of config and summary, and indexes.
--
-- `config` and `summary` keep the client's text byte for byte (it may hold bare NaN/Infinity
-- tokens, which strict JSON parsers refuse, and integers beyond 2^53). The `*_query` copies are that
-- text parsed as JSON5 into SQLite's binary JSONB: NaN becomes null, ±Infinity stay ±Infinity (so
-- `$gt` and ordering behave), a text SQLite cannot parse at all becomes `{}` (a bad summary line
-- must not break every query of its project). JSONB is read by json_extract without re-parsing.
-- Triggers keep the copies in step with every writer of the two columns.
ALTER TABLE runs ADD COLUMN config_query BLOB;
ALTER TABLE runs ADD COLUMN summary_query BLOB;

UPDATE runs SET
  config_query = CASE WHEN json_valid(config, 2) THEN jsonb(config) ELSE jsonb('{}') END,
  summary_query = CASE WHEN json_valid(summary, 2) THEN jsonb(summary) ELSE jsonb('{}') END;

CREATE TRIGGER runs_query_copies_insert AFTER INSERT ON runs
BEGIN
  UPDATE runs SET
    config_query = CASE WHEN json_valid(new.config, 2) THEN jsonb(new.config) ELSE jsonb('{}') END,
    summary_query = CASE WHEN json_valid(new.summary, 2) THEN jsonb(new.summary) ELSE jsonb('{}') END
  WHERE id = new.id;
END;

CREATE TRIGGER runs_config_query AFTER UPDATE OF config ON runs
WHEN new.config IS NOT old.config
BEGIN
  UPDATE runs SET config_query = CASE WHEN json_valid(new.config, 2) THEN jsonb(new.config) ELSE jsonb('{}') END
  WHERE id = new.id;
END;

CREATE TRIGGER runs_summary_query AFTER UPDATE OF summary ON runs
WHEN new.summary IS NOT old.summary
BEGIN
  UPDATE runs SET summary_query = CASE WHEN json_valid(new.summary, 2) THEN jsonb(new.summary) ELSE jsonb('{}') END
  WHERE id = new.id;
END;

-- The default listing (`+created_at`, keyset-paginated by (created_at, id)) and filters on state.
CREATE INDEX runs_project_created ON runs (project_id, created_at, id);
CREATE INDEX runs_project_state ON runs (project_id, state);

-- scan_history and history pages select lines by step range.
CREATE INDEX run_history_step ON run_history (run_id, step);
