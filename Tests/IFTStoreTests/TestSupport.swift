import Foundation
import IFTSQLite
@testable import IFTStore

/// A fresh temporary folder per test, removed when released.
final class TemporaryFolder {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = FileManager.default.temporaryDirectory.appending(path: "iftdb-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { url.appending(path: name).path }

    func write(_ name: String, _ text: String) throws {
        let target = url.appending(path: name)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: target)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// The package root, found from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// `iftdb export` on the store at `storePath`: opened for reading, exported, closed.
func exportPairs(storePath: String, filter: PairFilter, options: ExportOptions, output: String?, split: ExportSplit? = nil) throws -> ExportSummary {
    let reader = try StoreFile.open(storePath, for: .reading)
    defer { reader.close() }
    return try reader.export(filter: filter, options: options, output: output, split: split)
}

/// The detail lines of SQLite's plan for `query` (`SEARCH a USING INDEX …`, `USE TEMP B-TREE …`).
func queryPlan(_ query: (sql: String, arguments: [SQLiteValue]), in db: Connection) throws -> [String] {
    let statement = try db.prepare("EXPLAIN QUERY PLAN " + query.sql)
    try statement.bind(query.arguments)
    var details: [String] = []
    while try statement.step() { details.append(statement.string(at: 3)) }
    return details
}
