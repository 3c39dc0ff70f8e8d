import Foundation

/// The fields of a chat-completions reply that iftdb reads, decoded leniently: a field of
/// the wrong type counts as missing, never as a broken reply.
struct ChatCompletion: Decodable, Equatable {
    var content: String?
    var finishReason: String?
    var promptTokens: Int?
    var completionTokens: Int?
    /// OpenAI's structured-output refusal, given instead of content.
    var refusal: String?
    /// The error the body reports, when it is an error body.
    var error: ErrorBody
    /// Whether the body has `choices` at all.
    var hasChoices: Bool

    private static let decoder = JSONDecoder()

    /// The reply in `text`; nil when it is not a JSON object.
    init?(parsing text: String) {
        guard let decoded = try? Self.decoder.decode(ChatCompletion.self, from: Data(text.utf8)) else { return nil }
        self = decoded
    }

    /// Whether the object is a completion or an error at all (its finish reason and token
    /// counts are kept only then).
    var isChatReply: Bool { content != nil || error.message != nil || hasChoices }

    private enum Keys: String, CodingKey { case choices, usage, error, detail, message }
    private enum UsageKeys: String, CodingKey { case promptTokens = "prompt_tokens", completionTokens = "completion_tokens" }

    private struct Choice: Decodable {
        var content: String?
        var refusal: String?
        var text: String?
        var finishReason: String?

        private enum Keys: String, CodingKey { case message, text, finishReason = "finish_reason" }
        private enum MessageKeys: String, CodingKey { case content, refusal }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            if let message = try? c.nestedContainer(keyedBy: MessageKeys.self, forKey: .message) {
                content = message.lenient(String.self, .content)
                refusal = message.lenient(String.self, .refusal)
            }
            text = c.lenient(String.self, .text)
            finishReason = c.lenient(String.self, .finishReason)
        }
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        // Most replies are completions: read the error only from a body that has one of its keys.
        error = c.contains(.error) || c.contains(.detail) || c.contains(.message) ? try ErrorBody(from: decoder) : ErrorBody()
        hasChoices = c.contains(.choices)
        if let first = c.lenient([Choice].self, .choices)?.first {
            content = first.content ?? first.text
            if let refusal = first.refusal, !refusal.isEmpty { self.refusal = refusal }
            finishReason = first.finishReason
        }
        if let usage = try? c.nestedContainer(keyedBy: UsageKeys.self, forKey: .usage) {
            promptTokens = usage.lenient(Double.self, .promptTokens).flatMap(Self.count)
            completionTokens = usage.lenient(Double.self, .completionTokens).flatMap(Self.count)
        }
    }

    /// A token count given as any JSON number, whole part.
    private static func count(_ value: Double) -> Int? {
        value.isFinite && abs(value) < 1e15 ? Int(value) : nil
    }
}

/// What an error reply says: `{"error": {"message", "code"}}`, `{"error": "…"}`,
/// `{"detail": "…"}`, FastAPI's `{"detail": [{"loc", "msg"}]}`, or `{"message": "…"}`.
struct ErrorBody: Decodable, Equatable {
    /// The message, when the body has one.
    var message: String?
    /// `error.code`, when it is a string (`model_not_found`).
    var code: String?

    init() {}

    private enum Keys: String, CodingKey { case error, detail, message, choices }
    private enum ErrorKeys: String, CodingKey { case message, code }

    private struct Detail: Decodable {
        var msg: String?
        var loc: [LocationPart]?

        private enum Keys: String, CodingKey { case msg, loc }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            msg = c.lenient(String.self, .msg)
            loc = c.lenient([LocationPart].self, .loc)
        }
    }

    /// One step of a FastAPI error location: a name or an index.
    private struct LocationPart: Decodable, CustomStringConvertible {
        var description: String

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let text = try? c.decode(String.self) {
                description = text
            } else if let number = try? c.decode(Int.self) {
                description = String(number)
            } else {
                description = String(describing: try c.decode(Double.self))
            }
        }
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let error = try? c.nestedContainer(keyedBy: ErrorKeys.self, forKey: .error)
        code = error?.lenient(String.self, .code)
        var found = error?.lenient(String.self, .message) ?? c.lenient(String.self, .error) ?? c.lenient(String.self, .detail)
        if found == nil, let details = c.lenient([Detail].self, .detail) {
            // FastAPI validation errors: say where ("body.response_format.type") as well as what.
            let messages = details.compactMap { detail -> String? in
                guard let message = detail.msg else { return nil }
                let location = detail.loc?.map(\.description).joined(separator: ".") ?? ""
                return location.isEmpty ? message : "\(location): \(message)"
            }
            if !messages.isEmpty { found = messages.joined(separator: "; ") }
        }
        // A bare `message` beside `choices` is part of a completion, not an error.
        if found == nil, !c.contains(.choices) { found = c.lenient(String.self, .message) }
        message = found
    }
}

extension KeyedDecodingContainer {
    /// The value at `key`, or nil when it is missing, null or of another type.
    func lenient<T: Decodable>(_ type: T.Type, _ key: Key) -> T? {
        (try? decodeIfPresent(type, forKey: key)) ?? nil
    }
}
