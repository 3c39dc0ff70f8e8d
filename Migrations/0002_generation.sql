-- Prompts, models, runs, raw calls, questions, answers and saved datasets: what the
-- generation commands write and the exports read.

-- A versioned prompt. Adding a template that already exists (same role, system and
-- template, so the same sha256) returns the existing version.
CREATE TABLE prompts (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    version     INTEGER NOT NULL CHECK (version >= 1),
    role        TEXT    NOT NULL CHECK (role IN ('question', 'answer')),
    system      TEXT,
    template    TEXT    NOT NULL,
    sha256      TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    UNIQUE (name, version),
    UNIQUE (name, sha256)
);

-- A model name plus its generation parameters, as canonical JSON (sorted keys):
-- changing the temperature is another row. The endpoint URL is kept on the run.
CREATE TABLE models (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    params      TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    UNIQUE (name, params)
);

-- One generation command. `options` is the command's settings as JSON (never an API key).
CREATE TABLE runs (
    id                 INTEGER PRIMARY KEY,
    kind               TEXT    NOT NULL CHECK (kind IN ('questions', 'answers')),
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
    completion_tokens  INTEGER NOT NULL DEFAULT 0
);

-- Every model request, failed ones included. `item` names what it was for
-- ('chunk:12/1' = chunk 12, sample 1; 'question:7/1'). `request` is the JSON body sent;
-- `response` the raw body received, with any API key redacted.
CREATE TABLE calls (
    id                 INTEGER PRIMARY KEY,
    run_id             INTEGER NOT NULL REFERENCES runs (id),
    item               TEXT,
    attempt            INTEGER NOT NULL DEFAULT 1,
    request            TEXT    NOT NULL,
    response           TEXT,
    http_status        INTEGER,
    finish_reason      TEXT,
    prompt_tokens      INTEGER,
    completion_tokens  INTEGER,
    latency_ms         REAL,
    error              TEXT,
    started_at         TEXT    NOT NULL
);
CREATE INDEX calls_by_run ON calls (run_id);

-- A question from one call about one chunk. A question set is (chunk, prompt, model,
-- sample); `ordinal` numbers the questions within it. `normalized` is the text folded
-- for dedup and diff (case, whitespace, punctuation, Unicode normalisation).
CREATE TABLE questions (
    id          INTEGER PRIMARY KEY,
    chunk_id    INTEGER NOT NULL REFERENCES chunks (id),
    prompt_id   INTEGER NOT NULL REFERENCES prompts (id),
    model_id    INTEGER NOT NULL REFERENCES models (id),
    run_id      INTEGER NOT NULL REFERENCES runs (id),
    call_id     INTEGER NOT NULL REFERENCES calls (id),
    sample      INTEGER NOT NULL DEFAULT 1 CHECK (sample >= 1),
    ordinal     INTEGER NOT NULL,
    text        TEXT    NOT NULL,
    normalized  TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    UNIQUE (chunk_id, prompt_id, model_id, sample, ordinal)
);
CREATE INDEX questions_by_prompt ON questions (prompt_id, model_id, chunk_id);
CREATE INDEX questions_by_normalized ON questions (normalized);

-- An answer to one question: exactly one per (question, prompt, model, sample).
CREATE TABLE answers (
    id           INTEGER PRIMARY KEY,
    question_id  INTEGER NOT NULL REFERENCES questions (id),
    prompt_id    INTEGER NOT NULL REFERENCES prompts (id),
    model_id     INTEGER NOT NULL REFERENCES models (id),
    run_id       INTEGER NOT NULL REFERENCES runs (id),
    call_id      INTEGER NOT NULL REFERENCES calls (id),
    sample       INTEGER NOT NULL DEFAULT 1 CHECK (sample >= 1),
    text         TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    UNIQUE (question_id, prompt_id, model_id, sample)
);
CREATE INDEX answers_by_prompt ON answers (prompt_id, model_id, question_id);
CREATE INDEX answers_by_run ON answers (run_id);

-- A named, frozen selection of answers, with the filter (JSON) that chose them.
CREATE TABLE datasets (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    filter      TEXT    NOT NULL,
    pairs       INTEGER NOT NULL,
    created_at  TEXT    NOT NULL
);
CREATE TABLE dataset_items (
    dataset_id  INTEGER NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    answer_id   INTEGER NOT NULL REFERENCES answers (id),
    PRIMARY KEY (dataset_id, position)
) WITHOUT ROWID;
