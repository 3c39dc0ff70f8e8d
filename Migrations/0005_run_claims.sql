-- Who is asking the model for what. A generation run claims its (kind, prompt, model) for
-- as long as it runs, so two runs for the same claim do not ask at once: a second run exits
-- (or waits, with --wait). The row goes when the run ends. A claim names its process by pid
-- and start time (field 22 of /proc/PID/stat, clock ticks after boot), and by the pid
-- namespace (inode of /proc/PID/ns/pid) and boot (/proc/sys/kernel/random/boot_id) the pid
-- belongs to. In our namespace and boot, a claim whose process is gone, a zombie, or whose
-- pid now belongs to a process started at another time is taken over by the next run, and
-- the run that held it is marked `interrupted`. Elsewhere (another container sharing the
-- store, another machine) the pid cannot be checked: the running run refreshes
-- heartbeat_at every 30 s, and the claim counts as gone once that is over 10 minutes old.
-- A `running` run without a claim is not running.
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

-- Why a run ended early, when something ended it: a refusal every item would meet (HTTP
-- 401, 403, 404, an unknown model) or a failed write. NULL otherwise.
ALTER TABLE runs ADD COLUMN error TEXT;
