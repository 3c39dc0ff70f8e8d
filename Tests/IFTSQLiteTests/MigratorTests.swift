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

    // MARK: - Table rebuilds

    /// Two tables linked by a foreign key, with an index, a trigger and a view over them, and
    /// rows; foreign keys on, as iftdb opens a store.
    static let linked = Migration(id: 1, name: "linked", sql: """
        CREATE TABLE kinds (id INTEGER PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('a', 'b')), note TEXT);
        CREATE TABLE items (id INTEGER PRIMARY KEY, kind_id INTEGER NOT NULL REFERENCES kinds (id), text TEXT);
        CREATE INDEX kinds_by_kind ON kinds (kind);
        CREATE TABLE log (what TEXT);
        CREATE TRIGGER kinds_logged AFTER INSERT ON kinds BEGIN INSERT INTO log VALUES ('kind ' || new.id); END;
        CREATE VIEW item_kinds AS SELECT i.id, i.text, k.kind FROM items i JOIN kinds k ON k.id = i.kind_id;
        INSERT INTO kinds VALUES (1, 'a', 'first'), (5, 'b', NULL);
        INSERT INTO items VALUES (1, 5, 'x'), (2, 1, 'y');
        """)

    /// Allows kind 'c': the CHECK can only change by rebuilding `kinds`.
    static func widen(_ extra: String = "") -> Migration {
        Migration(id: 2, name: "widen", sql: """
            -- migration: rebuild-tables
            CREATE TABLE new_kinds (id INTEGER PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('a', 'b', 'c')), note TEXT);
            INSERT INTO new_kinds (id, kind, note) SELECT id, kind, note FROM kinds\(extra);
            DROP TABLE kinds;
            ALTER TABLE new_kinds RENAME TO kinds;
            """)
    }

    func linkedDatabase(_ folder: TemporaryFolder) throws -> Connection {
        let db = try Connection(path: folder.file("m.db"), mode: .readWrite(create: true))
        try db.execute("PRAGMA foreign_keys = ON")
        try Migrator(table: "schema_log", migrations: [Self.linked]).migrate(db)
        return db
    }

    /// Every schema entry (with its SQL) and every row, as text.
    func snapshot(_ db: Connection, schemaTypes: [String] = ["table", "index", "trigger", "view"]) throws -> [String] {
        var lines: [String] = []
        let schema = try db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name <> 'schema_log' ORDER BY type, name")
        var tables: [String] = []
        while try schema.step() {
            let type = schema.string(at: 0)
            if type == "table" { tables.append(schema.string(at: 1)) }
            if schemaTypes.contains(type) { lines.append("\(type) \(schema.string(at: 1)) on \(schema.string(at: 2)): \(schema.optionalString(3) ?? "-")") }
        }
        for table in tables + ["item_kinds"] {
            let rows = try db.prepare("SELECT * FROM \(table) ORDER BY 1")
            while try rows.step() { lines.append("\(table): " + (0..<rows.columnCount).map { "\(rows.value(at: $0))" }.joined(separator: " | ")) }
        }
        return lines
    }

    @Test func theFirstLineDeclaresTheMode() {
        #expect(Self.linked.mode == .plain)
        #expect(Self.widen().mode == .rebuildTables)
        #expect(Migration.mode(of: "  -- migration: rebuild-tables  \r\nCREATE TABLE t (x);") == .rebuildTables)
        #expect(Migration.mode(of: "-- migration: rebuild-table\nCREATE TABLE t (x);") == nil)
        #expect(Migration.mode(of: "CREATE TABLE t (x);\n-- migration: rebuild-tables") == .plain)
    }

    @Test func aRebuildKeepsRowsIndexesTriggersViewsAndForeignKeys() throws {
        let folder = try TemporaryFolder()
        let db = try linkedDatabase(folder)
        // The table's own SQL changes; the rest of the schema and every row must not.
        let before = try snapshot(db, schemaTypes: ["index", "trigger", "view"])
        #expect(throws: SQLiteError.self) { try db.execute("INSERT INTO kinds VALUES (9, 'c', NULL)") }

        #expect(try Migrator(table: "schema_log", migrations: [Self.linked, Self.widen()]).migrate(db) == .upgraded(from: 1, to: 2))
        #expect(try snapshot(db, schemaTypes: ["index", "trigger", "view"]) == before)
        #expect(try db.scalarInt("PRAGMA foreign_keys") == 1)
        // The new CHECK holds, the trigger fires, the index is used, and the foreign key
        // from `items` still reaches the rebuilt table.
        try db.execute("INSERT INTO kinds VALUES (9, 'c', NULL)")
        #expect(try db.scalarInt("SELECT count(*) FROM log WHERE what = 'kind 9'") == 1)
        #expect(throws: SQLiteError.self) { try db.execute("INSERT INTO kinds VALUES (10, 'd', NULL)") }
        #expect(throws: SQLiteError.self) { try db.execute("INSERT INTO items VALUES (3, 77, 'dangling')") }
        #expect(throws: SQLiteError.self) { try db.execute("DELETE FROM kinds WHERE id = 5") }
        let plan = try db.prepare("EXPLAIN QUERY PLAN SELECT id FROM kinds WHERE kind = 'c'")
        var details: [String] = []
        while try plan.step() { details.append(plan.string(at: 3)) }
        #expect(details.contains { $0.contains("kinds_by_kind") }, "\(details)")
        #expect(try db.scalarInt("SELECT count(*) FROM item_kinds WHERE kind = 'b'") == 1)
    }

    @Test func aRebuildThatWouldBreakAForeignKeyIsRolledBack() throws {
        let folder = try TemporaryFolder()
        let db = try linkedDatabase(folder)
        let before = try snapshot(db)
        // Leaves item 1 pointing at a kind that is gone.
        let dropping = Self.widen(" WHERE id <> 5")
        let error = try #require(throws: MigrationError.self) {
            try Migrator(table: "schema_log", migrations: [Self.linked, dropping]).migrate(db)
        }
        #expect(error == .foreignKeyViolation(id: 2, name: "widen", table: "items", rowID: 1, parent: "kinds"))
        #expect(try snapshot(db) == before)
        #expect(try Migrator(table: "schema_log", migrations: [Self.linked]).appliedIDs(db) == [1])
        #expect(try db.scalarInt("PRAGMA foreign_keys") == 1)
    }

    @Test func aRebuildThatFailsHalfWayIsRolledBack() throws {
        let folder = try TemporaryFolder()
        let db = try linkedDatabase(folder)
        let before = try snapshot(db)
        // Fails after `kinds` is dropped and the views and triggers with it.
        let broken = Migration(id: 2, name: "broken", sql: Self.widen().sql + "\nINSERT INTO nowhere VALUES (1);")
        let error = try #require(throws: MigrationError.self) {
            try Migrator(table: "schema_log", migrations: [Self.linked, broken]).migrate(db)
        }
        guard case .failed(2, "broken", let underlying) = error else {
            Issue.record("expected .failed, got \(error)")
            return
        }
        #expect(underlying.message.contains("no such table: nowhere"))
        #expect(try snapshot(db) == before)
        #expect(try db.scalarInt("PRAGMA foreign_keys") == 1)
        // Still usable: the right migration applies after the failed one.
        try Migrator(table: "schema_log", migrations: [Self.linked, Self.widen()]).migrate(db)
        #expect(try db.scalarInt("SELECT count(*) FROM item_kinds") == 2)
    }
}
