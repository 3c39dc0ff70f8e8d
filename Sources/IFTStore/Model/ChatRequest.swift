import Foundation

/// The body of one chat-completions request, as it goes on the wire: compact JSON with its
/// keys always in this order (model, messages, temperature, the token limit, seed, stream,
/// response_format), so the same request reads the same in every `calls` row. Written
/// straight to bytes (strings escaped by `JSONText`, as every JSON iftdb writes): one is
/// made per call, so it builds no tree of values first.
struct ChatRequest {
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
    func encoded() -> String {
        var out: [UInt8] = []
        out.reserveCapacity(messages.reduce(256) { $0 + $1.content.utf8.count + 32 })
        out += #"{"model":"#.utf8
        JSONText.appendQuoted(model, to: &out)
        out += #","messages":["#.utf8
        for (index, message) in messages.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out += #"{"role":"#.utf8
            JSONText.appendQuoted(message.role, to: &out)
            out += #","content":"#.utf8
            JSONText.appendQuoted(message.content, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
        if let temperature { out += #","temperature":\#(JSONText.number(temperature))"#.utf8 }
        if let maxTokens {
            out.append(UInt8(ascii: ","))
            JSONText.appendQuoted(maxTokensField, to: &out)
            out += ":\(maxTokens)".utf8
        }
        if let seed { out += #","seed":\#(seed)"#.utf8 }
        out += #","stream":false"#.utf8
        if let responseFormat {
            out += #","response_format":"#.utf8
            responseFormat.write(to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}

/// `response_format`: a JSON schema the reply must follow, in the shape the server takes.
enum ResponseFormat {
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

    func write(to out: inout [UInt8]) {
        switch self {
        case .jsonSchema(let name, let strict, let schema):
            out += #"{"type":"json_schema","json_schema":{"name":"#.utf8
            JSONText.appendQuoted(name, to: &out)
            if strict { out += #","strict":true"#.utf8 }
            out += #","schema":"#.utf8
            schema.write(to: &out)
            out += "}}".utf8
        case .jsonObject(let schema):
            out += #"{"type":"json_object","schema":"#.utf8
            schema.write(to: &out)
            out.append(UInt8(ascii: "}"))
        }
    }
}

/// The JSON schema of a reply, written as bytes, without the keywords a server refused.
protocol ReplySchema {
    /// Keywords left out (`maxLength`, `minItems`, `maxItems`, `additionalProperties`).
    var dropped: Set<String> { get set }
    func write(to out: inout [UInt8])
}

extension ReplySchema {
    /// `,"additionalProperties":false` unless it was dropped, and the object's closing brace.
    func closeObject(_ out: inout [UInt8]) {
        if !dropped.contains("additionalProperties") { out += #","additionalProperties":false"#.utf8 }
        out.append(UInt8(ascii: "}"))
    }
}

/// The JSON schema of a question reply: `{"questions": [count strings of bounded length]}`.
struct QuestionSchema: ReplySchema {
    var count: Int
    var maxLength: Int
    /// A regular expression every question must match; nil for none.
    var pattern: String?
    var dropped: Set<String> = []

    func write(to out: inout [UInt8]) {
        out += #"{"type":"object","properties":{"questions":{"type":"array","items":{"type":"string""#.utf8
        if !dropped.contains("maxLength") { out += #","maxLength":\#(maxLength)"#.utf8 }
        if let pattern {
            out += #","pattern":"#.utf8
            JSONText.appendQuoted(pattern, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        if !dropped.contains("minItems") { out += #","minItems":\#(count)"#.utf8 }
        if !dropped.contains("maxItems") { out += #","maxItems":\#(count)"#.utf8 }
        out += #"}},"required":["questions"]"#.utf8
        closeObject(&out)
    }
}

/// The JSON schema of a judgment: `{"score": an integer from 1 to 5, "reason": a string of
/// bounded length}`.
struct JudgmentSchema: ReplySchema {
    var maxReasonLength: Int
    var dropped: Set<String> = []

    func write(to out: inout [UInt8]) {
        let scores = JudgmentParser.scores
        out += #"{"type":"object","properties":{"score":{"type":"integer","minimum":\#(scores.lowerBound),"maximum":\#(scores.upperBound)},"#.utf8
        out += #""reason":{"type":"string""#.utf8
        if !dropped.contains("maxLength") { out += #","maxLength":\#(maxReasonLength)"#.utf8 }
        out += #"}},"required":["score","reason"]"#.utf8
        closeObject(&out)
    }
}
