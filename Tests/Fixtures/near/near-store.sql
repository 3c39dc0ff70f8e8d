-- Four questions for --dedupe-near, run after pairs-store.sql: A (guide/intro.md), then B
-- (near A), C (near B, not near A) and B again (notes/café.txt, the boundary chunking), one
-- answer each (the last "I don't know").
INSERT INTO runs (id, kind, prompt_id, model_id, endpoint, status, started_at) VALUES (4, 'answers', 2, 1, 'x', 'done', '2026-02-01T00:00:00.000Z');
INSERT INTO calls (id, run_id, request, started_at) VALUES (4, 4, '{}', '2026-02-01T00:00:00.000Z');
INSERT INTO questions (id, chunk_id, prompt_id, model_id, run_id, call_id, sample, ordinal, text, normalized, created_at) VALUES
 (10, 2, 1, 1, 1, 1, 1, 10, 'What is the total amount of the investment?', 'what is the total amount of the investment', '2026-02-01T00:00:00.000Z'),
 (11, 4, 1, 1, 1, 1, 1, 11, 'What was the total amount of investment?', 'what was the total amount of investment', '2026-02-01T00:00:00.000Z'),
 (12, 4, 1, 1, 1, 1, 1, 12, 'What was the total investment?', 'what was the total investment', '2026-02-01T00:00:00.000Z'),
 (13, 5, 1, 1, 1, 1, 1, 13, 'What was the total amount of investment?', 'what was the total amount of investment', '2026-02-01T00:00:00.000Z');
INSERT INTO answers (id, question_id, prompt_id, model_id, run_id, call_id, sample, text, created_at) VALUES
 (10, 10, 2, 1, 4, 4, 1, '$5 million.', '2026-02-01T00:00:01.000Z'),
 (11, 11, 2, 1, 4, 4, 1, 'Five million dollars.', '2026-02-01T00:00:02.000Z'),
 (12, 12, 2, 1, 4, 4, 1, '$5,000,000.', '2026-02-01T00:00:03.000Z'),
 (13, 13, 2, 1, 4, 4, 1, 'I don''t know.', '2026-02-01T00:00:04.000Z');
