import Foundation
import IFTSQLite
import TestSupport
import Testing
@testable import IFTStore

/// The judge filters inside the library: the SQL they add, the flags they print, and how a
/// saved filter reads back.
@Suite struct JudgeFilterTests {
    /// The pairs fixture with judge@1 grading every answer with llama (answer id as the score, up to 5).
    func judgedFixture() throws -> PairStoreFixture {
        let fixture = try PairStoreFixture()
        try fixture.db.execute("""
            INSERT INTO prompts (id, name, version, role, template, sha256, created_at) VALUES (10, 'judge', 1, 'judge', 't', 'j1', 'x');
            INSERT INTO runs (id, kind, prompt_id, model_id, endpoint, status, started_at) VALUES (10, 'judgments', 10, 1, 'x', 'done', 'x');
            INSERT INTO calls (id, run_id, request, started_at) VALUES (10, 10, '{}', 'x');
            INSERT INTO judgments (answer_id, prompt_id, model_id, run_id, call_id, score, created_at)
              SELECT id, 10, 1, 10, 10, min(id, 5), 'x' FROM answers;
            """)
        return fixture
    }

    @Test func minScoreReadsTheJudgmentsIndexAndKeepsTheExportOrder() throws {
        let fixture = try judgedFixture()
        let selection = try PairSelection(PairFilter(excludeIDK: true, judge: JudgeFilter(minScore: 3)), in: fixture.db)
        #expect(selection.judge?.label == "judge@1 with llama")
        let details = try queryPlan(selection.query(columns: PairExporter.columns(for: ExportOptions(format: .csv))), in: fixture.db)
        #expect(!details.contains { $0.contains("TEMP B-TREE") }, "\(details)")
        #expect(details.contains { $0.contains("jg USING") && $0.contains("sqlite_autoindex_judgments_1 (answer_id=? AND prompt_id=?") }, "\(details)")
        #expect(details.allSatisfy { !$0.hasPrefix("SCAN jg") }, "\(details)")
        // Current versions without "I don't know" (answers 4 and 6): 2, 3, 5, 7 score 2, 3, 5, 5.
        #expect(try selection.answerIDs() == [2, 3, 5, 7].filter { $0 >= 3 }.map(Int64.init))
        let funnel = try selection.funnel()
        #expect(funnel.steps.map(\.label).suffix(2) == ["pairs judge@1 with llama has not graded", "--min-score 3 (mean score from judge@1 with llama)"])
        #expect(funnel.steps.last?.removed == 1)
    }

    @Test func flagsRoundTripAndOldFiltersReadBack() throws {
        let filter = PairFilter(judge: JudgeFilter(minScore: 3.5, prompt: PromptRef(name: "judge", version: 2), model: "llama"))
        #expect(filter.flags == ["--judge judge@2", "--judge-model llama", "--min-score 3.5"])
        #expect(JudgeFilter(minScore: 4).flags == ["--min-score 4"])
        let encoded = try StoreWriter.encodeFilter(filter)
        #expect(encoded.contains(#""judge":{"min_score":3.5,"model":"llama","prompt":{"name":"judge","version":2}}"#), "\(encoded)")
        #expect(try JSONDecoder().decode(PairFilter.self, from: Data(encoded.utf8)) == filter)
        // A filter saved before judgments has none.
        let old = try JSONDecoder().decode(PairFilter.self, from: Data(#"{"allAnswers":false,"allVersions":false,"dedupe":false,"excludeIDK":true}"#.utf8))
        #expect(old.judge == nil && old.flags == ["--exclude-idk"])
        for bad in [0.99, 5.01, .nan, .infinity] {
            let error = try #require(throws: SelectionError.self) { try PairFilter(judge: JudgeFilter(minScore: bad)).validate() }
            #expect(error.message.hasPrefix("--min-score must be from 1 to 5"), "\(bad)")
        }
        try PairFilter(judge: JudgeFilter(minScore: 1)).validate()
        try PairFilter(judge: JudgeFilter(minScore: 5)).validate()
    }
}
