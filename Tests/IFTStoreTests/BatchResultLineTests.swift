import Foundation
import TestSupport
import Testing
@testable import IFTStore

/// Reading one line of a batch results file as vLLM's `run-batch` and the OpenAI Batch API
/// write it (`Tests/Fixtures/batch`), and what it means for its request.
@Suite struct BatchResultLineTests {
    static func fixture(_ name: String) throws -> [String] {
        try String(contentsOf: packageRoot.appending(path: "Tests/Fixtures/batch/\(name)"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
    }

    func read(_ line: String) -> BatchResultLine.Reading {
        var line = line
        return line.withUTF8 { BatchResultLine.read($0) }
    }

    func result(_ line: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> BatchResultLine {
        guard case .result(let result) = read(line) else {
            Issue.record("not a result: \(read(line))", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        return result
    }

    @Test func vLLMCompletionsGiveQuestionsWithTheirBodyKeptAsWritten() throws {
        let lines = try Self.fixture("vllm-results-questions.jsonl")
        let first = try result(lines[0])
        #expect(first.customID == "iftdb:STORE_UUID:1:chunk:1/1")
        #expect(first.statusCode == 200)
        #expect(first.errorMessage == nil)
        // The body is the bytes between `"body":` and the end of the response object.
        let body = try #require(first.body)
        #expect(lines[0].contains(#""body":"# + body + "},"))
        let (attempt, outcome) = first.outcome(kind: .questions, count: 3)
        #expect(attempt.response == body)
        #expect(attempt.httpStatus == 200 && attempt.finishReason == "stop")
        #expect(attempt.promptTokens == 151 && attempt.completionTokens == 39)
        #expect(attempt.error == nil)
        guard case .success(.questions(let reply)) = outcome else { Issue.record("\(outcome)"); return }
        #expect(reply.questions == ["What did ZQ0001 log?", "Where is the lab of ZQ0001?", "On which day was ZQ0001 logged?"])

        guard case .success(.questions(let short)) = try result(lines[1]).outcome(kind: .questions, count: 3).result else { Issue.record("short set"); return }
        #expect(short.questions.count == 2)
    }

    @Test func vLLMErrorLinesFailTheirItemWithTheServersMessage() throws {
        let lines = try Self.fixture("vllm-results-questions.jsonl") + Self.fixture("vllm-error-forms.jsonl")
        // Today's ErrorResponse ({"error": {"message" …}}), a context that is too small.
        let tooLong = try result(lines[2])
        #expect(tooLong.statusCode == 400 && tooLong.body == nil)
        let (attempt, outcome) = tooLong.outcome(kind: .questions, count: 3)
        #expect(attempt.httpStatus == 400)
        #expect(attempt.response == tooLong.errorText)
        #expect(attempt.error?.hasPrefix("the prompt and chunk do not fit the model's context (HTTP 400: This model's maximum context length is 2048 tokens.") == true)
        #expect(outcome.failureKind == .contextTooLong)
        // Older releases' {"object": "error", "message" …}, and a bare string.
        #expect(try result(lines[3]).outcome(kind: .questions, count: 3).attempt.error == "HTTP 400: [{'type': 'missing', 'loc': ('body', 'messages'), 'msg': 'Field required'}]")
        #expect(try result(lines[4]).outcome(kind: .answers, count: 0).attempt.error == "HTTP 400: Request must not be sent in stream mode")
    }

    @Test func openAIOutputAndErrorFiles() throws {
        let output = try Self.fixture("openai-output-answers.jsonl")
        let first = try result(output[0])
        #expect(first.customID == "iftdb:STORE_UUID:2:question:1/1")
        let (attempt, outcome) = first.outcome(kind: .answers, count: 0)
        #expect(attempt.promptTokens == 97 && attempt.completionTokens == 9)
        guard case .success(.answer(let answer)) = outcome else { Issue.record("\(outcome)"); return }
        #expect(answer == "ZQ0001 logged sample 7.")

        let expired = try result(try Self.fixture("openai-errors-answers.jsonl")[0])
        #expect(expired.statusCode == nil && expired.body == nil)
        let failed = expired.outcome(kind: .answers, count: 0)
        #expect(failed.attempt.error == "the batch reported an error: This request could not be executed before the completion window expired.")
        #expect(failed.attempt.response == #"{"code": "batch_expired", "message": "This request could not be executed before the completion window expired."}"#)
        #expect(failed.attempt.httpStatus == nil)
    }

    @Test func repliesThatDoNotParseFailLikeALiveReply() throws {
        func line(_ status: Int, _ body: String) -> String {
            #"{"custom_id":"x","response":{"status_code":\#(status),"body":\#(body)},"error":null}"#
        }
        let noQuestions = try result(line(200, #"{"choices":[{"message":{"content":"sure, here you go"},"finish_reason":"length"}]}"#))
            .outcome(kind: .questions, count: 3)
        #expect(noQuestions.attempt.error == "the model's reply held no questions (it was cut by the token limit; raise --max-tokens)")
        #expect(noQuestions.attempt.finishReason == "length")
        let empty = try result(line(200, #"{"choices":[{"message":{"content":"  "}}]}"#)).outcome(kind: .answers, count: 0)
        #expect(empty.attempt.error == "the model's reply was empty")
        let notAReply = try result(line(200, #"{"object":"list"}"#)).outcome(kind: .answers, count: 0)
        #expect(notAReply.attempt.error == #"the reply is not a chat completion (HTTP 200): {"object":"list"}"#)
        let serverError = try result(line(503, #"{"error":{"message":"overloaded"}}"#)).outcome(kind: .answers, count: 0)
        #expect(serverError.attempt.error == "HTTP 503: overloaded")
        let refused = try result(line(200, #"{"choices":[{"message":{"content":null,"refusal":"I cannot help"}}]}"#)).outcome(kind: .answers, count: 0)
        #expect(refused.attempt.error == "the model refused: I cannot help")
        let noBody = try result(#"{"custom_id":"x","response":{"status_code":200,"body":null},"error":null}"#).outcome(kind: .answers, count: 0)
        #expect(noBody.attempt.error == "the reply is not a chat completion (HTTP 200): ")
        // Every outcome leaves its calls row with a response or an error: the request is answered.
        for outcome in [noQuestions, empty, notAReply, serverError, refused, noBody] { #expect(outcome.attempt.error != nil) }
    }

    @Test(arguments: [
        (#"{"id":"x"}"#, "no custom_id"),
        (#"{"custom_id":7,"error":"x"}"#, "custom_id is not a string"),
        (#"{"custom_id":"x","response":[1]}"#, "response is not an object"),
        (#"{"custom_id":"x","response":{"body":{}}}"#, "response has no status_code"),
        (#"{"custom_id":"x","response":{"status_code":"200","body":{}}}"#, "response has no status_code"),
        (#"{"custom_id":"x","response":null,"error":null}"#, "neither a response nor an error"),
        (#"{"custom_id":"x"}"#, "neither a response nor an error"),
    ])
    func objectsOfAnotherShape(_ line: String, why: String) {
        #expect(read(line) == .wrongShape(why))
    }

    @Test func blankLines() {
        #expect(read("") == .blank)
        #expect(read(" \t\r") == .blank)
    }
}

extension Result<BatchResult, ModelFailure> {
    var failureKind: ModelFailure.Kind? {
        if case .failure(let failure) = self { return failure.kind }
        return nil
    }
}
