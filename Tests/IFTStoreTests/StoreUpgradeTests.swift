import Foundation
import IFTSQLite
import TestSupport
import Testing
@testable import IFTStore

/// Opening a store made by the release before judgments (`Tests/Fixtures/store-0005.sql`,
/// schema version 5) with this iftdb: migration 0006 rebuilds `prompts` and `runs` to widen
/// their CHECKs, and everything the store held must come through.
@Suite struct StoreUpgradeTests {
    /// The migrations up to 0006, the one these tests are about (later ones have tests of their own).
    static let throughJudgments = StoreSchema.migrations.filter { $0.id <= 6 }

    /// A store file made from the release's dump.
    func releaseStore(_ folder: TemporaryFolder) throws -> String {
        let path = folder.file("release.sqlite")
        let dump = try String(contentsOf: packageRoot.appending(path: "Tests/Fixtures/store-0005.sql"), encoding: .utf8)
        let db = try Connection(path: path, mode: .readWrite(create: true))
        try db.execute(dump)
        db.close()
        return path
    }

    /// Every row of every table, and the SQL of every index, trigger and view (and of every
    /// table when `tableSQL`), as text; `skipping` leaves rows out by a condition per table.
    func snapshot(_ db: Connection, tableSQL: Bool, skipping: [String: String] = [:]) throws -> [String] {
        var lines: [String] = []
        let schema = try db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
        var tables: [String] = []
        while try schema.step() {
            let type = schema.string(at: 0), name = schema.string(at: 1)
            if type == "table" { tables.append(name) }
            if type != "table" || tableSQL { lines.append("\(type) \(name) on \(schema.string(at: 2)): \(schema.optionalString(3) ?? "-")") }
        }
        for table in tables where table != StoreSchema.migrationsTable {
            let rows = try db.prepare("SELECT * FROM \(table) WHERE NOT (\(skipping[table] ?? "0")) ORDER BY 1, 2")
            while try rows.step() {
                lines.append("\(table): " + (0..<rows.columnCount).map { "\(rows.columnName($0))=\(rows.value(at: $0))" }.joined(separator: " | "))
            }
        }
        let pairs = try db.prepare("SELECT * FROM pairs ORDER BY answer_id")
        while try pairs.step() { lines.append("pairs: " + (0..<pairs.columnCount).map { "\(pairs.value(at: $0))" }.joined(separator: " | ")) }
        // Each table's foreign keys: what they point at survives the rebuild of the target.
        for table in tables {
            let keys = try db.prepare("SELECT \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq")
            try keys.bind([table])
            while try keys.step() { lines.append("fk \(table).\(keys.string(at: 1)) -> \(keys.string(at: 0)).\(keys.optionalString(2) ?? "rowid") \(keys.string(at: 3))") }
        }
        return lines
    }

    @Test func aReleaseStoreUpgradesWithEveryRowIDIndexViewAndForeignKey() throws {
        let folder = try TemporaryFolder()
        let path = try releaseStore(folder)
        let before = try Connection(path: path, mode: .readOnly)
        let expected = try snapshot(before, tableSQL: false)
        #expect(try StoreSchema.migrator().appliedIDs(before) == [1, 2, 3, 4, 5])
        before.close()

        let store = try StoreFile.open(path, for: .writing, migrations: Self.throughJudgments)
        #expect(store.migrationOutcome == .upgraded(from: 5, to: 6))
        let db = store.db
        // The upgrade adds the judgments table, its indexes and the judge prompt, and changes
        // nothing else: the same rows under the same ids, indexes, views and foreign keys.
        let after = try snapshot(db, tableSQL: false, skipping: ["prompts": "name = 'judge'"])
        let added = ["index judgments_by_prompt", "index judgments_by_run", "index sqlite_autoindex_judgments_1"]
        #expect(after.filter { line in !added.contains { line.hasPrefix($0) } && !line.hasPrefix("fk judgments.") } == expected)
        #expect(try db.scalarInt("PRAGMA foreign_keys") == 1)
        #expect(try db.scalar("PRAGMA integrity_check") == .text("ok"))
        #expect(try db.scalarInt("SELECT count(*) FROM pragma_foreign_key_check") == 0)
        // The seeded judge prompt, and the widened CHECKs.
        #expect(try store.prompt(PromptRef(name: "judge")).role == .judge)
        try db.run("INSERT INTO runs (kind, prompt_id, model_id, endpoint, status, started_at) VALUES ('judgments', 2, 1, 'x', 'done', 'x')")
        #expect(throws: SQLiteError.self) { try db.run("INSERT INTO prompts (name, version, role, template, sha256, created_at) VALUES ('z', 1, 'critic', 't', 's', 'x')") }
        // Foreign keys into the rebuilt tables still hold.
        #expect(throws: SQLiteError.self) {
            try db.run("INSERT INTO answers (question_id, prompt_id, model_id, run_id, call_id, text, created_at) VALUES (1, 99, 1, 2, 2, 't', 'x')")
        }
        #expect(throws: SQLiteError.self) { try db.run("DELETE FROM runs WHERE id = 2") }
        store.close()
        // Opening again changes nothing.
        #expect(try StoreFile.open(path, for: .writing, migrations: Self.throughJudgments).migrationOutcome == .upToDate(version: 6))
    }

    /// Every migration at once: the batch runs migration gives a release store a UUID, and a
    /// run may then wait, with rows and integrity intact.
    @Test func aReleaseStoreUpgradedToTheLatestHasAUUIDAndMayWait() throws {
        let folder = try TemporaryFolder()
        let path = try releaseStore(folder)
        let store = try StoreFile.open(path, for: .writing)
        let latest = StoreSchema.migrations.map(\.id).max() ?? 0
        #expect(store.migrationOutcome == .upgraded(from: 5, to: latest))
        #expect(try store.storeUUID().wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/) != nil)
        let db = store.db
        try db.run("INSERT INTO runs (kind, prompt_id, model_id, endpoint, status, started_at) VALUES ('answers', 2, 1, 'batch:x', 'waiting', 'x')")
        #expect(throws: SQLiteError.self) { try db.run("UPDATE runs SET status = 'asleep' WHERE id = 2") }
        #expect(try db.scalar("PRAGMA integrity_check") == .text("ok"))
        #expect(try db.scalarInt("SELECT count(*) FROM pragma_foreign_key_check") == 0)
        store.close()
        #expect(try StoreFile.open(path, for: .writing).migrationOutcome == .upToDate(version: latest))
    }

    @Test func aFailedUpgradeLeavesTheReleaseStoreAsItWas() throws {
        let folder = try TemporaryFolder()
        let path = try releaseStore(folder)
        let before = try Connection(path: path, mode: .readOnly)
        let expected = try snapshot(before, tableSQL: true)
        before.close()
        // Migration 0006 as shipped, then a judgment of an answer that does not exist: the
        // foreign-key check before commit refuses the whole migration.
        let real = try #require(StoreSchema.migrations.first { $0.id == 6 })
        let broken = Migration(id: 6, name: real.name, sql: real.sql + """

            INSERT INTO judgments (answer_id, prompt_id, model_id, run_id, call_id, score, created_at) VALUES (999, 2, 1, 2, 2, 3, 'x');
            """)
        let error = try #require(throws: StoreError.self) {
            _ = try StoreFile.open(path, for: .writing, migrations: StoreSchema.migrations.filter { $0.id < 6 } + [broken])
        }
        #expect(error.message == "migration 6 (judgments) failed and was rolled back: it would leave row 1 of judgments pointing at no row of answers; the store is unchanged")
        let db = try Connection(path: path, mode: .readOnly)
        #expect(try snapshot(db, tableSQL: true) == expected)
        #expect(try StoreSchema.migrator().appliedIDs(db) == [1, 2, 3, 4, 5])
        db.close()
        // The same store upgrades with the real migration afterwards.
        #expect(try StoreFile.open(path, for: .writing, migrations: Self.throughJudgments).migrationOutcome == .upgraded(from: 5, to: 6))
    }

    @Test func aReleaseStoreReadsBeforeItIsUpgraded() throws {
        let folder = try TemporaryFolder()
        let path = try releaseStore(folder)
        // A reader runs no migration: no judgments table, so nothing is judged, and the
        // judge filters say what to do.
        let reader = try StoreFile.open(path, for: .reading)
        #expect(try reader.judgments(answerID: 2).isEmpty)
        // Twice on one reader (before the fix the second said "the store is busy").
        #expect(try reader.stats(filter: PairFilter(allVersions: true)).groups.count == 1)
        #expect(try reader.stats(filter: PairFilter()).selection.pairs == 6)
        #expect(throws: SelectionError.noJudgments(flags: ["--min-score 3"])) {
            try reader.stats(filter: PairFilter(judge: JudgeFilter(minScore: 3)))
        }
    }
}
