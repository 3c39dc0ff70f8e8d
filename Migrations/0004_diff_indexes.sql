-- Indexes `iftdb diff` matches on, so both sides line up by index lookups, never scans.
-- A question-prompt diff looks for the same normalised question on the same chunk; a
-- dataset diff finds a chunk by its text hash, then the question by its normalised text,
-- and asks whether an answer belongs to a dataset.
CREATE INDEX questions_by_chunk_normalized ON questions (chunk_id, normalized);
CREATE INDEX chunks_by_sha256 ON chunks (sha256);
CREATE INDEX dataset_items_by_answer ON dataset_items (answer_id, dataset_id);
