-- migration: rebuild-tables
-- Judgments: a model's grade of one answer. The prompts.role and runs.kind CHECKs of 0002
-- gain 'judge' and 'judgments'. SQLite cannot change a CHECK in place, so both tables are
-- rebuilt (the first line asks the migrator for that: foreign keys off, views and triggers
-- dropped and every index, trigger and view made again, foreign keys checked before commit).
-- Rows keep their ids and column order; nothing else changes in them.

CREATE TABLE new_prompts (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    version     INTEGER NOT NULL CHECK (version >= 1),
    role        TEXT    NOT NULL CHECK (role IN ('question', 'answer', 'judge')),
    system      TEXT,
    template    TEXT    NOT NULL,
    sha256      TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    UNIQUE (name, version),
    UNIQUE (name, sha256)
);
INSERT INTO new_prompts (id, name, version, role, system, template, sha256, created_at)
SELECT id, name, version, role, system, template, sha256, created_at FROM prompts;
DROP TABLE prompts;
ALTER TABLE new_prompts RENAME TO prompts;

-- `error` comes last, where 0005 added it.
CREATE TABLE new_runs (
    id                 INTEGER PRIMARY KEY,
    kind               TEXT    NOT NULL CHECK (kind IN ('questions', 'answers', 'judgments')),
    prompt_id          INTEGER NOT NULL REFERENCES prompts (id),
    model_id           INTEGER NOT NULL REFERENCES models (id),
    endpoint           TEXT    NOT NULL,
    options            TEXT    NOT NULL DEFAULT '{}',
    status             TEXT    NOT NULL CHECK (status IN ('running', 'done', 'failed', 'interrupted')),
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

-- A judge prompt's grade of one answer, from one call of a `judgments` run: exactly one per
-- (answer, judge prompt version, model, sample). `score` is an integer from 1 (bad) to 5
-- (good); `reason` is the judge's one sentence (NULL when the reply gave none).
CREATE TABLE judgments (
    id          INTEGER PRIMARY KEY,
    answer_id   INTEGER NOT NULL REFERENCES answers (id),
    prompt_id   INTEGER NOT NULL REFERENCES prompts (id),
    model_id    INTEGER NOT NULL REFERENCES models (id),
    run_id      INTEGER NOT NULL REFERENCES runs (id),
    call_id     INTEGER NOT NULL REFERENCES calls (id),
    sample      INTEGER NOT NULL DEFAULT 1 CHECK (sample >= 1),
    score       INTEGER NOT NULL CHECK (typeof(score) = 'integer' AND score BETWEEN 1 AND 5),
    reason      TEXT,
    created_at  TEXT    NOT NULL,
    UNIQUE (answer_id, prompt_id, model_id, sample)
);
-- Which judges graded the store (the filters' choice of judge), and a run's judgments.
CREATE INDEX judgments_by_prompt ON judgments (prompt_id, model_id);
CREATE INDEX judgments_by_run ON judgments (run_id);
