import Foundation
internal import IFTSQLite

extension StoreReader {
    /// Every version of every prompt, by name then version.
    public func prompts() throws -> [Prompt] {
        try guarded {
            let statement = try db.prepare("SELECT \(Prompt.columns) FROM prompts ORDER BY name, version")
            var prompts: [Prompt] = []
            while try statement.step() { prompts.append(Prompt(row: statement)) }
            return prompts
        }
    }

    /// The prompt a reference names; a one-line error that says what exists when it does not.
    public func prompt(_ ref: PromptRef) throws -> Prompt {
        try guarded { try ref.resolve(in: db) }
    }

    /// A chunk's text and its source's path, for rendering.
    func chunkForPrompt(id: Int64) throws -> (text: String, source: String) {
        let statement = try db.prepare("SELECT c.text, s.path FROM chunks c JOIN sources s ON s.id = c.source_id WHERE c.id = ?")
        try statement.bind([id])
        guard try statement.step() else { throw PromptError.noChunk(id: id) }
        return (statement.string(at: 0), statement.string(at: 1))
    }

    /// A question's text and the chunk it was asked about.
    func questionForPrompt(id: Int64) throws -> (text: String, chunkID: Int64) {
        let statement = try db.prepare("SELECT text, chunk_id FROM questions WHERE id = ?")
        try statement.bind([id])
        guard try statement.step() else { throw PromptError.noQuestion(id: id) }
        return (statement.string(at: 0), Int64(statement.int(1)))
    }

    /// An answer's text and the question it answers.
    func answerForPrompt(id: Int64) throws -> (text: String, questionID: Int64) {
        let statement = try db.prepare("SELECT text, question_id FROM answers WHERE id = ?")
        try statement.bind([id])
        guard try statement.step() else { throw PromptError.noAnswer(id: id) }
        return (statement.string(at: 0), Int64(statement.int(1)))
    }

    /// The messages `ref` renders to for a chunk (and, for answer prompts, a question; for
    /// judge prompts, an answer). A question brings its own chunk unless one is given; an
    /// answer brings its question and that question's chunk.
    public func renderPrompt(_ ref: PromptRef, chunkID: Int64?, questionID: Int64?, answerID: Int64? = nil, count: Int = 3) throws -> (prompt: Prompt, messages: [ChatMessage]) {
        try guarded {
            let prompt = try prompt(ref)
            let answer = try answerID.map { try answerForPrompt(id: $0) }
            if let answer, let answerID, let questionID, questionID != answer.questionID {
                throw PromptError.answerNotForQuestion(answer: answerID, itsQuestion: answer.questionID, given: questionID)
            }
            let question = try (answer?.questionID ?? questionID).map { try questionForPrompt(id: $0) }
            guard let chunkID = chunkID ?? question?.chunkID else {
                throw PromptError.renderNeedsChunk
            }
            let chunk = try chunkForPrompt(id: chunkID)
            if prompt.role == .judge && answer == nil {
                throw PromptError.renderNeedsAnswer(prompt: prompt.ref.description)
            }
            if prompt.role == .answer && question == nil {
                throw PromptError.renderNeedsQuestion(prompt: prompt.ref.description)
            }
            let values = PromptValues(chunk: chunk.text, question: question?.text, answer: answer?.text, count: count, source: chunk.source)
            return (prompt, try prompt.messages(values))
        }
    }
}

extension StoreWriter {
    /// Adds the default prompts to a store that has none of that name yet. Safe to call on
    /// every open: it writes only what is missing, and nothing on a store without the
    /// prompts table (an older schema under test). The judge prompt needs the schema that
    /// allows its role (`0006_judgments`), so a store upgraded to it gets `judge@1` then.
    func seedDefaultPrompts() throws {
        let hasTable = try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'prompts'") ?? 0
        guard hasTable > 0 else { return }
        let judgesAllowed = try hasJudgments()
        let missing = try DefaultPrompts.all.filter {
            guard $0.role != .judge || judgesAllowed else { return false }
            return (try db.scalarInt("SELECT count(*) FROM prompts WHERE name = ?", [$0.name]) ?? 0) == 0
        }
        guard !missing.isEmpty else { return }
        try db.transaction {
            for prompt in missing {
                try db.run(
                    """
                    INSERT INTO prompts (name, version, role, system, template, sha256, created_at)
                    SELECT ?, 1, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM prompts WHERE name = ?)
                    """,
                    [prompt.name, prompt.role.rawValue, prompt.system, prompt.template,
                     Prompt.contentHash(role: prompt.role, system: prompt.system, template: prompt.template),
                     Timestamp.now(), prompt.name])
            }
        }
    }

    /// Adds a version of prompt `name`, or returns the existing version with the same role,
    /// system prompt and template (`created` is false then).
    public func addPrompt(name: String, role: PromptRole, system: String?, template: String) throws -> (prompt: Prompt, created: Bool) {
        try guarded {
            guard PromptRef.isValidName(name) else {
                throw PromptError.badName(name)
            }
            let system = system.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
            guard !template.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw PromptError.emptyTemplate
            }
            try PromptTemplate.validate(template, what: "template")
            if let system { try PromptTemplate.validate(system, what: "system prompt") }
            let used = Set(PromptTemplate.placeholderNames(in: template) + PromptTemplate.placeholderNames(in: system ?? ""))
            guard used.contains("chunk") else {
                throw PromptError.noChunkPlaceholder
            }
            switch role {
            case .question where used.contains("question"):
                throw PromptError.questionInQuestionPrompt
            case .answer where !used.contains("question"):
                throw PromptError.noQuestionInAnswerPrompt
            case .question, .answer:
                if used.contains("answer") { throw PromptError.answerOutsideJudgePrompt(role: role) }
            case .judge:
                for placeholder in ["question", "answer"] where !used.contains(placeholder) {
                    throw PromptError.judgePromptNeeds(placeholder: placeholder)
                }
            }
            let sha = Prompt.contentHash(role: role, system: system, template: template)
            return try db.transaction {
                let existing = try db.prepare("SELECT \(Prompt.columns) FROM prompts WHERE name = ? AND sha256 = ?")
                try existing.bind([name, sha])
                if try existing.step() { return (Prompt(row: existing), false) }
                // The latest version's number and role, in one read.
                let latestRow = try db.prepare("SELECT version, role FROM prompts WHERE name = ? ORDER BY version DESC LIMIT 1")
                try latestRow.bind([name])
                var latest: Int?
                if try latestRow.step() {
                    latest = latestRow.int(0)
                    if let kept = PromptRole(rawValue: latestRow.string(at: 1)), kept != role {
                        throw PromptError.roleKept(name: name, role: kept, asked: role)
                    }
                }
                let version = (latest ?? 0) + 1
                try db.run(
                    "INSERT INTO prompts (name, version, role, system, template, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [name, version, role.rawValue, system, template, sha, Timestamp.now()])
                return (try Prompt.resolve(id: db.lastInsertRowID, in: db), true)
            }
        }
    }
}
