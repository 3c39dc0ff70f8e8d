import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

/// Speaks the OpenAI-compatible chat-completions API (OpenAI, vLLM, llama.cpp's server,
/// Ollama …). Never writes to the store: each request returns every attempt and the
/// outcome, and the caller writes them in one short transaction.
///
/// One `HTTPClient` per process, created and shut down by the caller:
/// `HTTPClient.withHTTPClient(configuration: ModelClient.httpConfiguration(…)) { http in … }`.
public struct ModelClient: Sendable {
    public let http: HTTPClient
    public let settings: ModelSettings
    public let retryPolicy: RetryPolicy
    public let sleeper: any BackoffSleeper
    /// Refusals remembered for the rest of the run; share one client among concurrent tasks.
    public let quirks: ServerQuirks

    /// The largest reply body read.
    static let maxResponseBytes = 16 << 20

    public init(
        http: HTTPClient, settings: ModelSettings, retryPolicy: RetryPolicy = RetryPolicy(),
        sleeper: any BackoffSleeper = ClockSleeper(), quirks: ServerQuirks = ServerQuirks()
    ) {
        self.http = http
        self.settings = settings
        self.retryPolicy = retryPolicy
        self.sleeper = sleeper
        self.quirks = quirks
    }

    /// The `HTTPClient` configuration for `concurrency` requests at once: a pool that large
    /// (the default allows 8 per host), the connect timeout, and no silent retrying of a
    /// refused connection (so a missing server is reported at once and our retries count).
    public static func httpConfiguration(concurrency: Int, connectTimeout: Duration = .seconds(5)) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: TimeAmount(connectTimeout), read: nil)
        configuration.connectionPool = HTTPClient.Configuration.ConnectionPool(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(concurrency, 1))
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.decompression = .disabled
        configuration.redirectConfiguration = .disallow
        return configuration
    }

    /// Runs `body` with one `HTTPClient` sized for `concurrency` requests, and shuts the
    /// client down on every path (return, throw or cancellation).
    public static func withHTTPClient<Result>(
        concurrency: Int, connectTimeout: Duration = .seconds(5),
        isolation: isolated (any Actor)? = #isolation,
        _ body: (HTTPClient) async throws -> Result
    ) async throws -> Result {
        try await HTTPClient.withHTTPClient(
            configuration: httpConfiguration(concurrency: concurrency, connectTimeout: connectTimeout), body)
    }

    // MARK: - Requests

    /// Asks for `count` questions with structured output, degrading the request form when
    /// the server refuses part of it, and parses the reply leniently.
    public func askQuestions(messages: [ChatMessage], count: Int) async -> ModelResult<QuestionReply> {
        await perform(usesResponseFormat: true, body: { form in questionBody(messages: messages, count: count, form: form) }) { content, finishReason in
            let reply = QuestionParser.parse(content, finishReason: finishReason, expected: count)
            if reply.questions.isEmpty {
                let why = finishReason == "length" ? " (it was cut by the token limit; raise --max-tokens)" : ""
                return .failure(ModelFailure(.unusableReply, "the model's reply held no questions\(why)"))
            }
            return .success(reply)
        }
    }

    /// Asks for the answer to one question; the answer is the reply's text, trimmed.
    public func askAnswer(messages: [ChatMessage]) async -> ModelResult<String> {
        await perform(usesResponseFormat: false, body: { form in answerBody(messages: messages, form: form) }) { content, _ in
            let answer = QuestionParser.answer(content)
            if answer.isEmpty { return .failure(ModelFailure(.unusableReply, "the model's reply was empty")) }
            return .success(answer)
        }
    }

    /// The JSON schema of a question reply: a fixed number of strings of bounded length.
    public func questionSchema(count: Int, dropping dropped: Set<String> = []) -> JSONValue {
        let schema = JSONValue.object([
            ("type", .string("object")),
            ("properties", .object([
                ("questions", .object([
                    ("type", .string("array")),
                    ("items", .object([("type", .string("string")), ("maxLength", .int(settings.maxQuestionLength))]
                        + (settings.questionPattern.map { [("pattern", JSONValue.string($0))] } ?? []))),
                    ("minItems", .int(count)),
                    ("maxItems", .int(count)),
                ])),
            ])),
            ("required", .array([.string("questions")])),
            ("additionalProperties", .bool(false)),
        ])
        return schema.removingKeys(dropped.subtracting(["strict"]))
    }

    func questionBody(messages: [ChatMessage], count: Int, form: RequestForm) -> String {
        var fields = commonFields(messages: messages, form: form)
        let schema = questionSchema(count: count, dropping: form.droppedSchemaKeywords)
        switch form.responseFormat {
        case .jsonSchema:
            var envelope: [(String, JSONValue)] = [("name", .string("questions"))]
            if !form.droppedSchemaKeywords.contains("strict") { envelope.append(("strict", .bool(true))) }
            envelope.append(("schema", schema))
            fields.append(("response_format", .object([("type", .string("json_schema")), ("json_schema", .object(envelope))])))
        case .jsonObject:
            fields.append(("response_format", .object([("type", .string("json_object")), ("schema", schema)])))
        case .none:
            break
        }
        return JSONValue.object(fields).text
    }

    func answerBody(messages: [ChatMessage], form: RequestForm) -> String {
        JSONValue.object(commonFields(messages: messages, form: form)).text
    }

    private func commonFields(messages: [ChatMessage], form: RequestForm) -> [(String, JSONValue)] {
        var fields: [(String, JSONValue)] = [
            ("model", .string(settings.model)),
            ("messages", .array(messages.map { .object([("role", .string($0.role)), ("content", .string($0.content))]) })),
        ]
        if let temperature = settings.temperature { fields.append(("temperature", .number(temperature))) }
        if let maxTokens = settings.maxTokens { fields.append((form.maxTokensField, .int(maxTokens))) }
        if let seed = settings.seed { fields.append(("seed", .int(seed))) }
        fields.append(("stream", .bool(false)))
        return fields
    }

    // MARK: - The attempt loop

    private func perform<Value: Sendable>(
        usesResponseFormat: Bool,
        body makeBody: (RequestForm) -> String,
        interpret: (String, String?) -> Result<Value, ModelFailure>
    ) async -> ModelResult<Value> {
        var attempts: [CallAttempt] = []
        var retriesUsed = 0
        var refusals = 0
        let settings = self.settings
        func finish(_ outcome: Result<Value, ModelFailure>) -> ModelResult<Value> {
            // The key could only be here through a base URL that holds it; redact anyway.
            ModelResult(attempts: attempts, outcome: outcome.mapError { ModelFailure($0.kind, settings.redacting($0.message)) })
        }
        if let problem = settings.baseURLProblem {
            return finish(.failure(ModelFailure(.rejected, problem)))
        }
        while true {
            let form = await quirks.form
            let body = makeBody(form)
            var attempt = CallAttempt(attempt: attempts.count + 1, request: body, startedAt: Timestamp.now())
            let clockStart = ContinuousClock.now
            let exchange = await send(body)
            attempt.latencyMilliseconds = Self.milliseconds(ContinuousClock.now - clockStart)
            if Task.isCancelled {
                // Interrupted (Ctrl-C, a cancelled run): not the server's fault and not an item failure.
                attempt.error = "cancelled"
                attempts.append(attempt)
                return finish(.failure(ModelFailure(.cancelled, "cancelled before the model replied")))
            }

            // Decide what this attempt means: a usable reply, a failure to return, or a retry.
            var retryAfter: Duration?
            var retryable = false
            switch exchange {
            case .failed(let message):
                attempt.error = message
                retryable = true
            case .tooLarge(let status):
                // The server answered; asking again would bring the same flood, so the item fails.
                attempt.httpStatus = status
                let which = (200..<300).contains(status) ? "the model's reply" : "the model server's reply (HTTP \(status))"
                let message = "\(which) was larger than \(Self.maxResponseBytes >> 20) MiB, the most iftdb reads; ask for a shorter reply (--max-tokens)"
                attempt.error = message
                attempts.append(attempt)
                return finish(.failure(ModelFailure(.unusableReply, message)))
            case .replied(let status, let retryAfterHeader, let raw):
                let text = settings.redacting(raw)
                attempt.response = text
                attempt.httpStatus = status
                let completion = ChatCompletion(parsing: text)
                attempt.finishReason = completion?.finishReason
                attempt.promptTokens = completion?.promptTokens
                attempt.completionTokens = completion?.completionTokens
                if (200..<300).contains(status), let refusal = completion?.refusal {
                    attempt.error = "the model refused: \(Self.oneLine(refusal, limit: 200))"
                    attempts.append(attempt)
                    return finish(.failure(ModelFailure(.unusableReply, attempt.error ?? "the model refused")))
                }
                if (200..<300).contains(status), let completion, completion.errorMessage == nil, let content = completion.content {
                    let outcome = interpret(content, completion.finishReason)
                    if case .failure(let failure) = outcome { attempt.error = failure.message }
                    attempts.append(attempt)
                    return finish(outcome)
                }
                if (200..<300).contains(status) && completion?.errorMessage == nil {
                    attempt.error = "the reply is not a chat completion (HTTP \(status)): \(Self.oneLine(text, limit: 200))"
                    retryable = true
                } else {
                    let message = settings.redacting(completion?.errorMessage.map { Self.oneLine($0, limit: 400) } ?? Self.serverMessage(text))
                    attempt.error = "HTTP \(status): \(message)"
                    if Self.isContextTooLong(message) {
                        attempts.append(attempt)
                        return finish(.failure(ModelFailure(.contextTooLong,
                            "the prompt and chunk do not fit the model's context (HTTP \(status): \(message)); load the documents with smaller chunks (--chunk-size)")))
                    }
                    if let refusal = refusalForEveryRequest(status: status, message: message, body: text) {
                        attempts.append(attempt)
                        return finish(.failure(refusal))
                    }
                    let refused = await quirks.degrade(
                        after: form, message: message, usedResponseFormat: usesResponseFormat,
                        usedMaxTokens: settings.maxTokens != nil)
                    if refused && refusals < 8 {
                        // A refused parameter is not an error to retry: ask again at once, in the next form.
                        refusals += 1
                        attempt.error = "HTTP \(status): \(message) (refused a parameter; asking again without it)"
                        attempts.append(attempt)
                        continue
                    }
                    if status == 429 || status == 408 || status >= 500 {
                        retryable = true
                        retryAfter = RetryPolicy.parseRetryAfter(retryAfterHeader)
                    } else {
                        attempts.append(attempt)
                        return finish(.failure(ModelFailure(.rejected, "the model server refused the request (HTTP \(status)): \(message)")))
                    }
                }
            }
            attempts.append(attempt)
            guard retryable, retriesUsed < settings.retries else {
                let last = attempt.error ?? "unknown error"
                return finish(.failure(ModelFailure(.retriesExhausted,
                    "the model server failed \(attempts.count) time\(attempts.count == 1 ? "" : "s") at \(settings.displayBaseURL); last error: \(last)")))
            }
            retriesUsed += 1
            do {
                try await sleeper.sleep(for: retryPolicy.backoff(retry: retriesUsed, retryAfter: retryAfter))
            } catch {
                return finish(.failure(ModelFailure(.cancelled, "cancelled while waiting to retry; last error: \(attempt.error ?? "")")))
            }
        }
    }

    enum Exchange: Sendable {
        case replied(status: Int, retryAfter: String?, body: String)
        /// A reply whose body is over `maxResponseBytes`: not read, not retried.
        case tooLarge(status: Int)
        case failed(String)
    }

    private struct DeadlineExceeded: Error {}

    /// One POST, bounded by the request deadline from connecting to the last byte of the reply.
    private func send(_ body: String) async -> Exchange {
        var request = HTTPClientRequest(url: settings.chatCompletionsURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        if let apiKey = settings.apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        request.body = .bytes(ByteBuffer(string: body))
        let deadline = settings.requestDeadline
        let http = self.http
        let finalRequest = request
        do {
            return try await withThrowingTaskGroup(of: Exchange.self) { group in
                group.addTask {
                    let response = try await http.execute(finalRequest, timeout: TimeAmount(deadline))
                    let buffer: ByteBuffer
                    do {
                        buffer = try await response.body.collect(upTo: Self.maxResponseBytes)
                    } catch is NIOTooManyBytesError {
                        return .tooLarge(status: Int(response.status.code))
                    }
                    return .replied(status: Int(response.status.code), retryAfter: response.headers.first(name: "retry-after"), body: String(buffer: buffer))
                }
                group.addTask {
                    try await Task.sleep(for: deadline, clock: .continuous)
                    throw DeadlineExceeded()
                }
                defer { group.cancelAll() }
                guard let first = try await group.next() else { throw DeadlineExceeded() }
                return first
            }
        } catch {
            return .failed(settings.redacting(describe(error)))
        }
    }

    private func describe(_ error: any Error) -> String {
        let seconds = Self.milliseconds(settings.requestDeadline) / 1000
        if error is DeadlineExceeded { return "no complete reply within \(JSONText.number(seconds)) s (the request deadline)" }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout: return "no complete reply within \(JSONText.number(seconds)) s (the request deadline)"
            case .connectTimeout: return "could not connect to \(settings.displayBaseURL) within the connect timeout"
            case .remoteConnectionClosed: return "the server closed the connection before replying"
            default: return "HTTP client error: \(error.shortDescription)"
            }
        }
        return "cannot reach \(settings.displayBaseURL): \(Self.oneLine(String(describing: error), limit: 200))"
    }

    // MARK: - Reachability

    /// Fails fast, with one line, when nothing answers at the base URL: a `GET {base}/models`
    /// bounded by `timeout`. Any HTTP reply (even 401 or 404) means a server is there.
    public func checkReachable(timeout: Duration = .seconds(3)) async throws {
        if let problem = settings.baseURLProblem { throw ModelFailure(.unreachable, problem) }
        var request = HTTPClientRequest(url: settings.modelsURL)
        request.method = .GET
        if let apiKey = settings.apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        let http = self.http
        let finalRequest = request
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    let response = try await http.execute(finalRequest, timeout: TimeAmount(timeout))
                    // A body over the cap is still a reply: a server is there.
                    do {
                        _ = try await response.body.collect(upTo: Self.maxResponseBytes)
                    } catch is NIOTooManyBytesError {}
                }
                group.addTask {
                    try await Task.sleep(for: timeout, clock: .continuous)
                    throw DeadlineExceeded()
                }
                defer { group.cancelAll() }
                _ = try await group.next()
            }
        } catch {
            throw ModelFailure(.unreachable, settings.redacting(
                "no model server at \(settings.displayBaseURL) — start one with `scripts/local-model start` or set --base-url"))
        }
    }

    // MARK: - Reading replies

    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return (Double(seconds) * 1000 + Double(attoseconds) / 1e15).rounded()
    }

    static func oneLine(_ text: String, limit: Int) -> String {
        let flat = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        return flat.count > limit ? String(flat.prefix(limit)) + "…" : flat
    }

    /// The message of an error body: `{"error": {"message": …}}`, `{"error": "…"}`,
    /// `{"detail": …}`, `{"message": …}`, else the text itself.
    static func serverMessage(_ body: String) -> String {
        if let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] {
            if let message = ChatCompletion.errorMessage(in: object) { return oneLine(message, limit: 400) }
        }
        let text = oneLine(body, limit: 400)
        return text.isEmpty ? "(empty reply)" : text
    }

    /// The failure that ends the run when a reply refuses what every other request asks too:
    /// 401, 403 and 404, and a 400 whose `error.code` is `model_not_found` or whose message
    /// says the model does not exist or was not found. Nil for any other reply.
    func refusalForEveryRequest(status: Int, message: String, body: String) -> ModelFailure? {
        let lowered = message.lowercased()
        let unknownModel = Self.errorCode(body) == "model_not_found"
            || (lowered.contains("model") && (lowered.contains("does not exist") || lowered.contains("not found")))
        let what: String, hint: String
        if status == 401 {
            what = "refused the API key"
            hint = "set $IFTDB_API_KEY (or $OPENAI_API_KEY) to a key this server accepts"
        } else if status == 403 {
            what = "refused access"
            hint = "check that the API key may use the model \(settings.model) at this server"
        } else if status == 404 || (status == 400 && unknownModel) {
            what = unknownModel ? "does not know the model \(settings.model)" : "has no chat-completions endpoint there"
            hint = "check --model and --base-url (the server lists its models at \(settings.displayBaseURL)/models)"
        } else {
            return nil
        }
        return ModelFailure(.fatal, "the model server at \(settings.displayBaseURL) \(what) (HTTP \(status): \(message)); \(hint)")
    }

    /// `error.code` of an error body, when it is a string.
    static func errorCode(_ body: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              let error = object["error"] as? [String: Any] else { return nil }
        return error["code"] as? String
    }

    static func isContextTooLong(_ message: String) -> Bool {
        let lowered = message.lowercased()
        return ["context length", "context_length", "maximum context", "context window", "exceeds the context",
                "exceed_context", "too many tokens", "n_ctx", "prompt is too long", "input is too long",
                "exceeds the available context"].contains(where: lowered.contains)
    }
}

/// The fields of a chat-completion reply that iftdb keeps.
struct ChatCompletion {
    var content: String?
    var finishReason: String?
    var promptTokens: Int?
    var completionTokens: Int?
    var errorMessage: String?
    /// OpenAI's structured-output refusal, given instead of content.
    var refusal: String?

    init?(parsing text: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return nil }
        errorMessage = Self.errorMessage(in: object)
        if let choices = object["choices"] as? [[String: Any]], let first = choices.first {
            if let message = first["message"] as? [String: Any] {
                content = message["content"] as? String
                if let text = message["refusal"] as? String, !text.isEmpty { refusal = text }
            }
            if content == nil { content = first["text"] as? String }
            finishReason = first["finish_reason"] as? String
        }
        if let usage = object["usage"] as? [String: Any] {
            promptTokens = (usage["prompt_tokens"] as? NSNumber)?.intValue
            completionTokens = (usage["completion_tokens"] as? NSNumber)?.intValue
        }
        if content == nil && errorMessage == nil && object["choices"] == nil { return nil }
    }

    static func errorMessage(in object: [String: Any]) -> String? {
        if let error = object["error"] as? [String: Any], let message = error["message"] as? String { return message }
        if let error = object["error"] as? String { return error }
        if let detail = object["detail"] as? String { return detail }
        if let details = object["detail"] as? [[String: Any]] {
            // FastAPI validation errors: say where ("body.response_format.type") as well as what.
            let messages = details.compactMap { detail -> String? in
                guard let message = detail["msg"] as? String else { return nil }
                let location = (detail["loc"] as? [Any])?.map { "\($0)" }.joined(separator: ".") ?? ""
                return location.isEmpty ? message : "\(location): \(message)"
            }
            if !messages.isEmpty { return messages.joined(separator: "; ") }
        }
        if object["choices"] == nil, let message = object["message"] as? String { return message }
        return nil
    }
}
