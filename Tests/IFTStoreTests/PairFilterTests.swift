import Foundation
import IFTSQLite
import Testing
@testable import IFTStore

@Suite struct PairFilterTests {
    /// Fixture answers by id: 1 old intro (superseded v1), 2–4 intro v2, 5 intro v2 chunk 1,
    /// 6 café (chunking 1), 7 café (chunking 2), 8 old/gone.md v1 (path now removed).
    @Test func currentVersionsOnlyByDefault() throws {
        let fixture = try PairStoreFixture()
        #expect(try fixture.selectedAnswerIDs(PairFilter()) == [2, 3, 4, 5, 6, 7])
        #expect(try fixture.selectedAnswerIDs(PairFilter(allVersions: true)) == [1, 2, 3, 4, 5, 6, 7, 8])
    }

    @Test func eachFilterNarrows() throws {
        let fixture = try PairStoreFixture()
        #expect(try fixture.selectedAnswerIDs(PairFilter(sourceGlob: "notes/*")) == [6, 7])
        #expect(try fixture.selectedAnswerIDs(PairFilter(sourceGlob: "*.md")) == [2, 3, 4, 5])
        #expect(try fixture.selectedAnswerIDs(PairFilter(chunking: 2)) == [7])
        #expect(try fixture.selectedAnswerIDs(PairFilter(run: 3)) == [3, 6, 7])
        #expect(try fixture.selectedAnswerIDs(PairFilter(run: 1)) == [2, 3, 4, 5, 6, 7])  // the questions run
        #expect(try fixture.selectedAnswerIDs(PairFilter(model: "llama")) == [2, 3, 4, 5, 6, 7])
        #expect(try fixture.selectedAnswerIDs(PairFilter(questionPrompt: PromptRef(name: "questions"))) == [2, 3, 4, 5, 6, 7])
        #expect(try fixture.selectedAnswerIDs(PairFilter(answerPrompt: PromptRef(name: "answers", version: 1))) == [2, 3, 4, 5, 6, 7])
        #expect(try fixture.selectedAnswerIDs(PairFilter(since: "2026-01-04")) == [3, 6, 7])
        #expect(try fixture.selectedAnswerIDs(PairFilter(until: "2026-01-03")) == [2, 4, 5])
        #expect(try fixture.selectedAnswerIDs(PairFilter(until: "2026-01-04T10:00:03Z")) == [2, 3, 4, 5])
        #expect(try fixture.selectedAnswerIDs(PairFilter(since: "2026-01-04T10:00:06.000Z", until: "2026-01-04 10:00:06")) == [6])
        #expect(try fixture.selectedAnswerIDs(PairFilter(minAnswerChars: 15)) == [2, 5, 7])
        #expect(try fixture.selectedAnswerIDs(PairFilter(sourceGlob: "*", excludeIDK: true, minAnswerChars: 8, allVersions: true)) == [1, 2, 5, 7, 8])
    }

    @Test func valuesAreBoundNotPasted() throws {
        let fixture = try PairStoreFixture()
        #expect(try fixture.selectedAnswerIDs(PairFilter(sourceGlob: "' OR 1=1 --")) == [])
        #expect(throws: SelectionError.self) { try fixture.selectedAnswerIDs(PairFilter(model: "x' OR '1'='1")) }
        #expect(try fixture.db.scalarInt("SELECT count(*) FROM answers") == 8)
    }

    @Test func unknownReferencesAreOneLineErrors() throws {
        let fixture = try PairStoreFixture()
        let cases: [(PairFilter, String)] = [
            (PairFilter(answerPrompt: PromptRef(name: "answers", version: 7)),
             "no prompt named 'answers' has version 7 (latest is 2); see `iftdb prompts list`"),
            (PairFilter(questionPrompt: PromptRef(name: "nope")), "no prompt named 'nope'; see `iftdb prompts list`"),
            (PairFilter(answerPrompt: PromptRef(name: "questions")), "prompt questions@1 is not an answer prompt; --answer-prompt takes an answer prompt"),
            (PairFilter(model: "gpt-9"), "no model named 'gpt-9'"),
            (PairFilter(run: 99), "no run 99"),
            (PairFilter(chunking: 9), "no chunking 9"),
            (PairFilter(dataset: "missing"), "no dataset named 'missing'"),
            (PairFilter(since: "last tuesday"), "--since 'last tuesday' is not a date or time"),
        ]
        for (filter, message) in cases {
            do {
                _ = try PairSelection(filter, in: fixture.db)
                Issue.record("expected an error for \(filter.flags)")
            } catch let error as any UserFacingError {
                #expect(error.description.contains(message), "\(error.description)")
                #expect(!error.description.contains("\n"))
            }
        }
    }

    @Test func promptRefParsing() throws {
        #expect(try PromptRef(parsing: "answers@3") == PromptRef(name: "answers", version: 3))
        #expect(try PromptRef(parsing: "answers") == PromptRef(name: "answers"))
        for bad in ["", "@2", "answers@", "answers@x", "answers@0", "a@1@2"] {
            #expect(throws: PromptError.self, "\(bad)") { try PromptRef(parsing: bad) }
        }
    }

    @Test func mixedAnswerPromptsAreRefusedUntilNarrowed() throws {
        let fixture = try PairStoreFixture()
        let run = try fixture.addAnswerRun(prompt: 3, model: 1)
        try fixture.addAnswer(question: 2, prompt: 3, model: 1, run: run, text: "Zürich, briefly.")
        let selection = try PairSelection(PairFilter(), in: fixture.db)
        do {
            try selection.checkUnambiguous()
            Issue.record("expected a refusal")
        } catch let error as SelectionError {
            let message = error.description
            #expect(message.contains("question 2"))
            #expect(message.contains("answers@1, answers@2"))
            #expect(message.contains("--answer-prompt"))
            #expect(message.contains("--all-answers"))
            #expect(!message.contains("--model"))
        }
        try PairSelection(PairFilter(answerPrompt: PromptRef(name: "answers")), in: fixture.db).checkUnambiguous()
        #expect(try fixture.selectedAnswerIDs(PairFilter(answerPrompt: PromptRef(name: "answers"))) == [9])
        try PairSelection(PairFilter(allAnswers: true), in: fixture.db).checkUnambiguous()
    }

    @Test func mixedModelsAreRefusedAndSamplesAreNot() throws {
        let fixture = try PairStoreFixture()
        let run = try fixture.addAnswerRun(prompt: 2, model: 2)
        try fixture.addAnswer(question: 5, prompt: 2, model: 2, run: run, text: "Un café.")
        try fixture.addAnswer(question: 5, prompt: 2, model: 2, run: run, sample: 2, text: "Du café.")
        #expect(throws: SelectionError.self) { try PairSelection(PairFilter(), in: fixture.db).checkUnambiguous() }
        do {
            try PairSelection(PairFilter(), in: fixture.db).checkUnambiguous()
        } catch let error as SelectionError {
            #expect(error.description.contains("models llama, qwen"))
            #expect(error.description.contains("--model"))
        }
        // Two samples of qwen for one question: fine.
        try PairSelection(PairFilter(model: "qwen"), in: fixture.db).checkUnambiguous()
        #expect(try fixture.selectedAnswerIDs(PairFilter(model: "qwen")) == [9, 10])
    }

    @Test func oneModelNameWithTwoParameterSetsPointsAtRun() throws {
        let fixture = try PairStoreFixture()
        let warm = try fixture.addModel(name: "llama", params: "{\"temperature\":0.9}")
        let run = try fixture.addAnswerRun(prompt: 2, model: warm)
        try fixture.addAnswer(question: 5, prompt: 2, model: warm, run: run, text: "Un café chaud.")
        do {
            try PairSelection(PairFilter(model: "llama"), in: fixture.db).checkUnambiguous()
            Issue.record("expected a refusal")
        } catch let error as SelectionError {
            #expect(error.description.contains("models llama {\"temperature\":0.2}, llama {\"temperature\":0.9}"))
            #expect(error.description.contains("narrow it with --run"))
        }
        try PairSelection(PairFilter(run: run.run), in: fixture.db).checkUnambiguous()
    }

    @Test func funnelCountsWhatEachFilterRemoved() throws {
        let fixture = try PairStoreFixture()
        let selection = try PairSelection(PairFilter(sourceGlob: "guide/*", excludeIDK: true), in: fixture.db)
        let funnel = try selection.funnel()
        #expect(funnel.total == 8)
        #expect(funnel.steps.map(\.label) == ["superseded source versions (--all-versions keeps them)", "--source 'guide/*'", "--exclude-idk"])
        #expect(funnel.steps.map(\.removed) == [2, 2, 1])
        #expect(funnel.selected == 3)
    }

    @Test func datasetSelectsItsAnswersInPositionOrder() throws {
        let fixture = try PairStoreFixture()
        try fixture.db.execute("""
            INSERT INTO datasets (id, name, filter, pairs, created_at) VALUES (1, 'frozen', '{}', 3, '2026-02-01T00:00:00.000Z');
            INSERT INTO dataset_items (dataset_id, position, answer_id) VALUES (1, 0, 8), (1, 1, 2), (1, 2, 6);
            """)
        #expect(try fixture.selectedAnswerIDs(PairFilter(dataset: "frozen")) == [8, 2, 6])
        #expect(try fixture.selectedAnswerIDs(PairFilter(excludeIDK: true, dataset: "frozen")) == [8, 2])
        let funnel = try PairSelection(PairFilter(excludeIDK: true, dataset: "frozen"), in: fixture.db).funnel()
        #expect(funnel.total == 3 && funnel.selected == 2)
    }

    @Test func filterIsCodableForSavedDatasets() throws {
        let filter = try PairFilter(answerPrompt: PromptRef(parsing: "answers@2"), model: "llama", excludeIDK: true,
                                    idkRule: IDKRule(extraPatterns: ["^n/a$"]))
        let data = try JSONEncoder().encode(filter)
        #expect(try JSONDecoder().decode(PairFilter.self, from: data) == filter)
        #expect(filter.flags == ["--answer-prompt answers@2", "--model llama", "--exclude-idk", "--idk-pattern '^n/a$'"])
    }
}
