import Foundation
import TestSupport
import Testing
@testable import IFTStore

/// `--exclude-flagged` on pairs the local model really produced, labelled by hand before any
/// threshold was chosen (`Tests/Fixtures/quality/heldout-smollm2.jsonl`). The figures are
/// measured here and must be the README's: a rule change that moves them updates both.
@Suite struct QualityHeldOutTests {
    struct Pair: Decodable {
        let id: String
        let corpus: String
        let chunk: String
        let question: String
        let answer: String
        let label: String
    }

    static let pairs: [Pair] = {
        let url = packageRoot.appending(path: "Tests/Fixtures/quality/heldout-smollm2.jsonl")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Pair.self, from: Data($0.utf8)) }
    }()

    /// The figures as the README states them.
    static func figures() -> (precisionRecall: String, passRates: String) {
        let checker = PairChecker()
        var tp = 0, fp = 0, fn = 0, tn = 0
        var passed: [String: Int] = [:], total: [String: Int] = [:]
        for pair in pairs {
            let flagged = !checker.check(question: pair.question, answer: pair.answer, chunk: pair.chunk).flags.isEmpty
            total[pair.corpus, default: 0] += 1
            if !flagged && pair.label != "idk" { passed[pair.corpus, default: 0] += 1 }
            switch (pair.label, flagged) {
            case ("bad", true): tp += 1
            case ("good", true): fp += 1
            case ("bad", false): fn += 1
            case ("good", false): tn += 1
            default: break
            }
        }
        let precision = String(format: "%.2f", Double(tp) / Double(max(tp + fp, 1)))
        let recall = String(format: "%.2f", Double(tp) / Double(max(tp + fn, 1)))
        let rates = total.keys.sorted().map { "\($0) \(passed[$0] ?? 0)/\(total[$0]!)" }.joined(separator: ", ")
        return ("precision \(precision), recall \(recall) (\(tp) bad pairs flagged, \(fp) good pairs flagged, \(fn) bad pairs missed, \(tn) good pairs kept)",
                "pass every check: \(rates)")
    }

    @Test func theSetIsBigEnoughAndLabelled() {
        #expect(Self.pairs.count >= 100)
        #expect(Self.pairs.allSatisfy { ["good", "bad", "idk"].contains($0.label) })
        #expect(Set(Self.pairs.map(\.corpus)) == ["examples", "gpl-3"])
    }

    @Test func theREADMEStatesTheMeasuredFigures() throws {
        let readme = try String(contentsOf: packageRoot.appending(path: "README.md"), encoding: .utf8)
        let (precisionRecall, passRates) = Self.figures()
        #expect(readme.contains(precisionRecall), "the README should say: \(precisionRecall)")
        #expect(readme.contains(passRates), "the README should say: \(passRates)")
    }
}
