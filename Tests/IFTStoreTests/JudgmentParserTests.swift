import Foundation
import TestSupport
import Testing
@testable import IFTStore

/// Reading a judge's reply, and asking a judge through the client: the schema it sends,
/// and a reply without a usable score asked again within the request.
@Suite struct JudgmentParserTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let reply: String
        var finishReason: String? = "stop"
        /// The judgment read, or nil when the reply must fail.
        let judgment: JudgmentReply?
        /// What the failure says, when it fails.
        var failure: String? = nil
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "plain JSON", reply: #"{"score": 4, "reason": "Grounded, but wordy."}"#, judgment: JudgmentReply(score: 4, reason: "Grounded, but wordy.")),
        Case(name: "reason first, pretty", reply: "{\n  \"reason\": \"Every fact is in the text.\",\n  \"score\": 5\n}",
             judgment: JudgmentReply(score: 5, reason: "Every fact is in the text.")),
        Case(name: "fenced with a preamble", reply: "Here is my grade:\n```json\n{\"score\": 2, \"reason\": \"Mostly beside the question.\"}\n```",
             judgment: JudgmentReply(score: 2, reason: "Mostly beside the question.")),
        Case(name: "score as a string", reply: #"{"score": "3", "reason": "Partly answers."}"#, judgment: JudgmentReply(score: 3, reason: "Partly answers.")),
        Case(name: "score as 5.0", reply: #"{"score": 5.0, "reason": "Fine."}"#, judgment: JudgmentReply(score: 5, reason: "Fine.")),
        Case(name: "other key names and case", reply: #"{"Rating": 1, "Explanation": "Contradicts the text."}"#,
             judgment: JudgmentReply(score: 1, reason: "Contradicts the text.")),
        Case(name: "no reason", reply: #"{"score": 4}"#, judgment: JudgmentReply(score: 4, reason: nil)),
        Case(name: "empty reason", reply: #"{"score": 4, "reason": "  "}"#, judgment: JudgmentReply(score: 4, reason: nil)),
        Case(name: "reason over lines, folded", reply: "{\"score\": 3, \"reason\": \"Adds a date\\n   the text lacks.\"}",
             judgment: JudgmentReply(score: 3, reason: "Adds a date the text lacks.")),
        Case(name: "cut inside the reason", reply: #"{"score": 4, "reason": "The answer is grounded but"#, finishReason: "length",
             judgment: JudgmentReply(score: 4, reason: nil)),
        Case(name: "prose with score and reason keys", reply: #"score: 2, reason: "It answers another question.""#,
             judgment: JudgmentReply(score: 2, reason: "It answers another question.")),
        Case(name: "a bare number", reply: "4", judgment: JudgmentReply(score: 4)),
        Case(name: "a bare fraction of 5", reply: " 3/5 ", judgment: JudgmentReply(score: 3)),
        Case(name: "score 0", reply: #"{"score": 0, "reason": "Wrong."}"#, judgment: nil, failure: "the judge's score 0 is outside 1 to 5"),
        Case(name: "score 7", reply: #"{"score": 7, "reason": "Great."}"#, judgment: nil, failure: "the judge's score 7 is outside 1 to 5"),
        Case(name: "score 10 of 10", reply: "Score: 10/10", judgment: nil, failure: "the judge's score 10 is outside 1 to 5"),
        Case(name: "score 4.5", reply: #"{"score": 4.5, "reason": "Close."}"#, judgment: nil, failure: "the judge's score 4.5 is not a whole number from 1 to 5"),
        Case(name: "score true", reply: #"{"score": true, "reason": "Yes."}"#, judgment: nil, failure: "the judge's reply held no score"),
        Case(name: "score not a number", reply: #"{"score": "good", "reason": "Yes."}"#, judgment: nil, failure: "the judge's reply held no score"),
        Case(name: "JSON without a score", reply: #"{"reason": "I cannot grade this."}"#, judgment: nil, failure: "the judge's reply held no score"),
        Case(name: "prose without a score", reply: "The answer looks right to me.", judgment: nil, failure: "the judge's reply held no score"),
        Case(name: "empty", reply: "", judgment: nil, failure: "the judge's reply held no score"),
        Case(name: "cut before the score", reply: #"{"reason": "The answer"#, finishReason: "length", judgment: nil,
             failure: "the judge's reply held no score (it was cut by the token limit; raise --max-tokens)"),
    ]

    @Test(arguments: cases)
    func readsTheJudgment(_ c: Case) {
        switch JudgmentParser.parse(c.reply, finishReason: c.finishReason) {
        case .success(let judgment):
            #expect(judgment == c.judgment, "read \(judgment) from \(c.reply.debugDescription)")
        case .failure(let failure):
            #expect(c.judgment == nil, "failed: \(failure.message)")
            #expect(failure.kind == .unusableReply)
            #expect(failure.message == c.failure)
        }
    }

    @Test func theRequestAsksForAScoreFrom1To5AndAShortReasonAndDegradesLikeQuestions() throws {
        let settings = ModelSettings(model: "judge-model", maxTokens: 200)
        let ask = ModelAsk.judgment(messages: [ChatMessage(role: "user", content: "Grade it.")], settings: settings)
        #expect(ask.usesResponseFormat && ask.retriesUnusableReplies)
        #expect(try ask.request(RequestForm()).encoded() == #"""
            {"model":"judge-model","messages":[{"role":"user","content":"Grade it."}],"max_tokens":200,"stream":false,"response_format":{"type":"json_schema","json_schema":{"name":"judgment","strict":true,"schema":{"type":"object","properties":{"score":{"type":"integer","minimum":1,"maximum":5},"reason":{"type":"string","maxLength":300}},"required":["score","reason"],"additionalProperties":false}}}}
            """#)
        // A refused keyword goes, then structured output itself, rung by rung.
        let noMaxLength = try #require(RequestForm().degraded(refusedBy: "'maxLength' is not permitted", usesResponseFormat: true, usesMaxTokens: true))
        #expect(try !ask.request(noMaxLength).encoded().contains("maxLength"))
        let jsonObject = try #require(noMaxLength.degraded(refusedBy: "json_schema is not supported", usesResponseFormat: true, usesMaxTokens: true))
        #expect(try ask.request(jsonObject).encoded().contains(#""response_format":{"type":"json_object","schema":{"type":"object""#))
        let none = try #require(jsonObject.degraded(refusedBy: "response_format is not supported", usesResponseFormat: true, usesMaxTokens: true))
        #expect(try !ask.request(none).encoded().contains("response_format"))
    }

    @Test func aReplyWithoutAUsableScoreIsAskedAgainAtOnceThenFailsWithItsReason() async throws {
        let bad = TestModelServer.completion(#"{"score": 9, "reason": "Excellent."}"#)
        let good = TestModelServer.completion(#"{"score": 4, "reason": "Grounded."}"#)
        let server = try await TestModelServer(script: [
            .respond(status: 200, body: bad),
            .respond(status: 200, body: TestModelServer.completion("Looks fine to me.")),
            .respond(status: 200, body: good),
        ])
        let (result, waits) = try await ModelClientTests().withClient(server, retries: 4) { client, sleeper in
            (await client.askJudgment(messages: ModelClientTests.messages), await sleeper.waits)
        }
        #expect(result.value == JudgmentReply(score: 4, reason: "Grounded."))
        #expect(result.attempts.map(\.error) == ["the judge's score 9 is outside 1 to 5", "the judge's reply held no score", nil])
        #expect(result.attempts.allSatisfy { $0.httpStatus == 200 && $0.response != nil })
        #expect(waits.isEmpty, "an unusable reply is asked again at once: \(waits)")

        // Retries run out: the item fails with the last reason and how many attempts it took.
        let stubborn = try await TestModelServer(fallback: { _ in .respond(status: 200, body: bad) })
        let failed = try await ModelClientTests().withClient(stubborn, retries: 2) { client, _ in
            await client.askJudgment(messages: ModelClientTests.messages)
        }
        #expect(failed.attempts.count == 3)
        #expect(failed.failure == ModelFailure(.unusableReply, "the judge's score 9 is outside 1 to 5 (3 attempts)"))

        // Transport retries and unusable replies share one budget.
        let mixed = try await TestModelServer(script: [
            .respond(status: 500, body: "oops"), .respond(status: 200, body: bad), .respond(status: 200, body: good),
        ])
        let spent = try await ModelClientTests().withClient(mixed, retries: 1) { client, _ in
            await client.askJudgment(messages: ModelClientTests.messages)
        }
        #expect(spent.attempts.map(\.httpStatus) == [500, 200])
        #expect(spent.failure?.message == "the judge's score 9 is outside 1 to 5 (2 attempts)")
    }

    @Test func questionsAndAnswersStillFailAnUnusableReplyAtOnce() async throws {
        let server = try await TestModelServer(script: [
            .respond(status: 200, body: TestModelServer.completion("No questions here.")),
        ])
        let result = try await ModelClientTests().withClient(server, retries: 4) { client, _ in
            await client.askQuestions(messages: ModelClientTests.messages, count: 3)
        }
        #expect(result.attempts.count == 1)
        #expect(result.failure?.message == "the model's reply held no questions")
    }
}
