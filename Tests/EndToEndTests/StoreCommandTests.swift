import Foundation
import TestSupport
import Testing

@Suite struct StoreCommandTests {
    static let writeAttempts: [String] = [
        "INSERT INTO chunkings (method, size, step, created_at, last_used_at) VALUES ('w', 1, 1, 'x', 'x')",
        "UPDATE chunkings SET size = 2",
        "DELETE FROM chunkings",
        "DROP TABLE chunks",
        "CREATE TABLE evil (x)",
        "CREATE TEMP TABLE evil (x)",
        "ALTER TABLE chunks ADD COLUMN evil TEXT",
        "REPLACE INTO chunkings (id, method, size, step, created_at, last_used_at) VALUES (1, 'w', 9, 9, 'x', 'x')",
        "WITH doomed AS (SELECT id FROM chunkings) DELETE FROM chunkings WHERE id IN (SELECT id FROM doomed)",
        "SELECT 1; DELETE FROM chunkings",
        "ATTACH DATABASE 'attached-new.db' AS evil",
        "VACUUM",
        "VACUUM INTO 'vacuumed-copy.db'",
        "PRAGMA writable_schema = ON",
        "PRAGMA journal_mode = DELETE",
        "SELECT load_extension('/usr/lib/x86_64-linux-gnu/libsqlite3.so.0')",
        "PRAGMA user_version = 7",
        "BEGIN IMMEDIATE",
        "SAVEPOINT s",
        "ANALYZE",
        "REINDEX",
        "CREATE VIEW v AS SELECT 1",
        "CREATE INDEX i ON chunks (text)",
        "SELECT fts3_tokenizer('simple')",
    ]

    @Test func sqlRefusesEveryWriteAndChangesNothing() async throws {
        let folder = try TemporaryFolder()
        #expect(try await iftdb(["init"], in: folder.path).status == 0)
        // One harmless read first: SQLite's own -wal/-shm sidecars may appear with any reader.
        #expect(try await iftdb(["sql", "SELECT count(*) FROM sources"], in: folder.path).status == 0)
        let before = try Data(contentsOf: folder.url.appending(path: "iftdb.sqlite"))
        let listingBefore = try folder.listing()

        for attempt in Self.writeAttempts {
            let result = try await iftdb(["sql", attempt], in: folder.path)
            expectOneLineError(result)
            #expect(result.stdout.isEmpty, "\(attempt) printed \(result.stdout)")
        }

        #expect(try Data(contentsOf: folder.url.appending(path: "iftdb.sqlite")) == before)
        #expect(try folder.listing() == listingBefore)
        let wal = folder.file("iftdb.sqlite-wal")
        if FileManager.default.fileExists(atPath: wal) {
            #expect(try FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int == 0)
        }
    }

    @Test func sqlPrintsCSVAndJSON() async throws {
        let folder = try TemporaryFolder()
        try await iftdb(["init"], in: folder.path)
        let csv = try await iftdb(["sql", "--csv", "SELECT 1 AS n, 'a,\"b' AS s, NULL AS z"], in: folder.path)
        #expect(csv.status == 0)
        #expect(csv.stdout == "n,s,z\r\n1,\"a,\"\"b\",\r\n")
        let json = try await iftdb(["sql", "--json", "SELECT 1 AS n, 'é/\"' AS s, NULL AS z, 2.5 AS r"], in: folder.path)
        #expect(json.stdout == "[{\"n\":1,\"s\":\"é/\\\"\",\"z\":null,\"r\":2.5}]\n")
        let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(parsed?.first?["s"] as? String == "é/\"")
        let table = try await iftdb(["sql", "--table", "SELECT 'x' AS name"], in: folder.path)
        #expect(table.stdout == "name\n----\nx\n")
    }

    @Test func initCreatesThenSaysUpToDate() async throws {
        let folder = try TemporaryFolder()
        let first = try await iftdb(["init", "--db", "s.db"], in: folder.path)
        #expect(first.status == 0)
        #expect(first.stderr.contains("created store s.db"))
        let second = try await iftdb(["init"], in: folder.path, environment: ["IFTDB_DB": "s.db"])
        #expect(second.stderr.contains("s.db is up to date"))
    }

    /// A store or output named by one character, with no folder part (`--db b`): Foundation's
    /// path functions trapped on such a path (SIGILL) on this toolchain.
    @Test func oneCharacterPathsWork() async throws {
        let folder = try TemporaryFolder()
        try folder.write("docs/a.txt", "The Ørsted lab in Zürich logged sample 42 on day 7.")
        let created = try await iftdb(["init", "--db", "b"], in: folder.path)
        #expect(created.status == 0, "\(created.stderr)")
        let loaded = try await iftdb(["load", "docs", "--db", "c"], in: folder.path)
        #expect(loaded.status == 0, "\(loaded.stderr)")
        let listed = try await iftdb(["sources", "--db", "c"], in: folder.path)
        #expect(listed.status == 0 && listed.stdout.contains("a.txt"), "\(listed.stderr)")
        let checked = try await iftdb(["check", "--db", "b"], in: folder.path)
        #expect(checked.status == 0, "\(checked.stderr)")
        try folder.write("d/e.txt", "Harbor Light was founded on 14 April 2017 by 38 households.")
        let oneLetterFolder = try await iftdb(["load", "d", "--db", "c"], in: folder.path)
        #expect(oneLetterFolder.status == 0, "\(oneLetterFolder.stderr)")
        let fixture = try String(contentsOf: packageRoot.appending(path: "Tests/Fixtures/pairs-store.sql"), encoding: .utf8)
        #expect(try await runProgram("sqlite3", ["b"], in: folder.path, stdin: Data(fixture.utf8)).status == 0)
        let split = try await iftdb(["export", "--db", "b", "--format", "csv", "--split", "t=0.5,v=0.5", "--split-by", "pair", "-o", "s"], in: folder.path)
        #expect(split.status == 0, "\(split.stderr)")
        let single = try await iftdb(["export", "--db", "b", "--format", "csv", "-o", "o"], in: folder.path)
        #expect(single.status == 0, "\(single.stderr)")
    }

    /// Another process holding the write lock past the busy timeout (15 s) is one line that
    /// says so, never SQLite's raw "database is locked".
    @Test func aStoreLockedPastTheTimeoutIsOneLineNotARawSQLiteError() async throws {
        let folder = try TemporaryFolder()
        #expect(try await iftdb(["init"], in: folder.path).status == 0)
        try folder.write("docs/a.txt", "The Ørsted lab in Zürich logged sample 42 on day 7.")
        // Holds the lock until its stdin closes (or until it is killed, if a check throws first).
        let holder = try ChildProcess("/usr/bin/env", ["python3", "-c", """
            import sqlite3, sys, time
            c = sqlite3.connect("iftdb.sqlite", isolation_level=None)
            c.execute("BEGIN IMMEDIATE")
            print("locked", flush=True)
            sys.stdin.read()
            """], in: folder.path, keepingStdinOpen: true)
        try #require(await holder.waitForOutput("locked", on: .stdout), "the lock holder did not start: \(holder.stdout) \(holder.stderr)")
        let load = try await iftdb(["load", "docs"], in: folder.path)
        #expect(load.status == 2)
        expectOneLineError(load, containing: "busy")
        #expect(!load.stderr.contains("SQLite error"), "\(load.stderr)")
        holder.closeStdin()
        let released = await holder.exit()
        #expect(released.status == 0, "the lock holder: \(released.stderr)")
    }

    @Test func binaryCopiedAloneCreatesAStore() async throws {
        let folder = try TemporaryFolder()
        let copy = folder.file("iftdb")
        try FileManager.default.copyItem(atPath: iftdbBinary, toPath: copy)
        let result = try await iftdb(["init"], in: folder.path, executable: copy)
        #expect(result.status == 0, "\(result.stderr)")
        let tables = try await iftdb(["sql", "--csv", "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"], in: folder.path, executable: copy)
        #expect(tables.stdout.contains("sources"))
        #expect(tables.stdout.contains("chunks"))
    }

    @Test func sqlOnMissingOrForeignFilesFailsInOneLine() async throws {
        let folder = try TemporaryFolder()
        expectOneLineError(try await iftdb(["sql", "SELECT 1"], in: folder.path), containing: "no iftdb store at iftdb.sqlite")
        #expect(!FileManager.default.fileExists(atPath: folder.file("iftdb.sqlite")))
        try folder.write("notes.txt", String(repeating: "not a database at all\n", count: 100))
        expectOneLineError(try await iftdb(["sql", "--db", "notes.txt", "SELECT 1"], in: folder.path), containing: "not an SQLite database")
        expectOneLineError(try await iftdb(["init", "--db", "notes.txt"], in: folder.path), containing: "not an SQLite database")
        expectOneLineError(try await iftdb(["init", "--db", "missing/dir/s.db"], in: folder.path), containing: "does not exist")
        try await iftdb(["init"], in: folder.path)
        expectOneLineError(try await iftdb(["sql", "SELEC 1"], in: folder.path), containing: "syntax error")
        expectOneLineError(try await iftdb(["sql", "   "], in: folder.path), containing: "no SQL statement")
    }

    @Test func processesCreatingOneStoreAtOnceAllSucceedAndNoneDeletesIt() async throws {
        let folder = try TemporaryFolder()
        let processes = try (0..<6).map { _ in try startIftdb(["init", "--db", "race.sqlite"], in: folder.path) }
        var results: [CommandResult] = []
        for process in processes { results.append(await process.exit()) }
        for (index, result) in results.enumerated() {
            #expect(result.status == 0, "process \(index + 1) of 6: exit \(result.status), stderr: \(result.stderr)")
        }
        let migrations = try await iftdb(["sql", "--db", "race.sqlite", "--csv", "SELECT count(*) AS n FROM iftdb_migrations; SELECT count(*) AS n FROM prompts"], in: folder.path)
        let shipped = try FileManager.default.contentsOfDirectory(atPath: packageRoot.appending(path: "Migrations").path).filter { $0.hasSuffix(".sql") }.count
        #expect(migrations.stdout == "n\r\n\(shipped)\r\n\nn\r\n3\r\n")
    }

    @Test func usageErrorsExit64() async throws {
        let folder = try TemporaryFolder()
        #expect(try await iftdb(["sql"], in: folder.path).status == 64)
        #expect(try await iftdb(["sql", "--csv", "--json", "SELECT 1"], in: folder.path).status == 64)
        #expect(try await iftdb(["frobnicate"], in: folder.path).status == 64)
    }
}
