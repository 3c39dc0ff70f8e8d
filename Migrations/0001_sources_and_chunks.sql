-- Sources, chunkings and chunks: what `iftdb load` writes.

-- One row per (path, version). `path` is relative to the folder given to `load`, so
-- moving the folder keeps a file's identity. A file gone from the folder gets a version
-- with status 'removed' (no text) and stops being current; its history stays.
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

-- The current version of each path (present or removed) is its highest version.
CREATE VIEW current_sources AS
SELECT s.* FROM sources s
WHERE s.version = (SELECT max(version) FROM sources x WHERE x.path = s.path);

-- A chunker configuration. `step` is 0 for chunkers that have none.
CREATE TABLE chunkings (
    id            INTEGER PRIMARY KEY,
    method        TEXT    NOT NULL,
    size          INTEGER NOT NULL CHECK (size > 0),
    step          INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT    NOT NULL,
    last_used_at  TEXT    NOT NULL,
    UNIQUE (method, size, step)
);

-- A chunk of one source version under one chunking. Offsets count Unicode scalars:
-- text = source.text[start ..< end].
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
CREATE INDEX chunks_by_chunking ON chunks (chunking_id, source_id);
