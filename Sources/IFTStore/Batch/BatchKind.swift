/// A reply read into the result its kind stores.
enum BatchResult {
    case questions(QuestionReply)
    case answer(String)
    case judgment(JudgmentReply)
}

/// What differs per kind of result in a batch: the request body (the very `ModelAsk` a live
/// call sends, so a batch line's body is byte for byte a live call's), how a reply becomes a
/// result (the live call's reading), and where the result is stored. A new kind is one case
/// in each of these switches.
extension GenerationKind {
    /// The body a live call sends for `messages` in `form`.
    func requestBody(messages: [ChatMessage], plan: GenerationPlan, settings: ModelSettings, form: RequestForm) throws -> String {
        switch self {
        case .questions: try ModelAsk.questions(messages: messages, count: plan.request.count, settings: settings).request(form).encoded()
        case .answers: try ModelAsk.answer(messages: messages, settings: settings).request(form).encoded()
        case .judgments: try ModelAsk.judgment(messages: messages, settings: settings).request(form).encoded()
        }
    }

    /// The result in an accepted reply's body, read as a live call reads it; `count` is the
    /// questions a question run asked for.
    func readReply(_ body: Exchange.Body, count: Int) -> Result<BatchResult, ModelFailure> {
        // Reading a reply needs no messages and no server settings: only the count.
        switch self {
        case .questions: ModelAsk.questions(messages: [], count: count, settings: ModelSettings()).read(body).map(BatchResult.questions)
        case .answers: ModelAsk.answer(messages: [], settings: ModelSettings()).read(body).map(BatchResult.answer)
        case .judgments: ModelAsk.judgment(messages: [], settings: ModelSettings()).read(body).map(BatchResult.judgment)
        }
    }
}

extension StoreWriter {
    /// Stores `result` for `item`, made by call `callID`, unless the item has one already.
    func storeResult(_ result: BatchResult, for target: ResultTarget, item: WorkItem, callID: Int64) throws -> ItemOutcome {
        switch result {
        case .questions(let reply): try storeQuestions(reply, for: target, item: item, callID: callID)
        case .answer(let answer): try storeAnswer(answer, for: target, item: item, callID: callID)
        case .judgment(let judgment): try storeJudgment(judgment, for: target, item: item, callID: callID)
        }
    }
}
