-- A store made by the release before judgments (iftdb 0.1.0, commit 65d270b, schema version 5):
-- `iftdb init`, Tests/Fixtures/pairs-store.sql, run 3 marked failed with an error, run 1 given
-- options and counts, `iftdb dataset save v1 --exclude-idk --all-versions`, then `sqlite3 iftdb.sqlite .dump`.
-- The upgrade tests load it and open it with this iftdb. Never edit it: it stands for stores users have.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE iftdb_migrations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
);
INSERT INTO iftdb_migrations VALUES(1,'sources_and_chunks','2026-12-04T15:30:30.555Z');
INSERT INTO iftdb_migrations VALUES(2,'generation','2026-12-04T15:30:30.556Z');
INSERT INTO iftdb_migrations VALUES(3,'pairs_view','2026-12-04T15:30:30.556Z');
INSERT INTO iftdb_migrations VALUES(4,'diff_indexes','2026-12-04T15:30:30.556Z');
INSERT INTO iftdb_migrations VALUES(5,'run_claims','2026-12-04T15:30:30.557Z');
CREATE TABLE sources (
    id          INTEGER PRIMARY KEY,
    path        TEXT    NOT NULL,
    version     INTEGER NOT NULL CHECK (version >= 1),
    status      TEXT    NOT NULL CHECK (status IN ('present', 'removed')),
    text        TEXT,
    sha256      TEXT,
    bytes       INTEGER NOT NULL DEFAULT 0,
    chars       INTEGER NOT NULL DEFAULT 0,   -- Unicode scalars
    root        TEXT,                         -- the folder it was loaded from, as given
    loaded_at   TEXT    NOT NULL,
    UNIQUE (path, version),
    CHECK ((status = 'present') = (text IS NOT NULL))
);
INSERT INTO sources VALUES(1,'guide/intro.md',1,'present','Old intro, superseded.','h1',22,22,'docs','2026-01-01T09:00:00.000Z');
INSERT INTO sources VALUES(2,'guide/intro.md',2,'present',replace('The board met in Zürich, "briefly".\nThen 中文 notes 🙂.','\n',char(10)),'h2',60,50,'docs','2026-01-02T09:00:00.000Z');
INSERT INTO sources VALUES(3,'notes/café.txt',1,'present',replace(replace('Café au lait, s''il vous plaît —\r\npath a/b/c','\r',char(13)),'\n',char(10)),'h3',50,45,'docs','2026-01-02T09:00:00.000Z');
INSERT INTO sources VALUES(4,'old/gone.md',1,'present','Soon gone.','h4',10,10,'docs','2026-01-01T09:00:00.000Z');
INSERT INTO sources VALUES(5,'old/gone.md',2,'removed',NULL,NULL,0,0,'docs','2026-01-03T09:00:00.000Z');
CREATE TABLE chunkings (
    id            INTEGER PRIMARY KEY,
    method        TEXT    NOT NULL,
    size          INTEGER NOT NULL CHECK (size > 0),
    step          INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT    NOT NULL,
    last_used_at  TEXT    NOT NULL,
    UNIQUE (method, size, step)
);
INSERT INTO chunkings VALUES(1,'window',512,256,'2026-01-01T09:00:00.000Z','2026-01-01T09:00:00.000Z');
INSERT INTO chunkings VALUES(2,'boundary',512,0,'2026-01-02T09:00:00.000Z','2026-01-02T09:00:00.000Z');
CREATE TABLE chunks (
    id           INTEGER PRIMARY KEY,
    source_id    INTEGER NOT NULL REFERENCES sources (id),
    chunking_id  INTEGER NOT NULL REFERENCES chunkings (id),
    ordinal      INTEGER NOT NULL,
    start        INTEGER NOT NULL,
    end          INTEGER NOT NULL,
    text         TEXT    NOT NULL,
    sha256       TEXT    NOT NULL,
    UNIQUE (source_id, chunking_id, ordinal),
    CHECK (start <= end)
);
INSERT INTO chunks VALUES(1,1,1,0,0,22,'Old intro, superseded.','c1');
INSERT INTO chunks VALUES(2,2,1,0,0,36,'The board met in Zürich, "briefly".','c2');
INSERT INTO chunks VALUES(3,2,1,1,36,50,replace('\nThen 中文 notes 🙂. tab:	end\','\n',char(10)),'c3');
INSERT INTO chunks VALUES(4,3,1,0,0,45,replace(replace('Café au lait, s''il vous plaît —\r\npath a/b/c','\r',char(13)),'\n',char(10)),'c4');
INSERT INTO chunks VALUES(5,3,2,0,0,45,'Café (boundary chunking), "quoted", 1,2,3','c5');
INSERT INTO chunks VALUES(6,4,1,0,0,10,'Soon gone.','c6');
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
INSERT INTO prompts VALUES(1,'questions',1,'question',NULL,'Ask about {chunk}','p1','2026-01-01T09:00:00.000Z');
INSERT INTO prompts VALUES(2,'answers',1,'answer',NULL,'Answer {question} from {chunk}','p2','2026-01-01T09:00:00.000Z');
INSERT INTO prompts VALUES(3,'answers',2,'answer','Be brief.','Answer briefly {question} from {chunk}','p3','2026-01-05T09:00:00.000Z');
CREATE TABLE models (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    params      TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    UNIQUE (name, params)
);
INSERT INTO models VALUES(1,'llama','{"temperature":0.2}','2026-01-01T09:00:00.000Z');
INSERT INTO models VALUES(2,'qwen','{"temperature":0.7}','2026-01-01T09:00:00.000Z');
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
, error TEXT);
INSERT INTO runs VALUES(1,'questions',1,1,'http://127.0.0.1:8080/v1','{"count":3}','done',NULL,'2026-01-02T10:00:00.000Z',NULL,7,7,0,0,120,40,NULL);
INSERT INTO runs VALUES(2,'answers',2,1,'http://127.0.0.1:8080/v1','{}','done',NULL,'2026-01-03T10:00:00.000Z',NULL,0,0,0,0,0,0,NULL);
INSERT INTO runs VALUES(3,'answers',2,1,'http://127.0.0.1:8080/v1','{}','failed',NULL,'2026-01-04T10:00:00.000Z',NULL,0,0,0,0,0,0,'model said HTTP 401');
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
INSERT INTO calls VALUES(1,1,'chunk:*',1,'{}',NULL,NULL,NULL,NULL,NULL,NULL,NULL,'2026-01-02T10:00:00.000Z');
INSERT INTO calls VALUES(2,2,'question:*',1,'{}',NULL,NULL,NULL,NULL,NULL,NULL,NULL,'2026-01-03T10:00:00.000Z');
INSERT INTO calls VALUES(3,3,'question:*',1,'{}',NULL,NULL,NULL,NULL,NULL,NULL,NULL,'2026-01-04T10:00:00.000Z');
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
INSERT INTO questions VALUES(1,1,1,1,1,1,1,0,'What was superseded?','what was superseded','2026-01-02T10:00:00.000Z');
INSERT INTO questions VALUES(2,2,1,1,1,1,1,0,'Where did the board meet, "briefly"?','where did the board meet briefly','2026-01-02T10:00:00.000Z');
INSERT INTO questions VALUES(3,2,1,1,1,1,1,1,'Why did they leave?','why did they leave','2026-01-02T10:00:00.000Z');
INSERT INTO questions VALUES(4,3,1,1,1,1,1,0,replace('Which notes,\nin which language?','\n',char(10)),'which notes in which language','2026-01-02T10:00:00.000Z');
INSERT INTO questions VALUES(5,4,1,1,1,1,1,0,'Qu''est-ce que « café » ?','quest-ce que café','2026-01-02T10:00:00.000Z');
INSERT INTO questions VALUES(6,5,1,1,1,1,1,0,'What is quoted?','what is quoted','2026-01-02T10:00:00.000Z');
INSERT INTO questions VALUES(7,6,1,1,1,1,1,0,'What is gone?','what is gone','2026-01-02T10:00:00.000Z');
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
INSERT INTO answers VALUES(1,1,2,1,2,2,1,'The old intro.','2026-01-03T10:00:01.000Z');
INSERT INTO answers VALUES(2,2,2,1,2,2,1,'In Zürich, "briefly" — they said so.','2026-01-03T10:00:02.000Z');
INSERT INTO answers VALUES(3,2,2,1,3,3,2,'Zürich.','2026-01-04T10:00:03.000Z');
INSERT INTO answers VALUES(4,3,2,1,2,2,1,'I don’t know.','2026-01-03T10:00:04.000Z');
INSERT INTO answers VALUES(5,4,2,1,2,2,1,replace('Chinese notes,\nwith an emoji 🙂.','\n',char(10)),'2026-01-03T10:00:05.000Z');
INSERT INTO answers VALUES(6,5,2,1,3,3,1,'"I don''t know"','2026-01-04T10:00:06.000Z');
INSERT INTO answers VALUES(7,6,2,1,3,3,1,'The words "quoted" and 1,2,3 / a\b.','2026-01-04T10:00:07.000Z');
INSERT INTO answers VALUES(8,7,2,1,2,2,1,'Something gone.','2026-01-03T10:00:08.000Z');
CREATE TABLE datasets (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    filter      TEXT    NOT NULL,
    pairs       INTEGER NOT NULL,
    created_at  TEXT    NOT NULL
);
INSERT INTO datasets VALUES(1,'v1','{"allAnswers":false,"allVersions":true,"dedupe":false,"excludeIDK":true,"idkRule":{"extraPatterns":[]}}',6,'2026-12-04T15:30:30.597Z');
CREATE TABLE dataset_items (
    dataset_id  INTEGER NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    answer_id   INTEGER NOT NULL REFERENCES answers (id),
    PRIMARY KEY (dataset_id, position)
) WITHOUT ROWID;
INSERT INTO dataset_items VALUES(1,1,1);
INSERT INTO dataset_items VALUES(1,2,2);
INSERT INTO dataset_items VALUES(1,3,3);
INSERT INTO dataset_items VALUES(1,4,5);
INSERT INTO dataset_items VALUES(1,5,7);
INSERT INTO dataset_items VALUES(1,6,8);
CREATE TABLE claims (
    kind        TEXT    NOT NULL,
    prompt_id   INTEGER NOT NULL REFERENCES prompts (id),
    model_id    INTEGER NOT NULL REFERENCES models (id),
    run_id      INTEGER NOT NULL UNIQUE REFERENCES runs (id),
    pid         INTEGER NOT NULL,
    pid_start   INTEGER,            -- NULL where the start time cannot be read
    pid_ns      INTEGER,            -- NULL where the pid namespace cannot be read
    boot_id     TEXT,               -- NULL where the boot id cannot be read
    claimed_at  TEXT    NOT NULL,
    heartbeat_at TEXT   NOT NULL,
    PRIMARY KEY (kind, prompt_id, model_id)
);
CREATE VIEW current_sources AS
SELECT s.* FROM sources s
WHERE s.version = (SELECT max(version) FROM sources x WHERE x.path = s.path);
CREATE INDEX chunks_by_chunking ON chunks (chunking_id, source_id);
CREATE INDEX calls_by_run ON calls (run_id);
CREATE INDEX questions_by_prompt ON questions (prompt_id, model_id, chunk_id);
CREATE INDEX questions_by_normalized ON questions (normalized);
CREATE INDEX answers_by_prompt ON answers (prompt_id, model_id, question_id);
CREATE INDEX answers_by_run ON answers (run_id);
CREATE VIEW pairs AS
SELECT
    a.id                                  AS answer_id,
    q.id                                  AS question_id,
    c.id                                  AS chunk_id,
    s.id                                  AS source_id,
    s.path                                AS source_path,
    s.version                             AS source_version,
    s.version = (SELECT max(x.version) FROM sources x WHERE x.path = s.path) AS source_is_current,
    c.chunking_id                         AS chunking_id,
    c.ordinal                             AS chunk_ordinal,
    c.start                               AS chunk_start,
    c.end                                 AS chunk_end,
    qp.name || '@' || qp.version          AS question_prompt,
    qm.name                               AS question_model,
    q.run_id                              AS question_run_id,
    q.call_id                             AS question_call_id,
    q.ordinal                             AS question_ordinal,
    ap.name || '@' || ap.version          AS answer_prompt,
    am.name                               AS model,
    am.params                             AS model_params,
    a.run_id                              AS answer_run_id,
    a.call_id                             AS answer_call_id,
    a.sample                              AS answer_sample,
    a.created_at                          AS created_at,
    c.text                                AS chunk,
    q.text                                AS question,
    a.text                                AS answer
FROM answers a
JOIN questions q ON q.id = a.question_id
JOIN chunks c    ON c.id = q.chunk_id
JOIN sources s   ON s.id = c.source_id
JOIN prompts qp  ON qp.id = q.prompt_id
JOIN models qm   ON qm.id = q.model_id
JOIN prompts ap  ON ap.id = a.prompt_id
JOIN models am   ON am.id = a.model_id;
CREATE INDEX questions_by_chunk_normalized ON questions (chunk_id, normalized);
CREATE INDEX chunks_by_sha256 ON chunks (sha256);
CREATE INDEX dataset_items_by_answer ON dataset_items (answer_id, dataset_id);
COMMIT;
