import Foundation

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
