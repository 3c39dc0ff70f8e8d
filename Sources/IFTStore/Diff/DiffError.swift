/// Why a diff cannot be made as asked.
public enum DiffError: UserFacingError, Equatable {
    /// `dataset:` without a name.
    case noDatasetName(reference: String)
    case badSample
    case datasetFilter
    case nothingToCompare
    /// References and side flags given together.
    case referencesAndSides
    /// One answer prompt and one question prompt.
    case mixedPromptKinds(answerPrompt: String, questionPrompt: String)
    case incomparable(a: String, b: String)
    case needsTwoReferences
    /// `flag` (`--answer-prompt`) narrows the very prompts compared (`a`, `b`, of `kind`).
    case comparedPromptFilter(flag: String, a: String, b: String, kind: PromptRole)
    /// `prompt` has answers from several models (`models`); `narrowing` is the flag that
    /// narrows both sides to one.
    case severalModels(prompt: String, models: [String], narrowing: String)
    /// A filter (`label`) about answers in a question-prompt diff.
    case answerFilterOnQuestions(label: String)
    case showDoesNotApply(DiffShow, kind: DiffKind)
    /// A judge prompt given as a side.
    case judgePrompt(String)
    /// `--show score-changed` without one judge whose scores to compare.
    case noScores

    public var message: String {
        switch self {
        case .noDatasetName(let text):
            return "'\(text)' names no dataset; write dataset:NAME (see `iftdb dataset list`)"
        case .badSample:
            return "--sample must be 1 or more"
        case .datasetFilter:
            return "--dataset does not narrow a diff; compare datasets with `iftdb diff dataset:A dataset:B`"
        case .nothingToCompare:
            return "nothing to compare; give two references (answers@1 answers@2, questions@1 questions@2, dataset:a dataset:b) or side flags such as --a-model X --b-model Y"
        case .referencesAndSides:
            return "--a-… and --b-… flags make their own sides; use them without the references A and B"
        case .mixedPromptKinds(let answer, let question):
            return "\(answer) is an answer prompt and \(question) a question prompt; compare two versions of the same kind, e.g. answers@1 answers@2"
        case .incomparable(let a, let b):
            return "cannot compare \(a) with \(b); compare two prompt versions or two datasets (dataset:NAME)"
        case .needsTwoReferences:
            return "give two references, A and B (e.g. answers@1 answers@2), or none with --a-… / --b-… flags"
        case .comparedPromptFilter(let flag, let a, let b, let kind):
            return "\(flag) does not narrow a diff of \(a) and \(b) (they are the \(kind) prompts); drop it"
        case .severalModels(let prompt, let models, let narrowing):
            return "\(prompt) has answers from several models (\(models.joined(separator: ", "))); narrow both sides to one with \(narrowing)"
        case .answerFilterOnQuestions(let label):
            return "\(label) is about answers and does not apply to a question-prompt diff; drop it"
        case .showDoesNotApply(let show, let kind):
            let choices = DiffShow.choices(for: kind).map(\.rawValue).joined(separator: ", ")
            return "--show \(show.rawValue) does not apply to a diff of \(kind.rawValue); choose one of \(choices)"
        case .judgePrompt(let prompt):
            return "\(prompt) is a judge prompt; diff compares answer or question prompts and datasets (see one judge's scores with --judge on them)"
        case .noScores:
            return "--show score-changed needs one judge's scores, and no single judge graded these pairs; choose one with --judge or --judge-model, or make judgments with `iftdb generate judgments`"
        }
    }
}
