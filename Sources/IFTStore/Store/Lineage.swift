import Foundation
internal import IFTSQLite

/// Everything a person needs to judge where a question or answer came from, through stored
/// keys: source version, chunk and offsets, prompt version, model, run and raw call.
public struct Lineage: Sendable, Codable {
    public struct SourceLink: Sendable, Codable {
        public let id: Int64
        public let path: String
        public let version: Int
        public let isCurrent: Bool
        public let sha256: String?
    }

    public struct ChunkLink: Sendable, Codable {
        public let id: Int64
        public let chunkingID: Int64
        public let chunking: String
        public let ordinal: Int
        public let start: Int
        public let end: Int
        public let text: String
    }

    public struct Generated: Sendable, Codable {
        public let id: Int64
        public let text: String
        public let sample: Int
        public let ordinal: Int?
        public let prompt: String
        public let promptID: Int64
        public let model: String
        public let modelID: Int64
        public let modelParams: String
        public let runID: Int64
        public let runStatus: String
        public let endpoint: String
        public let callID: Int64
        public let callAttempt: Int
        public let callHTTPStatus: Int?
        public let callFinishReason: String?
        public let callPromptTokens: Int?
        public let callCompletionTokens: Int?
        public let callLatencyMs: Double?
        public let callStartedAt: String
        public let createdAt: String
    }

    public let source: SourceLink
    public let chunk: ChunkLink
    public let question: Generated
    public let answer: Generated?
    /// For an answer: the built-in quality checks' verdict on the pair.
    public var quality: QualityReport? = nil
    /// For an answer: every judgment of it, by judge prompt, model and sample.
    public var judgments: [Judgment]? = nil
}

extension StoreReader {
    public func questionLineage(id: Int64) throws -> Lineage {
        try guarded {
            guard let row = try lineageRow(questionID: id) else {
                throw LookupError.noQuestion(id)
            }
            return row
        }
    }

    public func answerLineage(id: Int64) throws -> Lineage {
        try guarded {
            guard let questionID = try db.scalarInt("SELECT question_id FROM answers WHERE id = ?", [id]),
                  let question = try lineageRow(questionID: Int64(questionID)) else {
                throw LookupError.noAnswer(id)
            }
            let answer = try generated(table: "answers", id: id)
            var lineage = Lineage(source: question.source, chunk: question.chunk, question: question.question, answer: answer)
            if let answer {
                lineage.quality = QualityReport(question: question.question.text, answer: answer.text, chunk: question.chunk.text)
                lineage.judgments = try judgments(answerID: id)
            }
            return lineage
        }
    }

    private func lineageRow(questionID: Int64) throws -> Lineage? {
        let statement = try db.prepare("""
            SELECT s.id, s.path, s.version, s.version = (SELECT max(version) FROM sources x WHERE x.path = s.path), s.sha256,
                   c.id, c.chunking_id, k.method, k.size, k.step, c.ordinal, c.start, c.end, c.text
            FROM questions q JOIN chunks c ON c.id = q.chunk_id JOIN sources s ON s.id = c.source_id
            JOIN chunkings k ON k.id = c.chunking_id
            WHERE q.id = ?
            """)
        try statement.bind([questionID])
        guard try statement.step() else { return nil }
        let source = Lineage.SourceLink(id: Int64(statement.int(0)), path: statement.string(at: 1), version: statement.int(2),
                                        isCurrent: statement.int(3) == 1, sha256: statement.optionalString(4))
        let config = ChunkingConfig(method: ChunkingMethod(rawValue: statement.string(at: 7)) ?? .window, size: statement.int(8), step: statement.int(9))
        let chunk = Lineage.ChunkLink(id: Int64(statement.int(5)), chunkingID: Int64(statement.int(6)), chunking: config.description,
                                      ordinal: statement.int(10), start: statement.int(11), end: statement.int(12), text: statement.string(at: 13))
        guard let question = try generated(table: "questions", id: questionID) else { return nil }
        return Lineage(source: source, chunk: chunk, question: question, answer: nil)
    }

    private func generated(table: String, id: Int64) throws -> Lineage.Generated? {
        let ordinal = table == "questions" ? "t.ordinal" : "NULL"
        let claims = try hasClaims()
        let statement = try db.prepare("""
            SELECT t.id, t.text, t.sample, \(ordinal), p.name || '@' || p.version, p.id, m.name, m.id, m.params,
                   r.id, r.status, r.endpoint, k.id, k.attempt, k.http_status, k.finish_reason, k.prompt_tokens,
                   k.completion_tokens, k.latency_ms, k.started_at, t.created_at, \(claims ? ClaimHolder.columns : ClaimHolder.runColumns)
            FROM \(table) t JOIN prompts p ON p.id = t.prompt_id JOIN models m ON m.id = t.model_id
            JOIN runs r ON r.id = t.run_id JOIN calls k ON k.id = t.call_id
            \(claims ? "LEFT JOIN claims c ON c.run_id = r.id" : "")
            WHERE t.id = ?
            """)
        try statement.bind([id])
        guard try statement.step() else { return nil }
        var runStatus = statement.string(at: 10)
        if runStatus == "running" && ClaimHolder(statement, at: 21)?.isAlive() != true {
            runStatus = "interrupted"
        }
        return Lineage.Generated(
            id: Int64(statement.int(0)), text: statement.string(at: 1), sample: statement.int(2), ordinal: statement.optionalInt(3),
            prompt: statement.string(at: 4), promptID: Int64(statement.int(5)), model: statement.string(at: 6), modelID: Int64(statement.int(7)),
            modelParams: statement.string(at: 8), runID: Int64(statement.int(9)), runStatus: runStatus, endpoint: statement.string(at: 11),
            callID: Int64(statement.int(12)), callAttempt: statement.int(13), callHTTPStatus: statement.optionalInt(14),
            callFinishReason: statement.optionalString(15), callPromptTokens: statement.optionalInt(16),
            callCompletionTokens: statement.optionalInt(17), callLatencyMs: statement.optionalDouble(18),
            callStartedAt: statement.string(at: 19), createdAt: statement.string(at: 20))
    }
}
