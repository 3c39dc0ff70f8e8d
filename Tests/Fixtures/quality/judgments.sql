-- Judgments for quality-store.sql (run it after that file), as `iftdb generate judgments`
-- would store them: one judge, judge@1 with llama, in run 3. Answer 1 has two samples
-- (5 and 4: mean 4.5), answer 2 scores 4, answer 3 scores 2, answer 4 scores 1, and answer 5
-- ("I don't know") is not graded.
INSERT INTO prompts (id, name, version, role, system, template, sha256, created_at) VALUES
 (3, 'judge', 1, 'judge', NULL, 'Grade {{answer}} to {{question}} on {{chunk}}', 'p3', '2026-01-01T09:00:00.000Z');
INSERT INTO runs (id, kind, prompt_id, model_id, endpoint, status, started_at) VALUES
 (3, 'judgments', 3, 1, 'http://127.0.0.1:8080/v1', 'done', '2026-01-04T10:00:00.000Z');
INSERT INTO calls (id, run_id, item, request, started_at) VALUES
 (3, 3, 'answer:*', '{}', '2026-01-04T10:00:00.000Z');
INSERT INTO judgments (id, answer_id, prompt_id, model_id, run_id, call_id, sample, score, reason, created_at) VALUES
 (1, 1, 3, 1, 3, 3, 1, 5, 'States the fee the text gives.', '2026-01-04T10:00:01.000Z'),
 (2, 1, 3, 1, 3, 3, 2, 4, 'Right, but terse.', '2026-01-04T10:00:02.000Z'),
 (3, 2, 3, 1, 3, 3, 1, 4, 'Grounded and answers the question, "10% off".', '2026-01-04T10:00:03.000Z'),
 (4, 3, 3, 1, 3, 3, 1, 2, 'The text names no January 31.', '2026-01-04T10:00:04.000Z'),
 (5, 4, 3, 1, 3, 3, 1, 1, NULL, '2026-01-04T10:00:05.000Z');
