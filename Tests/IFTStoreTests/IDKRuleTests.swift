import Foundation
import IFTSQLite
import Testing
@testable import IFTStore

@Suite struct IDKRuleTests {
    /// Replies labelled by a person: true = "I don't know", false = an answer.
    static let labelled: [(reply: String, isIDK: Bool)] = [
        ("I don't know.", true),
        ("I don't know", true),
        ("i don't know", true),
        ("I DON'T KNOW!", true),
        ("I don\u{2019}t know.", true),
        ("\u{201C}I don\u{2019}t know.\u{201D}", true),
        ("\"I don't know.\"", true),
        ("'I don't know'", true),
        ("  I don't know.  \n", true),
        ("I do not know.", true),
        ("I dont know", true),
        ("I don't know the answer.", true),
        ("I don't know the answer\u{2026}", true),
        ("I don't know the answer to that question.", true),
        ("Unknown.", true),
        ("unknown", true),
        ("**I don't know.**", true),
        ("I don't know...", true),
        ("I  don't   know.", true),
        ("\u{00AB} I don't know \u{00BB}", true),
        ("I don't know why they left, but the deal closed in May.", false),
        ("I don't know why they left, but the deal closed in May", false),
        ("The deal closed in May.", false),
        ("Unknown soldiers are buried there.", false),
        ("The cause is unknown to historians, but the date is 1848.", false),
        ("I know the answer: Zürich.", false),
        ("We don't know much about it; the text says it was built in 1901.", false),
        ("I don\u{2019}t know the man, but he signed the treaty.", false),
        ("Knowing this is hard. The answer is 42.", false),
        ("Paris.", false),
        ("\"I don't know\" is what the witness said.", false),
        ("Unknowable.", false),
        ("I do not know of any other example besides Lyon.", false),
        ("No idea who wrote it, but it was printed in 1620.", false),
    ]

    @Test func labelledTableIsLargeAndMixed() {
        #expect(Self.labelled.count >= 30)
        #expect(Self.labelled.contains { $0.isIDK } && Self.labelled.contains { !$0.isIDK })
    }

    @Test(arguments: labelled.indices)
    func ruleAgreesWithTheLabel(_ index: Int) {
        let (reply, isIDK) = Self.labelled[index]
        #expect(IDKRule.standard.matches(reply) == isIDK, "\(reply)")
    }

    @Test func extraPatternsAddForms() throws {
        let rule = try IDKRule(extraPatterns: ["^não sei\\.?$", "not (stated|mentioned) in the (text|passage)"])
        #expect(rule.matches("Não sei."))
        #expect(rule.matches("That is not stated in the passage."))
        #expect(rule.matches("I don't know."))
        #expect(!rule.matches("Paris."))
        #expect(!IDKRule.standard.matches("That is not stated in the passage."))
    }

    @Test func aPatternThatIsNotARegexIsAOneLineError() {
        #expect(throws: SelectionError.self) { try IDKRule(extraPatterns: ["(unclosed"]) }
    }

    /// The SQL function and `--exclude-idk` keep exactly the replies labelled as answers.
    @Test func excludeIDKKeepsExactlyTheAnswers() throws {
        let fixture = try PairStoreFixture()
        let run = try fixture.addAnswerRun(prompt: 2, model: 1)
        var answerIDs: [Int64: Bool] = [:]
        for (offset, item) in Self.labelled.enumerated() {
            // Samples of one prompt and model for one question: not ambiguous.
            let id = try fixture.addAnswer(question: 3, prompt: 2, model: 1, run: run, sample: offset + 10, text: item.reply)
            answerIDs[Int64(id)] = item.isIDK
        }
        let inTable = { (ids: [Int64]) in ids.filter { answerIDs[$0] != nil } }
        let all = inTable(try fixture.selectedAnswerIDs(PairFilter()))
        #expect(Set(all) == Set(answerIDs.keys))
        let kept = inTable(try fixture.selectedAnswerIDs(PairFilter(excludeIDK: true)))
        #expect(Set(kept) == Set(answerIDs.filter { !$0.value }.keys))

        // The fixture's own answers: 'I don’t know.' (4) and '"I don't know"' (6) go too.
        let fixtureKept = try fixture.selectedAnswerIDs(PairFilter(excludeIDK: true)).filter { answerIDs[$0] == nil }
        #expect(fixtureKept == [2, 3, 5, 7])

        // New patterns apply to old rows at query time.
        let withPattern = try PairFilter(excludeIDK: true, idkRule: IDKRule(extraPatterns: ["^paris"]))
        let keptWithPattern = inTable(try fixture.selectedAnswerIDs(withPattern))
        #expect(keptWithPattern.count == kept.count - 1)
    }

    @Test func sqlFunctionIsNullSafeAndDeterministic() throws {
        let fixture = try PairStoreFixture(loaded: false)
        try IDKRule.standard.register(on: fixture.db)
        #expect(try fixture.db.scalar("SELECT is_idk(NULL)") == .null)
        #expect(try fixture.db.scalarInt("SELECT is_idk('I don''t know.')") == 1)
        #expect(try fixture.db.scalarInt("SELECT is_idk(?)", [String(repeating: "x", count: 10_000)]) == 0)
    }
}

/// The SQL function skips most replies with a byte test and remembers short verdicts; it must
/// still agree with the rule on every labelled reply, asked twice.
@Suite struct IDKRuleSQLAgreementTests {
    @Test func sqlFunctionAgreesWithTheRuleOnTheLabelledTable() throws {
        let fixture = try PairStoreFixture(loaded: false)
        try IDKRule.standard.register(on: fixture.db)
        for _ in 0..<2 {
            for (reply, expected) in IDKRuleTests.labelled {
                #expect(try fixture.db.scalarInt("SELECT is_idk(?)", [reply]) == (expected ? 1 : 0), "\(reply)")
                #expect(IDKRule.standard.matches(reply) == expected, "\(reply)")
            }
        }
    }
}
