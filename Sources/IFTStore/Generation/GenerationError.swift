/// Why `generate` cannot start, or stopped.
public enum GenerationError: UserFacingError, Equatable {
    /// `--chunking` names no chunking.
    case noChunking(Int64)
    case noChunks
    /// `prompt` is a `role` prompt, and `generate kind` needs the other role.
    case wrongPromptRole(prompt: String, role: PromptRole, kind: GenerationKind)
    /// `--questions` names an answer prompt.
    case questionsFromAnswerPrompt(String)
    /// No question of this prompt to answer.
    case noQuestions(prompt: String)
    /// Another live run holds the claim on this kind, prompt and model.
    case runHeld(RunClaim)
    /// The run ended early: the model server refused in a way every item would meet.
    case runStopped(run: Int64, reason: String)

    public var message: String {
        switch self {
        case .noChunking(let id):
            return "no chunking with id \(id); see `iftdb sql \"SELECT * FROM chunkings\"`"
        case .noChunks:
            return "the store has no chunks yet; load documents first with `iftdb load DIR`"
        case .wrongPromptRole(let prompt, let role, let kind):
            let wanted = kind.promptRole
            return "\(prompt) is \(role.withArticle) prompt; `generate \(kind.rawValue)` needs \(wanted.withArticle) prompt (see `iftdb prompts list`)"
        case .questionsFromAnswerPrompt(let prompt):
            return "\(prompt) is not a question prompt; --questions takes a question prompt, e.g. questions@1"
        case .noQuestions(let prompt):
            return "no questions from \(prompt) to answer; run `iftdb generate questions` first (or pick another with --questions)"
        case .runHeld(let claim):
            return "\(claim); wait for it to end, stop it (Ctrl-C there, or kill \(claim.process.pid)), or pass --wait to start when it ends"
        case .runStopped(let run, let reason):
            return "run \(run) stopped: \(reason); its items stay pending for the next run"
        }
    }
}
