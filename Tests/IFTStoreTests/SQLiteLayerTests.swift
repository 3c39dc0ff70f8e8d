import CSQLite
import Foundation
import Testing
@testable import IFTStore

@Suite struct SQLiteLayerTests {
    @Test func errorCarriesExtendedCodeMessageAndSQL() throws {
        let folder = try TemporaryFolder()
        let db = try Connection(path: folder.file("a.db"), mode: .readWrite(create: true))
        let error = try #require(throws: SQLiteError.self) { try db.prepare("SELEC 1") }
        #expect(error.code == SQLITE_ERROR)
        #expect(error.message.contains("syntax error"))
        #expect(error.sql == "SELEC 1")
    }

    @Test func errorNeverCarriesBoundValues() throws {
        let folder = try TemporaryFolder()
        let db = try Connection(path: folder.file("a.db"), mode: .readWrite(create: true))
        try db.execute("CREATE TABLE t (x TEXT UNIQUE)")
        let secret = "private-text-\(UUID().uuidString)"
        try db.run("INSERT INTO t VALUES (?)", [secret])
        let error = try #require(throws: SQLiteError.self) { try db.run("INSERT INTO t VALUES (?)", [secret]) }
        #expect(error.code == 2067)  // SQLITE_CONSTRAINT_UNIQUE: extended, not just SQLITE_CONSTRAINT
        #expect(error.sql == "INSERT INTO t VALUES (?)")
        #expect(!error.description.contains(secret))
        #expect(error.description.contains("UNIQUE constraint failed"))
    }

    @Test func throwingTransactionLeavesNothing() throws {
        struct Boom: Error {}
        let folder = try TemporaryFolder()
        let db = try Connection(path: folder.file("a.db"), mode: .readWrite(create: true))
        try db.execute("CREATE TABLE t (x INTEGER)")
        #expect(throws: Boom.self) {
            try db.transaction {
                try db.run("INSERT INTO t VALUES (1)")
                try db.run("INSERT INTO t VALUES (2)")
                throw Boom()
            }
        }
        #expect(try db.scalarInt("SELECT count(*) FROM t") == 0)
        // The connection is usable afterwards and a good transaction commits.
        try db.transaction { try db.run("INSERT INTO t VALUES (3)") }
        #expect(try db.scalarInt("SELECT count(*) FROM t") == 1)
    }

    @Test func aNestedTransactionIsASavepoint() throws {
        struct Boom: Error {}
        let folder = try TemporaryFolder()
        let db = try Connection(path: folder.file("a.db"), mode: .readWrite(create: true))
        try db.execute("CREATE TABLE t (x INTEGER)")
        try db.transaction {
            try db.transaction { try db.run("INSERT INTO t VALUES (1)") }
            var caught = false
            do {
                try db.transaction {
                    try db.run("INSERT INTO t VALUES (2)")
                    throw Boom()
                }
            } catch is Boom {
                caught = true
            }
            #expect(caught)
            try db.transaction { try db.run("INSERT INTO t VALUES (3)") }
        }
        #expect(!db.isInTransaction)
        let statement = try db.prepare("SELECT x FROM t ORDER BY x")
        var values: [Int] = []
        while try statement.step() { values.append(statement.int(0)) }
        #expect(values == [1, 3])
    }

    @Test func failedMigrationIsNotRecordedAndLeavesNoTable() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("s.db")
        let first = Migration(id: 1, name: "first", sql: "CREATE TABLE one (x);")
        try Store.open(at: path, create: true, migrator: Migrator(migrations: [first])).store.close()
        let migrator = Migrator(migrations: [
            first,
            Migration(id: 2, name: "broken", sql: "CREATE TABLE two (x); INSERT INTO two VALUES (1); CREATE TABLE three (;"),
        ])
        let error = try #require(throws: StoreError.self) { _ = try Store.open(at: path, create: true, migrator: migrator) }
        guard case .migrationFailed(let id, _, _) = error else {
            Issue.record("expected migrationFailed, got \(error)")
            return
        }
        #expect(id == 2)
        let db = try Connection(path: path, mode: .readOnly)
        #expect(try Migrator().appliedIDs(db) == [1])
        #expect(try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name IN ('two', 'three')") == 0)
        #expect(try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'one'") == 1)
    }

    @Test func failedFirstMigrationLeavesNoFile() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("s.db")
        let broken = Migrator(migrations: [Migration(id: 1, name: "broken", sql: "CREATE TABLE one (;")])
        #expect(throws: StoreError.self) { _ = try Store.open(at: path, create: true, migrator: broken) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test func storeFromNewerIFTDBIsRefused() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("s.db")
        let newer = Migrator(migrations: Migration.bundled + [Migration(id: 9999, name: "future", sql: "CREATE TABLE future (x);")])
        _ = try Store.open(at: path, create: true, migrator: newer).store.close()
        let error = try #require(throws: StoreError.self) { _ = try Store.open(at: path, create: false) }
        #expect(error == .newerStore(path: path, unknownMigrations: [9999]))
        #expect(error.description.contains("written by a newer iftdb"))
        #expect(error.description.contains("upgrade iftdb"))
    }

    @Test func aStoreFromAnotherBuildIsRefusedNotMisread() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("s.db")
        let theirs = Migrator(migrations: [Migration(id: 1, name: "a", sql: "CREATE TABLE a (x);"), Migration(id: 2, name: "view", sql: "CREATE VIEW v AS SELECT 1;")])
        let ours = Migrator(migrations: [Migration(id: 1, name: "a", sql: "CREATE TABLE a (x);"), Migration(id: 2, name: "index", sql: "CREATE INDEX i ON a (x);"),
                                         Migration(id: 3, name: "view", sql: "CREATE VIEW v AS SELECT 1;")])
        try Store.open(at: path, create: true, migrator: theirs).store.close()
        let error = try #require(throws: StoreError.self) { _ = try Store.open(at: path, create: false, migrator: ours) }
        #expect(error == .foreignMigration(path: path, id: 2, recorded: "view", expected: "index"))
    }

    @Test func createThenUpgradeThenUpToDate() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("s.db")
        let first = Migrator(migrations: [Migration(id: 1, name: "a", sql: "CREATE TABLE a (x);")])
        let both = Migrator(migrations: first.migrations + [Migration(id: 2, name: "b", sql: "CREATE TABLE b (x);")])
        #expect(try Store.open(at: path, create: true, migrator: first).outcome == .created(version: 1))
        #expect(try Store.open(at: path, create: false, migrator: both).outcome == .upgraded(from: 1, to: 2))
        #expect(try Store.open(at: path, create: false, migrator: both).outcome == .upToDate(version: 2))
    }

    @Test func bundledMigrationsAreTheSQLFiles() throws {
        let folder = packageRoot.appending(path: "Migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files.count == Migration.bundled.count)
        for (file, migration) in zip(files, Migration.bundled) {
            #expect(file == String(format: "%04d_", migration.id) + migration.name + ".sql")
            let text = try String(contentsOf: folder.appending(path: file), encoding: .utf8)
            #expect(text.trimmingCharacters(in: .whitespacesAndNewlines) == migration.sql.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    @Test func cleanCloseLeavesTheMainFileComplete() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("s.db")
        let (store, _) = try Store.open(at: path, create: true)
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

    @Test func storePathConvention() {
        #expect(Store.resolvePath("x.db", environment: ["IFTDB_DB": "y.db"]) == "x.db")
        #expect(Store.resolvePath(nil, environment: ["IFTDB_DB": "y.db"]) == "y.db")
        #expect(Store.resolvePath(nil, environment: [:]) == "iftdb.sqlite")
    }

    @Test func readOnlyQueryRunsEveryStatementCheckedFirst() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("s.db")
        try Store.open(at: path, create: true).store.close()
        let query = try ReadOnlyQuery(path: path)
        try query.prepare("SELECT 1; -- a comment\n SELECT 2;  ")
        #expect(query.statements.count == 2)
        #expect(throws: QueryError.self) { try ReadOnlyQuery(path: path).prepare("SELECT 1; DELETE FROM sources") }
        #expect(throws: QueryError.empty) { try ReadOnlyQuery(path: path).prepare("  -- nothing\n") }
    }

    @Test(arguments: [
        ("select 1", "SELECT"), ("  -- c\n/* d */ with x as (select 1) select * from x", "WITH"),
        ("/* unterminated", ""), ("\n\tPRAGMA x", "PRAGMA"),
    ])
    func firstKeyword(sql: String, keyword: String) {
        #expect(ReadOnlyQuery.firstKeyword(sql) == keyword)
    }
}
