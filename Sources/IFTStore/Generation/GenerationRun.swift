import Foundation
internal import IFTSQLite

public enum RunStatus: String, Sendable, Codable {
    /// `waiting`: a batch run whose requests are written to a file and whose results have
    /// not all been ingested yet (`generate --batch-file`, `generate ingest`).
    case running, waiting, done, failed, interrupted
}

/// Where an item's result goes: the run that asked for it, with its prompt and model.
struct ResultTarget: Sendable, Equatable {
    let runID: Int64
    let promptID: Int64
    let modelID: Int64
}

/// What became of one item's request.
public enum ItemOutcome: Sendable, Equatable {
    /// Its result was stored (`results` questions, or 1 answer).
    case stored(results: Int)
    /// Another process stored a result for it first; nothing written but the calls.
    case alreadyPresent
    /// It failed; its calls are recorded and a later run will ask again.
    case failed(String)
}

public struct RunListing: Sendable, Codable {
    public let id: Int64
    public let kind: String
    public let prompt: String
    public let model: String
    public let endpoint: String
    /// `running` only while a live process holds its claim; a run left `running` by a
    /// killed process shows as `interrupted`.
    public let status: RunStatus
    public let itemsTotal: Int
    public let itemsDone: Int
    public let itemsFailed: Int
    public let itemsSkipped: Int
    public let promptTokens: Int
    public let completionTokens: Int
    public let startedAt: String
    public let endedAt: String?
    public let seconds: Double?
    /// Why the run ended early (a refusal every item would meet, a failed write), if it did.
    public let error: String?
    /// Question sets this run stored with fewer questions than it asked for (`--count`).
    public var shortSets = 0
}

/// Short question sets: a set (one chunk, prompt, model and sample) whose reply held fewer
/// questions than its run asked for (`--count`, kept in the run's options). Its questions are
/// numbered 1…n, so the largest number is how many there are.
enum ShortSets {
    /// `run_id, short sets` for each question run that has any; one pass over `questions`.
    static let byRunSQL = """
        SELECT g.run_id, count(*) FROM (
            SELECT run_id, max(ordinal) AS n FROM questions GROUP BY prompt_id, model_id, chunk_id, sample
        ) g JOIN runs r ON r.id = g.run_id
        WHERE r.kind = 'questions' AND g.n < json_extract(r.options, '$.count')
        GROUP BY g.run_id
        """

    /// The whole store's short sets.
    static let totalSQL = "SELECT coalesce(sum(short), 0) FROM (\(byRunSQL.replacingOccurrences(of: "SELECT g.run_id, count(*)", with: "SELECT count(*) AS short")))"

    static func byRun(in db: Connection) throws -> [Int64: Int] {
        let statement = try db.prepare(byRunSQL)
        var counts: [Int64: Int] = [:]
        while try statement.step() { counts[Int64(statement.int(0))] = statement.int(1) }
        return counts
    }
}

extension StoreWriter {
    /// Writes one item's calls and, when the model gave one, its result, all or nothing.
    func record(_ result: ItemResult, in run: StartedRun, item: WorkItem) throws -> ItemOutcome {
        switch result {
        case .questions(let result): try recordQuestions(in: run, item: item, result: result)
        case .answer(let result): try recordAnswer(in: run, item: item, result: result)
        case .judgment(let result): try recordJudgment(in: run, item: item, result: result)
        }
    }

    /// Writes one item's calls and, when it succeeded, its questions, all or nothing. A
    /// result already stored for the item (by another process) is kept and this one dropped,
    /// so every (chunk, prompt, model, sample) has exactly one question set.
    func recordQuestions(in run: StartedRun, item: WorkItem, result: ModelResult<QuestionReply>) throws -> ItemOutcome {
        try record(in: run, item: item, result: result) { reply, callID in
            try storeQuestions(reply, for: run.target, item: item, callID: callID)
        }
    }

    /// Writes one item's calls and, when it succeeded, its answer, all or nothing. An answer
    /// already stored for the item (by another process) is kept and this one dropped.
    func recordAnswer(in run: StartedRun, item: WorkItem, result: ModelResult<String>) throws -> ItemOutcome {
        try record(in: run, item: item, result: result) { answer, callID in
            try storeAnswer(answer, for: run.target, item: item, callID: callID)
        }
    }

    /// Writes one item's calls and, when the judge gave a score, its judgment, all or
    /// nothing: exactly one per (answer, judge prompt, model, sample).
    func recordJudgment(in run: StartedRun, item: WorkItem, result: ModelResult<JudgmentReply>) throws -> ItemOutcome {
        try record(in: run, item: item, result: result) { judgment, callID in
            try storeJudgment(judgment, for: run.target, item: item, callID: callID)
        }
    }

    /// Stores one item's judgment from call `callID`, unless the item has one already.
    func storeJudgment(_ judgment: JudgmentReply, for target: ResultTarget, item: WorkItem, callID: Int64) throws -> ItemOutcome {
        try insertOnce("""
            INSERT INTO judgments (answer_id, prompt_id, model_id, run_id, call_id, sample, score, reason, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (answer_id, prompt_id, model_id, sample) DO NOTHING
            """, [item.subjectID, target.promptID, target.modelID, target.runID, callID, item.sample, judgment.score, judgment.reason,
                  Timestamp.now()])
    }

    /// Stores one item's questions from call `callID`. A result already stored for the item
    /// (by another process, or another run) is kept and this one dropped, so every (chunk,
    /// prompt, model, sample) has exactly one question set.
    func storeQuestions(_ reply: QuestionReply, for target: ResultTarget, item: WorkItem, callID: Int64) throws -> ItemOutcome {
        let exists = try db.scalarInt(
            "SELECT count(*) FROM questions WHERE chunk_id = ? AND prompt_id = ? AND model_id = ? AND sample = ?",
            [item.subjectID, target.promptID, target.modelID, item.sample]) ?? 0
        if exists > 0 { return .alreadyPresent }
        let insert = try db.cached("""
            INSERT INTO questions (chunk_id, prompt_id, model_id, run_id, call_id, sample, ordinal, text, normalized, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let now = Timestamp.now()
        for (ordinal, question) in reply.questions.enumerated() {
            try insert.bind([item.subjectID, target.promptID, target.modelID, target.runID, callID, item.sample,
                             ordinal + 1, question, QuestionKey.normalize(question), now])
            try insert.runToCompletion()
        }
        return .stored(results: reply.questions.count)
    }

    /// Stores one item's answer from call `callID`, unless the item has one already.
    func storeAnswer(_ answer: String, for target: ResultTarget, item: WorkItem, callID: Int64) throws -> ItemOutcome {
        try insertOnce("""
            INSERT INTO answers (question_id, prompt_id, model_id, run_id, call_id, sample, text, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (question_id, prompt_id, model_id, sample) DO NOTHING
            """, [item.subjectID, target.promptID, target.modelID, target.runID, callID, item.sample, answer, Timestamp.now()])
    }

    /// Runs an `INSERT … ON CONFLICT DO NOTHING` of one result: stored, or already present.
    private func insertOnce(_ sql: String, _ values: [any SQLiteBindable]) throws -> ItemOutcome {
        try db.run(sql, values)
        return db.changes > 0 ? .stored(results: 1) : .alreadyPresent
    }

    /// The calls of one item, then its result through `store` when the model gave one; in a
    /// transaction (a savepoint inside the engine's batch).
    private func record<Value>(
        in run: StartedRun, item: WorkItem, result: ModelResult<Value>, store: (Value, Int64) throws -> ItemOutcome
    ) throws -> ItemOutcome {
        try db.transaction {
            let callIDs = try insertCalls(runID: run.id, item: run.plan.label(item), attempts: result.attempts)
            switch result.outcome {
            case .failure(let failure): return .failed(failure.message)
            case .success(let value): return try store(value, callIDs.last ?? 0)
            }
        }
    }

    /// Adds a batch's outcomes and tokens to the run's counters: one update per batch, in the
    /// batch's transaction, so the counters always match the rows.
    func addToRun(_ runID: Int64, done: Int, failed: Int, skipped: Int, promptTokens: Int, completionTokens: Int) throws {
        try db.run("""
            UPDATE runs SET items_done = items_done + ?, items_failed = items_failed + ?, items_skipped = items_skipped + ?,
                            prompt_tokens = prompt_tokens + ?, completion_tokens = completion_tokens + ?
            WHERE id = ?
            """, [done, failed, skipped, promptTokens, completionTokens, runID])
    }
}

extension StoreReader {
    /// Every run, newest first.
    public func runs(limit: Int? = nil) throws -> [RunListing] {
        try guarded {
            // A store opened read-only may predate claims: its runs carry a pid alone.
            let claims = try hasClaims()
            let statement = try db.prepare("""
                SELECT r.id, r.kind, p.name || '@' || p.version, m.name, r.endpoint, r.status, \(claims ? "r.error" : "NULL"),
                       r.items_total, r.items_done, r.items_failed, r.items_skipped, r.prompt_tokens, r.completion_tokens,
                       r.started_at, r.ended_at, \(claims ? ClaimHolder.columns : ClaimHolder.runColumns)
                FROM runs r JOIN prompts p ON p.id = r.prompt_id JOIN models m ON m.id = r.model_id
                \(claims ? "LEFT JOIN claims c ON c.run_id = r.id" : "")
                ORDER BY r.id DESC LIMIT ?
                """)
            try statement.bind([limit ?? -1])
            let shortSets = try ShortSets.byRun(in: db)
            var rows: [RunListing] = []
            while try statement.step() {
                var status = RunStatus(rawValue: statement.string(at: 5)) ?? .interrupted
                if status == .running, ClaimHolder(statement, at: 15)?.isAlive() != true {
                    status = .interrupted
                }
                let started = statement.string(at: 13), ended = statement.optionalString(14)
                let seconds = ended.flatMap { end in
                    Timestamp.parse(end).flatMap { e in Timestamp.parse(started).map { e.timeIntervalSince($0) } }
                }
                rows.append(RunListing(
                    id: Int64(statement.int(0)), kind: statement.string(at: 1), prompt: statement.string(at: 2), model: statement.string(at: 3),
                    endpoint: statement.string(at: 4), status: status, itemsTotal: statement.int(7), itemsDone: statement.int(8),
                    itemsFailed: statement.int(9), itemsSkipped: statement.int(10), promptTokens: statement.int(11),
                    completionTokens: statement.int(12), startedAt: started, endedAt: ended, seconds: seconds,
                    error: statement.optionalString(6)))
                rows[rows.count - 1].shortSets = shortSets[rows[rows.count - 1].id] ?? 0
            }
            return rows
        }
    }
}
