import Foundation
import IFTSQLite
import TestSupport
import Testing

/// The generic migrator: numbered migrations in order, each once, recorded in the table it
/// is given; a database it does not know is refused with a `MigrationError`.
@Suite struct MigratorTests {
    static let first = Migration(id: 1, name: "a", sql: "CREATE TABLE a (x);")
    static let second = Migration(id: 2, name: "b", sql: "CREATE TABLE b (x);")

    @Test func migrationsApplyInOrderOnceAndAreRecorded() throws {
        let folder = try TemporaryFolder()
        let db = try Connection(path: folder.file("m.db"), mode: .readWrite(create: true))
        let migrator = Migrator(table: "schema_log", migrations: [Self.second, Self.first])
        #expect(try migrator.migrate(db) == .created(version: 2))
        #expect(try migrator.migrate(db) == .upToDate(version: 2))
        #expect(try migrator.appliedMigrations(db).map(\.name) == ["a", "b"])
        let appliedAt = try #require(try db.scalar("SELECT applied_at FROM schema_log WHERE id = 1"))
        guard case .text(let text) = appliedAt else {
            Issue.record("applied_at is \(appliedAt)")
            return
        }
        // ISO 8601 in UTC with milliseconds, as every other timestamp of the store.
        #expect(text.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil, "\(text)")
    }

    @Test func aDatabaseItDoesNotKnowIsRefused() throws {
        let folder = try TemporaryFolder()
        let db = try Connection(path: folder.file("m.db"), mode: .readWrite(create: true))
        try Migrator(table: "schema_log", migrations: [Self.first, Self.second]).migrate(db)
        #expect(throws: MigrationError.newer(unknown: [2])) { try Migrator(table: "schema_log", migrations: [Self.first]).migrate(db) }
        let renamed = Migrator(table: "schema_log", migrations: [Self.first, Migration(id: 2, name: "c", sql: "CREATE TABLE c (x);")])
        #expect(throws: MigrationError.foreign(id: 2, recorded: "b", expected: "c")) { try renamed.checkNotNewer(db) }
        let other = try Connection(path: folder.file("other.db"), mode: .readWrite(create: true))
        try other.execute("CREATE TABLE t (x)")
        #expect(throws: MigrationError.unmanaged) { try Migrator(table: "schema_log", migrations: [Self.first]).migrate(other) }
    }

    @Test func aFailedMigrationRollsBackWithItsRecord() throws {
        let folder = try TemporaryFolder()
        let db = try Connection(path: folder.file("m.db"), mode: .readWrite(create: true))
        let broken = Migration(id: 2, name: "broken", sql: "CREATE TABLE two (x); CREATE TABLE three (;")
        let error = try #require(throws: MigrationError.self) {
            try Migrator(table: "schema_log", migrations: [Self.first, broken]).migrate(db)
        }
        guard case .failed(let id, let name, let underlying) = error else {
            Issue.record("expected .failed, got \(error)")
            return
        }
        #expect(id == 2 && name == "broken" && underlying.message.contains("syntax error"))
        #expect(try Migrator(table: "schema_log", migrations: [Self.first]).appliedIDs(db) == [1])
        #expect(try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'two'") == 0)
    }
}
