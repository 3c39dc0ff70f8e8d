import Foundation
import TestSupport
import Testing
@testable import IFTStore

/// The checks against a table of labelled cases (`Tests/Fixtures/quality/rule-table.json`,
/// written by `make-rule-table.py`): every case's failed checks must be exactly its label.
@Suite struct QualityRuleTableTests {
    struct Case: Decodable {
        let chunk: String
        let question: String
        let answer: String
        let flags: [String]
        let why: String
    }

    static let cases: [Case] = {
        let url = packageRoot.appending(path: "Tests/Fixtures/quality/rule-table.json")
        return (try? JSONDecoder().decode([Case].self, from: Data(contentsOf: url))) ?? []
    }()

    @Test func theTableIsBigEnoughAndHoldsTheIssuesExamples() {
        #expect(Self.cases.count >= 60)
        #expect(Self.cases.contains { $0.question == "What is the answer to this question?" })
        #expect(Self.cases.contains { $0.answer == "I'm ready to help. What's your question?" })
        #expect(Self.cases.contains { !$0.flags.isEmpty } && Self.cases.contains { $0.flags.isEmpty })
    }

    @Test func everyCaseGetsExactlyItsLabel() {
        let checker = PairChecker()
        var wrong: [String] = []
        for item in Self.cases {
            let verdict = checker.check(question: item.question, answer: item.answer, chunk: item.chunk)
            let got = verdict.flags.checks.map(\.rawValue)
            if got != item.flags {
                wrong.append("\(item.why): Q \(item.question.debugDescription) A \(item.answer.debugDescription) → \(got), labelled \(item.flags) (support \(verdict.support.map { String(format: "%.2f", $0) } ?? "nil"))")
            }
        }
        #expect(wrong.isEmpty, "\(wrong.count) of \(Self.cases.count) cases disagree:\n\(wrong.joined(separator: "\n"))")
    }

    @Test func anIDKAnswerIsNotJudged() {
        let verdict = PairChecker().check(question: "Fee?", answer: "I don't know.", chunk: "unrelated")
        #expect(verdict == .notJudged)
        #expect(verdict.support == nil)
    }

    @Test func equalFormsOfNumbersAndDatesAreOne() {
        let chunk = ChunkTerms("It raised $5,000,000 on October 1, 2023.")
        let checker = PairChecker()
        for answer in ["$5,000,000.", "5,000,000.", "5000000.", "$5 million.", "October 1, 2023.", "1 October 2023.", "Oct 1, 2023.", "2023-10-01."] {
            let verdict = checker.check(question: "How much did it raise and when?", answer: answer, chunk: chunk)
            #expect(!verdict.flags.contains(.answerNumbers), "\(answer)")
        }
        let invented = checker.check(question: "How much did it raise?", answer: "$6 million on October 2, 2023.", chunk: chunk)
        #expect(invented.unsupportedNumbers == ["2023-10-02", "6000000"])
    }

    @Test func unsupportedTermsAreMarkedWhereTheyAreInTheAnswer() {
        let answer = "The warehouse is in Boise."
        let verdict = PairChecker().check(question: "Where is the warehouse?", answer: answer, chunk: "The warehouse is in Tacoma.")
        #expect(verdict.unsupportedTerms.map { String(answer[$0]) } == ["Boise"])
        #expect(verdict.support == 0.5)
    }

    @Test func stemsMeetAcrossSuffixes() {
        for (a, b) in [("houses", "house"), ("policies", "policy"), ("planned", "plan"), ("running", "run"), ("taxes", "tax"), ("fees", "fee"), ("housing", "house")] {
            #expect(TermStem.stem(a) == TermStem.stem(b), "\(a) / \(b)")
        }
    }

    @Test func flagNamesAreInTableOrder() {
        let flags = QualityFlags([.answerForm, .questionForm])
        #expect(flags.names == "question-form,answer-form")
        #expect(QualityFlags().names == nil)
    }
}

/// The tokenizer's table of Unicode properties against the Unicode data itself, for every
/// scalar of the Basic Multilingual Plane and the emoji blocks.
@Suite struct ScalarClassTableTests {
    @Test func theTableAgreesWithTheUnicodeData() {
        var disagreements: [String] = []
        for value in Array(0..<0x10000) + Array(0x1F000..<0x1FB00) {
            guard let scalar = Unicode.Scalar(UInt32(value)) else { continue }
            let properties = scalar.properties
            var expected = ScalarClass()
            if properties.isAlphabetic || properties.numericType == .decimal
                || properties.generalCategory == .nonspacingMark || properties.generalCategory == .spacingMark {
                expected.insert(.word)
            }
            if properties.isAlphabetic { expected.insert(.alphabetic) }
            if properties.numericType == .decimal { expected.insert(.digit) }
            if properties.isUppercase { expected.insert(.uppercase) }
            if properties.lowercaseMapping.unicodeScalars.elementsEqual([scalar]) == false { expected.insert(.changesWhenLowercased) }
            let table = ScalarClass.of(scalar).intersection([.word, .alphabetic, .digit, .uppercase, .changesWhenLowercased])
            if table != expected { disagreements.append(String(value, radix: 16)) }
        }
        #expect(disagreements.isEmpty, "U+\(disagreements.prefix(10).joined(separator: ", U+"))")
    }
}
