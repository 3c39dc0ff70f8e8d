import Foundation
import TestSupport
import Testing

/// The read-only commands on a store in a folder the user cannot write, run as the user
/// `nobody` (uid 65534) through `setpriv`, with a copy of the binary in a 0755 folder (the
/// build folder need not be readable by nobody). Three states of SQLite's write-ahead log:
/// none or empty, a usable `-wal` and `-shm`, and a `-wal` with changes but no `-shm`.
@Suite(.serialized) struct ReadOnlyFolderTests {
    static let nobody = ["--reuid=65534", "--regid=65534", "--clear-groups"]

    /// The commands that only read, each with what its output must contain and its exit code
    /// (`check` exits 1: the fixture's chunk offsets are wrong on purpose).
    static let commands: [(arguments: [String], expected: String, status: Int32)] = [
        (["sources"], "guide/intro.md", 0),
        (["stats"], "answers", 0),
        (["runs"], "done", 0),
        (["sql", "--csv", "SELECT path FROM sources ORDER BY id DESC LIMIT 1"], "path", 0),
        (["export", "--format", "jsonl"], "\"answer_id\"", 0),
        (["show", "source:guide/intro.md"], "Zürich", 0),
        (["dataset", "list"], "frozen", 0),
        (["dataset", "show", "frozen"], "pairs     6", 0),
        (["prompts", "list"], "answers@2", 0),
        (["prompts", "show", "answers@2"], "Be brief.", 0),
        (["prompts", "render", "answers@1", "--question", "question:2"], "--- user ---", 0),
        (["diff", "answers@1", "answers@2"], "diff of answers", 0),
        (["check", "--json"], "\"check\":\"chunk_offsets\"", 1),
    ]

    /// Runs `iftdb` as a reader without write access: `nobody` through setpriv when this
    /// process is root, else this (non-root) user, for whom a 0555 folder is read-only.
    struct Reader {
        let binary: String
        let asRoot: Bool

        func run(_ arguments: [String], in folder: String) async throws -> CommandResult {
            if asRoot {
                return try await iftdb(Self.nobodyPrefix + [binary] + arguments, in: folder, executable: "/usr/bin/setpriv")
            }
            return try await iftdb(arguments, in: folder, executable: binary)
        }

        static let nobodyPrefix = ReadOnlyFolderTests.nobody
    }

    /// A reader, or nil (with a warning recorded, so the skip shows) when this machine cannot
    /// run the binary as another user or that user cannot reach `folder`.
    func makeReader(_ binFolder: TemporaryFolder, reaching folder: String) async throws -> Reader? {
        let copy = binFolder.file("iftdb")
        try FileManager.default.copyItem(atPath: iftdbBinary, toPath: copy)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copy)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: binFolder.path)
        guard geteuid() == 0 else { return Reader(binary: copy, asRoot: false) }
        let setpriv = "/usr/bin/setpriv"
        guard FileManager.default.isExecutableFile(atPath: setpriv) else {
            Issue.record("SKIPPED the read-only folder test as nobody: \(setpriv) is missing (apt-get install util-linux)", severity: .warning)
            return nil
        }
        // `test` looks the paths up as nobody: every folder above them must let nobody through.
        let probe = try await runProcess(setpriv, Self.nobody + ["/usr/bin/test", "-x", copy, "-a", "-x", folder], in: "/", environment: nil, stdin: nil)
        guard probe.status == 0 else {
            Issue.record("SKIPPED the read-only folder test as nobody: nobody cannot reach \(copy) and \(folder) (`setpriv \(Self.nobody.joined(separator: " ")) test -x` exited \(probe.status)); is the temporary folder (TMPDIR) closed to other users? \(probe.stderr)", severity: .warning)
            return nil
        }
        return Reader(binary: copy, asRoot: true)
    }

    /// The fixture store with one saved dataset, written by this (root or writing) user.
    func writableStore() async throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        #expect(try await iftdb(["init"], in: folder.path).status == 0)
        let sql = try Data(contentsOf: packageRoot.appending(path: "Tests/Fixtures/pairs-store.sql"))
        let loaded = try await runProgram("sqlite3", ["iftdb.sqlite"], in: folder.path, stdin: sql)
        #expect(loaded.status == 0, "\(loaded.stderr)")
        let saved = try await iftdb(["dataset", "save", "frozen", "--all-answers"], in: folder.path)
        #expect(saved.status == 0, "\(saved.stderr)")
        return folder
    }

    /// A folder `name` inside `parent` holding copies of `files` from `source` and the empty
    /// files `empty`, then made read-only (0555, files 0444).
    func readOnlyFolder(_ name: String, in parent: TemporaryFolder, from source: String, files: [String], empty: [String] = []) throws -> String {
        let folder = parent.file(name)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        for file in files + empty {
            let target = (folder as NSString).appendingPathComponent(file)
            if files.contains(file) {
                try FileManager.default.copyItem(atPath: (source as NSString).appendingPathComponent(file), toPath: target)
            } else {
                #expect(FileManager.default.createFile(atPath: target, contents: Data()))
            }
            try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: target)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: folder)
        return folder
    }

    @Test func readOnlyCommandsWorkInAReadOnlyFolder() async throws {
        let binFolder = try TemporaryFolder()
        let parent = try TemporaryFolder()
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: parent.path)
        guard let reader = try await makeReader(binFolder, reaching: parent.path) else { return }
        let store = try await writableStore()
        // Writable again at the end, so the folders can be removed by a non-root user too.
        defer {
            for name in (try? parent.listing()) ?? [] {
                try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: parent.file(name))
            }
        }

        // No -wal (a store closed cleanly), and an empty -wal: the main file is the store.
        let clean = try readOnlyFolder("clean", in: parent, from: store.path, files: ["iftdb.sqlite"])
        let emptyLog = try readOnlyFolder("empty-log", in: parent, from: store.path, files: ["iftdb.sqlite"], empty: ["iftdb.sqlite-wal"])

        for folder in [clean, emptyLog] {
            let before = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
            for (arguments, expected, status) in Self.commands {
                let result = try await reader.run(arguments, in: folder)
                #expect(result.status == status, "\(arguments.joined(separator: " ")) in \(folder): exit \(result.status), \(result.stderr)")
                #expect(result.stdout.contains(expected), "\(arguments.joined(separator: " ")): \(result.stdout)")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == before)
        }

        // A writer holds changes in its -wal (no checkpoint) while the files are copied: the
        // copy has a usable -wal and -shm, and the rows only in the -wal must show.
        let writer = try SQLiteShell(database: store.file("iftdb.sqlite"))
        try await writer.run("""
            PRAGMA wal_autocheckpoint = 0;
            INSERT INTO sources (path, version, status, text, sha256, bytes, chars, root, loaded_at)
                VALUES ('only-in-the-log.md', 1, 'present', 'Logged, not checkpointed.', 'h9', 25, 25, 'docs', '2026-02-01T09:00:00.000Z');
            INSERT INTO prompts (name, version, role, template, sha256, created_at)
                VALUES ('logged', 1, 'answer', 'Answer {{question}}', 'p9', '2026-02-01T09:00:00.000Z');
            """)
        let withLog = try readOnlyFolder("with-log", in: parent, from: store.path, files: ["iftdb.sqlite", "iftdb.sqlite-wal", "iftdb.sqlite-shm"])
        let logOnly = try readOnlyFolder("log-without-index", in: parent, from: store.path, files: ["iftdb.sqlite", "iftdb.sqlite-wal"])
        await writer.close()
        let walSize = try FileManager.default.attributesOfItem(atPath: withLog + "/iftdb.sqlite-wal")[.size] as? Int ?? 0
        #expect(walSize > 0)

        let before = try FileManager.default.contentsOfDirectory(atPath: withLog).sorted()
        for (arguments, expected, status) in Self.commands {
            let result = try await reader.run(arguments, in: withLog)
            #expect(result.status == status, "\(arguments.joined(separator: " ")) with a -wal: exit \(result.status), \(result.stderr)")
            #expect(result.stdout.contains(expected), "\(arguments.joined(separator: " ")): \(result.stdout)")
        }
        #expect(try await reader.run(["sources"], in: withLog).stdout.contains("only-in-the-log.md"))
        #expect(try await reader.run(["sql", "--csv", "SELECT path FROM sources ORDER BY id DESC LIMIT 1"], in: withLog).stdout == "path\r\nonly-in-the-log.md\r\n")
        #expect(try await reader.run(["show", "source:only-in-the-log.md"], in: withLog).stdout.contains("Logged, not checkpointed."))
        #expect(try await reader.run(["prompts", "list"], in: withLog).stdout.contains("logged@1"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: withLog).sorted() == before)

        // A -wal with changes and no -shm cannot be read in a read-only folder: refused,
        // naming the file, never read as if the log were not there.
        for (arguments, _, _) in Self.commands {
            let result = try await reader.run(arguments, in: logOnly)
            expectOneLineError(result, containing: "iftdb.sqlite-wal")
            #expect(result.stderr.contains("where its folder is writable"), "\(arguments.joined(separator: " ")): \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(arguments.joined(separator: " ")): \(result.stdout)")
        }
    }
}

extension ReadOnlyFolderTests {
    /// A folder the reader cannot write, the binary copy and the reader; nil when skipped.
    func readOnlySetup() async throws -> (parent: TemporaryFolder, binFolder: TemporaryFolder, reader: Reader)? {
        let binFolder = try TemporaryFolder()
        let parent = try TemporaryFolder()
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: parent.path)
        guard let reader = try await makeReader(binFolder, reaching: parent.path) else { return nil }
        return (parent, binFolder, reader)
    }

    /// Makes the folders under `parent` writable again, so they can be removed.
    func unlock(_ parent: TemporaryFolder) {
        for name in (try? parent.listing()) ?? [] {
            try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: parent.file(name))
        }
    }

    /// A `-wal` with changes that the reader may not read: refused in one line naming it.
    @Test func anUnreadableWALInAReadOnlyFolderIsNamed() async throws {
        guard let setup = try await readOnlySetup() else { return }
        let (parent, binFolder, reader) = setup
        defer { unlock(parent); withExtendedLifetime(binFolder) {} }
        let store = try await writableStore()
        let writer = try SQLiteShell(database: store.file("iftdb.sqlite"))
        try await writer.run("""
            PRAGMA wal_autocheckpoint = 0;
            INSERT INTO prompts (name, version, role, template, sha256, created_at)
                VALUES ('logged', 1, 'answer', 'Answer {{question}}', 'p9', '2026-02-01T09:00:00.000Z');
            """)
        let folder = try readOnlyFolder("unreadable-log", in: parent, from: store.path, files: ["iftdb.sqlite", "iftdb.sqlite-wal", "iftdb.sqlite-shm"])
        await writer.close()
        // Readable by its owner only; the reader is someone else (nobody), or, when this
        // process is not root, nobody can read a 0000 file.
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder)
        try FileManager.default.setAttributes([.posixPermissions: reader.asRoot ? 0o600 : 0o000], ofItemAtPath: folder + "/iftdb.sqlite-wal")
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: folder)
        for arguments in [["sources"], ["runs"], ["check"]] {
            let result = try await reader.run(arguments, in: folder)
            expectOneLineError(result, containing: "iftdb.sqlite-wal")
            #expect(result.stderr.contains("not readable"), "\(arguments): \(result.stderr)")
        }
    }

    /// An unfinished write left in a `-journal` (a writer killed in rollback mode): read-only
    /// commands cannot roll it back, and say so naming the journal, in a read-only folder (where
    /// the store must not be read as if the journal were not there) and in a writable one.
    @Test func aHotJournalIsNamedNotTheWALAndSHM() async throws {
        guard let setup = try await readOnlySetup() else { return }
        let (parent, binFolder, reader) = setup
        defer { unlock(parent); withExtendedLifetime(binFolder) {} }
        let store = try await writableStore()
        try store.write("iftdb.sqlite-journal", "an unfinished write, as a killed writer leaves it")
        let folder = try readOnlyFolder("hot-journal", in: parent, from: store.path, files: ["iftdb.sqlite", "iftdb.sqlite-journal"])
        for arguments in [["sources"], ["check"]] {
            let readOnly = try await reader.run(arguments, in: folder)
            expectOneLineError(readOnly, containing: "iftdb.sqlite-journal")
            let writable = try await iftdb(arguments, in: store.path)
            expectOneLineError(writable, containing: "iftdb.sqlite-journal")
            #expect(!writable.stderr.contains("-shm"), "\(writable.stderr)")
        }
        // A command that writes rolls it back; then reading works again.
        #expect(try await iftdb(["init"], in: store.path).status == 0)
        #expect(!FileManager.default.fileExists(atPath: store.file("iftdb.sqlite-journal")))
        #expect(try await iftdb(["sources"], in: store.path).status == 0)
    }

    /// `runs` (and `show`, which names a run's process) on a store made by the release before
    /// migration 0005 (no `claims` table, no `runs.error`), in a folder the reader cannot write.
    @Test func runsOnAReadOnlyStoreFromBeforeMigration0005() async throws {
        guard let setup = try await readOnlySetup() else { return }
        let (parent, binFolder, reader) = setup
        defer { unlock(parent); withExtendedLifetime(binFolder) {} }
        let old = try TemporaryFolder()
        var sql = "PRAGMA journal_mode = WAL;\nCREATE TABLE iftdb_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);\n"
        for (id, name) in [(1, "sources_and_chunks"), (2, "generation"), (3, "pairs_view"), (4, "diff_indexes")] {
            let file = packageRoot.appending(path: "Migrations/000\(id)_\(name).sql")
            sql += "BEGIN;\n" + (try String(contentsOf: file, encoding: .utf8)) + "\nINSERT INTO iftdb_migrations VALUES (\(id), '\(name)', '2026-01-01T00:00:00.000Z');\nCOMMIT;\n"
        }
        sql += try String(contentsOf: packageRoot.appending(path: "Tests/Fixtures/pairs-store.sql"), encoding: .utf8)
        sql += "\nINSERT INTO runs (id, kind, prompt_id, model_id, endpoint, status, pid, started_at) VALUES (4, 'answers', 3, 2, 'http://127.0.0.1:8080/v1', 'running', 2147483000, '2026-01-06T10:00:00.000Z');\n"
        let made = try await runProgram("sqlite3", ["iftdb.sqlite"], in: old.path, stdin: Data(sql.utf8))
        try #require(made.status == 0 && made.stderr.isEmpty, "\(made.stderr)")
        let tables = try await runProgram("sqlite3", ["iftdb.sqlite", "SELECT count(*) FROM sqlite_master WHERE name = 'claims'"], in: old.path)
        #expect(tables.stdout == "0\n")
        let folder = try readOnlyFolder("before-0005", in: parent, from: old.path, files: ["iftdb.sqlite"])
        let runs = try await reader.run(["runs"], in: folder)
        #expect(runs.status == 0, "\(runs.stderr)")
        #expect(runs.stdout.contains("done") && runs.stdout.contains("interrupted"), "\(runs.stdout)")
        let json = try await reader.run(["runs", "--json"], in: folder)
        #expect(json.status == 0, "\(json.stderr)")
        #expect(json.stdout.contains("\"status\":\"interrupted\""), "\(json.stdout)")
        let show = try await reader.run(["show", "answer:2"], in: folder)
        #expect(show.status == 0, "\(show.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["iftdb.sqlite"])
    }
}

/// The `sqlite3` shell kept open on a database, so its changes stay in the `-wal`.
final class SQLiteShell {
    let shell: ChildProcess

    init(database: String) throws {
        let folder = URL(fileURLWithPath: database).deletingLastPathComponent().path
        shell = try ChildProcess("/usr/bin/env", ["sqlite3", "-batch", database], in: folder, keepingStdinOpen: true)
    }

    /// Runs `sql` and waits until the shell has finished it.
    func run(_ sql: String) async throws {
        let marker = "done-\(UUID().uuidString)"
        await shell.write(Data((sql + "\nSELECT '\(marker)';\n").utf8))
        guard await shell.waitForOutput(marker, on: .stdout) else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "sqlite3 ended early: \(shell.stdout) \(shell.stderr)"])
        }
        #expect(shell.stderr.isEmpty, "sqlite3: \(shell.stderr)")
    }

    func close() async {
        shell.closeStdin()
        await shell.exit()
    }
}
