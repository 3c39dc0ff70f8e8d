-- migration: rebuild-tables
-- Batch runs: requests written to a file (OpenAI Batch input format) instead of sent, and
-- their results read back later. The runs.status CHECK gains 'waiting': a run whose
-- requests are written and whose results have not all come back. SQLite cannot change a
-- CHECK in place, so `runs` is rebuilt (the first line asks the migrator for that). Rows
-- keep their ids and column order; nothing else changes in them.

CREATE TABLE new_runs (
    id                 INTEGER PRIMARY KEY,
    kind               TEXT    NOT NULL CHECK (kind IN ('questions', 'answers', 'judgments')),
    prompt_id          INTEGER NOT NULL REFERENCES prompts (id),
    model_id           INTEGER NOT NULL REFERENCES models (id),
    endpoint           TEXT    NOT NULL,
    options            TEXT    NOT NULL DEFAULT '{}',
    status             TEXT    NOT NULL CHECK (status IN ('running', 'waiting', 'done', 'failed', 'interrupted')),
    pid                INTEGER,
    started_at         TEXT    NOT NULL,
    ended_at           TEXT,
    items_total        INTEGER NOT NULL DEFAULT 0,
    items_done         INTEGER NOT NULL DEFAULT 0,
    items_skipped      INTEGER NOT NULL DEFAULT 0,
    items_failed       INTEGER NOT NULL DEFAULT 0,
    prompt_tokens      INTEGER NOT NULL DEFAULT 0,
    completion_tokens  INTEGER NOT NULL DEFAULT 0,
    error              TEXT
);
INSERT INTO new_runs (id, kind, prompt_id, model_id, endpoint, options, status, pid, started_at, ended_at, items_total,
                      items_done, items_skipped, items_failed, prompt_tokens, completion_tokens, error)
SELECT id, kind, prompt_id, model_id, endpoint, options, status, pid, started_at, ended_at, items_total,
       items_done, items_skipped, items_failed, prompt_tokens, completion_tokens, error FROM runs;
DROP TABLE runs;
ALTER TABLE new_runs RENAME TO runs;

-- The store's identity: one row, a random UUID (version 4) made when the store is created,
-- or when an older store is upgraded. A batch request's custom_id carries it, so results
-- meant for another store are told apart from ours.
CREATE TABLE store_identity (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    uuid  TEXT    NOT NULL
);
INSERT INTO store_identity (id, uuid)
SELECT 1, lower(substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-'
                || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12))
FROM (SELECT hex(randomblob(16)) AS h);

-- A batch result names its request by run and item (`calls.item`, 'chunk:12/1'): find it
-- without reading the run's other calls.
CREATE INDEX calls_by_run_item ON calls (run_id, item);
-- The requests still awaiting their result (a live call always has a response or an error):
-- the items waiting runs claim, and whether a run has any left, read from the index alone.
CREATE INDEX calls_awaiting ON calls (run_id, item) WHERE response IS NULL AND error IS NULL;
