import Foundation
import IFTStore
import TestSupport
import Testing

/// `load` under pressure: two loads at once, loads that find nothing to load, a store inside
/// the folder it loads, and a load killed half-way.
@Suite struct LoadSafetyTests {
    // MARK: two loads at once

    @Test func twoLoadsOfTheSamePathsAtOnceBothSucceed() async throws {
        let folder = try TemporaryFolder()
        // What the store must hold after each round: path → (current version, text or nil if removed).
        var expected: [String: (version: Int, text: String?)] = [:]
        func put(_ path: String, _ text: String) throws {
            try folder.write("docs/" + path, text)
            expected[path] = ((expected[path]?.version ?? 0) + 1, text)
        }
        func remove(_ path: String) throws {
            try FileManager.default.removeItem(atPath: folder.file("docs/" + path))
            expected[path] = ((expected[path]?.version ?? 0) + 1, nil)
        }
        for i in 0..<12 { try put("f\(i).txt", "File \(i), as first written. " + String(repeating: "Words \(i). ", count: 40)) }
        try #require(try await iftdb(["init"], in: folder.path).status == 0)

        for round in 0..<50 {
            if round > 0 {
                try put("f\(round % 12).txt", "File \(round % 12), edited in round \(round). " + String(repeating: "More \(round). ", count: 30))
                if round % 5 == 0 { try put("added/r\(round).txt", "Added in round \(round).") }
                if round % 5 == 3, expected["added/r\(round - 3).txt"] != nil { try remove("added/r\(round - 3).txt") }
            }
            let first = try startIftdb(["load", "docs", "--quiet"], in: folder.path)
            let second = try startIftdb(["load", "docs", "--quiet"], in: folder.path)
            for result in [await first.exit(), await second.exit()] {
                try #require(result.status == 0, "round \(round): exit \(result.status): \(result.stderr)")
                #expect(!result.stderr.contains("SQLite") && !result.stderr.contains("constraint"), "round \(round): \(result.stderr)")
            }
            // Each change is one version, whichever load wrote it: the other saw it.
            let rows = try await sqlRows("""
                SELECT path, version, status, text, (SELECT count(*) FROM sources v WHERE v.path = s.path) AS versions
                FROM current_sources s ORDER BY path
                """, in: folder.path)
            let stored = Dictionary(uniqueKeysWithValues: rows.map { ($0["path"] as? String ?? "", $0) })
            try #require(Set(stored.keys) == Set(expected.keys), "round \(round): paths \(stored.keys.sorted())")
            for (path, want) in expected {
                let row = stored[path] ?? [:]
                #expect(row["version"] as? Int == want.version, "round \(round): \(path) is at version \(row["version"] ?? "?"), want \(want.version)")
                #expect(row["versions"] as? Int == want.version, "round \(round): \(path) has \(row["versions"] ?? "?") versions, want \(want.version)")
                #expect(row["status"] as? String == (want.text == nil ? "removed" : "present"), "round \(round): \(path)")
                #expect(row["text"] as? String == want.text, "round \(round): \(path) text")
            }
        }
        // Every version has its chunks.
        let unchunked = try await sqlRows("SELECT count(*) AS n FROM sources s WHERE s.chars > 0 AND NOT EXISTS (SELECT 1 FROM chunks c WHERE c.source_id = s.id)", in: folder.path)
        #expect(unchunked.first?["n"] as? Int == 0)
    }

    // MARK: nothing to load

    @Test func aLoadThatSelectsNoFileChangesNothingAndExitsOne() async throws {
        let folder = try TemporaryFolder()
        for i in 0..<3 { try folder.write("docs/file\(i).md", "File \(i). " + String(repeating: "Some words about file \(i). ", count: 30)) }
        try folder.write("docs/sub/deeper.txt", "A nested file.")
        // A chunking other than the default, so a load with the default one would have a reason to chunk.
        let window = ["--chunker", "window", "--chunk-size", "100", "--step-size", "50"]
        try #require(try await iftdb(["load", "docs"] + window, in: folder.path).status == 0)
        // A second load of an unchanged folder is clean.
        let again = try await iftdb(["load", "docs"] + window, in: folder.path)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("unchanged 4"))
        let before = try await dump(folder)
        let chunkingBefore = try await generationChunking(folder)

        try FileManager.default.createDirectory(atPath: folder.file("empty"), withIntermediateDirectories: true)
        try folder.write("skipped/logo.png", Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00]))
        try folder.write("skipped/latin1.txt", Data("Caf\u{e9} cr\u{e8}me".data(using: .isoLatin1)!))
        try folder.write("skipped/big.txt", String(repeating: "big ", count: 100))
        try folder.write("hidden/.notes.txt", "hidden")
        let cases: [(arguments: [String], warning: String)] = [
            (["load", "empty"], "no file to load in empty"),
            (["load", "skipped", "--max-file-size", "100"], "every file selected in skipped was skipped"),
            (["load", "hidden"], "no file to load in hidden"),
            (["load", "docs", "--include", "*.pdf"], "no file to load in docs"),
            (["load", "empty", "hidden"], "no file to load in empty"),
        ]
        for (arguments, warning) in cases {
            let result = try await iftdb(arguments, in: folder.path)
            #expect(result.status == 1, "\(arguments): exit \(result.status), \(result.stderr)")
            #expect(result.stderr.contains("iftdb: warning: \(warning)"), "\(arguments): \(result.stderr)")
            #expect(try await dump(folder) == before, "\(arguments) changed the store")
            #expect(try await generationChunking(folder) == chunkingBefore, "\(arguments) moved the chunking generate uses")
        }

        // A folder emptied since it was loaded: nothing is marked removed.
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.file("docs")) {
            try FileManager.default.moveItem(atPath: folder.file("docs/\(name)"), toPath: folder.file("aside-\(name)"))
        }
        let emptied = try await iftdb(["load", "docs"] + window, in: folder.path)
        #expect(emptied.status == 1, "exit \(emptied.status), \(emptied.stderr)")
        #expect(try await dump(folder) == before, "loading an emptied folder changed the store")
    }

    @Test func oneFolderWithNothingToLoadBesideAGoodOneExitsOne() async throws {
        let folder = try TemporaryFolder()
        try folder.write("docs/a.txt", "Alpha.")
        try FileManager.default.createDirectory(atPath: folder.file("empty"), withIntermediateDirectories: true)
        let result = try await iftdb(["load", "docs", "empty", "--json"], in: folder.path)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("iftdb: warning: no file to load in empty"))
        #expect(result.stdout.contains("\"new\":1"))
    }

    // MARK: the store's own files

    @Test func theStoreAndItsFilesAreNeverLoaded() async throws {
        let folder = try TemporaryFolder()
        try folder.write("work/a.txt", "Alpha, a document.")
        let work = folder.file("work")
        for pass in 0..<3 {
            let result = try await iftdb(["load", "."], in: work)
            #expect(result.status == 0, "pass \(pass): \(result.stderr)")
            #expect(!result.stderr.contains("warning"), "pass \(pass): \(result.stderr)")
        }
        #expect(try await sqlRows("SELECT DISTINCT path FROM sources ORDER BY path", in: work).compactMap { $0["path"] as? String } == ["a.txt"])

        // The store reached by other names: a hard link and a symlink in the loaded folder, a
        // stale -journal beside it, and --db through a symlinked folder.
        try folder.write("work/docs/b.txt", "Beta, another document.")
        try FileManager.default.linkItem(atPath: folder.file("work/iftdb.sqlite"), toPath: folder.file("work/docs/hard-link.db"))
        try FileManager.default.createSymbolicLink(atPath: folder.file("work/docs/sym-link.db"), withDestinationPath: "../iftdb.sqlite")
        try folder.write("work/iftdb.sqlite-journal", "")
        try FileManager.default.createSymbolicLink(atPath: folder.file("via"), withDestinationPath: work)
        let other = try await iftdb(["load", "work", "--db", "via/iftdb.sqlite"], in: folder.path)
        #expect(other.status == 0, "\(other.stderr)")
        #expect(!other.stderr.contains("warning"), "\(other.stderr)")
        let paths = try await sqlRows("SELECT DISTINCT path FROM sources ORDER BY path", in: work).compactMap { $0["path"] as? String }
        #expect(paths == ["a.txt", "docs/b.txt"])
    }

    // MARK: other writers during a long load

    /// A load stopped half-way through a batch (the test hook stops it after its 40th file)
    /// does not hold the write lock: reading and hashing files happens outside it, so another
    /// writer gets in at once instead of timing out after 15 s.
    @Test func aSecondWriterGetsInWhileALoadIsStoppedMidBatch() async throws {
        let folder = try TemporaryFolder()
        for i in 0..<100 { try folder.write("docs/file\(i).txt", "File \(i). " + String(repeating: "Words of file \(i). ", count: 20)) }
        try folder.write("other/x.txt", "Another folder, loaded while the first load is stopped.")
        try #require(try await iftdb(["init"], in: folder.path).status == 0)
        let first = try startIftdb(["load", "docs", "--quiet"], in: folder.path, environment: ["IFTDB_TEST_STOP_AFTER_FILES": "40"])
        try #require(await first.waitUntilStopped(), "the load ended before it was stopped: \(first.stderr)")
        let second = try await iftdb(["load", "other", "--quiet"], in: folder.path)
        kill(first.pid, SIGCONT)
        let resumed = await first.exit()
        #expect(second.status == 0, "the second writer: exit \(second.status), \(second.stderr)")
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let paths = try await sqlRows("SELECT path FROM current_sources ORDER BY path", in: folder.path).compactMap { $0["path"] as? String }
        #expect(paths.count == 101, "\(paths.count) sources")
        #expect(paths.contains("x.txt"))
    }

    // MARK: a folder swapped while it is walked

    /// The walk is inside `docs/sub` when `sub` is replaced by a symlink to a folder outside:
    /// the next file is reached through the link. It is read through an open file whose real
    /// path is checked, so it is skipped as outside the folder, never loaded.
    @Test func aFolderSwappedForALinkOutsideMidWalkIsNotRead() async throws {
        let folder = try TemporaryFolder()
        try folder.write("docs/sub/a.txt", "Inside, first.")
        try folder.write("docs/sub/b.txt", "Inside, second.")
        try folder.write("outside/b.txt", "SECRET from outside the folder.")
        try #require(try await iftdb(["init"], in: folder.path).status == 0)
        let load = try startIftdb(["load", "docs"], in: folder.path, environment: ["IFTDB_TEST_STOP_AFTER_FILES": "1"])
        try #require(await load.waitUntilStopped(), "the load ended before it was stopped: \(load.stderr)")
        try FileManager.default.moveItem(atPath: folder.file("docs/sub"), toPath: folder.file("moved-away"))
        try FileManager.default.createSymbolicLink(atPath: folder.file("docs/sub"), withDestinationPath: folder.file("outside"))
        kill(load.pid, SIGCONT)
        let result = await load.exit()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("sub/b.txt"), "\(result.stderr)")
        let texts = try await sqlRows("SELECT path, text FROM sources ORDER BY path", in: folder.path)
        #expect(!texts.contains { ($0["text"] as? String)?.contains("SECRET") == true }, "\(texts)")
    }

    // MARK: a load killed half-way

    /// A store's content with ids and timestamps left out, table by table.
    func content(_ folder: TemporaryFolder, db: String) async throws -> [String: [String]] {
        let queries = [
            "sources": "SELECT path, version, status, text, sha256, bytes, chars, root FROM sources ORDER BY path, version",
            "chunkings": "SELECT method, size, step, last_used_at <> '' AS used FROM chunkings ORDER BY method, size, step",
            "chunks": """
                SELECT s.path, s.version, k.method, k.size, k.step, c.ordinal, c.start, c.end, c.text, c.sha256
                FROM chunks c JOIN sources s ON s.id = c.source_id JOIN chunkings k ON k.id = c.chunking_id
                ORDER BY s.path, s.version, k.method, k.size, k.step, c.ordinal
                """,
            "tables": "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
        ]
        var result: [String: [String]] = [:]
        for (name, query) in queries {
            let run = try await runProgram("sqlite3", ["-readonly", "-json", db, query], in: folder.path)
            try #require(run.status == 0, "\(run.stderr)")
            result[name] = [run.stdout]
        }
        // Row counts of every table.
        for table in try await sqlRows("SELECT name FROM sqlite_master WHERE type = 'table'", in: folder.path, db: db).compactMap({ $0["name"] as? String }) {
            result["count " + table] = try await sqlRows("SELECT count(*) AS n FROM \"\(table)\"", in: folder.path, db: db).map { "\($0["n"] ?? "?")" }
        }
        return result
    }

    @Test func aLoadKilledHalfWayLeavesAStoreThatResumesToTheSameContent() async throws {
        let folder = try TemporaryFolder()
        let files = 2000
        for i in 0..<files {
            let words = (0..<(20 + i % 50)).map { "w\(($0 * 7 + i) % 97)" }.joined(separator: " ")
            try folder.write("docs/part\(i % 10)/file\(i).txt", "File \(i). \(words).\n\nSecond paragraph of file \(i).")
        }
        let reference = try await iftdb(["load", "docs", "--quiet", "--db", "reference.sqlite"], in: folder.path)
        try #require(reference.status == 0, "\(reference.stderr)")
        let want = try await content(folder, db: "reference.sqlite")

        // Kill points, by files loaded: inside the first batch, inside a later one, right
        // after a batch committed, at the last file; and twice in a row.
        let scenarios: [[Int]] = [[1], [700], [1024], [files], [300, 1500]]
        for (index, stops) in scenarios.enumerated() {
            let db = "killed\(index).sqlite"
            for stop in stops {
                let load = try startIftdb(["load", "docs", "--quiet", "--db", db], in: folder.path, environment: ["IFTDB_TEST_STOP_AFTER_FILES": "\(stop)"])
                try #require(await load.waitUntilStopped(), "kill at \(stop): the load ended before it was stopped: \(load.stderr)")
                kill(load.pid, SIGKILL)
                let killed = await load.exit()
                #expect(killed.signal == SIGKILL, "kill at \(stop): \(killed.stderr)")

                let integrity = try await runProgram("sqlite3", [db, "PRAGMA integrity_check"], in: folder.path)
                #expect(integrity.stdout == "ok\n", "kill at \(stop): \(integrity.stdout) \(integrity.stderr)")
                let loaded = try await sqlRows("SELECT count(*) AS n FROM sources", in: folder.path, db: db).first?["n"] as? Int ?? -1
                #expect(loaded < files, "kill at \(stop): \(loaded) sources: the kill came too late to test anything")
                let unchunked = try await sqlRows("""
                    SELECT count(*) AS n FROM sources s
                    WHERE s.chars > 0 AND NOT EXISTS (SELECT 1 FROM chunks c WHERE c.source_id = s.id)
                    """, in: folder.path, db: db)
                #expect(unchunked.first?["n"] as? Int == 0, "kill at \(stop): a source version without its chunks")
            }
            let rerun = try await iftdb(["load", "docs", "--quiet", "--db", db], in: folder.path)
            #expect(rerun.status == 0, "after kills at \(stops): \(rerun.stderr)")
            let got = try await content(folder, db: db)
            for key in want.keys.sorted() {
                #expect(got[key] == want[key], "after kills at \(stops): \(key) differs from a load never killed")
            }
        }
    }
}

// MARK: helpers

/// Rows of `iftdb sql --json`.
func sqlRows(_ query: String, in folder: String, db: String? = nil) async throws -> [[String: Any]] {
    let result = try await iftdb(["sql", "--json", query] + (db.map { ["--db", $0] } ?? []), in: folder)
    try #require(result.status == 0, "\(result.stderr)")
    return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
}

/// The store as SQL text (`sqlite3 .dump`): equal dumps, unchanged store.
func dump(_ folder: TemporaryFolder, db: String = "iftdb.sqlite") async throws -> String {
    let result = try await runProgram("sqlite3", ["-readonly", db, ".dump"], in: folder.path)
    try #require(result.status == 0, "\(result.stderr)")
    return result.stdout
}

/// The chunking `generate` would use.
func generationChunking(_ folder: TemporaryFolder) async throws -> Int? {
    try await sqlRows("SELECT id FROM chunkings ORDER BY last_used_at DESC, id DESC LIMIT 1", in: folder.path).first?["id"] as? Int
}

extension ChildProcess {
    /// Waits until it has stopped itself (state T in /proc); false if it ended first. Nothing
    /// announces a stop to a process that is not reaping the child itself: /proc is polled.
    func waitUntilStopped() async -> Bool {
        _ = await pollUntil { !isRunning || ProcessIdentity.stat(Int(pid))?.state == "T" }
        return isRunning && ProcessIdentity.stat(Int(pid))?.state == "T"
    }
}
