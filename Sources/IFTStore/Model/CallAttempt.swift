import Foundation
internal import IFTSQLite

/// One request to the model server and what came back, as a `calls` row will hold it.
/// Built by the client (which never writes to the store); the API key is already redacted.
public struct CallAttempt: Sendable, Equatable {
    /// 1 for the first attempt of an item, then 2, 3 …
    public var attempt: Int
    /// The JSON body sent (the rendered messages and every parameter).
    public var request: String
    /// The raw body received, when any arrived.
    public var response: String?
    public var httpStatus: Int?
    public var finishReason: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var latencyMilliseconds: Double
    /// Why this attempt did not give a usable reply; nil when it did.
    public var error: String?
    /// ISO 8601, UTC.
    public var startedAt: String

    public init(
        attempt: Int, request: String, response: String? = nil, httpStatus: Int? = nil, finishReason: String? = nil,
        promptTokens: Int? = nil, completionTokens: Int? = nil, latencyMilliseconds: Double = 0, error: String? = nil,
        startedAt: String = Timestamp.now()
    ) {
        self.attempt = attempt
        self.request = request
        self.response = response
        self.httpStatus = httpStatus
        self.finishReason = finishReason
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.latencyMilliseconds = latencyMilliseconds
        self.error = error
        self.startedAt = startedAt
    }
}

/// Why an item failed, or why no model answers at all: one line a user can act on.
public struct ModelFailure: UserFacingError, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The server answered with an error that retrying will not fix (a 4xx).
        case rejected
        /// The server refused in a way every other request of the run would meet too: a bad
        /// key (401), no access (403), no such endpoint or model (404, or a 400 naming an
        /// unknown model). The run ends.
        case fatal
        /// The prompt and chunk do not fit the model's context.
        case contextTooLong
        /// Every attempt failed with an error worth retrying; the message is the last one.
        case retriesExhausted
        /// The reply arrived but held nothing usable (no questions, an empty answer).
        case unusableReply
        /// Nothing answers at the base URL.
        case unreachable
        /// The task was cancelled (an interrupted run): the item is neither done nor failed.
        case cancelled
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}

/// What one model request gave: every attempt, and the outcome.
public struct ModelResult<Value: Sendable>: Sendable {
    public var attempts: [CallAttempt]
    public var outcome: Result<Value, ModelFailure>

    public init(attempts: [CallAttempt], outcome: Result<Value, ModelFailure>) {
        self.attempts = attempts
        self.outcome = outcome
    }

    public var value: Value? {
        if case .success(let value) = outcome { return value }
        return nil
    }

    public var failure: ModelFailure? {
        if case .failure(let failure) = outcome { return failure }
        return nil
    }

    public var promptTokens: Int { attempts.reduce(0) { $0 + ($1.promptTokens ?? 0) } }
    public var completionTokens: Int { attempts.reduce(0) { $0 + ($1.completionTokens ?? 0) } }
}

extension StoreWriter {
    /// Writes `attempts` as `calls` rows of run `runID` for `item` (e.g. `chunk:12/1`) and
    /// returns their ids in order. Synchronous and transaction-free on purpose: the caller
    /// writes the result and its calls in one short transaction of its own.
    @discardableResult
    func insertCalls(runID: Int64, item: String, attempts: [CallAttempt]) throws -> [Int64] {
        let statement = try db.cached("""
            INSERT INTO calls (run_id, item, attempt, request, response, http_status, finish_reason,
                               prompt_tokens, completion_tokens, latency_ms, error, started_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        var ids: [Int64] = []
        for attempt in attempts {
            try statement.bind([
                runID, item, attempt.attempt, attempt.request, attempt.response, attempt.httpStatus,
                attempt.finishReason, attempt.promptTokens, attempt.completionTokens,
                attempt.latencyMilliseconds, attempt.error, attempt.startedAt,
            ] as [any SQLiteBindable])
            try statement.runToCompletion()
            ids.append(db.lastInsertRowID)
        }
        return ids
    }
}
