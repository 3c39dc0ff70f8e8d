-- `pairs` again, for people who open the store without iftdb (Datasette, sqlite-utils, the
-- sqlite3 shell). Two changes; every other column is as 0003 made it.
--
-- 1. Boolean columns have INTEGER affinity (CAST), so a filter that arrives as text, like
--    Datasette's `?source_is_current=1` (`WHERE source_is_current = '1'`), matches the
--    same rows as `= 1`. An expression without affinity never equals the text '1'.
-- 2. `is_idk` (the last column): 1 when the answer is "I don't know" by iftdb's default
--    rule (`IDKRule`, the SQL function `is_idk(text)` iftdb registers), in core SQLite
--    functions only: the sqlite3 shell has no REGEXP, and lower() folds ASCII only. A
--    user's `--idk-pattern` still decides in iftdb's exports; this column knows the
--    default rule only.
DROP VIEW pairs;
CREATE VIEW pairs AS
SELECT
    a.id                                  AS answer_id,
    q.id                                  AS question_id,
    c.id                                  AS chunk_id,
    s.id                                  AS source_id,
    s.path                                AS source_path,
    s.version                             AS source_version,
    CAST(s.version = (SELECT max(x.version) FROM sources x WHERE x.path = s.path) AS INTEGER) AS source_is_current,
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
    a.text                                AS answer,
    -- SQLite's parser refuses deep nesting, so the work is done in steps of at most eight
    -- calls, one common table expression each, on this row's answer.
    CAST((
        WITH
            -- only a reply of up to 160 bytes that holds "now" in some case can be a known form
            -- (the rest skip the steps); curly apostrophes ‘ ’ and the modifier letter
            -- apostrophe ʼ become '
            step1(t) AS (SELECT
                replace(replace(replace(replace(replace(replace(replace(replace(a.text,
                    char(0x2018), ''''), char(0x2019), ''''), char(0x02BC), ''''),
                    char(0x09), ' '), char(0x0A), ' '), char(0x0B), ' '), char(0x0C), ' '), char(0x0D), ' ')
                WHERE length(CAST(a.text AS BLOB)) <= 160 AND instr(lower(a.text), 'now') > 0),
            -- every other Unicode whitespace character becomes a space: tab to CR above, then
            -- NEL, no-break space, ogham space, U+2000 to U+200A, line and paragraph
            -- separators, narrow no-break, medium mathematical and ideographic space
            step2(t) AS (SELECT
                replace(replace(replace(replace(replace(replace(replace(replace(t,
                    char(0x85), ' '), char(0xA0), ' '), char(0x1680), ' '), char(0x2000), ' '),
                    char(0x2001), ' '), char(0x2002), ' '), char(0x2003), ' '), char(0x2004), ' ')
                FROM step1),
            step3(t) AS (SELECT
                replace(replace(replace(replace(replace(replace(replace(replace(t,
                    char(0x2005), ' '), char(0x2006), ' '), char(0x2007), ' '), char(0x2008), ' '),
                    char(0x2009), ' '), char(0x200A), ' '), char(0x2028), ' '), char(0x2029), ' ')
                FROM step2),
            -- ASCII case, and the Kelvin sign (the one other character that lowercases to
            -- ASCII); then leading whitespace, quotes and emphasis go (" ' ` * _ « », U+1FEF,
            -- the same character as `, and “ ” „), and trailing ones with punctuation too
            -- (. ! ? , ; : U+037E, the same character as ;, … and 。)
            step4(t) AS (SELECT
                rtrim(ltrim(replace(lower(
                    replace(replace(replace(t, char(0x202F), ' '), char(0x205F), ' '), char(0x3000), ' ')),
                    char(0x212A), 'k'),
                    ' "''`*_' || char(0xAB, 0xBB, 0x1FEF, 0x201C, 0x201D, 0x201E)),
                    ' "''`*_' || char(0xAB, 0xBB, 0x1FEF, 0x201C, 0x201D, 0x201E) || '.!?,;:' || char(0x037E, 0x2026, 0x3002))
                FROM step3),
            -- runs of spaces become one: each pass halves a run, and 8 passes cover 160
            step5(t) AS (SELECT
                replace(replace(replace(replace(replace(replace(replace(replace(t,
                    '  ', ' '), '  ', ' '), '  ', ' '), '  ', ' '), '  ', ' '), '  ', ' '), '  ', ' '), '  ', ' ')
                FROM step4)
        SELECT count(*) FROM step5 WHERE t IN ('unknown',
            'i don''t know', 'i don''t know the answer', 'i don''t know the answer to this question',
            'i don''t know the answer to that question', 'i don''t know the answer to the question',
            'i do not know', 'i do not know the answer', 'i do not know the answer to this question',
            'i do not know the answer to that question', 'i do not know the answer to the question',
            'i dont know', 'i dont know the answer', 'i dont know the answer to this question',
            'i dont know the answer to that question', 'i dont know the answer to the question')
    ) AS INTEGER)                         AS is_idk
FROM answers a
JOIN questions q ON q.id = a.question_id
JOIN chunks c    ON c.id = q.chunk_id
JOIN sources s   ON s.id = c.source_id
JOIN prompts qp  ON qp.id = q.prompt_id
JOIN models qm   ON qm.id = q.model_id
JOIN prompts ap  ON ap.id = a.prompt_id
JOIN models am   ON am.id = a.model_id;
