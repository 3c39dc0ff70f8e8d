import Foundation

/// One kind of request to the model: its body in a given form, and how the content of the
/// reply becomes a value. Every kind goes through the same attempt loop and the same reading
/// of the chat completion (`ModelClient.ask`); only these steps differ.
struct ModelAsk<Value: Sendable> {
    /// Whether the body carries `response_format` (a refusal of it can be degraded).
    let usesResponseFormat: Bool
    /// Whether a reply whose content holds no value is asked again (while retries last)
    /// rather than failing the item at once.
    var retriesUnusableReplies = false
    let request: (RequestForm) -> ChatRequest
    /// The value in a completion's content, given its finish reason, or why there is none.
    let readContent: (String, String?) -> Result<Value, ModelFailure>

    /// The value in an accepted reply's body.
    func read(_ body: Exchange.Body) -> Result<Value, ModelFailure> {
        guard case .completion(let content, let finishReason) = body else {
            return .failure(ModelFailure(.unusableReply, "the model's reply held no content"))
        }
        return readContent(content, finishReason)
    }

    /// A request for structured output named `name` in `schema`, read by `readContent`.
    static func structured(
        _ name: String, schema: some ReplySchema, messages: [ChatMessage], settings: ModelSettings,
        retriesUnusableReplies: Bool = false, readContent: @escaping (String, String?) -> Result<Value, ModelFailure>
    ) -> ModelAsk {
        ModelAsk(usesResponseFormat: true, retriesUnusableReplies: retriesUnusableReplies, request: { form in
            ChatRequest(messages: messages, settings: settings, form: form,
                        responseFormat: ResponseFormat(form, name: name, schema: schema))
        }, readContent: readContent)
    }
}

extension ModelAsk where Value == QuestionReply {
    /// `count` questions, asked for with structured output and parsed leniently.
    static func questions(messages: [ChatMessage], count: Int, settings: ModelSettings) -> ModelAsk {
        let schema = QuestionSchema(count: count, maxLength: settings.maxQuestionLength, pattern: settings.questionPattern)
        return structured("questions", schema: schema, messages: messages, settings: settings) { content, finishReason in
            let reply = QuestionParser.parse(content, finishReason: finishReason, expected: count)
            if reply.questions.isEmpty {
                let why = finishReason == "length" ? " (it was cut by the token limit; raise --max-tokens)" : ""
                return .failure(ModelFailure(.unusableReply, "the model's reply held no questions\(why)"))
            }
            return .success(reply)
        }
    }
}

extension ModelAsk where Value == String {
    /// The answer to one question: the reply's text, trimmed.
    static func answer(messages: [ChatMessage], settings: ModelSettings) -> ModelAsk {
        ModelAsk(usesResponseFormat: false, request: { form in
            ChatRequest(messages: messages, settings: settings, form: form)
        }, readContent: { content, _ in
            let answer = QuestionParser.answer(content)
            if answer.isEmpty { return .failure(ModelFailure(.unusableReply, "the model's reply was empty")) }
            return .success(answer)
        })
    }
}

extension ModelAsk where Value == JudgmentReply {
    /// The longest reason the schema allows, in characters: one sentence.
    static let maxReasonLength = 300

    /// A grade of one answer, `{"score": 1…5, "reason": "…"}`, asked for with structured
    /// output and parsed leniently. A reply without a usable score is asked again.
    static func judgment(messages: [ChatMessage], settings: ModelSettings) -> ModelAsk {
        structured("judgment", schema: JudgmentSchema(maxReasonLength: maxReasonLength), messages: messages, settings: settings,
                   retriesUnusableReplies: true) { content, finishReason in
            JudgmentParser.parse(content, finishReason: finishReason)
        }
    }
}
