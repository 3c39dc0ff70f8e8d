import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

/// Speaks the OpenAI-compatible chat-completions API (OpenAI, vLLM, llama.cpp's server,
/// Ollama …). Never writes to the store: each request returns every attempt and the
/// outcome, and the caller writes them in one short transaction.
///
/// The client only sends and reads: `ChatRequest` is the body on the wire, `ChatCompletion`
/// reads the reply, and `AttemptPolicy` decides after each attempt what comes next.
///
/// One `HTTPClient` per process, created and shut down by the caller:
/// `ModelClient.withHTTPClient(concurrency:) { http in … }`.
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
        await ask(.questions(messages: messages, count: count, settings: settings))
    }

    /// Asks for the answer to one question; the answer is the reply's text, trimmed.
    public func askAnswer(messages: [ChatMessage]) async -> ModelResult<String> {
        await ask(.answer(messages: messages, settings: settings))
    }

    /// Asks a judge for a grade of one answer with structured output; a reply without a
    /// score from 1 to 5 is asked again while retries last.
    public func askJudgment(messages: [ChatMessage]) async -> ModelResult<JudgmentReply> {
        await ask(.judgment(messages: messages, settings: settings))
    }

    // MARK: - The attempt loop

    /// Sends `request` until its policy accepts a reply or gives up: every attempt is kept.
    func ask<Value: Sendable>(_ request: ModelAsk<Value>) async -> ModelResult<Value> {
        var attempts: [CallAttempt] = []
        let settings = self.settings
        func finish(_ outcome: Result<Value, ModelFailure>) -> ModelResult<Value> {
            // The key could only be here through a base URL that holds it; redact anyway.
            ModelResult(attempts: attempts, outcome: outcome.mapError { ModelFailure($0.kind, settings.redacting($0.message)) })
        }
        if let problem = settings.baseURLProblem {
            return finish(.failure(ModelFailure(.rejected, problem)))
        }
        var policy = AttemptPolicy(settings: settings, usesResponseFormat: request.usesResponseFormat, backoff: retryPolicy)
        while true {
            let form = await quirks.form
            let body = request.request(form).encoded()
            var attempt = CallAttempt(attempt: attempts.count + 1, request: body, startedAt: Timestamp.now())
            let exchange = await send(body, attempt: &attempt, form: form)
            if Task.isCancelled {
                // Interrupted (Ctrl-C, a cancelled run): not the server's fault and not an item failure.
                attempt.error = "cancelled"
                attempts.append(attempt)
                return finish(.failure(ModelFailure(.cancelled, "cancelled before the model replied")))
            }
            switch policy.next(after: exchange) {
            case .accept:
                let outcome = request.read(exchange.body)
                if case .failure(let failure) = outcome { attempt.error = failure.message }
                attempts.append(attempt)
                guard case .failure(let failure) = outcome, request.retriesUnusableReplies else { return finish(outcome) }
                // A reply without a usable value is asked again, at once, while retries last.
                guard policy.retryUnusableReply() else {
                    let tries = attempts.count > 1 ? " (\(attempts.count) attempts)" : ""
                    return finish(.failure(ModelFailure(failure.kind, failure.message + tries)))
                }
            case .fail(let failure):
                attempts.append(attempt)
                return finish(.failure(failure))
            case .degrade(let lower):
                // A refused parameter is not an error to retry: ask again at once, in the next form.
                attempt.error = (attempt.error ?? "") + " (refused a parameter; asking again without it)"
                attempts.append(attempt)
                await quirks.adopt(lower)
            case .retry(let wait):
                attempts.append(attempt)
                do {
                    try await sleeper.sleep(for: wait)
                } catch {
                    return finish(.failure(ModelFailure(.cancelled, "cancelled while waiting to retry; last error: \(attempt.error ?? "")")))
                }
            }
        }
    }

    /// One POST, bounded by the request deadline from connecting to the last byte of the
    /// reply; what came back goes into `attempt` (redacted) and comes back classified.
    private func send(_ body: String, attempt: inout CallAttempt, form: RequestForm) async -> Exchange {
        var request = HTTPClientRequest(url: settings.chatCompletionsURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        if let apiKey = settings.apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        request.body = .bytes(ByteBuffer(string: body))
        let started = ContinuousClock.now
        var exchange = Exchange(attempt: attempt.attempt, status: nil, body: .none(""), form: form)
        do {
            let (status, headers, text) = try await fetch(request, within: settings.requestDeadline)
            exchange.status = status
            exchange.headers = headers
            attempt.httpStatus = status
            if let text {
                let redacted = settings.redacting(text)
                let reply = ChatCompletion(parsing: redacted)
                exchange.body = Exchange.Body(status: status, text: redacted, reply: reply)
                attempt.response = redacted
                if let reply, reply.isChatReply {
                    attempt.finishReason = reply.finishReason
                    attempt.promptTokens = reply.promptTokens
                    attempt.completionTokens = reply.completionTokens
                }
            } else {
                exchange.body = .tooLarge
            }
        } catch {
            exchange.body = .none(settings.redacting(describe(error)))
        }
        exchange.elapsed = ContinuousClock.now - started
        attempt.latencyMilliseconds = Self.milliseconds(exchange.elapsed)
        attempt.error = exchange.problem
        return exchange
    }

    /// The status, headers and body of one request; a nil body was over `maxResponseBytes`.
    private func fetch(_ request: HTTPClientRequest, within limit: Duration) async throws -> (Int, [(name: String, value: String)], String?) {
        let http = self.http
        return try await Self.withDeadline(limit) {
            let response = try await http.execute(request, timeout: TimeAmount(limit))
            let status = Int(response.status.code)
            let headers = response.headers.map { (name: $0.name, value: $0.value) }
            do {
                return (status, headers, String(buffer: try await response.body.collect(upTo: Self.maxResponseBytes)))
            } catch is NIOTooManyBytesError {
                return (status, headers, nil)
            }
        }
    }

    struct DeadlineExceeded: Error {}

    /// `body`'s result, or `DeadlineExceeded` once `limit` has passed; whichever comes first
    /// cancels the other.
    static func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask(operation: body)
            group.addTask {
                try await Task.sleep(for: limit, clock: .continuous)
                throw DeadlineExceeded()
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw DeadlineExceeded() }
            return first
        }
    }

    private func describe(_ error: any Error) -> String {
        let deadline = "no complete reply within \(JSONText.number(Self.milliseconds(settings.requestDeadline) / 1000)) s (the request deadline)"
        if error is DeadlineExceeded { return deadline }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout: return deadline
            case .connectTimeout: return "could not connect to \(settings.displayBaseURL) within the connect timeout"
            case .remoteConnectionClosed: return "the server closed the connection before replying"
            default: return "HTTP client error: \(error.shortDescription)"
            }
        }
        return "cannot reach \(settings.displayBaseURL): \(ServerText.oneLine(String(describing: error), limit: 200))"
    }

    // MARK: - Reachability

    /// Fails fast, with one line, when nothing answers at the base URL: a `GET {base}/models`
    /// bounded by `timeout`. Any HTTP reply (even 401 or 404) means a server is there.
    public func checkReachable(timeout: Duration = .seconds(3)) async throws {
        if let problem = settings.baseURLProblem { throw ModelFailure(.unreachable, problem) }
        var request = HTTPClientRequest(url: settings.modelsURL)
        request.method = .GET
        if let apiKey = settings.apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        do {
            // A body over the cap is still a reply: a server is there.
            _ = try await fetch(request, within: timeout)
        } catch {
            throw ModelFailure(.unreachable, settings.redacting(
                "no model server at \(settings.displayBaseURL) — start one with `scripts/local-model start` or set --base-url"))
        }
    }

    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return (Double(seconds) * 1000 + Double(attoseconds) / 1e15).rounded()
    }
}
