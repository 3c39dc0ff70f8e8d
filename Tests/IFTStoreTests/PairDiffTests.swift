import Foundation
import IFTSQLite
import Testing
@testable import IFTStore

/// The diff engine's SQL: matching through indexes, and the pieces it is built from.
@Suite struct PairDiffTests {
    /// A store filled by SQL: 40 sources × 5 chunks, questions from two question prompts,
    /// answers from two answer prompts, and two datasets.
    static func filledStore() throws -> PairStoreFixture {
        let fixture = try PairStoreFixture(loaded: false)
        try fixture.db.execute("""
            INSERT INTO chunkings (id, method, size, step, created_at, last_used_at) VALUES (1, 'window', 80, 80, 't', 't');
            INSERT INTO prompts (id, name, version, role, template, sha256, created_at) VALUES
              (101, 'q', 1, 'question', 't', 'q1', 't'), (102, 'q', 2, 'question', 't', 'q2', 't'),
              (103, 'a', 1, 'answer', 't', 'a1', 't'), (104, 'a', 2, 'answer', 't', 'a2', 't');
            INSERT INTO models (id, name, params, created_at) VALUES (1, 'm', '{}', 't');
            INSERT INTO runs (id, kind, prompt_id, model_id, endpoint, status, started_at) VALUES (1, 'questions', 101, 1, 'x', 'done', 't');
            INSERT INTO calls (id, run_id, request, started_at) VALUES (1, 1, '{}', 't');
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)
            INSERT INTO sources (id, path, version, status, text, sha256, bytes, chars, loaded_at)
            SELECT i, 'doc' || i, 1, 'present', 'x', 's', 1, 1, 't' FROM n;
            WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 4)
            INSERT INTO chunks (source_id, chunking_id, ordinal, start, end, text, sha256)
            SELECT s.id, 1, n.i, 0, 1, 'chunk ' || s.id || '.' || n.i, 'h' || s.id || '.' || n.i FROM sources s, n;
            WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 2)
            INSERT INTO questions (chunk_id, prompt_id, model_id, run_id, call_id, sample, ordinal, text, normalized, created_at)
            SELECT c.id, p.id, 1, 1, 1, 1, n.i, 'Q' || c.id || '.' || n.i || '?', 'q' || c.id || ' ' || n.i, 't'
            FROM chunks c, n, (SELECT id FROM prompts WHERE role = 'question' AND id > 100) p;
            INSERT INTO answers (question_id, prompt_id, model_id, run_id, call_id, sample, text, created_at)
            SELECT q.id, p.id, 1, 1, 1, 1, 'answer ' || q.id || CASE WHEN p.id = 104 AND q.id % 2 = 0 THEN '!' ELSE '' END, 't' FROM questions q, (SELECT id FROM prompts WHERE role = 'answer' AND id > 100) p;
            INSERT INTO datasets (id, name, filter, pairs, created_at) VALUES (1, 'x', '{}', 0, 't'), (2, 'y', '{}', 0, 't');
            INSERT INTO dataset_items (dataset_id, position, answer_id) SELECT 1, id, id FROM answers WHERE prompt_id = 103;
            INSERT INTO dataset_items (dataset_id, position, answer_id) SELECT 2, id, id FROM answers WHERE prompt_id = 104;
            """)
        return fixture
    }

    /// No step of any matching query reads a whole table of answers (or a lookup side) row by row.
    static func expectIndexed(_ diff: PairDiff, in db: Connection, using indexes: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        var all: [String] = []
        for query in diff.matchingQueries() {
            let details = try queryPlan(query, in: db)
            all += details
            for detail in details {
                let fullScan = detail.range(of: #"^SCAN (d|o|a|a2|q|q2|c2|s2|d2|m|answers|questions|dataset_items)( |$)"#, options: .regularExpression) != nil
                #expect(!fullScan, "full scan: \(detail)\n\(query.sql)", sourceLocation: sourceLocation)
            }
        }
        for index in indexes {
            #expect(all.contains { $0.contains("INDEX \(index) ") }, "\(index) unused in \(all)", sourceLocation: sourceLocation)
        }
    }

    @Test func answerDiffSearchesBothSidesThroughIndexes() throws {
        let fixture = try Self.filledStore()
        let diff = try PairDiff(DiffRequest(a: .prompt(PromptRef(name: "a", version: 1)), b: .prompt(PromptRef(name: "a", version: 2))), in: fixture.db)
        try Self.expectIndexed(diff, in: fixture.db, using: ["answers_by_prompt", "sqlite_autoindex_answers_1"])
        let summary = try diff.summary()
        // Every question has both answers; a@2 adds '!' to those of even question ids.
        #expect(summary.value("same") == 600 && summary.value("changed") == 600 && summary.value("only_a") == 0 && summary.value("only_b") == 0)
        #expect(summary.a.items == 1200 && summary.b.items == 1200 && summary.a.answerChars == summary.b.answerChars.map { $0 - 600 })
    }

    /// With no second version anywhere the current-version condition is dropped as a no-op;
    /// once a path has one, its old chunks leave both sides again.
    @Test func supersededVersionsStillLeaveTheDiff() throws {
        let fixture = try Self.filledStore()
        try fixture.db.execute("INSERT INTO sources (path, version, status, text, sha256, loaded_at) VALUES ('doc1', 2, 'present', 'y', 's2', 't')")
        let diff = try PairDiff(DiffRequest(a: .prompt(PromptRef(name: "a", version: 1)), b: .prompt(PromptRef(name: "a", version: 2))), in: fixture.db)
        #expect(try diff.summary().a.items == 1200 - 30)
        var all = PairFilter()
        all.allVersions = true
        #expect(try PairDiff(DiffRequest(a: .prompt(PromptRef(name: "a", version: 1)), b: .prompt(PromptRef(name: "a", version: 2)), filter: all), in: fixture.db).summary().a.items == 1200)
    }

    @Test func questionDiffSearchesThroughIndexes() throws {
        let fixture = try Self.filledStore()
        let diff = try PairDiff(DiffRequest(a: .prompt(PromptRef(name: "q", version: 1)), b: .prompt(PromptRef(name: "q", version: 2))), in: fixture.db)
        try Self.expectIndexed(diff, in: fixture.db, using: ["questions_by_prompt", "questions_by_chunk_normalized"])
        let summary = try diff.summary()
        #expect(summary.value("kept") == 600 && summary.value("added") == 0 && summary.value("dropped") == 0 && summary.value("chunks_both") == 200)
    }

    @Test func datasetDiffLooksPairsUpByContentThroughIndexes() throws {
        let fixture = try Self.filledStore()
        let diff = try PairDiff(DiffRequest(a: .dataset("x"), b: .dataset("y")), in: fixture.db)
        try Self.expectIndexed(diff, in: fixture.db, using: ["chunks_by_source_sha256", "questions_by_chunk_normalized", "dataset_items_by_answer"])
        let summary = try diff.summary()
        // A key (path, chunk hash, normalised question) holds one question of each question
        // prompt; y's answers to both differ from x's except on x's own, unchanged, odd ids.
        #expect(summary.value("same") == 600 && summary.value("changed") == 600 && summary.value("only_a") == 0 && summary.value("only_b") == 0)
        let sets = try PairDiff(DiffRequest(aFilter: DiffSideFilter(answerPrompt: PromptRef(name: "a", version: 1)),
                                            bFilter: DiffSideFilter(answerPrompt: PromptRef(name: "a", version: 2))), in: fixture.db)
        try Self.expectIndexed(sets, in: fixture.db, using: ["chunks_by_source_sha256", "questions_by_chunk_normalized"])
    }

    @Test func conditionsRenderForOtherAliasesAndKnowTheirTable() {
        let other = PairAliases.selection.answer("b")
        #expect(PairCondition.currentVersion.sql(.lookup).sql == "s2.version = (SELECT max(x.version) FROM sources x WHERE x.path = s2.path)")
        #expect(PairCondition.model("m").sql(other) == SQLFragment("b.model_id IN (SELECT id FROM models WHERE name = ?)", [.text("m")]))
        #expect(PairCondition.excludeIDK.sql(other).sql == "NOT is_idk(b.text)")
        #expect(PairCondition.excludeIDK.table == .answer && PairCondition.run(3, madeQuestions: false).table == .answer)
        #expect(PairCondition.sourceGlob("*").table == .source && PairCondition.run(3, madeQuestions: true).table == .question)
        // A dedupe's own subquery keeps its aliases; only the question it tests moves.
        let dedupe = PairCondition.dedupe(scope: PairQuery(datasetID: nil, conditions: [.excludeIDK]))
        let rendered = dedupe.sql(.lookup).sql
        #expect(rendered.hasPrefix("q2.id IN (SELECT min(q.id) FROM sources s") && rendered.contains("NOT is_idk(a.text)") && !rendered.contains("a2"))
        #expect(dedupe.table == .question && dedupe.readsPairs)
    }

    @Test(arguments: [
        ("For ZQ7: logged.", "For ZQ7: logged twice.", "For ZQ7: [-logged.-]{+logged twice.+}"),
        ("The lab is in Zürich.", "I don't know.", "[-The lab is in Zürich.-]{+I don't know.+}"),
        ("a b c", "a x c", "a [-b-]{+x+} c"),
        ("same", "same", "same"),
        ("", "new words", "{+new words+}"),
    ])
    func wordDiff(old: String, new: String, expected: String) {
        #expect(WordDiff.plain(old, new) == expected)
    }

    @Test func colouredWordDiffEscapesTheWordsAndKeepsOnlyItsOwnColours() {
        let shown = WordDiff.colored("keep \u{1B}]0;x\u{07} old", "keep \u{1B}]0;x\u{07} new\u{202E}")
        #expect(shown == "keep \\u{1B}]0;x\\u{7} \u{1B}[31;9mold\u{1B}[0m\u{1B}[32mnew\\u{202E}\u{1B}[0m")
    }
}
