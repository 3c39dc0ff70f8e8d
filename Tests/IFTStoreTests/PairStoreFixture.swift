import Foundation
import IFTSQLite
import TestSupport
@testable import IFTStore

/// A store with generated pairs, inserted straight through SQL (generation is not ours to
/// call here): `Tests/Fixtures/pairs-store.sql`, plus helpers to add more rows.
final class PairStoreFixture {
    let folder: TemporaryFolder
    let store: StoreWriter
    var db: Connection { store.db }
    var path: String { store.path }

    /// `loaded`: with the fixture rows; otherwise an empty, migrated store.
    init(loaded: Bool = true) throws {
        folder = try TemporaryFolder()
        store = try StoreFile.open(folder.file("store.sqlite"), for: .writing(create: true))
        if loaded {
            let sql = try String(contentsOf: packageRoot.appending(path: "Tests/Fixtures/pairs-store.sql"), encoding: .utf8)
            try db.execute(sql)
        }
    }

    /// The (chunk, question, answer) triples of the fixture's current source versions, in
    /// export order, read through the `pairs` view (an independent path from the exporter).
    func expectedTriples(where condition: String = "source_is_current") throws -> [[String]] {
        let statement = try db.prepare("""
            SELECT chunk, question, answer FROM pairs WHERE \(condition)
            ORDER BY source_path, source_version, chunking_id, chunk_ordinal, question_ordinal, answer_sample
            """)
        var rows: [[String]] = []
        while try statement.step() { rows.append([statement.string(at: 0), statement.string(at: 1), statement.string(at: 2)]) }
        return rows
    }

    @discardableResult
    func addPrompt(name: String, version: Int, role: String) throws -> Int {
        try db.run("INSERT INTO prompts (name, version, role, template, sha256, created_at) VALUES (?, ?, ?, 't', ?, '2026-01-01T00:00:00.000Z')",
                   [name, version, role, "\(name)@\(version)"])
        return Int(db.lastInsertRowID)
    }

    @discardableResult
    func addModel(name: String, params: String = "{}") throws -> Int {
        try db.run("INSERT INTO models (name, params, created_at) VALUES (?, ?, '2026-01-01T00:00:00.000Z')", [name, params])
        return Int(db.lastInsertRowID)
    }

    /// A finished answers run with one call; returns (run, call).
    func addAnswerRun(prompt: Int, model: Int) throws -> (run: Int, call: Int) {
        try db.run("INSERT INTO runs (kind, prompt_id, model_id, endpoint, status, started_at) VALUES ('answers', ?, ?, 'http://x/v1', 'done', '2026-02-01T00:00:00.000Z')", [prompt, model])
        let run = Int(db.lastInsertRowID)
        try db.run("INSERT INTO calls (run_id, request, started_at) VALUES (?, '{}', '2026-02-01T00:00:00.000Z')", [run])
        return (run, Int(db.lastInsertRowID))
    }

    @discardableResult
    func addAnswer(question: Int, prompt: Int, model: Int, run: (run: Int, call: Int), sample: Int = 1, text: String,
                   createdAt: String = "2026-02-01T00:00:00.000Z") throws -> Int {
        try db.run("""
            INSERT INTO answers (question_id, prompt_id, model_id, run_id, call_id, sample, text, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [question, prompt, model, run.run, run.call, sample, text, createdAt])
        return Int(db.lastInsertRowID)
    }

    /// Pairs the filter selects, as answer ids in order.
    func selectedAnswerIDs(_ filter: PairFilter) throws -> [Int64] {
        try PairSelection(filter, in: db).answerIDs()
    }
}
