import Foundation
import TestSupport
import Testing

@Suite struct ExportCommandTests {
    /// A store made by `iftdb init`, filled with `Tests/Fixtures/pairs-store.sql` through the sqlite3 shell.
    func fixtureStore(extraSQL: String = "") async throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        #expect(try await iftdb(["init"], in: folder.path).status == 0)
        let sql = try Data(contentsOf: packageRoot.appending(path: "Tests/Fixtures/pairs-store.sql")) + Data(extraSQL.utf8)
        let loaded = try await runProgram("sqlite3", ["iftdb.sqlite"], in: folder.path, stdin: sql)
        #expect(loaded.status == 0, "\(loaded.stderr)")
        return folder
    }

    static let fileNames = ["csv": "pairs.csv", "json": "pairs.json", "lamini": "pairs.lamini.json", "openai": "pairs.openai.jsonl"]

    @Test func exportsPassThePythonCheckAndABrokenOneFails() async throws {
        let folder = try await fixtureStore()
        try FileManager.default.createDirectory(atPath: folder.file("out"), withIntermediateDirectories: true)
        for (format, name) in Self.fileNames {
            let result = try await iftdb(["export", "--format", format, "-o", "out/\(name)"], in: folder.path)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.hasPrefix("wrote 6 pairs as \(format) to out/\(name) (8 in scope)\n"))
            #expect(result.stderr.contains("superseded source versions (--all-versions keeps them): removed 2"))
        }
        let script = packageRoot.appending(path: "scripts/check-exports.py").path
        let good = try await runProgram("python3", [script, "out"], in: folder.path)
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stderr.contains("ok: 6 pairs"))

        // A role out of order in one OpenAI line fails the check.
        let openai = folder.file("out/pairs.openai.jsonl")
        let lines = try String(contentsOfFile: openai, encoding: .utf8)
        try lines.replacingOccurrences(of: "\"role\":\"user\"", with: "\"role\":\"human\"").write(toFile: openai, atomically: true, encoding: .utf8)
        let badRoles = try await runProgram("python3", [script, "out"], in: folder.path)
        #expect(badRoles.status == 1)
        #expect(badRoles.stderr.contains("expected [system?, user, assistant]"))

        // A CSV whose quoting was lost no longer matches the JSON.
        try lines.write(toFile: openai, atomically: true, encoding: .utf8)
        let csv = folder.file("out/pairs.csv")
        let csvText = try String(contentsOfFile: csv, encoding: .utf8)
        try csvText.replacingOccurrences(of: "\"\"briefly\"\"", with: "briefly").write(toFile: csv, atomically: true, encoding: .utf8)
        let badCSV = try await runProgram("python3", [script, "out"], in: folder.path)
        #expect(badCSV.status == 1)
        #expect(badCSV.stderr.contains("the CSV and the JSON differ"))
    }

    @Test func everyFormatStreamsToStandardOutput() async throws {
        let folder = try await fixtureStore()
        for format in ["csv", "json", "lamini", "openai", "alpaca", "sharegpt", "jsonl"] {
            let result = try await iftdb(["export", "--format", format, "--exclude-idk"], in: folder.path)
            #expect(result.status == 0, "\(format): \(result.stderr)")
            #expect(result.stdout.contains("Zürich") && result.stdout.contains("🙂"), "\(format)")
            #expect(!result.stdout.contains("I don’t know"), "\(format)")
            #expect(result.stderr.contains("wrote 4 pairs as \(format) to standard output"))
            #expect(result.stderr.contains("--exclude-idk: removed 2"))
        }
        let openai = try await iftdb(["export", "--format", "openai", "--system", "Answer from the text.", "--include-context", "--source", "notes/*"], in: folder.path)
        let first = try #require(openai.stdout.split(separator: "\n").first)
        #expect(first.hasPrefix("{\"messages\":[{\"role\":\"system\",\"content\":\"Answer from the text.\"},{\"role\":\"user\",\"content\":\"Café au lait"))
    }

    @Test func emptySelectionExits2AndWritesNothing() async throws {
        let folder = try await fixtureStore()
        let result = try await iftdb(["export", "--format", "csv", "--source", "nothing/*", "-o", "pairs.csv"], in: folder.path)
        expectOneLineError(result, containing: "no pairs match the filters")
        #expect(result.stderr.contains("--source 'nothing/*'"))
        #expect(!FileManager.default.fileExists(atPath: folder.file("pairs.csv")))
        #expect(try folder.listing().allSatisfy { $0.hasPrefix("iftdb.sqlite") })

        let empty = try TemporaryFolder()
        try await iftdb(["init"], in: empty.path)
        expectOneLineError(try await iftdb(["export", "--format", "json"], in: empty.path), containing: "the store has no answers yet")
    }

    @Test func ambiguousSelectionIsRefusedAndAnEarlierFileStays() async throws {
        let folder = try await fixtureStore(extraSQL: """
            INSERT INTO runs (id, kind, prompt_id, model_id, endpoint, status, started_at) VALUES (4, 'answers', 3, 1, 'x', 'done', '2026-01-06T00:00:00.000Z');
            INSERT INTO calls (id, run_id, request, started_at) VALUES (4, 4, '{}', '2026-01-06T00:00:00.000Z');
            INSERT INTO answers (question_id, prompt_id, model_id, run_id, call_id, sample, text, created_at) VALUES (2, 3, 1, 4, 4, 1, 'Zürich.', '2026-01-06T00:00:00.000Z');
            """)
        try folder.write("pairs.jsonl", "earlier export\n")
        let refused = try await iftdb(["export", "--format", "jsonl", "-o", "pairs.jsonl"], in: folder.path)
        expectOneLineError(refused, containing: "answer prompts answers@1, answers@2")
        #expect(refused.stderr.contains("--answer-prompt") && refused.stderr.contains("--all-answers"))
        #expect(try String(contentsOfFile: folder.file("pairs.jsonl"), encoding: .utf8) == "earlier export\n")
        #expect(try folder.listing().filter { !$0.hasPrefix("iftdb.sqlite") } == ["pairs.jsonl"])

        let narrowed = try await iftdb(["export", "--format", "jsonl", "--answer-prompt", "answers", "-o", "pairs.jsonl"], in: folder.path)
        #expect(narrowed.status == 0, "\(narrowed.stderr)")
        #expect(try String(contentsOfFile: folder.file("pairs.jsonl"), encoding: .utf8).split(separator: "\n").count == 1)
        let all = try await iftdb(["export", "--format", "csv", "--all-answers"], in: folder.path)
        #expect(all.status == 0)
        #expect(all.stderr.contains("wrote 7 pairs"))
    }

    @Test func badInputIsOneLineOrUsage() async throws {
        let folder = try await fixtureStore()
        expectOneLineError(try await iftdb(["export", "--format", "csv", "--answer-prompt", "answers@7"], in: folder.path),
                           containing: "no prompt named 'answers' has version 7 (latest is 2); see `iftdb prompts list`")
        expectOneLineError(try await iftdb(["export", "--format", "csv", "--model", "gpt-9"], in: folder.path), containing: "no model named 'gpt-9'")
        expectOneLineError(try await iftdb(["export", "--format", "csv", "-o", "missing/dir/x.csv"], in: folder.path), containing: "does not exist")
        expectOneLineError(try await iftdb(["export", "--format", "csv", "--db", "nope.sqlite"], in: folder.path), containing: "no iftdb store")
        for arguments in [["export"], ["export", "--format", "xml"], ["export", "--format", "csv", "--since", "soon"],
                          ["export", "--format", "csv", "--answer-prompt", "answers@x"], ["export", "--format", "csv", "--system", "s"],
                          ["export", "--format", "csv", "--idk-pattern", "(open"]] {
            let result = try await iftdb(arguments, in: folder.path)
            #expect(result.status == 64, "\(arguments): \(result.status) \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        #expect(!FileManager.default.fileExists(atPath: folder.file("nope.sqlite")))
    }

    @Test func pairsViewWorksInTheSQLiteShell() async throws {
        let folder = try await fixtureStore()
        let result = try await runProgram("sqlite3", ["-json", "iftdb.sqlite",
            "SELECT source_path, answer_prompt, model, question, answer FROM pairs WHERE source_is_current AND answer_id = 2"], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(rows.first?["source_path"] as? String == "guide/intro.md")
        #expect(rows.first?["answer_prompt"] as? String == "answers@1")
        #expect(rows.first?["answer"] as? String == "In Zürich, \"briefly\" — they said so.")
    }

    @Test func exportOntoTheStoreItselfIsRefused() async throws {
        let folder = try await fixtureStore()
        let before = try Data(contentsOf: folder.url.appending(path: "iftdb.sqlite"))
        expectOneLineError(try await iftdb(["export", "--format", "csv", "--answer-prompt", "answers@1", "-o", "iftdb.sqlite"], in: folder.path), containing: "is the store itself")
        expectOneLineError(try await iftdb(["export", "--format", "csv", "--answer-prompt", "answers@1", "-o", "./iftdb.sqlite-wal"], in: folder.path), containing: "is the store itself")
        #expect(try Data(contentsOf: folder.url.appending(path: "iftdb.sqlite")) == before)
    }
}
