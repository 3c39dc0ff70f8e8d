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
