import Foundation
import TestSupport
import Testing

/// `iftdb check` on a store made by the real commands (clean), then on copies broken with
/// the `sqlite3` shell in each way it looks for.
@Suite struct CheckCommandTests {
    /// Text whose offsets only agree when counted in Unicode scalars: multi-byte letters,
    /// emoji (two UTF-16 units), a decomposed é (two scalars, one character), CRLF.
    static let documents: [String: String] = [
        "guide/zürich.md": "The board met in Zürich 🙂 on Tuesday.\r\nCafe\u{301} notes follow, then the budget.\n\nSecond paragraph: 中文 notes, and more words to cut.",
        "notes/plain.txt": String(repeating: "Plain words for a window. ", count: 6),
        "notes/gone.txt": "A file that will be removed.",
    ]

    static func reply(_ request: TestModelServer.RecordedRequest) -> TestModelServer.Action {
        if request.body.contains("response_format") {
            return .respond(status: 200, body: TestModelServer.completion(#"{"questions": ["Who met?", "Where was it?"]}"#))
        }
        return .respond(status: 200, body: TestModelServer.completion("In Zürich 🙂."))
    }

    /// A store with two chunkings (one overlapping), an edited and a removed source, questions,
    /// answers and a saved dataset, all made by iftdb itself.
    func cleanStore() async throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        for (path, text) in Self.documents { try folder.write("docs/\(path)", text) }
        func run(_ arguments: [String]) async throws {
            let result = try await iftdb(arguments, in: folder.path)
            #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.stderr)")
        }
        try await run(["load", "docs", "--chunk-size", "40"])
        try folder.write("docs/notes/plain.txt", String(repeating: "Edited words for a window. ", count: 5))
        try FileManager.default.removeItem(atPath: folder.file("docs/notes/gone.txt"))
        try await run(["load", "docs", "--chunker", "window", "--chunk-size", "30", "--step-size", "20"])
        try await withTestModelServer(fallback: Self.reply) { server in
            try await run(["generate", "questions", "--base-url", server.baseURL, "--quiet"])
            try await run(["generate", "answers", "--base-url", server.baseURL, "--quiet"])
            try await run(["dataset", "save", "all"])
        }
        return folder
    }

    /// A copy of `clean`'s store in a folder of its own, changed by `sql` through sqlite3.
    func broken(_ clean: TemporaryFolder, _ sql: String) async throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        try FileManager.default.copyItem(atPath: clean.file("iftdb.sqlite"), toPath: folder.file("iftdb.sqlite"))
        let result = try await runProgram("sqlite3", ["iftdb.sqlite"], in: folder.path, stdin: Data(sql.utf8))
        #expect(result.status == 0 && result.stderr.isEmpty, "sqlite3: \(result.stderr)")
        return folder
    }

    func value(_ sql: String, in folder: TemporaryFolder) async throws -> String {
        let result = try await iftdb(["sql", "--csv", sql], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: "\r\n").dropFirst().first.map(String.init) ?? ""
    }

    /// How check names the (prompt, model, sample) of a row of `table`: `(answers@1, model 2 NAME, sample 1)`.
    func generationKey(_ table: String, id: String, in folder: TemporaryFolder) async throws -> String {
        let parts = try await value("""
            SELECT p.name || '@' || p.version || '|' || m.id || '|' || m.name || '|' || t.sample
            FROM \(table) t JOIN prompts p ON p.id = t.prompt_id JOIN models m ON m.id = t.model_id WHERE t.id = \(id)
            """, in: folder).split(separator: "|")
        return "(\(parts[0]), model \(parts[1]) \(parts[2]), sample \(parts[3]))"
    }

    /// Breaks a copy with `sql` and expects exit 1 with exactly `expected` as the problem lines.
    func expectFault(_ clean: TemporaryFolder, _ sql: String, lines expected: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let folder = try await broken(clean, sql)
        let result = try await iftdb(["check"], in: folder.path)
        #expect(result.status == 1, "exit \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stdout.split(separator: "\n").map(String.init) == expected, sourceLocation: sourceLocation)
        #expect(result.stderr.contains(": \(expected.count) problem"), "\(result.stderr)", sourceLocation: sourceLocation)
    }

    @Test func aCleanStorePassesAndEachBreakIsNamed() async throws {
        let clean = try await cleanStore()
        #expect(try await value("SELECT count(DISTINCT chunking_id) FROM chunks", in: clean) == "2")
        #expect(try await value("SELECT count(*) FROM sources WHERE status = 'removed'", in: clean) == "1")
        #expect(try await Int(value("SELECT count(*) FROM dataset_items", in: clean)) ?? 0 > 0)

        let passed = try await iftdb(["check"], in: clean.path)
        #expect(passed.status == 0, "\(passed.stdout)\(passed.stderr)")
        #expect(passed.stdout.isEmpty)
        #expect(passed.stderr.contains(": no problems"))
        let json = try await iftdb(["check", "--json"], in: clean.path)
        #expect(json.status == 0)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((document["problems"] as? [Any])?.isEmpty == true)
        let summary = try #require(document["summary"] as? [String: Any])
        #expect(summary["chunks"] as? Int == Int(try await value("SELECT count(*) FROM chunks", in: clean)))
        #expect(summary["answers"] as? Int == Int(try await value("SELECT count(*) FROM answers", in: clean)))
        #expect(summary["problems"] as? Int == 0)

        // SQLite's integrity_check: an index whose definition no longer matches its entries.
        let corrupt = try await broken(clean, "PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = replace(sql, '(normalized)', '(text)') WHERE name = 'questions_by_normalized';")
        let corruptResult = try await iftdb(["check"], in: corrupt.path)
        #expect(corruptResult.status == 1)
        #expect(corruptResult.stdout.hasPrefix("integrity: row 1 missing from index questions_by_normalized\n"), "\(corruptResult.stdout)")

        // A schema SQLite cannot even read (two indexes on one root page) is a problem, not an error.
        try await expectFault(clean, "PRAGMA writable_schema = ON; UPDATE sqlite_master SET rootpage = (SELECT rootpage FROM sqlite_master WHERE name = 'questions_by_normalized') WHERE name = 'questions_by_prompt';",
                        lines: ["integrity: the schema cannot be read (malformed database schema (questions_by_normalized) - invalid rootpage)"])

        // A foreign key: the call an answer came from is gone.
        let answerCall = try await value("SELECT call_id FROM answers WHERE id = 1", in: clean)
        try await expectFault(clean, "DELETE FROM calls WHERE id = \(answerCall);", lines: ["answer:1 points at call:\(answerCall), which does not exist (call_id)"])

        // Offsets: a chunk's end moved by one scalar, on the source with emoji and a decomposed é.
        let chunk = try await value("SELECT c.id FROM chunks c JOIN sources s ON s.id = c.source_id WHERE s.path = 'guide/zürich.md' AND c.start > 0 ORDER BY c.id LIMIT 1", in: clean)
        try await expectFault(clean, "UPDATE chunks SET end = end - 1 WHERE id = \(chunk);", lines: [
            "chunk:\(chunk) offsets do not slice source:guide/zürich.md@1 (\(try await value("SELECT start || '..<' || (end - 1) FROM chunks WHERE id = \(chunk)", in: clean)) holds other text than the chunk)",
        ])
        try await expectFault(clean, "UPDATE chunks SET end = end + 1000 WHERE id = \(chunk);", lines: [
            "chunk:\(chunk) offsets do not slice source:guide/zürich.md@1 (\(try await value("SELECT start || '..<' || (end + 1000) || ' is outside its ' || (SELECT chars FROM sources WHERE id = source_id) FROM chunks WHERE id = \(chunk)", in: clean)) characters)",
        ])

        // A second question set for one (chunk, prompt, model, sample), from another call.
        let questionChunk = try await value("SELECT min(chunk_id) FROM questions", in: clean)
        let key = try await generationKey("questions", id: "(SELECT min(id) FROM questions)", in: clean)
        let firstCall = try await value("SELECT call_id FROM questions WHERE chunk_id = \(questionChunk) LIMIT 1", in: clean)
        let nextCall = try await value("SELECT max(id) + 1 FROM calls", in: clean)
        try await expectFault(clean, """
            INSERT INTO calls (id, run_id, item, request, started_at) SELECT \(nextCall), run_id, item, request, started_at FROM calls WHERE id = \(firstCall);
            INSERT INTO questions (chunk_id, prompt_id, model_id, run_id, call_id, sample, ordinal, text, normalized, created_at)
                SELECT chunk_id, prompt_id, model_id, run_id, \(nextCall), sample, 9, 'Asked twice?', 'asked twice', created_at
                FROM questions WHERE chunk_id = \(questionChunk) LIMIT 1;
            """, lines: ["chunk:\(questionChunk) has 2 question sets (from call:\(firstCall), call:\(nextCall)) for \(key); expected one"])

        // A second answer for one (question, prompt, model, sample): only possible once the
        // table has lost its UNIQUE constraint, as an outside tool might rebuild it.
        let answerKey = try await generationKey("answers", id: "1", in: clean)
        let answeredQuestion = try await value("SELECT question_id FROM answers WHERE id = 1", in: clean)
        try await expectFault(clean, """
            PRAGMA foreign_keys = OFF;
            PRAGMA legacy_alter_table = ON;
            BEGIN;
            CREATE TABLE answers_loose (
                id INTEGER PRIMARY KEY, question_id INTEGER NOT NULL REFERENCES questions (id),
                prompt_id INTEGER NOT NULL REFERENCES prompts (id), model_id INTEGER NOT NULL REFERENCES models (id),
                run_id INTEGER NOT NULL REFERENCES runs (id), call_id INTEGER NOT NULL REFERENCES calls (id),
                sample INTEGER NOT NULL DEFAULT 1, text TEXT NOT NULL, created_at TEXT NOT NULL);
            INSERT INTO answers_loose SELECT * FROM answers;
            INSERT INTO answers_loose SELECT 10000, question_id, prompt_id, model_id, run_id, call_id, sample, 'Again.', created_at FROM answers WHERE id = 1;
            DROP TABLE answers;
            ALTER TABLE answers_loose RENAME TO answers;
            COMMIT;
            """, lines: ["question:\(answeredQuestion) has 2 answers (answer:1, answer:10000) for \(answerKey); expected one"])

        // A dataset item whose answer is gone (the sqlite3 shell does not enforce foreign keys).
        let item = try await value("SELECT answer_id FROM dataset_items WHERE position = 2", in: clean)
        try await expectFault(clean, "DELETE FROM answers WHERE id = \(item);", lines: ["dataset:all item 2 points at answer:\(item), which does not exist"])

        // Migrations this build does not know.
        try await expectFault(clean, "INSERT INTO iftdb_migrations (id, name, applied_at) VALUES (99, 'from_the_future', '2030-01-01T00:00:00.000Z');",
                        lines: ["migration:99 'from_the_future' is not one this iftdb knows (a newer or different iftdb wrote the store)"])
        let migrationName = try await value("SELECT name FROM iftdb_migrations WHERE id = 3", in: clean)
        try await expectFault(clean, "UPDATE iftdb_migrations SET name = 'renamed' WHERE id = 3;",
                        lines: ["migration:3 is recorded as 'renamed', but this iftdb's migration 3 is '\(migrationName)'"])

        // --json names the check that found each problem.
        let offsets = try await broken(clean, "UPDATE chunks SET start = start + 1 WHERE id = \(chunk);")
        let jsonResult = try await iftdb(["check", "--json"], in: offsets.path)
        #expect(jsonResult.status == 1)
        let brokenDocument = try #require(try JSONSerialization.jsonObject(with: Data(jsonResult.stdout.utf8)) as? [String: Any])
        let problems = try #require(brokenDocument["problems"] as? [[String: Any]])
        #expect(problems.count == 1)
        #expect(problems.first?["check"] as? String == "chunk_offsets")
        #expect(problems.first?["subject"] as? String == "chunk:\(chunk)")
        #expect((brokenDocument["summary"] as? [String: Any])?["problems"] as? Int == 1)
    }

    /// A page of the migrations table overwritten with garbage: that is a problem check finds
    /// (exit 1, an `integrity:` line), not a store it cannot open (exit 2).
    @Test func aCorruptMigrationsPageIsAnIntegrityProblem() async throws {
        let folder = try TemporaryFolder()
        #expect(try await iftdb(["init"], in: folder.path).status == 0)
        let info = try await runProgram("sqlite3", ["iftdb.sqlite", "SELECT rootpage FROM sqlite_master WHERE name = 'iftdb_migrations'; PRAGMA page_size;"], in: folder.path)
        let numbers = info.stdout.split(separator: "\n").compactMap { Int($0) }
        try #require(numbers.count == 2, "\(info.stdout) \(info.stderr)")
        let (page, size) = (numbers[0], numbers[1])
        let walSize = (try? FileManager.default.attributesOfItem(atPath: folder.file("iftdb.sqlite-wal")))?[.size] as? Int ?? 0
        #expect(walSize == 0, "the store's pages must all be in the main file")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: folder.file("iftdb.sqlite")))
        try handle.seek(toOffset: UInt64((page - 1) * size))
        try handle.write(contentsOf: Data(repeating: 0xEE, count: size))
        try handle.close()

        let result = try await iftdb(["check"], in: folder.path)
        #expect(result.status == 1, "exit \(result.status): \(result.stdout) \(result.stderr)")
        #expect(result.stdout.split(separator: "\n").contains { $0.hasPrefix("integrity:") }, "\(result.stdout)")
        let json = try await iftdb(["check", "--json"], in: folder.path)
        #expect(json.status == 1, "exit \(json.status): \(json.stderr)")
        #expect(json.stdout.contains("\"check\":\"integrity\""), "\(json.stdout)")
    }

    @Test func noStoreExits2() async throws {
        let folder = try TemporaryFolder()
        expectOneLineError(try await iftdb(["check"], in: folder.path), containing: "no iftdb store at iftdb.sqlite")
        #expect(try folder.listing().isEmpty)
        try folder.write("notes.txt", String(repeating: "not a database at all\n", count: 100))
        expectOneLineError(try await iftdb(["check", "--db", "notes.txt"], in: folder.path), containing: "not an SQLite database")
        #expect(try await runProgram("sqlite3", ["other.db", "CREATE TABLE t (x)"], in: folder.path).status == 0)
        expectOneLineError(try await iftdb(["check", "--db", "other.db"], in: folder.path), containing: "not an iftdb store")
    }
}
