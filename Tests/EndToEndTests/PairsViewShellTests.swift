import Foundation
import TestSupport
import Testing

/// The `pairs` view read by the plain `sqlite3` shell, as Datasette and sqlite-utils read it:
/// no iftdb function, no REGEXP.
@Suite(.serialized) struct PairsViewShellTests {
    @Test func theShellFiltersBooleansAndIDKAsIftdbDoes() async throws {
        let folder = try await initializedStore(loading: ["pairs-store.sql"])
        // Every seventh generated reply and 2,000 fixture answers, as answers to question 3,
        // written as hex so no quoting stands between the reply and the store.
        let generated = IDKReplies.generated.enumerated().filter { $0.offset % 7 == 0 }.map(\.element)
        let replies = generated + (try IDKReplies.fixtureAnswers(count: 2_000))
        let digits = Array("0123456789abcdef".utf8)
        var sql = "BEGIN;\n"
        for (offset, reply) in replies.enumerated() {
            var hexBytes: [UInt8] = []
            for byte in reply.utf8 { hexBytes += [digits[Int(byte >> 4)], digits[Int(byte & 15)]] }
            let hex = String(decoding: hexBytes, as: UTF8.self)
            sql += "INSERT INTO answers (question_id, prompt_id, model_id, run_id, call_id, sample, text, created_at) "
                + "VALUES (3, 2, 1, 2, 2, \(offset + 10), CAST(X'\(hex)' AS TEXT), '2026-02-01T00:00:00.000Z');\n"
        }
        sql += "COMMIT;\n"
        let loaded = try await runProgram("sqlite3", ["iftdb.sqlite"], in: folder.path, stdin: Data(sql.utf8))
        #expect(loaded.status == 0, "\(loaded.stderr)")

        func shell(_ query: String) async throws -> String {
            let result = try await runProgram("sqlite3", ["iftdb.sqlite", query], in: folder.path)
            #expect(result.status == 0 && result.stderr.isEmpty, "sqlite3: \(result.stderr)")
            return result.stdout
        }
        // "I don't know" by the shell's view, and by iftdb's own function.
        let byShell = try await shell("SELECT answer_id FROM pairs WHERE is_idk ORDER BY answer_id")
            .split(separator: "\n").map(String.init)
        let byIftdb = try await iftdb(["sql", "SELECT answer_id FROM pairs WHERE is_idk(answer) ORDER BY answer_id", "--csv"], in: folder.path)
        #expect(byIftdb.status == 0, "\(byIftdb.stderr)")
        let iftdbIDs = byIftdb.stdout.split(separator: "\r\n").dropFirst().map(String.init)
        #expect(byShell.count > 1_000 && byShell.count < replies.count - 1_000)
        #expect(byShell == iftdbIDs)

        // Datasette sends `?column=1` as the text '1'.
        for column in ["source_is_current", "is_idk"] {
            for value in ["0", "1"] {
                let asText = try await shell("SELECT count(*) FROM pairs WHERE \(column) = '\(value)'")
                let asInteger = try await shell("SELECT count(*) FROM pairs WHERE \(column) = \(value)")
                #expect(asText == asInteger && asInteger != "0\n", "\(column) = '\(value)': \(asText) rows; = \(value): \(asInteger)")
            }
        }
    }
}
