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
