import Foundation
import IFTSQLite
import Testing
@testable import IFTStore

/// Saved datasets and `--dedupe` on the fixture store.
@Suite struct DatasetTests {
    @Test func saveFreezesIdsInExportOrderWithTheFilter() throws {
        let fixture = try PairStoreFixture()
        let filter = PairFilter(answerPrompt: PromptRef(name: "answers", version: 1), excludeIDK: true)
        let expected = try fixture.selectedAnswerIDs(filter)
        let saved = try fixture.store.saveDataset(name: "v1", filter: filter, replace: false)
        #expect(saved.pairs == expected.count)
        let stored = try fixture.selectedAnswerIDs(PairFilter(dataset: "v1"))
        #expect(stored == expected)
        let positions = try fixture.db.prepare("SELECT position FROM dataset_items ORDER BY position")
        var seen: [Int] = []
        while try positions.step() { seen.append(positions.int(0)) }
        #expect(seen == Array(1...expected.count))

        // "questions" (its latest version) is recorded as the version it meant.
        let latest = try fixture.store.saveDataset(name: "latest", filter: PairFilter(questionPrompt: PromptRef(name: "questions")), replace: false)
        #expect(latest.filter.questionPrompt == PromptRef(name: "questions", version: 1))
        try fixture.db.run("DELETE FROM dataset_items WHERE dataset_id = (SELECT id FROM datasets WHERE name = 'latest')")
        try fixture.db.run("DELETE FROM datasets WHERE name = 'latest'")

        let listed = try DatasetQueries.list(in: fixture.db)
        #expect(listed.map(\.name) == ["v1"])
        #expect(listed.first?.filter == filter, "the filter round-trips through datasets.filter")
        #expect(listed.first?.flags == "--answer-prompt answers@1 --exclude-idk")

        // New answers and a new source version change the current selection, not the dataset.
        let run = try fixture.addAnswerRun(prompt: 2, model: 1)
        try fixture.addAnswer(question: 6, prompt: 2, model: 1, run: run, sample: 2, text: "Another sample.")
        try fixture.db.execute("""
            INSERT INTO sources (id, path, version, status, text, sha256, bytes, chars, root, loaded_at)
            VALUES (6, 'notes/café.txt', 2, 'present', 'Edited.', 'h6', 7, 7, 'docs', '2026-02-01T00:00:00.000Z')
            """)
        #expect(try fixture.selectedAnswerIDs(filter) != expected)
        #expect(try fixture.selectedAnswerIDs(PairFilter(dataset: "v1")) == expected)
    }

    @Test func aSavedFilterWithoutNewerKeysStillReads() throws {
        let old = #"{"allAnswers":false,"allVersions":false,"excludeIDK":true,"idkRule":{"extraPatterns":["^nope$"]},"sourceGlob":"docs/*"}"#
        let filter = try JSONDecoder().decode(PairFilter.self, from: Data(old.utf8))
        #expect(filter == PairFilter(sourceGlob: "docs/*", excludeIDK: true, idkRule: try IDKRule(extraPatterns: ["^nope$"])))
        #expect(!filter.dedupe)
        let roundTrip = try JSONDecoder().decode(PairFilter.self, from: JSONEncoder().encode(PairFilter(model: "m", dedupe: true)))
        #expect(roundTrip == PairFilter(model: "m", dedupe: true))
    }

    @Test func replaceEmptyAndAmbiguousAreRefusedAndLeaveTheStoreAsItWas() throws {
        let fixture = try PairStoreFixture()
        try fixture.store.saveDataset(name: "a", filter: PairFilter(), replace: false)
        #expect(throws: SelectionError.self) { try fixture.store.saveDataset(name: "a", filter: PairFilter(excludeIDK: true), replace: false) }
        #expect(throws: SelectionError.self) { try fixture.store.saveDataset(name: "b", filter: PairFilter(sourceGlob: "none/*"), replace: false) }
        #expect(throws: SelectionError.self) { try fixture.store.saveDataset(name: "bad name", filter: PairFilter(), replace: false) }
        let run = try fixture.addAnswerRun(prompt: 3, model: 1)
        try fixture.addAnswer(question: 2, prompt: 3, model: 1, run: run, text: "Zürich, briefly.")
        #expect(throws: SelectionError.self) { try fixture.store.saveDataset(name: "c", filter: PairFilter(), replace: false) }
        #expect(try fixture.db.scalarInt("SELECT count(*) FROM datasets") == 1)
        let before = try fixture.selectedAnswerIDs(PairFilter(dataset: "a"))
        // Replacing with a subset of itself works: the ids are read before the old rows go.
        let replaced = try fixture.store.saveDataset(name: "a", filter: PairFilter(excludeIDK: true, dataset: "a"), replace: true)
        #expect(replaced.pairs < before.count)
        #expect(try fixture.db.scalarInt("SELECT count(*) FROM dataset_items") == replaced.pairs)
    }

    /// Questions that differ only in case, spacing, punctuation or Unicode form, stored with
    /// the key generation stores (`QuestionKey.normalize` at insert).
    @Test func dedupeKeepsTheEarliestOfNearIdenticalQuestionsWithinTheSelection() throws {
        let fixture = try PairStoreFixture()
        // The first four repeat the fixture's question 2, "Where did the board meet, "briefly"?".
        let variants = ["where did the BOARD meet briefly", "Where  did the board meet,\t“briefly”?!",
                        "Where did the board meet (briefly) ?", "Where did the board meet — briefly.",
                        "Où est le café ?", "ou\u{0300} est le cafe\u{0301}"]
        let run = try fixture.addAnswerRun(prompt: 2, model: 1)
        var questionIDs: [Int] = []
        for (index, text) in variants.enumerated() {
            // Chunks 4 and 5 belong to notes/café.txt (current); the last two share one chunk.
            try fixture.db.run("""
                INSERT INTO questions (chunk_id, prompt_id, model_id, run_id, call_id, sample, ordinal, text, normalized, created_at)
                VALUES (?, 1, 1, 1, 1, 1, ?, ?, ?, '2026-02-01T00:00:00.000Z')
                """, [index < 4 ? 4 + index % 2 : 5, 10 + index, text, QuestionKey.normalize(text)])
            questionIDs.append(Int(fixture.db.lastInsertRowID))
            try fixture.addAnswer(question: questionIDs.last ?? 0, prompt: 2, model: 1, run: run, text: "Answer \(index).")
        }
        let all = try fixture.selectedAnswerIDs(PairFilter())
        let deduped = try PairSelection(PairFilter(dedupe: true), in: fixture.db)
        let funnel = try deduped.funnel()
        #expect(funnel.steps.last?.label.hasPrefix("--dedupe") == true)
        #expect(funnel.steps.last?.removed == 5, "four repeats of the board question, one of the café question")
        let keptQuestions = Set(try keptQuestionIDs(of: deduped))
        #expect(keptQuestions.contains(2), "the fixture's own board question (id 2) is the earliest")
        #expect(keptQuestions.isDisjoint(with: questionIDs[0..<4]))
        #expect(keptQuestions.contains(questionIDs[4]) && !keptQuestions.contains(questionIDs[5]))
        #expect(try deduped.answerIDs().count == all.count - 5)
        // Both answers of the kept question 2 (two samples) stay.
        #expect(try deduped.answerIDs().filter { [2, 3].contains($0) } == [2, 3])

        // The earliest within the selection: with question 2's source left out, the first variant stays.
        let narrowed = try PairSelection(PairFilter(sourceGlob: "notes/*", dedupe: true), in: fixture.db)
        let keptNarrowed = Set(try keptQuestionIDs(of: narrowed))
        #expect(keptNarrowed.contains(questionIDs[0]))
        #expect(keptNarrowed.isDisjoint(with: questionIDs[1..<4]))
        #expect(try narrowed.funnel().steps.last?.removed == 4, "three board repeats, one café")
    }

    private func keptQuestionIDs(of selection: PairSelection) throws -> [Int] {
        var ids: [Int] = []
        try selection.forEachRow(columns: [.questionID]) { ids.append($0.int(0)) }
        return ids
    }
}
