import Foundation
internal import IFTSQLite

extension StoreWriter {
    /// Writes `attempts` as `calls` rows of run `runID` for `item` (e.g. `chunk:12/1`) and
    /// returns their ids in order. Synchronous and transaction-free on purpose: the caller
    /// writes the result and its calls in one short transaction of its own.
    @discardableResult
    func insertCalls(runID: Int64, item: String, attempts: [CallAttempt]) throws -> [Int64] {
        let statement = try db.cached("""
            INSERT INTO calls (run_id, item, attempt, request, response, http_status, finish_reason,
                               prompt_tokens, completion_tokens, latency_ms, error, started_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        var ids: [Int64] = []
        for attempt in attempts {
            try statement.bind([
                runID, item, attempt.attempt, attempt.request, attempt.response, attempt.httpStatus,
                attempt.finishReason, attempt.promptTokens, attempt.completionTokens,
                attempt.latencyMilliseconds, attempt.error, attempt.startedAt,
            ] as [any SQLiteBindable])
            try statement.runToCompletion()
            ids.append(db.lastInsertRowID)
        }
        return ids
    }
}
