import Foundation

/// Waits between attempts. Tests pass one that records the waits and returns at once.
public protocol BackoffSleeper: Sendable {
    func sleep(for duration: Duration) async throws
}

/// Really waits, on the continuous clock.
public struct ClockSleeper: BackoffSleeper {
    public init() {}
    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration, clock: .continuous)
    }
}

/// Exponential backoff with jitter; a server's `Retry-After` wins when it gives one.
public struct RetryPolicy: Sendable {
    public var initialDelay: Duration
    public var maxDelay: Duration
    /// The longest `Retry-After` honoured; a longer one is cut to this.
    public var maxRetryAfter: Duration
    /// A factor in 0.5…1 applied to each backoff, so many clients do not retry in step.
    public var jitter: @Sendable () -> Double

    public init(
        initialDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(30),
        maxRetryAfter: Duration = .seconds(300), jitter: @escaping @Sendable () -> Double = { Double.random(in: 0.5...1.0) }
    ) {
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
        self.jitter = jitter
    }

    /// The wait before retry number `retry` (1 for the first retry).
    public func backoff(retry: Int, retryAfter: Duration?) -> Duration {
        if let retryAfter { return min(max(retryAfter, .zero), maxRetryAfter) }
        let exponent = min(max(retry - 1, 0), 30)
        let grown = initialDelay * Double(1 << exponent)
        let factor = min(max(jitter(), 0), 1)
        return min(grown, maxDelay) * factor
    }

    /// `Retry-After` as seconds or as an HTTP date.
    public static func parseRetryAfter(_ value: String?, now: Date = Date()) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds.isFinite, seconds >= 0 { return .milliseconds(Int64(seconds * 1000)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return .milliseconds(Int64(max(date.timeIntervalSince(now), 0) * 1000))
    }
}

/// The request parameters a server refused, remembered for the rest of the run so later
/// requests go straight to a form it accepts. An actor: concurrent requests share it.
public actor ServerQuirks {
    public private(set) var form = RequestForm()

    public init() {}

    /// Schema keywords a server may reject one by one.
    static let schemaKeywords = ["maxLength", "minItems", "maxItems", "additionalProperties", "strict"]

    /// When `message` (a server's error text) refuses a parameter of a request built with
    /// `sent`, moves the remembered form one step down from `sent` and returns true; false when
    /// the message is not a refusal it recognises or nothing is left to degrade.
    public func degrade(after sent: RequestForm, message: String, usedResponseFormat: Bool, usedMaxTokens: Bool) -> Bool {
        let lowered = message.lowercased()
        if usedResponseFormat && sent.responseFormat != .none {
            for keyword in Self.schemaKeywords where lowered.contains(keyword.lowercased()) && !sent.droppedSchemaKeywords.contains(keyword) {
                if keyword == "strict" && sent.responseFormat != .jsonSchema { continue }
                form.droppedSchemaKeywords.insert(keyword)
                form.responseFormat = max(form.responseFormat, sent.responseFormat)
                return true
            }
        }
        // "max_tokens is too large" is a limit, not a refusal of the parameter: switch only when told to.
        let refusesMaxTokens = lowered.contains("max_completion_tokens")
            || (lowered.contains("max_tokens") && ["unsupported", "not supported", "unrecognized", "unknown", "not allowed", "extra inputs"].contains(where: lowered.contains))
        if usedMaxTokens && sent.maxTokensField == "max_tokens" && refusesMaxTokens {
            form.maxTokensField = "max_completion_tokens"
            return true
        }
        if usedResponseFormat && sent.responseFormat != .none
            && ["response_format", "json_schema", "json_object", "structured output"].contains(where: lowered.contains) {
            let next: RequestForm.ResponseFormat = sent.responseFormat == .jsonSchema ? .jsonObject : .none
            form.responseFormat = max(form.responseFormat, next)
            return true
        }
        return false
    }
}

/// How requests are shaped after the refusals seen so far.
public struct RequestForm: Sendable, Equatable {
    public enum ResponseFormat: Int, Sendable, Comparable {
        /// `{"type": "json_schema", "json_schema": {…}}`: OpenAI, vLLM, llama.cpp's server.
        case jsonSchema
        /// `{"type": "json_object", "schema": …}`: older llama.cpp and llama-cpp-python.
        case jsonObject
        /// No `response_format`: the prompt's JSON example and the lenient parser do the work.
        case none

        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public var responseFormat: ResponseFormat = .jsonSchema
    public var maxTokensField = "max_tokens"
    public var droppedSchemaKeywords: Set<String> = []

    public init() {}
}
