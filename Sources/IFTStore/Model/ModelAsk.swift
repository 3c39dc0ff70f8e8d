import Foundation

/// One kind of request to the model: its body in a given form, and how the content of the
/// reply becomes a value. Every kind goes through the same attempt loop and the same reading
/// of the chat completion (`ModelClient.ask`); only these two steps differ.
struct ModelAsk<Value: Sendable> {
    /// Whether the body carries `response_format` (a refusal of it can be degraded).
    let usesResponseFormat: Bool
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
}

extension ModelAsk where Value == QuestionReply {
    /// `count` questions, asked for with structured output and parsed leniently.
    static func questions(messages: [ChatMessage], count: Int, settings: ModelSettings) -> ModelAsk {
        let schema = QuestionSchema(count: count, maxLength: settings.maxQuestionLength, pattern: settings.questionPattern)
        return ModelAsk(usesResponseFormat: true, request: { form in
            var formSchema = schema
            formSchema.dropped = form.droppedSchemaKeywords
            return ChatRequest(messages: messages, settings: settings, form: form,
                               responseFormat: ResponseFormat(form, name: "questions", schema: formSchema))
        }, readContent: { content, finishReason in
            let reply = QuestionParser.parse(content, finishReason: finishReason, expected: count)
            if reply.questions.isEmpty {
                let why = finishReason == "length" ? " (it was cut by the token limit; raise --max-tokens)" : ""
                return .failure(ModelFailure(.unusableReply, "the model's reply held no questions\(why)"))
            }
            return .success(reply)
        })
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
