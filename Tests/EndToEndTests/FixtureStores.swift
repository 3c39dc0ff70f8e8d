import Foundation
import TestSupport
import Testing

/// A store made by `iftdb init`, then each fixture file (a path under `Tests/Fixtures/`) run
/// through the sqlite3 shell, in order.
func initializedStore(loading files: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> TemporaryFolder {
    let folder = try TemporaryFolder()
    #expect(try await iftdb(["init"], in: folder.path).status == 0, sourceLocation: sourceLocation)
    for file in files {
        let sql = try Data(contentsOf: packageRoot.appending(path: "Tests/Fixtures/\(file)"))
        let loaded = try await runProgram("sqlite3", ["iftdb.sqlite"], in: folder.path, stdin: sql)
        #expect(loaded.status == 0, "\(file): \(loaded.stderr)", sourceLocation: sourceLocation)
    }
    return folder
}

/// The `answer_id` of each line of a `jsonl` export, in order.
func answerIDs(_ jsonl: String) throws -> [Int] {
    try jsonl.split(separator: "\n").map { line in
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        return try #require(object?["answer_id"] as? Int)
    }
}
