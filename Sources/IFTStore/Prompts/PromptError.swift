/// Why a prompt cannot be found, added or rendered.
public enum PromptError: UserFacingError, Equatable {
    /// Not `NAME` or `NAME@VERSION`.
    case badReference(String)
    /// `NAME@…` without a version of 1 or more.
    case badVersion(reference: String, name: String)
    /// No prompt of this name; `known` lists the names there are, when the message should.
    case noSuchPrompt(name: String, known: [String]?)
    case noSuchVersion(name: String, version: Int, latest: Int)
    case badName(String)
    case emptyTemplate
    /// `{{name}}` in the template or system prompt (`part`) is not one iftdb fills.
    case unknownPlaceholder(name: String, part: String)
    case noChunkPlaceholder
    case questionInQuestionPrompt
    case noQuestionInAnswerPrompt
    /// A question or answer prompt (`role`) uses `{{answer}}`, which only a judge prompt has.
    case answerOutsideJudgePrompt(role: PromptRole)
    /// A judge prompt lacks `{{placeholder}}` (`question` or `answer`).
    case judgePromptNeeds(placeholder: String)
    /// A new version of `name` (a `role` prompt) asked for another role.
    case roleKept(name: String, role: PromptRole, asked: PromptRole)
    /// The prompt uses `{{question}}` and no question was given.
    case needsQuestion(prompt: String)
    /// The prompt uses `{{answer}}` and no answer was given.
    case needsAnswer(prompt: String)
    /// Asked to render a prompt of `role` for what a `wanted` prompt makes.
    case wrongRole(prompt: String, role: PromptRole, wanted: PromptRole)
    /// `prompts render`: no chunk to render with.
    case renderNeedsChunk
    /// `prompts render` of an answer prompt without a question.
    case renderNeedsQuestion(prompt: String)
    /// `prompts render` of a judge prompt without an answer.
    case renderNeedsAnswer(prompt: String)
    /// `prompts render --chunk` names no chunk in the store.
    case noChunk(id: Int64)
    /// `prompts render --question` names no question in the store.
    case noQuestion(id: Int64)
    /// `prompts render --answer` names no answer in the store.
    case noAnswer(id: Int64)
    /// `prompts render --answer` with a `--question` that is not the answer's own.
    case answerNotForQuestion(answer: Int64, itsQuestion: Int64, given: Int64)
    /// Not `KIND:ID` (`chunk:12`).
    case badItemReference(String, kind: String)
    /// The file holding a template or system prompt (`part`) does not exist, is a folder,
    /// cannot be read, or is not UTF-8.
    case fileMissing(path: String, part: String)
    case fileIsAFolder(path: String, part: String)
    case fileUnreadable(path: String, part: String)
    case fileNotUTF8(path: String, part: String)

    public var message: String {
        switch self {
        case .badReference(let text):
            return "'\(text)' is not a prompt reference; write NAME or NAME@VERSION, e.g. questions@1"
        case .badVersion(let text, let name):
            return "'\(text)' has no valid version after '@'; write NAME@VERSION with VERSION 1 or more, e.g. \(name)@1"
        case .noSuchPrompt(let name, nil):
            return "no prompt named '\(name)'; see `iftdb prompts list`"
        case .noSuchPrompt(let name, let names?):
            let known = names.isEmpty ? "there are none" : "there are " + names.map { "'\($0)'" }.joined(separator: ", ")
            return "no prompt named '\(name)' (\(known)); see `iftdb prompts list`"
        case .noSuchVersion(let name, let version, let latest):
            return "no prompt named '\(name)' has version \(version) (latest is \(latest)); see `iftdb prompts list`"
        case .badName(let name):
            return "'\(name)' is not a valid prompt name; use letters, digits, '-', '_' and '.', e.g. my-questions"
        case .emptyTemplate:
            return "the template is empty; write the prompt text with {{chunk}} where the chunk goes"
        case .unknownPlaceholder(let name, let part):
            return "unknown placeholder {{\(name)}} in the \(part); use {{chunk}}, {{question}}, {{answer}}, {{count}} or {{source}}"
        case .noChunkPlaceholder:
            return "the template never uses {{chunk}}; put {{chunk}} where the chunk's text goes"
        case .questionInQuestionPrompt:
            return "a question prompt cannot use {{question}} (there is no question yet); remove it or use --role answer"
        case .noQuestionInAnswerPrompt:
            return "an answer prompt must use {{question}}; put {{question}} where the question goes"
        case .answerOutsideJudgePrompt(let role):
            return "\(role.withArticle) prompt cannot use {{answer}} (only a judge prompt grades an answer); remove it or use --role judge"
        case .judgePromptNeeds(let placeholder):
            return "a judge prompt must use {{chunk}}, {{question}} and {{answer}}; put {{\(placeholder)}} where the \(placeholder) goes"
        case .roleKept(let name, let role, let asked):
            return "'\(name)' is a \(role) prompt; a new version keeps its role (add it under another name for --role \(asked))"
        case .needsQuestion(let prompt):
            return "the prompt \(prompt) uses {{question}}; pass a question (--question question:ID)"
        case .needsAnswer(let prompt):
            return "the prompt \(prompt) uses {{answer}}; pass an answer (--answer answer:ID)"
        case .wrongRole(let prompt, let role, let wanted):
            return "\(prompt) is \(role.withArticle) prompt; this needs \(wanted.withArticle) prompt (see `iftdb prompts list`)"
        case .renderNeedsChunk:
            return "rendering needs a chunk; pass --chunk chunk:ID"
        case .renderNeedsQuestion(let prompt):
            return "\(prompt) is an answer prompt; pass --question question:ID"
        case .renderNeedsAnswer(let prompt):
            return "\(prompt) is a judge prompt; pass --answer answer:ID (its question and chunk come with it)"
        case .noChunk(let id):
            return "no chunk:\(id) in this store; find chunk ids with `iftdb sql \"SELECT id, source_id FROM chunks\"`"
        case .noQuestion(let id):
            return "no question:\(id) in this store; find question ids with `iftdb sql \"SELECT id, text FROM questions\"`"
        case .noAnswer(let id):
            return "no answer:\(id) in this store; find answer ids with `iftdb sql \"SELECT answer_id, question, answer FROM pairs\"`"
        case .answerNotForQuestion(let answer, let itsQuestion, let given):
            return "answer:\(answer) answers question:\(itsQuestion), not question:\(given); leave out --question (an answer brings its own)"
        case .badItemReference(let text, let kind):
            return "'\(text)' is not a \(kind) reference; write \(kind):ID, e.g. \(kind):12"
        case .fileMissing(let path, let part):
            return "the \(part) file \(path) does not exist; write the \(part) to a file and pass its path"
        case .fileIsAFolder(let path, let part):
            return "\(path) is a folder; pass the \(part) file itself"
        case .fileUnreadable(let path, let part):
            return "cannot read the \(part) file \(path); check its permissions"
        case .fileNotUTF8(let path, let part):
            return "the \(part) file \(path) is not UTF-8 text; save it as UTF-8"
        }
    }
}
