import Foundation

/// How requests are shaped after the refusals seen so far. Each refusal moves one rung down
/// one ladder: `json_schema` → `json_object` → no `response_format`; `max_tokens` →
/// `max_completion_tokens`; one schema keyword fewer.
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

    /// Schema keywords a server may refuse one by one, in the order they are dropped.
    static let schemaKeywords = ["maxLength", "minItems", "maxItems", "additionalProperties", "strict"]

    /// This form one rung down, when `message` (a server's error text) refuses a parameter a
    /// request in this form carried; nil when it refuses nothing recognised or nothing is left
    /// to drop. `usesResponseFormat` and `usesMaxTokens` say whether the request had them.
    public func degraded(refusedBy message: String, usesResponseFormat: Bool, usesMaxTokens: Bool) -> RequestForm? {
        let lowered = message.lowercased()
        var next = self
        if usesResponseFormat && responseFormat != .none {
            for keyword in Self.schemaKeywords where lowered.contains(keyword.lowercased()) && !droppedSchemaKeywords.contains(keyword) {
                if keyword == "strict" && responseFormat != .jsonSchema { continue }
                next.droppedSchemaKeywords.insert(keyword)
                return next
            }
        }
        // "max_tokens is too large" is a limit, not a refusal of the parameter: switch only when told to.
        let refusesMaxTokens = lowered.contains("max_completion_tokens")
            || (lowered.contains("max_tokens") && ["unsupported", "not supported", "unrecognized", "unknown", "not allowed", "extra inputs"].contains(where: lowered.contains))
        if usesMaxTokens && maxTokensField == "max_tokens" && refusesMaxTokens {
            next.maxTokensField = "max_completion_tokens"
            return next
        }
        if usesResponseFormat && responseFormat != .none
            && ["response_format", "json_schema", "json_object", "structured output"].contains(where: lowered.contains) {
            next.responseFormat = responseFormat == .jsonSchema ? .jsonObject : .none
            return next
        }
        return nil
    }

    /// The lower of two forms on every ladder: what both refusals together leave.
    func lowest(with other: RequestForm) -> RequestForm {
        var form = self
        form.responseFormat = max(responseFormat, other.responseFormat)
        form.droppedSchemaKeywords.formUnion(other.droppedSchemaKeywords)
        if other.maxTokensField != "max_tokens" { form.maxTokensField = other.maxTokensField }
        return form
    }
}

/// The form requests take, remembered for the rest of the run so later requests go straight
/// to a form the server accepts. An actor: concurrent requests share it.
public actor ServerQuirks {
    public private(set) var form = RequestForm()

    public init() {}

    /// Moves down to `lower` (a form one rung below one that was sent), never back up: a
    /// refusal that arrives late from a request sent in an older form loses nothing learnt since.
    public func adopt(_ lower: RequestForm) {
        form = form.lowest(with: lower)
    }
}
