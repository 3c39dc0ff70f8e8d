-- A small store with generated pairs, inserted straight through SQL (no generation yet).
-- Run on a store made by `iftdb init`. Text has non-ASCII, commas, quotes, newlines, CRLF,
-- tabs, slashes and U+2028 on purpose.
INSERT INTO sources (id, path, version, status, text, sha256, bytes, chars, root, loaded_at) VALUES
 (1, 'guide/intro.md', 1, 'present', 'Old intro, superseded.', 'h1', 22, 22, 'docs', '2026-01-01T09:00:00.000Z'),
 (2, 'guide/intro.md', 2, 'present', 'The board met in Zürich, "briefly".' || char(10) || 'Then 中文 notes 🙂.', 'h2', 60, 50, 'docs', '2026-01-02T09:00:00.000Z'),
 (3, 'notes/café.txt', 1, 'present', 'Café au lait, s''il vous plaît —' || char(13) || char(10) || 'path a/b/c', 'h3', 50, 45, 'docs', '2026-01-02T09:00:00.000Z'),
 (4, 'old/gone.md', 1, 'present', 'Soon gone.', 'h4', 10, 10, 'docs', '2026-01-01T09:00:00.000Z'),
 (5, 'old/gone.md', 2, 'removed', NULL, NULL, 0, 0, 'docs', '2026-01-03T09:00:00.000Z');

INSERT INTO chunkings (id, method, size, step, created_at, last_used_at) VALUES
 (1, 'window', 512, 256, '2026-01-01T09:00:00.000Z', '2026-01-01T09:00:00.000Z'),
 (2, 'boundary', 512, 0, '2026-01-02T09:00:00.000Z', '2026-01-02T09:00:00.000Z');

INSERT INTO chunks (id, source_id, chunking_id, ordinal, start, end, text, sha256) VALUES
 (1, 1, 1, 0, 0, 22, 'Old intro, superseded.', 'c1'),
 (2, 2, 1, 0, 0, 36, 'The board met in Zürich, "briefly".', 'c2'),
 (3, 2, 1, 1, 36, 50, char(10) || 'Then 中文 notes 🙂.' || char(8232) || 'tab:' || char(9) || 'end\', 'c3'),
 (4, 3, 1, 0, 0, 45, 'Café au lait, s''il vous plaît —' || char(13) || char(10) || 'path a/b/c', 'c4'),
 (5, 3, 2, 0, 0, 45, 'Café (boundary chunking), "quoted", 1,2,3', 'c5'),
 (6, 4, 1, 0, 0, 10, 'Soon gone.', 'c6');

-- The store's seeded default prompts give way to this fixture's own.
DELETE FROM prompts;
INSERT INTO prompts (id, name, version, role, system, template, sha256, created_at) VALUES
 (1, 'questions', 1, 'question', NULL, 'Ask about {chunk}', 'p1', '2026-01-01T09:00:00.000Z'),
 (2, 'answers', 1, 'answer', NULL, 'Answer {question} from {chunk}', 'p2', '2026-01-01T09:00:00.000Z'),
 (3, 'answers', 2, 'answer', 'Be brief.', 'Answer briefly {question} from {chunk}', 'p3', '2026-01-05T09:00:00.000Z');

INSERT INTO models (id, name, params, created_at) VALUES
 (1, 'llama', '{"temperature":0.2}', '2026-01-01T09:00:00.000Z'),
 (2, 'qwen', '{"temperature":0.7}', '2026-01-01T09:00:00.000Z');

INSERT INTO runs (id, kind, prompt_id, model_id, endpoint, status, started_at) VALUES
 (1, 'questions', 1, 1, 'http://127.0.0.1:8080/v1', 'done', '2026-01-02T10:00:00.000Z'),
 (2, 'answers', 2, 1, 'http://127.0.0.1:8080/v1', 'done', '2026-01-03T10:00:00.000Z'),
 (3, 'answers', 2, 1, 'http://127.0.0.1:8080/v1', 'done', '2026-01-04T10:00:00.000Z');

INSERT INTO calls (id, run_id, item, request, started_at) VALUES
 (1, 1, 'chunk:*', '{}', '2026-01-02T10:00:00.000Z'),
 (2, 2, 'question:*', '{}', '2026-01-03T10:00:00.000Z'),
 (3, 3, 'question:*', '{}', '2026-01-04T10:00:00.000Z');

INSERT INTO questions (id, chunk_id, prompt_id, model_id, run_id, call_id, sample, ordinal, text, normalized, created_at) VALUES
 (1, 1, 1, 1, 1, 1, 1, 0, 'What was superseded?', 'what was superseded', '2026-01-02T10:00:00.000Z'),
 (2, 2, 1, 1, 1, 1, 1, 0, 'Where did the board meet, "briefly"?', 'where did the board meet briefly', '2026-01-02T10:00:00.000Z'),
 (3, 2, 1, 1, 1, 1, 1, 1, 'Why did they leave?', 'why did they leave', '2026-01-02T10:00:00.000Z'),
 (4, 3, 1, 1, 1, 1, 1, 0, 'Which notes,' || char(10) || 'in which language?', 'which notes in which language', '2026-01-02T10:00:00.000Z'),
 (5, 4, 1, 1, 1, 1, 1, 0, 'Qu''est-ce que « café » ?', 'quest-ce que café', '2026-01-02T10:00:00.000Z'),
 (6, 5, 1, 1, 1, 1, 1, 0, 'What is quoted?', 'what is quoted', '2026-01-02T10:00:00.000Z'),
 (7, 6, 1, 1, 1, 1, 1, 0, 'What is gone?', 'what is gone', '2026-01-02T10:00:00.000Z');

INSERT INTO answers (id, question_id, prompt_id, model_id, run_id, call_id, sample, text, created_at) VALUES
 (1, 1, 2, 1, 2, 2, 1, 'The old intro.', '2026-01-03T10:00:01.000Z'),
 (2, 2, 2, 1, 2, 2, 1, 'In Zürich, "briefly" — they said so.', '2026-01-03T10:00:02.000Z'),
 (3, 2, 2, 1, 3, 3, 2, 'Zürich.', '2026-01-04T10:00:03.000Z'),
 (4, 3, 2, 1, 2, 2, 1, 'I don’t know.', '2026-01-03T10:00:04.000Z'),
 (5, 4, 2, 1, 2, 2, 1, 'Chinese notes,' || char(10) || 'with an emoji 🙂.', '2026-01-03T10:00:05.000Z'),
 (6, 5, 2, 1, 3, 3, 1, '"I don''t know"', '2026-01-04T10:00:06.000Z'),
 (7, 6, 2, 1, 3, 3, 1, 'The words "quoted" and 1,2,3 / a\b.', '2026-01-04T10:00:07.000Z'),
 (8, 7, 2, 1, 2, 2, 1, 'Something gone.', '2026-01-03T10:00:08.000Z');
