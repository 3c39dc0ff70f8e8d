import Foundation

/// The body of one chat-completions request, as it goes on the wire: compact JSON with its
/// keys always in this order (model, messages, temperature, the token limit, seed, stream,
/// response_format), so the same request reads the same in every `calls` row.
struct ChatRequest: Encodable {
    var model: String
    var messages: [ChatMessage]
    var temperature: Double?
    var maxTokens: Int?
    /// `max_tokens`, or `max_completion_tokens` for servers that refuse the first.
    var maxTokensField: String
    var seed: Int?
    var responseFormat: ResponseFormat?

    /// A request in `form` with the settings' model and sampling parameters.
    init(messages: [ChatMessage], settings: ModelSettings, form: RequestForm, responseFormat: ResponseFormat? = nil) {
        model = settings.model
        self.messages = messages
        temperature = settings.temperature
        maxTokens = settings.maxTokens
        maxTokensField = form.maxTokensField
        seed = settings.seed
        self.responseFormat = responseFormat
    }

    /// The bytes to send, as text.
    func encoded() throws -> String { try OrderedJSONEncoder(keys: .asEncoded).encode(self) }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: NamedKey.self)
        try c.encode(model, forKey: NamedKey("model"))
        try c.encode(messages, forKey: NamedKey("messages"))
        try c.encodeIfPresent(temperature, forKey: NamedKey("temperature"))
        try c.encodeIfPresent(maxTokens, forKey: NamedKey(maxTokensField))
        try c.encodeIfPresent(seed, forKey: NamedKey("seed"))
        try c.encode(false, forKey: NamedKey("stream"))
        try c.encodeIfPresent(responseFormat, forKey: NamedKey("response_format"))
    }
}

/// `response_format`: a JSON schema the reply must follow, in the shape the server takes.
enum ResponseFormat: Encodable {
    /// `{"type": "json_schema", "json_schema": {"name", "strict", "schema"}}`: OpenAI, vLLM,
    /// llama.cpp's server. `strict` is left out once a server refused it.
    case jsonSchema(name: String, strict: Bool, schema: any ReplySchema)
    /// `{"type": "json_object", "schema": …}`: older llama.cpp and llama-cpp-python.
    case jsonObject(schema: any ReplySchema)

    /// The format `form` asks for, with `schema` less the keywords `form` dropped; nil for none.
    init?(_ form: RequestForm, name: String, schema: some ReplySchema) {
        var schema = schema
        schema.dropped = form.droppedSchemaKeywords
        switch form.responseFormat {
        case .jsonSchema: self = .jsonSchema(name: name, strict: !form.droppedSchemaKeywords.contains("strict"), schema: schema)
        case .jsonObject: self = .jsonObject(schema: schema)
        case .none: return nil
        }
    }

    private enum Keys: String, CodingKey { case type, jsonSchema = "json_schema", name, strict, schema }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case .jsonSchema(let name, let strict, let schema):
            try c.encode("json_schema", forKey: .type)
            var envelope = c.nestedContainer(keyedBy: Keys.self, forKey: .jsonSchema)
            try envelope.encode(name, forKey: .name)
            if strict { try envelope.encode(true, forKey: .strict) }
            try envelope.encode(schema, forKey: .schema)
        case .jsonObject(let schema):
            try c.encode("json_object", forKey: .type)
            try c.encode(schema, forKey: .schema)
        }
    }
}

/// The JSON schema of a reply, without the keywords a server refused.
protocol ReplySchema: Encodable {
    /// Keywords left out (`maxLength`, `minItems`, `maxItems`, `additionalProperties`).
    var dropped: Set<String> { get set }
}

extension ReplySchema {
    /// `{"type": "object", "properties": {…}, "required": […], "additionalProperties": false}`,
    /// its properties written by `body`.
    func encodeObject(
        to encoder: any Encoder, required: [String], properties body: (inout KeyedEncodingContainer<NamedKey>) throws -> Void
    ) throws {
        var c = encoder.container(keyedBy: NamedKey.self)
        try c.encode("object", forKey: NamedKey("type"))
        var properties = c.nestedContainer(keyedBy: NamedKey.self, forKey: NamedKey("properties"))
        try body(&properties)
        try c.encode(required, forKey: NamedKey("required"))
        try encode(false, "additionalProperties", in: &c)
    }

    /// Writes `keyword` unless it was dropped.
    func encode(_ value: some Encodable, _ keyword: String, in container: inout KeyedEncodingContainer<NamedKey>) throws {
        if !dropped.contains(keyword) { try container.encode(value, forKey: NamedKey(keyword)) }
    }
}

/// The JSON schema of a question reply: `{"questions": [count strings of bounded length]}`.
struct QuestionSchema: ReplySchema {
    var count: Int
    var maxLength: Int
    /// A regular expression every question must match; nil for none.
    var pattern: String?
    /// Keywords left out (`maxLength`, `minItems`, `maxItems`, `additionalProperties`).
    var dropped: Set<String> = []

    func encode(to encoder: any Encoder) throws {
        try encodeObject(to: encoder, required: ["questions"]) { properties in
            var questions = properties.nestedContainer(keyedBy: NamedKey.self, forKey: NamedKey("questions"))
            try questions.encode("array", forKey: NamedKey("type"))
            var items = questions.nestedContainer(keyedBy: NamedKey.self, forKey: NamedKey("items"))
            try items.encode("string", forKey: NamedKey("type"))
            try encode(maxLength, "maxLength", in: &items)
            try items.encodeIfPresent(pattern, forKey: NamedKey("pattern"))
            try encode(count, "minItems", in: &questions)
            try encode(count, "maxItems", in: &questions)
        }
    }
}

/// The JSON schema of a judgment: `{"score": an integer from 1 to 5, "reason": a string of
/// bounded length}`.
struct JudgmentSchema: ReplySchema {
    var maxReasonLength: Int
    var dropped: Set<String> = []

    func encode(to encoder: any Encoder) throws {
        try encodeObject(to: encoder, required: ["score", "reason"]) { properties in
            var score = properties.nestedContainer(keyedBy: NamedKey.self, forKey: NamedKey("score"))
            try score.encode("integer", forKey: NamedKey("type"))
            try score.encode(JudgmentParser.scores.lowerBound, forKey: NamedKey("minimum"))
            try score.encode(JudgmentParser.scores.upperBound, forKey: NamedKey("maximum"))
            var reason = properties.nestedContainer(keyedBy: NamedKey.self, forKey: NamedKey("reason"))
            try reason.encode("string", forKey: NamedKey("type"))
            try encode(maxReasonLength, "maxLength", in: &reason)
        }
    }
}
