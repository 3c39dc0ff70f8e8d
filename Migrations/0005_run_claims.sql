-- Who is asking the model for what. A generation run claims its (kind, prompt, model) for
-- as long as it runs, so two commands never ask for the same item twice: a second run for
-- the same claim exits (or waits, with --wait). The row goes when the run ends. A claim
-- names its process by pid and start time (field 22 of /proc/PID/stat, clock ticks after
-- boot): a claim whose process is gone, or whose pid now belongs to a process started at
-- another time, is taken over by the next run, and the run that held it is marked
-- `interrupted`. A `running` run without a claim is not running.
CREATE TABLE claims (
    kind        TEXT    NOT NULL,
    prompt_id   INTEGER NOT NULL REFERENCES prompts (id),
    model_id    INTEGER NOT NULL REFERENCES models (id),
    run_id      INTEGER NOT NULL UNIQUE REFERENCES runs (id),
    pid         INTEGER NOT NULL,
    pid_start   INTEGER,            -- NULL where the start time cannot be read
    claimed_at  TEXT    NOT NULL,
    PRIMARY KEY (kind, prompt_id, model_id)
);

-- Why a run ended early, when something ended it: a refusal every item would meet (HTTP
-- 401, 403, 404, an unknown model) or a failed write. NULL otherwise.
ALTER TABLE runs ADD COLUMN error TEXT;
