import Foundation
import IFTSQLite
import TestSupport
import Testing
@testable import IFTStore

/// The one door to a store: creating, migrating, refusing stores it must not touch, and
/// leaving nothing half-made.
@Suite struct StoreFileTests {
    @Test func failedMigrationIsNotRecordedAndLeavesNoTable() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("s.db")
        let first = Migration(id: 1, name: "first", sql: "CREATE TABLE one (x);")
        try StoreFile.open(path, for: .writing(create: true), migrations: [first]).close()
        let migrations = [
            first,
            Migration(id: 2, name: "broken", sql: "CREATE TABLE two (x); INSERT INTO two VALUES (1); CREATE TABLE three (;"),
        ]
        let error = try #require(throws: StoreError.self) { _ = try StoreFile.open(path, for: .writing(create: true), migrations: migrations) }
        guard case .migrationFailed(let id, _, _) = error else {
            Issue.record("expected migrationFailed, got \(error)")
            return
        }
        #expect(id == 2)
        let db = try Connection(path: path, mode: .readOnly)
        #expect(try StoreSchema.migrator().appliedIDs(db) == [1])
        #expect(try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name IN ('two', 'three')") == 0)
        #expect(try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'one'") == 1)
    }

    @Test func failedFirstMigrationLeavesNoFile() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("s.db")
        let broken = [Migration(id: 1, name: "broken", sql: "CREATE TABLE one (;")]
        #expect(throws: StoreError.self) { _ = try StoreFile.open(path, for: .writing(create: true), migrations: broken) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test func storeFromNewerIFTDBIsRefused() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("s.db")
        let newer = StoreSchema.migrations + [Migration(id: 9999, name: "future", sql: "CREATE TABLE future (x);")]
        try StoreFile.open(path, for: .writing(create: true), migrations: newer).close()
        let error = try #require(throws: StoreError.self) { _ = try StoreFile.open(path, for: .writing) }
        #expect(error == .newerStore(path: path, unknownMigrations: [9999]))
        #expect(error.description.contains("written by a newer iftdb"))
        #expect(error.description.contains("upgrade iftdb"))
    }

    @Test func aStoreFromAnotherBuildIsRefusedNotMisread() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("s.db")
        let theirs = [Migration(id: 1, name: "a", sql: "CREATE TABLE a (x);"), Migration(id: 2, name: "view", sql: "CREATE VIEW v AS SELECT 1;")]
        let ours = [Migration(id: 1, name: "a", sql: "CREATE TABLE a (x);"), Migration(id: 2, name: "index", sql: "CREATE INDEX i ON a (x);"),
                    Migration(id: 3, name: "view", sql: "CREATE VIEW v AS SELECT 1;")]
        try StoreFile.open(path, for: .writing(create: true), migrations: theirs).close()
        let error = try #require(throws: StoreError.self) { _ = try StoreFile.open(path, for: .writing, migrations: ours) }
        #expect(error == .foreignMigration(path: path, id: 2, recorded: "view", expected: "index"))
    }

    @Test func createThenUpgradeThenUpToDate() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("s.db")
        let first = [Migration(id: 1, name: "a", sql: "CREATE TABLE a (x);")]
        let both = first + [Migration(id: 2, name: "b", sql: "CREATE TABLE b (x);")]
        #expect(try StoreFile.open(path, for: .writing(create: true), migrations: first).migrationOutcome == .created(version: 1))
        #expect(try StoreFile.open(path, for: .writing, migrations: both).migrationOutcome == .upgraded(from: 1, to: 2))
        #expect(try StoreFile.open(path, for: .writing, migrations: both).migrationOutcome == .upToDate(version: 2))
    }

    @Test func bundledMigrationsAreTheSQLFiles() throws {
        let folder = packageRoot.appending(path: "Migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files.count == StoreSchema.migrations.count)
        for (file, migration) in zip(files, StoreSchema.migrations) {
            #expect(file == String(format: "%04d_", migration.id) + migration.name + ".sql")
            let text = try String(contentsOf: folder.appending(path: file), encoding: .utf8)
            #expect(text.trimmingCharacters(in: .whitespacesAndNewlines) == migration.sql.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    @Test func cleanCloseLeavesTheMainFileComplete() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("s.db")
        let store = try StoreFile.open(path, for: .writing(create: true))
        try store.db.run("INSERT INTO chunkings (method, size, step, created_at, last_used_at) VALUES ('window', 10, 5, 'x', 'x')")
        store.close()
        let walSize = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        #expect(walSize == 0)
        // Copy the main file alone: the row is there.
        let copy = folder.file("copy.db")
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        let db = try Connection(path: copy, mode: .readWrite(create: false))
        #expect(try db.scalarInt("SELECT count(*) FROM chunkings") == 1)
    }

    /// A new store has 16 KiB pages; a store that exists (here one of 4 KiB, SQLite's
    /// default) keeps its own, however often it is opened and migrated.
    @Test func aNewStoreHas16KiBPagesAndAnOldOneKeepsItsOwn() throws {
        let folder = try TemporaryFolder()
        let fresh = try StoreFile.open(folder.file("new.db"), for: .writing(create: true))
        #expect(try fresh.db.scalarInt("PRAGMA page_size") == StoreSchema.pageSize && StoreSchema.pageSize == 16384)
        fresh.close()
        let old = folder.file("old.db")
        let first = try StoreFile.open(old, for: .writing(create: true), migrations: Array(StoreSchema.migrations.prefix(1)))
        try first.db.execute("PRAGMA journal_mode = DELETE")
        first.close()
        let db = try Connection(path: old, mode: .readWrite(create: false))
        try db.execute("PRAGMA page_size = 4096; VACUUM; PRAGMA journal_mode = WAL")
        #expect(try db.scalarInt("PRAGMA page_size") == 4096)
        db.close()
        let upgraded = try StoreFile.open(old, for: .writing)
        #expect(try upgraded.db.scalarInt("PRAGMA page_size") == 4096)
        #expect(try upgraded.db.scalarInt("SELECT count(*) FROM chunks") == 0)
        upgraded.close()
    }

    @Test func storePathConvention() {
        #expect(StoreFile.resolvePath("x.db", environment: ["IFTDB_DB": "y.db"]) == "x.db")
        #expect(StoreFile.resolvePath(nil, environment: ["IFTDB_DB": "y.db"]) == "y.db")
        #expect(StoreFile.resolvePath(nil, environment: [:]) == "iftdb.sqlite")
    }

    @Test func aReaderMeetsItsSchemaRequirementOrSaysWhatIsMissing() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("s.db")
        let older = StoreSchema.migrations.filter { $0.name == "sources_and_chunks" }
        try StoreFile.open(path, for: .writing(create: true), migrations: older).close()
        #expect(throws: StoreError.olderSchema(path: path, lacking: .generation)) { try StoreFile.open(path, for: .reading) }
        // Any database reads as it is; inspection needs an iftdb store of any version.
        #expect(try StoreFile.open(path, for: .reading(requiring: .anyDatabase)).query("SELECT count(*) FROM sources").first?.next() == [.integer(0)])
        _ = try StoreFile.open(path, for: .reading(requiring: .inspection))
        let plain = folder.file("plain.db")
        try Connection(path: plain, mode: .readWrite(create: true)).execute("CREATE TABLE t (x)")
        #expect(throws: StoreError.notAnIFTDBStore(path: plain)) { try StoreFile.open(plain, for: .reading(requiring: .inspection)) }
        #expect(throws: StoreError.notAnIFTDBStore(path: plain)) { try StoreFile.open(plain, for: .writing) }
    }
}
