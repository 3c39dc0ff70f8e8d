import Foundation
import IFTSQLite
import TestSupport
import Testing
@testable import IFTStore

/// `--dedupe-near`: the labelled pairs the shingles and the default threshold were chosen on
/// (`Tests/Fixtures/near/pairs.json`), the rule that only a kept question hides another, and
/// text that has nothing to shingle. The figures are measured here and must be the README's.
@Suite struct NearDuplicateTests {
    struct Pair: Decodable {
        let a: String
        let b: String
        let near: Bool
    }

    static let pairs: [Pair] = {
        let url = packageRoot.appending(path: "Tests/Fixtures/near/pairs.json")
        return (try? JSONDecoder().decode([Pair].self, from: Data(contentsOf: url))) ?? []
    }()

    static let hooli = "When was the Hooli XYZ deal finalized?"
    static let required: [(a: String, b: String, near: Bool)] = [
        (hooli, "When was the deal with Hooli XYZ finalized?", true),
        ("What does it prioritize?", "What does it prioritise?", true),
        ("When was the Super Piped Piper deal finalized?", hooli, false),
    ]

    /// Whether `--dedupe-near` drops the second of a pair stored after the first.
    static func dropsSecond(_ pair: (a: String, b: String), filter: NearFilter = NearFilter()) -> Bool {
        NearDuplicates.keeps([pair.a, pair.b], filter: filter) == [true, false]
    }

    /// The figures as the README states them.
    static func figures() -> String {
        let threshold = NearFilter.defaultThreshold
        let byEstimate = pairs.filter { (NearDuplicates.similarity($0.a, $0.b) >= threshold) == $0.near }.count
        let byDedupe = pairs.filter { dropsSecond(($0.a, $0.b)) == $0.near }.count
        let scores = required.map { String(format: "%.2f", NearDuplicates.similarity($0.a, $0.b)) }
        return "at the default threshold \(threshold), `--dedupe-near` treats \(byDedupe) of the \(pairs.count) pairs as labelled "
            + "(\(String(format: "%.2f", Double(byDedupe) / Double(pairs.count)))), and the similarity estimate alone "
            + "\(byEstimate) (\(String(format: "%.2f", Double(byEstimate) / Double(pairs.count)))); "
            + "the three pairs above score \(scores[0]) and \(scores[1]) (near) and \(scores[2]) (not near)"
    }

    @Test func theSetIsBigEnoughAndHoldsTheRequiredPairs() {
        #expect(Self.pairs.count >= 50)
        #expect(Self.pairs.filter(\.near).count >= 20)
        #expect(Self.pairs.filter { !$0.near }.count >= 20)
        for pair in Self.required {
            #expect(Self.pairs.contains { $0.a == pair.a && $0.b == pair.b && $0.near == pair.near }, "\(pair.a) / \(pair.b)")
        }
    }

    @Test func theRequiredPairsComeOutAsLabelled() {
        for pair in Self.required {
            let similarity = NearDuplicates.similarity(pair.a, pair.b)
            #expect((similarity >= NearFilter.defaultThreshold) == pair.near, "\(pair.a) / \(pair.b): \(similarity)")
            #expect(Self.dropsSecond((pair.a, pair.b)) == pair.near, "\(pair.a) / \(pair.b)")
            #expect(Self.dropsSecond((pair.b, pair.a)) == pair.near, "\(pair.b) / \(pair.a)")
        }
    }

    @Test func mostLabelledPairsComeOutAsLabelled() {
        let right = Self.pairs.filter { Self.dropsSecond(($0.a, $0.b)) == $0.near }.count
        #expect(Double(right) / Double(Self.pairs.count) >= 0.75)
    }

    @Test func theREADMEStatesTheMeasuredFigures() throws {
        let readme = try String(contentsOf: packageRoot.appending(path: "README.md"), encoding: .utf8)
        let figures = Self.figures()
        #expect(readme.contains(figures), "the README should say: \(figures)")
    }

    /// B is near A, C is near B but not near A: B goes, and C stays, since the only question
    /// it is near was dropped.
    @Test func aQuestionNearOnlyADroppedOneStays() {
        let a = "What is the total amount of the investment?"
        let b = "What was the total amount of investment?"
        let c = "What was the total investment?"
        let threshold = NearFilter.defaultThreshold
        #expect(NearDuplicates.similarity(a, b) >= threshold)
        #expect(NearDuplicates.similarity(b, c) >= threshold)
        #expect(NearDuplicates.similarity(a, c) < threshold)
        #expect(NearDuplicates.keeps([b, c]) == [true, false], "C is near B when B is kept")
        #expect(NearDuplicates.keeps([a, b, c]) == [true, false, true])
    }

    @Test func identicalQuestionsAreNearAtEveryThreshold() {
        for threshold in [0.01, 0.5, NearFilter.defaultThreshold, 0.99, 1] {
            let filter = NearFilter(threshold: threshold)
            #expect(NearDuplicates.keeps([Self.hooli, "when was the HOOLI xyz deal, finalized", Self.hooli], filter: filter) == [true, false, false])
        }
        #expect(NearDuplicates.similarity(Self.hooli, Self.hooli) == 1)
    }

    /// Empty and punctuation-only questions fold to "", which has no 2-grams: such questions
    /// are near one another (as `--dedupe` groups them) and near no other question.
    @Test func questionsWithNothingToShingle() {
        #expect(NearDuplicates.keeps(["", "?!", "…", "What?", "¿?"]) == [true, false, false, true, false])
        #expect(NearDuplicates.similarity("", "?") == 1)
        #expect(NearDuplicates.similarity("?", "What?") < 0.1)
        #expect(NearDuplicates.similarity("a", "b") < 0.2)
    }

    /// Folded text that is not UTF-8 (a store edited by hand) is shingled by its bytes.
    @Test func bytesThatAreNotUTF8AreCharactersOfTheirOwn() {
        let hasher = MinHasher()
        let index = NearDuplicateIndex(filter: NearFilter(), capacity: 8)
        let texts: [[UInt8]] = [
            [0xFF, 0xFE, 0x41, 0x42], [0xFF, 0xFE, 0x41, 0x42], [0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x99], [0x80, 0x80, 0xC0, 0xAF],
            Array("what is the price of coffee".utf8), Array("what is the price of coffee".utf8) + [0xFF],
        ]
        var kept: [Bool] = []
        for text in texts {
            text.withUnsafeBufferPointer { hasher.sign($0) }
            kept.append(index.admit(hasher))
        }
        #expect(kept == [true, false, true, true, true, true, true, false])
    }

    /// The signature of a fixed text: another hash, another shingle or another lane layout
    /// drops other questions, and must come with a new `NearFilter.currentSignatureVersion`.
    @Test func signaturesArePinned() {
        let hasher = MinHasher()
        var text = "what is the answer to this question"
        text.withUTF8 { hasher.sign($0) }
        let packed = UnsafeMutablePointer<UInt8>.allocate(capacity: QuestionSignature.packedBytes)
        defer { packed.deallocate() }
        hasher.pack(into: packed)
        let hex = (0..<QuestionSignature.packedBytes).map { String(format: "%02x", packed[$0]) }.joined()
        #expect(hex == Self.pinnedSignature, "signature changed: bump NearFilter.currentSignatureVersion and pin \(hex)")
        #expect(NearFilter.currentSignatureVersion == 1)
        #expect(NearFilter().bands == (count: 16, rows: 9))
    }

    static let pinnedSignature = "91c1a73b1ec32569353130d7cb3a78e86a52f0cb7f8c59a56a6e9245a8edab37d010b872fd228be4b654e27697a1a0ee028a3f02548d0ae5a8b7bf74e70d977b"

    /// A question written after the id set was sized (a reader outside one snapshot) is kept,
    /// not lost: the set turns into a hash set with every id it held.
    @Test func anIDPastTheSizedRangeIsKept() throws {
        let folder = try TemporaryFolder()
        let db = try Connection(path: folder.file("ids.db"), mode: .readWrite(create: true))
        try db.execute("CREATE TABLE questions (id INTEGER PRIMARY KEY); INSERT INTO questions (id) VALUES (5), (6), (70)")
        var ids = try QuestionIDSet(in: db)
        for id: Int64 in [5, 70] { ids.insert(id) }
        ids.insert(4_000)
        ids.insert(2)
        #expect(ids.count == 4)
        #expect([2, 5, 70, 4_000].allSatisfy { ids.contains($0) })
        #expect(!ids.contains(6))
        ids.remove(5)
        #expect(ids.count == 3 && !ids.contains(5))
    }

    @Test func thresholdsOutsideZeroToOneAreRefused() {
        for bad in [0, -0.5, 1.0001, 2, .nan, .infinity] {
            #expect(throws: SelectionError.self, "\(bad)") {
                try PairFilter(near: NearFilter(threshold: bad)).validate()
            }
        }
        #expect(throws: Never.self) { try PairFilter(near: NearFilter(threshold: 1)).validate() }
        #expect(throws: Never.self) { try PairFilter(near: NearFilter(threshold: 0.000_1)).validate() }
        #expect(NearFilter(threshold: 1).requiredAgreement == QuestionSignature.lanes)
        #expect(PairFilter(near: NearFilter()).flags == ["--dedupe-near"])
        #expect(PairFilter(near: NearFilter(threshold: 0.8)).flags == ["--dedupe-near", "--near-threshold 0.8"])
    }
}

/// `--dedupe-near` in a selection of the fixture store (see `PairFilterTests` for its rows):
/// after every other condition, counted in the funnel, composed with the other filters.
@Suite struct NearDuplicateSelectionTests {
    static let a = "What is the total amount of the investment?"
    static let b = "What was the total amount of investment?"
    static let c = "What was the total investment?"

    /// Adds A (guide/intro.md), then B, C and B again (notes/café.txt, the last on the
    /// boundary chunking), each with one answer; returns their question ids.
    func addQuestions(to fixture: PairStoreFixture, idkAnswerFor idk: Set<Int> = []) throws -> [Int] {
        let run = try fixture.addAnswerRun(prompt: 2, model: 1)
        var ids: [Int] = []
        for (index, (chunk, text)) in [(2, Self.a), (4, Self.b), (4, Self.c), (5, Self.b)].enumerated() {
            try fixture.db.run("""
                INSERT INTO questions (chunk_id, prompt_id, model_id, run_id, call_id, sample, ordinal, text, normalized, created_at)
                VALUES (?, 1, 1, 1, 1, 1, ?, ?, ?, '2026-02-01T00:00:00.000Z')
                """, [chunk, 10 + index, text, QuestionKey.normalize(text)])
            ids.append(Int(fixture.db.lastInsertRowID))
            try fixture.addAnswer(question: ids[index], prompt: 2, model: 1, run: run, text: idk.contains(index) ? "I don't know." : "Answer \(index).")
        }
        return ids
    }

    func questionIDs(_ filter: PairFilter, in fixture: PairStoreFixture) throws -> Set<Int> {
        var ids = Set<Int>()
        try PairSelection(filter, in: fixture.db).forEachRow(columns: [.questionID]) { ids.insert($0.int(0)) }
        return ids
    }

    @Test func dropsQuestionsNearAKeptOneAndCountsThem() throws {
        let fixture = try PairStoreFixture()
        let ids = try addQuestions(to: fixture)
        let all = try questionIDs(PairFilter(), in: fixture)
        let selection = try PairSelection(PairFilter(near: NearFilter()), in: fixture.db)
        let funnel = try selection.funnel()
        let step = try #require(funnel.steps.last)
        #expect(step.label == "--dedupe-near (questions near an earlier kept one)")
        // B (near A) and its copy go; C, near only the dropped B, stays.
        #expect(step.questionsRemoved == 2 && step.removed == 2)
        #expect(try questionIDs(PairFilter(near: NearFilter()), in: fixture) == all.subtracting([ids[1], ids[3]]))
        #expect(funnel.steps.dropLast().allSatisfy { $0.questionsRemoved == nil })

        // With --dedupe first, the copy of B goes there, and only B is left for --dedupe-near.
        let both = try PairSelection(PairFilter(dedupe: true, near: NearFilter()), in: fixture.db).funnel()
        #expect(both.steps.suffix(2).map(\.removed) == [1, 1])
        #expect(both.steps.last?.questionsRemoved == 1)
        #expect(both.selected == funnel.selected)

        // At 0.95 only the copy is near.
        #expect(try questionIDs(PairFilter(near: NearFilter(threshold: 0.95)), in: fixture) == all.subtracting([ids[3]]))
    }

    /// A question outside the selection never hides one inside it.
    @Test func onlyQuestionsOfTheSelectionCount() throws {
        let fixture = try PairStoreFixture()
        let ids = try addQuestions(to: fixture, idkAnswerFor: [0])
        // Without A (its answer is "I don't know"), B is the earliest: C, near it, goes.
        let withoutIDK = try questionIDs(PairFilter(excludeIDK: true), in: fixture)
        #expect(!withoutIDK.contains(ids[0]))
        #expect(try questionIDs(PairFilter(excludeIDK: true, near: NearFilter()), in: fixture) == withoutIDK.subtracting([ids[2], ids[3]]))
        #expect(try questionIDs(PairFilter(sourceGlob: "notes/*", near: NearFilter()), in: fixture)
            == (try questionIDs(PairFilter(sourceGlob: "notes/*"), in: fixture)).subtracting([ids[2], ids[3]]))
        // In a saved dataset: its items are the scope.
        _ = try fixture.store.saveDataset(name: "late", filter: PairFilter(sourceGlob: "notes/*"), replace: false)
        let frozen = try questionIDs(PairFilter(dataset: "late"), in: fixture)
        #expect(try questionIDs(PairFilter(dataset: "late", near: NearFilter()), in: fixture) == frozen.subtracting([ids[2], ids[3]]))
    }

    /// Ids far apart (a store edited by hand) are read one by one, or kept in a hash set.
    @Test func questionIDsFarApart() throws {
        let fixture = try PairStoreFixture()
        let ids = try addQuestions(to: fixture)
        let run = try fixture.addAnswerRun(prompt: 2, model: 1)
        for (offset, id) in [1_000, 5_000_000_000].enumerated() {
            try fixture.db.run("""
                INSERT INTO questions (id, chunk_id, prompt_id, model_id, run_id, call_id, sample, ordinal, text, normalized, created_at)
                VALUES (?, 4, 1, 1, 1, 1, 1, ?, ?, ?, '2026-02-01T00:00:00.000Z')
                """, [id, 30 + offset, Self.b, QuestionKey.normalize(Self.b)])
            try fixture.addAnswer(question: id, prompt: 2, model: 1, run: run, text: "Far.")
            let all = try questionIDs(PairFilter(), in: fixture)
            #expect(try questionIDs(PairFilter(near: NearFilter()), in: fixture) == all.subtracting([ids[1], ids[3], 1_000, 5_000_000_000]))
        }
    }

    @Test func aSavedDatasetRecordsTheFilterAndKeepsItsPairs() throws {
        let fixture = try PairStoreFixture()
        let ids = try addQuestions(to: fixture)
        let saved = try fixture.store.saveDataset(name: "near", filter: PairFilter(near: NearFilter(threshold: 0.8)), replace: false)
        let json = try #require(try fixture.db.scalar("SELECT filter FROM datasets WHERE name = 'near'"))
        guard case .text(let text) = json else { Issue.record("no filter text"); return }
        #expect(text.contains(#""near":{"#) && text.contains(#""threshold":0.8"#) && text.contains(#""signature_version":1"#), "\(text)")
        let decoded = try JSONDecoder().decode(PairFilter.self, from: Data(text.utf8))
        #expect(decoded.near == NearFilter(threshold: 0.8))
        #expect(saved.flags.contains("--dedupe-near --near-threshold 0.8"))
        let before = try fixture.selectedAnswerIDs(PairFilter(dataset: "near"))
        // A later question near a kept one, and one that repeats a dropped one, change nothing.
        let run = try fixture.addAnswerRun(prompt: 2, model: 1)
        for (ordinal, text) in [NearDuplicateSelectionTests.a, "What is the total amount of investment?"].enumerated() {
            try fixture.db.run("""
                INSERT INTO questions (chunk_id, prompt_id, model_id, run_id, call_id, sample, ordinal, text, normalized, created_at)
                VALUES (2, 1, 1, 1, 1, 1, ?, ?, ?, '2026-03-01T00:00:00.000Z')
                """, [40 + ordinal, text, QuestionKey.normalize(text)])
            try fixture.addAnswer(question: Int(fixture.db.lastInsertRowID), prompt: 2, model: 1, run: run, text: "Later.")
        }
        #expect(try fixture.selectedAnswerIDs(PairFilter(dataset: "near")) == before)
        #expect(!before.isEmpty && ids.count == 4)
    }

    @Test func statsCountNearDuplicatesPerGroup() throws {
        let fixture = try PairStoreFixture()
        _ = try addQuestions(to: fixture)
        let stats = try PairStats.compute(in: fixture.db, filter: PairFilter())
        let group = try #require(stats.groups.first { $0.answerPrompt == "answers@1" })
        #expect(group.nearDuplicateQuestions == 2)
        #expect(group.nearDuplicateRate == Double(2) / Double(group.questions))
        let strict = try PairStats.compute(in: fixture.db, filter: PairFilter(near: NearFilter(threshold: 0.95)))
        // The selection has dropped them already: nothing near is left.
        #expect(strict.groups.allSatisfy { $0.nearDuplicateQuestions == 0 })
        let encoded = try JSONEncoder().encode(group)
        let keys = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any]).keys
        #expect(keys.contains("nearDuplicateRate") && keys.contains("nearDuplicateQuestions"))
    }
}

/// What the tests ask of `--dedupe-near`, one question or pair at a time.
extension NearDuplicates {
    /// Which of `questions`, taken in order as if stored in that order, `--dedupe-near` with
    /// `filter` keeps (each is folded as `questions.normalized` is).
    static func keeps(_ questions: [String], filter: NearFilter = NearFilter()) -> [Bool] {
        let index = NearDuplicateIndex(filter: filter, capacity: questions.count)
        let hasher = MinHasher()
        return questions.map { question in
            var folded = QuestionKey.normalize(question)
            folded.withUTF8 { hasher.sign($0) }
            return index.admit(hasher)
        }
    }

    /// The estimated Jaccard index of two questions' 2-gram sets, as `--dedupe-near` compares
    /// them (0 to 1).
    static func similarity(_ a: String, _ b: String) -> Double {
        let hasher = MinHasher()
        let packedA = UnsafeMutablePointer<UInt8>.allocate(capacity: QuestionSignature.packedBytes)
        let packedB = UnsafeMutablePointer<UInt8>.allocate(capacity: QuestionSignature.packedBytes)
        defer {
            packedA.deallocate()
            packedB.deallocate()
        }
        for (text, packed) in [(a, packedA), (b, packedB)] {
            var folded = QuestionKey.normalize(text)
            folded.withUTF8 { hasher.sign($0) }
            hasher.pack(into: packed)
        }
        // Corrected for the 1 time in 16 that 4 bits of unequal lanes agree (`NearFilter.requiredAgreement`).
        let share = Double(agreeingLanes(packedA, packedB)) / Double(QuestionSignature.lanes)
        return max(0, (share - 1.0 / 16) / (15.0 / 16))
    }
}
