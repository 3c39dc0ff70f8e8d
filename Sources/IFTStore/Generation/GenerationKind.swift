/// What a generation run makes: questions about chunks, answers to questions, or judgments
/// of answers. A kind says what its items are and which prompts make its results; the
/// session, the claim and the run are the same for every kind.
public enum GenerationKind: String, Sendable {
    case questions
    case answers
    case judgments

    /// What one item asks about (`calls.item` is `SUBJECT:ID/SAMPLE`).
    public var subject: String {
        switch self {
        case .questions: "chunk"
        case .answers: "question"
        case .judgments: "answer"
        }
    }

    /// The role of the prompts that make this kind's results.
    public var promptRole: PromptRole {
        switch self {
        case .questions: .question
        case .answers: .answer
        case .judgments: .judge
        }
    }
}
