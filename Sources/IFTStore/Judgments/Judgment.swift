import Foundation
internal import IFTSQLite

/// One stored judgment: a judge prompt's grade of one answer, from one call of a
/// `judgments` run, as `show answer:ID` lists it.
public struct Judgment: Sendable, Hashable, Codable {
    public let id: Int64
    /// The judge prompt, `name@version`.
    public let prompt: String
    public let model: String
    public let modelParams: String
    public let sample: Int
    /// From 1 (bad) to 5 (good).
    public let score: Int
    /// The judge's one sentence; nil when its reply gave none.
    public let reason: String?
    public let runID: Int64
    public let callID: Int64
    public let createdAt: String

    /// Every key is always present: a missing reason is `null`, not left out.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(prompt, forKey: .prompt)
        try c.encode(model, forKey: .model)
        try c.encode(modelParams, forKey: .modelParams)
        try c.encode(sample, forKey: .sample)
        try c.encode(score, forKey: .score)
        try c.encode(reason, forKey: .reason)
        try c.encode(runID, forKey: .runID)
        try c.encode(callID, forKey: .callID)
        try c.encode(createdAt, forKey: .createdAt)
    }
}

extension StoreReader {
    /// Whether the store has the `judgments` table (`0006_judgments`); a store opened
    /// read-only may be older.
    func hasJudgments() throws -> Bool {
        try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'judgments'") == 1
    }

    /// An answer's judgments, by judge prompt, model and sample; none in an older store.
    func judgments(answerID: Int64) throws -> [Judgment] {
        guard try hasJudgments() else { return [] }
        let statement = try db.prepare("""
            SELECT j.id, p.name || '@' || p.version, m.name, m.params, j.sample, j.score, j.reason, j.run_id, j.call_id, j.created_at
            FROM judgments j JOIN prompts p ON p.id = j.prompt_id JOIN models m ON m.id = j.model_id
            WHERE j.answer_id = ?
            ORDER BY p.name, p.version, m.name, m.id, j.sample
            """)
        try statement.bind([answerID])
        var judgments: [Judgment] = []
        while try statement.step() {
            judgments.append(Judgment(
                id: Int64(statement.int(0)), prompt: statement.string(at: 1), model: statement.string(at: 2),
                modelParams: statement.string(at: 3), sample: statement.int(4), score: statement.int(5),
                reason: statement.optionalString(6), runID: Int64(statement.int(7)), callID: Int64(statement.int(8)),
                createdAt: statement.string(at: 9)))
        }
        return judgments
    }
}
