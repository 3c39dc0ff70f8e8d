-- `pairs`: one row per answer with its question, chunk, source version, prompt versions,
-- models and runs, for people who open the store in `sqlite3` or Datasette. `iftdb export`
-- reads the tables itself (its rows stream in index order); this view is for looking.
-- `source_is_current` is 1 when the source row is its path's highest version. Whether an
-- answer is "I don't know" is decided by iftdb at query time (`is_idk`), so it is not here.
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
