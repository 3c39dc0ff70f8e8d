import Foundation
import ModelServerFixture
import Testing

/// `generate` failures that are not one item's: a server that refuses every request ends the
/// run at once, and a command that fails before its first call leaves the store as it was.
@Suite struct GenerationFailureTests {
    static func scalar(_ sql: String, in folder: TemporaryFolder) throws -> String {
        try RunClaimTests.scalar(sql, in: folder)
    }

    static func load(_ folder: TemporaryFolder) throws {
        let result = try iftdb(["load", "docs", "--chunker", "window", "--chunk-size", "\(GenerationCommandTests.segment)"], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func aGenerateThatFailsBeforeItsFirstCallAddsNoRows() async throws {
        let folder = try TemporaryFolder()
        try GenerationCommandTests.writeCorpus(folder, files: 1, chunksPerFile: 3)
        try Self.load(folder)
        let store = folder.file("iftdb.sqlite")
        func dump() throws -> String {
            let result = try runProgram("sqlite3", [store, ".dump"], in: folder.path)
            #expect(result.status == 0, "\(result.stderr)")
            return result.stdout
        }
        let before = try dump()
        #expect(before.contains("CREATE TABLE"))
        let unreachable = ["--base-url", "http://127.0.0.1:9/v1"]
        let cases: [([String], String)] = [
            (["generate", "questions"] + unreachable, "no model server at"),
            (["generate", "questions", "--temperature", "0.7", "--max-tokens", "77"] + unreachable, "no model server at"),
            (["generate", "answers"] + unreachable, "no questions from questions@1"),
            (["generate", "questions", "--prompt", "nosuch"] + unreachable, "nosuch"),
            (["generate", "answers", "--questions", "nosuch"] + unreachable, "nosuch"),
            (["generate", "questions", "--chunking", "99"] + unreachable, "no chunking with id 99"),
        ]
        for (arguments, message) in cases {
            expectOneLineError(try iftdb(arguments, in: folder.path), containing: message)
            #expect(try dump() == before, "\(arguments) changed the store")
        }
        // A dry run makes no call and writes nothing either.
        let dry = try iftdb(["generate", "questions", "--dry-run"] + unreachable, in: folder.path)
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(try dump() == before, "--dry-run changed the store")
    }
}
