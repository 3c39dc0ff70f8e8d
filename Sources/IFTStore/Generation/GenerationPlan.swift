import Foundation
internal import IFTSQLite

/// What a `generate` command asks for, before anything is resolved against the store.
public struct GenerationRequest: Sendable {
    public var kind: GenerationKind
    /// The prompt that makes the items' results (`questions@2`, `answers`…).
    public var prompt: PromptRef
    /// For answers: whose questions to answer (default: the latest version of `questions`).
    public var questionPrompt: PromptRef?
    /// For judgments: the pairs whose answers to grade, chosen as `export` chooses them
    /// (every answer of the current source versions by default).
    public var pairs: PairFilter
    /// For questions: the chunking whose chunks to use (default: the most recently loaded).
    public var chunkingID: Int64?
    /// Only sources whose path matches this glob.
    public var sourceGlob: String?
    /// At most this many items (counting samples), in order.
    public var limit: Int?
    /// Results wanted per item: 1, 2 … N.
    public var samples: Int
    /// Questions asked per chunk.
    public var count: Int
    /// Ask also for the items a waiting batch run has claimed (`--rebatch`); by default they
    /// are left to that run.
    public var rebatch = false

    public init(kind: GenerationKind, prompt: PromptRef, questionPrompt: PromptRef? = nil, pairs: PairFilter = PairFilter(),
                chunkingID: Int64? = nil, sourceGlob: String? = nil, limit: Int? = nil, samples: Int = 1, count: Int = 3) {
        self.kind = kind
        self.prompt = prompt
        self.questionPrompt = questionPrompt
        self.pairs = pairs
        self.chunkingID = chunkingID
        self.sourceGlob = sourceGlob
        self.limit = limit
        self.samples = samples
        self.count = count
    }
}

/// One thing to ask the model: a chunk (for questions), a question (for answers) or an
/// answer (for judgments), and which sample of it.
public struct WorkItem: Sendable, Hashable {
    public let subjectID: Int64
    public let sample: Int
}

/// A request resolved against the store: the prompt, the model row, and the items still
/// missing a result. Building a plan writes nothing.
public struct GenerationPlan: Sendable {
    public let request: GenerationRequest
    public let prompt: Prompt
    public let questionPrompt: Prompt?
    /// The model's row; nil while no run has used this model with these parameters (the row
    /// is written when a run starts, so a command that fails before then adds nothing).
    public internal(set) var modelID: Int64?
    public let modelName: String
    public let chunkingID: Int64?
    /// Items without a result yet, in a stable order.
    public let pending: [WorkItem]
    /// Items that already have their result (skipped).
    public let alreadyDone: Int
    /// Items left out because a waiting batch run has claimed them (none with `rebatch`).
    public var claimedByBatches = 0
    /// Questions: the `--count` values earlier runs of this prompt and model stored questions
    /// with, so a re-run with another count can say it changes nothing for those chunks.
    public var earlierCounts: [Int] = []

    public var kind: GenerationKind { request.kind }

    /// The `calls.item` label: `chunk:12/1`, `question:7/1` or `answer:3/1`.
    public func label(_ item: WorkItem) -> String {
        "\(kind.subject):\(item.subjectID)/\(item.sample)"
    }
}

extension WorkItem {
    /// The item a `calls.item` label of `kind` names (`chunk:12/1`); nil for another label.
    init?(label: some StringProtocol, kind: GenerationKind) {
        let prefix = kind.subject + ":"
        guard label.hasPrefix(prefix), let slash = label.lastIndex(of: "/"),
              let id = Int64(label[label.index(label.startIndex, offsetBy: prefix.count)..<slash]),
              let sample = Int(label[label.index(after: slash)...]), id > 0, sample >= 1 else { return nil }
        self.init(subjectID: id, sample: sample)
    }
}

extension StoreWriter {
    /// The row for a model name with its generation parameters (canonical JSON).
    func modelRow(name: String, parametersJSON: String) throws -> Int64 {
        try db.run("INSERT INTO models (name, params, created_at) VALUES (?, ?, ?) ON CONFLICT (name, params) DO NOTHING",
                   [name, parametersJSON, Timestamp.now()])
        guard let id = try db.scalarInt("SELECT id FROM models WHERE name = ? AND params = ?", [name, parametersJSON]) else {
            throw InternalError("could not record the model \(name)")
        }
        return Int64(id)
    }

    /// The row for a model name with its generation parameters, when one exists.
    func existingModelRow(name: String, parametersJSON: String) throws -> Int64? {
        try db.scalarInt("SELECT id FROM models WHERE name = ? AND params = ?", [name, parametersJSON]).map(Int64.init)
    }

    /// The most recently loaded chunking, or the one named.
    func chunkingForGeneration(_ requested: Int64?) throws -> Int64 {
        if let requested {
            guard try db.scalarInt("SELECT count(*) FROM chunkings WHERE id = ?", [requested]) == 1 else {
                throw GenerationError.noChunking(requested)
            }
            return requested
        }
        guard let id = try db.scalarInt("SELECT id FROM chunkings ORDER BY last_used_at DESC, id DESC LIMIT 1") else {
            throw GenerationError.noChunks
        }
        return Int64(id)
    }

    /// What `request` would ask for now. Reads only: a run re-plans when it starts, inside
    /// the transaction that takes its claim (see `startRun`).
    public func planGeneration(_ request: GenerationRequest, modelName: String, parametersJSON: String) throws -> GenerationPlan {
        try guarded {
            let prompt = try self.prompt(request.prompt)
            guard prompt.role == request.kind.promptRole else {
                throw GenerationError.wrongPromptRole(prompt: prompt.ref.description, role: prompt.role, kind: request.kind)
            }
            let modelID = try existingModelRow(name: modelName, parametersJSON: parametersJSON)
            switch request.kind {
            case .questions:
                let chunkingID = try chunkingForGeneration(request.chunkingID)
                let statement = try db.prepare("""
                    SELECT c.id FROM chunks c JOIN current_sources s ON s.id = c.source_id
                    WHERE c.chunking_id = ? AND s.status = 'present' AND (? IS NULL OR s.path GLOB ?)
                    ORDER BY s.path, c.ordinal
                    """)
                try statement.bind([chunkingID, request.sourceGlob, request.sourceGlob])
                let done = try existingItems("SELECT DISTINCT chunk_id, sample FROM questions WHERE prompt_id = ? AND model_id = ?", prompt.id, modelID)
                let claimed = try itemsClaimedByBatches(request, promptID: prompt.id, modelID: modelID)
                let (pending, skipped, held) = try collect(statement, samples: request.samples, done: done, claimed: claimed, limit: request.limit)
                var plan = GenerationPlan(request: request, prompt: prompt, questionPrompt: nil, modelID: modelID, modelName: modelName,
                                          chunkingID: chunkingID, pending: pending, alreadyDone: skipped)
                plan.claimedByBatches = held
                if let modelID, skipped > 0 {
                    let counts = try db.prepare("""
                        SELECT DISTINCT json_extract(r.options, '$.count') FROM runs r
                        WHERE r.kind = 'questions' AND r.prompt_id = ? AND r.model_id = ? AND r.items_done > 0
                          AND json_extract(r.options, '$.count') IS NOT NULL ORDER BY 1
                        """)
                    try counts.bind([prompt.id, modelID])
                    while try counts.step() { plan.earlierCounts.append(counts.int(0)) }
                }
                return plan
            case .answers:
                let questionPrompt = try self.prompt(request.questionPrompt ?? PromptRef(name: DefaultPrompts.questionsName))
                guard questionPrompt.role == .question else {
                    throw GenerationError.questionsFromAnswerPrompt(questionPrompt.ref.description)
                }
                let statement = try db.prepare("""
                    SELECT q.id FROM questions q
                    JOIN chunks c ON c.id = q.chunk_id
                    JOIN current_sources s ON s.id = c.source_id
                    WHERE q.prompt_id = ? AND s.status = 'present' AND (? IS NULL OR c.chunking_id = ?) AND (? IS NULL OR s.path GLOB ?)
                    ORDER BY s.path, c.ordinal, q.sample, q.ordinal, q.id
                    """)
                try statement.bind([questionPrompt.id, request.chunkingID, request.chunkingID, request.sourceGlob, request.sourceGlob])
                let done = try existingItems("SELECT question_id, sample FROM answers WHERE prompt_id = ? AND model_id = ?", prompt.id, modelID)
                let claimed = try itemsClaimedByBatches(request, promptID: prompt.id, modelID: modelID)
                let (pending, skipped, held) = try collect(statement, samples: request.samples, done: done, claimed: claimed, limit: request.limit)
                if pending.isEmpty && skipped == 0 && held == 0 {
                    throw GenerationError.noQuestions(prompt: questionPrompt.ref.description)
                }
                var plan = GenerationPlan(request: request, prompt: prompt, questionPrompt: questionPrompt, modelID: modelID, modelName: modelName,
                                          chunkingID: request.chunkingID, pending: pending, alreadyDone: skipped)
                plan.claimedByBatches = held
                return plan
            case .judgments:
                let selection = try PairSelection(request.pairs, in: db)
                let done = try existingItems("SELECT answer_id, sample FROM judgments WHERE prompt_id = ? AND model_id = ?", prompt.id, modelID)
                let select = selection.query(columns: [.answerID])
                let statement = try db.prepare(select.sql)
                try statement.bind(select.arguments)
                // Judgments are not written to batch files: no batch run claims them.
                let (pending, skipped, _) = try collect(statement, samples: request.samples, done: done, claimed: [], limit: request.limit)
                if pending.isEmpty && skipped == 0 {
                    throw PairExport.emptySelection(try selection.funnel(), filter: request.pairs, action: .judge)
                }
                return GenerationPlan(request: request, prompt: prompt, questionPrompt: nil, modelID: modelID, modelName: modelName,
                                      chunkingID: request.pairs.chunking.map(Int64.init), pending: pending, alreadyDone: skipped)
            }
        }
    }

    private func existingItems(_ sql: String, _ promptID: Int64, _ modelID: Int64?) throws -> Set<WorkItem> {
        guard let modelID else { return [] }
        let statement = try db.prepare(sql)
        try statement.bind([promptID, modelID])
        var done = Set<WorkItem>()
        while try statement.step() { done.insert(WorkItem(subjectID: Int64(statement.int(0)), sample: statement.int(1))) }
        return done
    }

    /// The pending items in the statement's order, the items already done, and the items a
    /// waiting batch run has claimed.
    private func collect(
        _ statement: Statement, samples: Int, done: Set<WorkItem>, claimed: Set<WorkItem>, limit: Int?
    ) throws -> (pending: [WorkItem], done: Int, claimed: Int) {
        var pending: [WorkItem] = []
        var skipped = 0, held = 0
        while try statement.step() {
            let id = Int64(statement.int(0))
            for sample in 1...max(samples, 1) {
                let item = WorkItem(subjectID: id, sample: sample)
                if done.contains(item) {
                    skipped += 1
                } else if claimed.contains(item) {
                    held += 1
                } else {
                    pending.append(item)
                }
            }
        }
        if let limit, pending.count > limit { pending.removeLast(pending.count - limit) }
        return (pending, skipped, held)
    }

    /// The items of `request`'s kind, prompt and model that a waiting batch run has claimed:
    /// requests written to a file whose results have not come back (no response and no error
    /// in their `calls` row yet). None with `rebatch`, or before this model has a row.
    private func itemsClaimedByBatches(_ request: GenerationRequest, promptID: Int64, modelID: Int64?) throws -> Set<WorkItem> {
        guard let modelID, !request.rebatch else { return [] }
        let statement = try db.prepare("""
            SELECT c.item FROM runs r JOIN calls c ON c.run_id = r.id
            WHERE r.status = 'waiting' AND r.kind = ? AND r.prompt_id = ? AND r.model_id = ?
              AND c.response IS NULL AND c.error IS NULL
            """)
        try statement.bind([request.kind.rawValue, promptID, modelID])
        var claimed = Set<WorkItem>()
        while try statement.step() {
            if let item = statement.withUTF8(0, { WorkItem(label: String(decoding: $0, as: UTF8.self), kind: request.kind) }) {
                claimed.insert(item)
            }
        }
        return claimed
    }

    /// The messages for one item, rendered from the plan's prompt.
    public func messages(for item: WorkItem, in plan: GenerationPlan) throws -> [ChatMessage] {
        try guarded {
            switch plan.kind {
            case .questions:
                let statement = try db.cached("SELECT c.text, s.path FROM chunks c JOIN sources s ON s.id = c.source_id WHERE c.id = ?")
                defer { statement.reset() }
                try statement.bind([item.subjectID])
                guard try statement.step() else { throw InternalError("chunk \(item.subjectID) vanished") }
                return try plan.prompt.questionMessages(chunk: statement.string(at: 0), source: statement.string(at: 1), count: plan.request.count)
            case .answers:
                let statement = try db.cached("""
                    SELECT c.text, s.path, q.text FROM questions q JOIN chunks c ON c.id = q.chunk_id
                    JOIN sources s ON s.id = c.source_id WHERE q.id = ?
                    """)
                defer { statement.reset() }
                try statement.bind([item.subjectID])
                guard try statement.step() else { throw InternalError("question \(item.subjectID) vanished") }
                return try plan.prompt.answerMessages(chunk: statement.string(at: 0), question: statement.string(at: 2), source: statement.string(at: 1))
            case .judgments:
                let statement = try db.cached("""
                    SELECT c.text, s.path, q.text, a.text FROM answers a JOIN questions q ON q.id = a.question_id
                    JOIN chunks c ON c.id = q.chunk_id JOIN sources s ON s.id = c.source_id WHERE a.id = ?
                    """)
                defer { statement.reset() }
                try statement.bind([item.subjectID])
                guard try statement.step() else { throw InternalError("answer \(item.subjectID) vanished") }
                return try plan.prompt.judgeMessages(
                    chunk: statement.string(at: 0), question: statement.string(at: 2), answer: statement.string(at: 3), source: statement.string(at: 1))
            }
        }
    }
}
