import Foundation

/// What to do after an attempt.
public enum AttemptAction: Sendable, Equatable {
    /// The reply's content is the answer to read.
    case accept
    /// Ask again after waiting this long.
    case retry(after: Duration)
    /// Ask again at once, in this form: one rung below the form the server refused.
    case degrade(to: RequestForm)
    /// Give up on the request.
    case fail(ModelFailure)
}

/// Decides, attempt by attempt, what a request does next: accept the reply, retry after a
/// backoff, move its form one rung down, or fail. Pure: no I/O and no clock, so every rule is
/// tested without a server.
public struct AttemptPolicy: Sendable {
    public let settings: ModelSettings
    /// Whether the request asks for structured output (questions do, answers do not).
    public let usesResponseFormat: Bool
    public let backoff: RetryPolicy
    /// Retries taken so far (a degraded form is not a retry).
    public private(set) var retriesUsed = 0
    /// Forms moved down so far.
    public private(set) var degradations = 0

    /// The most times one request moves its form down (every ladder has fewer rungs).
    public static let maxDegradations = 8

    public init(settings: ModelSettings, usesResponseFormat: Bool, backoff: RetryPolicy = RetryPolicy()) {
        self.settings = settings
        self.usesResponseFormat = usesResponseFormat
        self.backoff = backoff
    }

    public mutating func next(after exchange: Exchange) -> AttemptAction {
        switch exchange.body {
        case .completion:
            return .accept
        case .tooLarge, .refusal:
            // The server answered; asking again would bring the same flood or refusal.
            return .fail(ModelFailure(.unusableReply, exchange.problem ?? "the model refused"))
        case .none:
            return retry(after: exchange, waiting: nil)
        case .unreadable, .empty:
            // In a 2xx reply, a body that is no completion is worth asking again for.
            return exchange.isSuccess ? retry(after: exchange, waiting: nil) : afterError(exchange)
        case .error:
            return afterError(exchange)
        }
    }

    /// Takes a retry for a completion whose content held nothing usable (for a judgment: no
    /// score from 1 to 5), to ask again at once; false when no retry is left.
    public mutating func retryUnusableReply() -> Bool {
        guard retriesUsed < settings.retries else { return false }
        retriesUsed += 1
        return true
    }

    /// A reply that is an error: the context is too small, the run cannot go on, a parameter
    /// was refused, the server is busy, or the request itself is wrong.
    private mutating func afterError(_ exchange: Exchange) -> AttemptAction {
        let status = exchange.status ?? 0
        let message = exchange.serverMessage
        if let tooLong = Self.contextTooLong(status: status, message: message) { return .fail(tooLong) }
        let code: String? = if case .error(_, let code) = exchange.body { code } else { nil }
        if let refusal = refusalForEveryRequest(status: status, message: message, code: code) {
            return .fail(refusal)
        }
        if degradations < Self.maxDegradations,
           let lower = exchange.form.degraded(refusedBy: message, usesResponseFormat: usesResponseFormat, usesMaxTokens: settings.maxTokens != nil) {
            degradations += 1
            return .degrade(to: lower)
        }
        if status == 429 || status == 408 || status >= 500 {
            return retry(after: exchange, waiting: RetryPolicy.parseRetryAfter(exchange.header("retry-after")))
        }
        return .fail(ModelFailure(.rejected, "the model server refused the request (HTTP \(status)): \(message)"))
    }

    /// The failure of a request whose prompt does not fit the model's context, when `message`
    /// (an error reply's, one line) says so; nil otherwise.
    static func contextTooLong(status: Int, message: String) -> ModelFailure? {
        guard ServerText.isContextTooLong(message) else { return nil }
        return ModelFailure(.contextTooLong,
            "the prompt and chunk do not fit the model's context (HTTP \(status): \(message)); load the documents with smaller chunks (--chunk-size)")
    }

    private mutating func retry(after exchange: Exchange, waiting retryAfter: Duration?) -> AttemptAction {
        guard retriesUsed < settings.retries else {
            let attempts = exchange.attempt
            return .fail(ModelFailure(.retriesExhausted,
                "the model server failed \(attempts) time\(attempts == 1 ? "" : "s") at \(settings.displayBaseURL); last error: \(exchange.problem ?? "unknown error")"))
        }
        retriesUsed += 1
        return .retry(after: backoff.backoff(retry: retriesUsed, retryAfter: retryAfter))
    }

    /// The failure that ends the run when a reply refuses what every other request asks too:
    /// 401, 403 and 404, and a 400 whose `error.code` is `model_not_found` or whose message
    /// says the model does not exist or was not found. Nil for any other reply.
    func refusalForEveryRequest(status: Int, message: String, code: String?) -> ModelFailure? {
        let lowered = message.lowercased()
        let unknownModel = code == "model_not_found"
            || (lowered.contains("model") && (lowered.contains("does not exist") || lowered.contains("not found")))
        let what: String, hint: String
        if status == 401 {
            what = "refused the API key"
            hint = "set $IFTDB_API_KEY (or $\(settings.keyVariable)) to a key this server accepts"
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
}
