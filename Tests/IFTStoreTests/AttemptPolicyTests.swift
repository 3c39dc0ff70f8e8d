import Foundation
import Testing
@testable import IFTStore

/// Every rule of the attempt policy, exchange by exchange, with no server and no clock.
@Suite struct AttemptPolicyTests {
    static let settings = ModelSettings(baseURL: "http://127.0.0.1:9/v1", model: "m", maxTokens: 100, retries: 2)

    static func policy(retries: Int = 2, maxTokens: Int? = 100, usesResponseFormat: Bool = true) -> AttemptPolicy {
        var settings = Self.settings
        settings.retries = retries
        settings.maxTokens = maxTokens
        return AttemptPolicy(settings: settings, usesResponseFormat: usesResponseFormat, backoff: RetryPolicy(jitter: { 1.0 }))
    }

    static func reply(_ status: Int, _ text: String, attempt: Int = 1, headers: [(name: String, value: String)] = [],
                      form: RequestForm = RequestForm()) -> Exchange {
        Exchange(attempt: attempt, status: status, headers: headers,
                 body: Exchange.Body(status: status, text: text, reply: ChatCompletion(parsing: text)), form: form)
    }

    static func error(_ status: Int, _ message: String, form: RequestForm = RequestForm()) -> Exchange {
        reply(status, #"{"error":{"message":"\#(message)"}}"#, form: form)
    }

    static let completion = #"{"choices":[{"message":{"content":"Why?"},"finish_reason":"stop"}]}"#

    @Test func aCompletionIsAccepted() {
        var policy = Self.policy()
        let exchange = Self.reply(200, Self.completion)
        #expect(exchange.body == .completion(content: "Why?", finishReason: "stop"))
        #expect(exchange.problem == nil)
        #expect(policy.next(after: exchange) == .accept)
    }

    @Test func serverErrorsAndGarbageAreRetriedWithGrowingBackoffUpToTheCap() {
        var policy = Self.policy(retries: 3)
        #expect(policy.next(after: Self.error(500, "internal error")) == .retry(after: .milliseconds(500)))
        let garbage = Self.reply(200, "<html>gateway says hi", attempt: 2)
        #expect(garbage.problem == "the reply is not a chat completion (HTTP 200): <html>gateway says hi")
        #expect(policy.next(after: garbage) == .retry(after: .seconds(1)))
        let empty = Self.reply(200, "", attempt: 3)
        #expect(empty.body == .empty)
        #expect(policy.next(after: empty) == .retry(after: .seconds(2)))
        let last = Self.reply(503, "", attempt: 4)
        #expect(last.problem == "HTTP 503: (empty reply)")
        #expect(policy.next(after: last) == .fail(ModelFailure(.retriesExhausted,
            "the model server failed 4 times at http://127.0.0.1:9/v1; last error: HTTP 503: (empty reply)")))
        #expect(policy.retriesUsed == 3)
    }

    @Test func noRetriesMeansTheFirstFailureIsTheLast() {
        var policy = Self.policy(retries: 0)
        let closed = Exchange(attempt: 1, status: nil, body: .none("the server closed the connection before replying"))
        #expect(policy.next(after: closed) == .fail(ModelFailure(.retriesExhausted,
            "the model server failed 1 time at http://127.0.0.1:9/v1; last error: the server closed the connection before replying")))
    }

    @Test func retryAfterWinsOverTheBackoffAndIsCapped() {
        var policy = Self.policy(retries: 5)
        #expect(policy.next(after: Self.reply(429, "slow down", headers: [(name: "Retry-After", value: "2")])) == .retry(after: .seconds(2)))
        #expect(policy.next(after: Self.reply(503, "busy", headers: [(name: "retry-after", value: "100000")])) == .retry(after: .seconds(300)))
        let date = Date().addingTimeInterval(3600)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard case .retry(let wait) = policy.next(after: Self.reply(429, "later", headers: [(name: "Retry-After", value: formatter.string(from: date))])) else {
            Issue.record("an HTTP-date Retry-After is not a retry")
            return
        }
        #expect(wait == .seconds(300))
        // Without the header, the backoff of the fourth retry.
        #expect(policy.next(after: Self.reply(408, "timeout")) == .retry(after: .seconds(4)))
    }

    @Test func otherClientErrorsFailAtOnceWithTheServersMessage() {
        var policy = Self.policy()
        #expect(policy.next(after: Self.error(400, "bad request")) == .fail(ModelFailure(.rejected,
            "the model server refused the request (HTTP 400): bad request")))
        #expect(policy.next(after: Self.reply(422, "")) == .fail(ModelFailure(.rejected,
            "the model server refused the request (HTTP 422): (empty reply)")))
        #expect(policy.retriesUsed == 0)
    }

    @Test func aContextOverflowFailsWithTheChunkSizeHint() {
        var policy = Self.policy()
        let action = policy.next(after: Self.error(400, "This model's maximum context length is 2048 tokens."))
        #expect(action == .fail(ModelFailure(.contextTooLong,
            "the prompt and chunk do not fit the model's context (HTTP 400: This model's maximum context length is 2048 tokens.); load the documents with smaller chunks (--chunk-size)")))
        // Even when the server says it with a 500.
        guard case .fail(let failure) = policy.next(after: Self.reply(500, "llama: n_ctx exceeded")) else {
            Issue.record("a 500 naming n_ctx is retried")
            return
        }
        #expect(failure.kind == .contextTooLong)
    }

    @Test(arguments: [
        (401, #"{"error":{"message":"bad key"}}"#, "refused the API key"),
        (403, #"{"error":{"message":"no"}}"#, "refused access"),
        (404, "not here", "has no chat-completions endpoint there"),
        (400, #"{"error":{"message":"invalid model ID","code":"model_not_found"}}"#, "does not know the model m"),
        (400, #"{"error":{"code":"model_not_found"}}"#, "does not know the model m"),
        (400, #"{"error":"model 'x' not found"}"#, "does not know the model m"),
    ])
    func refusalsEveryRequestWouldMeetEndTheRun(status: Int, body: String, what: String) {
        var policy = Self.policy()
        guard case .fail(let failure) = policy.next(after: Self.reply(status, body)) else {
            Issue.record("HTTP \(status) did not fail")
            return
        }
        #expect(failure.kind == .fatal)
        #expect(failure.message.hasPrefix("the model server at http://127.0.0.1:9/v1 \(what) (HTTP \(status): "), "\(failure.message)")
    }

    @Test func aRefusalByTheModelAndATooLargeReplyFailWithoutRetrying() {
        var policy = Self.policy()
        let refusal = Self.reply(200, #"{"choices":[{"message":{"content":null,"refusal":"I can't."}}]}"#)
        #expect(policy.next(after: refusal) == .fail(ModelFailure(.unusableReply, "the model refused: I can't.")))
        let tooLarge = Exchange(attempt: 1, status: 502, body: .tooLarge)
        #expect(policy.next(after: tooLarge) == .fail(ModelFailure(.unusableReply,
            "the model server's reply (HTTP 502) was larger than 16 MiB, the most iftdb reads; ask for a shorter reply (--max-tokens)")))
    }

    @Test func eachRefusalMovesOneRungDown() {
        var policy = Self.policy()
        var form = RequestForm()
        func refuse(_ status: Int, _ message: String) -> RequestForm? {
            guard case .degrade(let lower) = policy.next(after: Self.error(status, message, form: form)) else { return nil }
            form = lower
            return lower
        }
        #expect(refuse(400, "'maxLength' is not permitted")?.droppedSchemaKeywords == ["maxLength"])
        #expect(refuse(400, "minItems is not supported")?.droppedSchemaKeywords == ["maxLength", "minItems"])
        #expect(refuse(400, "maxItems: unsupported keyword")?.droppedSchemaKeywords == ["maxLength", "minItems", "maxItems"])
        #expect(refuse(400, "additionalProperties is not allowed")?.droppedSchemaKeywords.count == 4)
        #expect(refuse(400, "'strict' is not supported")?.droppedSchemaKeywords.contains("strict") == true)
        #expect(refuse(400, "Unsupported parameter: 'max_tokens'. Use 'max_completion_tokens'.")?.maxTokensField == "max_completion_tokens")
        #expect(form.responseFormat == .jsonSchema)
        #expect(refuse(500, "json_schema is not supported")?.responseFormat == .jsonObject)
        #expect(refuse(400, "response_format is not supported")?.responseFormat == RequestForm.ResponseFormat.none)
        #expect(policy.degradations == 8)
        // Nothing is left to drop: the same refusal is now an error like any other.
        #expect(policy.next(after: Self.error(400, "response_format is not supported", form: form)) == .fail(ModelFailure(.rejected,
            "the model server refused the request (HTTP 400): response_format is not supported")))
        #expect(policy.retriesUsed == 0)
    }

    @Test func aRequestWithoutStructuredOutputOrATokenLimitHasNothingToDegrade() {
        var policy = Self.policy(maxTokens: nil, usesResponseFormat: false)
        #expect(policy.next(after: Self.error(400, "json_schema is not supported")) == .fail(ModelFailure(.rejected,
            "the model server refused the request (HTTP 400): json_schema is not supported")))
        #expect(policy.next(after: Self.error(400, "Unsupported parameter: 'max_tokens'")) == .fail(ModelFailure(.rejected,
            "the model server refused the request (HTTP 400): Unsupported parameter: 'max_tokens'")))
    }

    @Test func degradingStopsAtTheCap() {
        var policy = Self.policy(retries: 0)
        let refusal = Self.error(400, "json_schema is not supported")
        for _ in 0..<AttemptPolicy.maxDegradations { #expect(policy.next(after: refusal) == .degrade(to: { var f = RequestForm(); f.responseFormat = .jsonObject; return f }())) }
        #expect(policy.next(after: refusal) == .fail(ModelFailure(.rejected, "the model server refused the request (HTTP 400): json_schema is not supported")))
    }

    @Test func aStrictRefusalOfAJSONObjectRequestIsNotAKeywordToDrop() {
        var form = RequestForm()
        form.responseFormat = .jsonObject
        let lower = form.degraded(refusedBy: "strict mode is not supported with response_format", usesResponseFormat: true, usesMaxTokens: false)
        #expect(lower?.responseFormat == RequestForm.ResponseFormat.none)
        #expect(lower?.droppedSchemaKeywords.isEmpty == true)
    }
}
