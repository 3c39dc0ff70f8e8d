-- A small store for the quality checks: one chunk, five pairs. Answers 1 and 2 are good;
-- 3 invents a number (answer-numbers), 4 is boilerplate about nothing (question-grounded,
-- answer-form), 5 is "I don't know" (not judged). Run on a store made by `iftdb init`.
INSERT INTO sources (id, path, version, status, text, sha256, bytes, chars, root, loaded_at) VALUES
 (1, 'fees.md', 1, 'present', 'The annual membership fee is $40 and is due each January. Members who pay before January 15 receive a 10% discount.', 'h1', 115, 115, 'docs', '2026-01-01T09:00:00.000Z');
INSERT INTO chunkings (id, method, size, step, created_at, last_used_at) VALUES
 (1, 'boundary', 512, 0, '2026-01-01T09:00:00.000Z', '2026-01-01T09:00:00.000Z');
INSERT INTO chunks (id, source_id, chunking_id, ordinal, start, end, text, sha256) VALUES
 (1, 1, 1, 0, 0, 115, 'The annual membership fee is $40 and is due each January. Members who pay before January 15 receive a 10% discount.', 'c1');
DELETE FROM prompts;
INSERT INTO prompts (id, name, version, role, system, template, sha256, created_at) VALUES
 (1, 'questions', 1, 'question', NULL, 'Ask about {chunk}', 'p1', '2026-01-01T09:00:00.000Z'),
 (2, 'answers', 1, 'answer', NULL, 'Answer {question} from {chunk}', 'p2', '2026-01-01T09:00:00.000Z');
INSERT INTO models (id, name, params, created_at) VALUES (1, 'llama', '{}', '2026-01-01T09:00:00.000Z');
INSERT INTO runs (id, kind, prompt_id, model_id, endpoint, status, started_at) VALUES
 (1, 'questions', 1, 1, 'http://127.0.0.1:8080/v1', 'done', '2026-01-02T10:00:00.000Z'),
 (2, 'answers', 2, 1, 'http://127.0.0.1:8080/v1', 'done', '2026-01-03T10:00:00.000Z');
INSERT INTO calls (id, run_id, item, request, started_at) VALUES
 (1, 1, 'chunk:1', '{}', '2026-01-02T10:00:00.000Z'),
 (2, 2, 'question:*', '{}', '2026-01-03T10:00:00.000Z');
INSERT INTO questions (id, chunk_id, prompt_id, model_id, run_id, call_id, sample, ordinal, text, normalized, created_at) VALUES
 (1, 1, 1, 1, 1, 1, 1, 0, 'How much is the annual membership fee?', 'how much is the annual membership fee', '2026-01-02T10:00:00.000Z'),
 (2, 1, 1, 1, 1, 1, 1, 1, 'What discount do members get for paying early?', 'what discount do members get for paying early', '2026-01-02T10:00:00.000Z'),
 (3, 1, 1, 1, 1, 1, 1, 2, 'When is the membership fee due?', 'when is the membership fee due', '2026-01-02T10:00:00.000Z'),
 (4, 1, 1, 1, 1, 1, 2, 0, 'Is there anything else I can help with?', 'is there anything else i can help with', '2026-01-02T10:00:00.000Z'),
 (5, 1, 1, 1, 1, 1, 2, 1, 'Who sets the membership fee?', 'who sets the membership fee', '2026-01-02T10:00:00.000Z');
INSERT INTO answers (id, question_id, prompt_id, model_id, run_id, call_id, sample, text, created_at) VALUES
 (1, 1, 2, 1, 2, 2, 1, '$40.', '2026-01-03T10:00:01.000Z'),
 (2, 2, 2, 1, 2, 2, 1, 'Members who pay before January 15 get 10% off.', '2026-01-03T10:00:02.000Z'),
 (3, 3, 2, 1, 2, 2, 1, 'It is due each January, by January 31.', '2026-01-03T10:00:03.000Z'),
 (4, 4, 2, 1, 2, 2, 1, 'I''m ready to help. What''s your question?', '2026-01-03T10:00:04.000Z'),
 (5, 5, 2, 1, 2, 2, 1, 'I don''t know.', '2026-01-03T10:00:05.000Z');
