import Foundation

/// One numbered schema change: its SQL runs once, in order, in its own transaction.
package struct Migration: Sendable, Equatable {
    /// How the migrator runs a migration's SQL, declared by the SQL's first line.
    package enum Mode: Sendable, Equatable {
        /// In one transaction with the row that records it.
        case plain
        /// First line `-- migration: rebuild-tables`. The SQL rebuilds tables (CREATE TABLE
        /// new_X, INSERT INTO new_X SELECT … FROM X, DROP TABLE X, ALTER TABLE new_X RENAME
        /// TO X), which is how SQLite changes a CHECK or a column's constraints; the migrator
        /// does the rest of SQLite's 12-step procedure around it
        /// (https://www.sqlite.org/lang_altertable.html#otheralter): foreign keys off outside
        /// the transaction, views and triggers dropped first and every index, trigger and view
        /// made again afterwards from its saved SQL, `PRAGMA foreign_key_check` before commit.
        case rebuildTables
    }

    /// The first line that declares `Mode.rebuildTables`.
    package static let rebuildTablesMarker = "-- migration: rebuild-tables"
    /// What every first line that declares a mode starts with.
    package static let modeMarkerPrefix = "-- migration:"

    package let id: Int
    package let name: String
    package let sql: String

    package init(id: Int, name: String, sql: String) {
        self.id = id
        self.name = name
        self.sql = sql
    }

    /// The build (EmbedMigrations) refuses a file whose marker names no known mode, so every
    /// embedded migration has one; never run such a file as plain SQL.
    package var mode: Mode {
        guard let mode = Self.mode(of: sql) else { preconditionFailure("migration \(id) declares an unknown mode") }
        return mode
    }

    /// The mode `sql`'s first line declares: `.plain` without a marker, nil for a marker
    /// this migrator does not know (the build refuses such a file).
    package static func mode(of sql: String) -> Mode? {
        let firstLine = String(sql.prefix { !$0.isNewline }.drop { $0 == " " || $0 == "\t" })
        guard firstLine.hasPrefix(modeMarkerPrefix) else { return .plain }
        let trimmed = firstLine.reversed().drop { $0 == " " || $0 == "\t" }.reversed()
        return String(trimmed) == rebuildTablesMarker ? .rebuildTables : nil
    }
}

/// Why a database cannot be migrated; the database is left as it was.
package enum MigrationError: Error, Sendable, Equatable {
    /// The database records migrations this migrator does not know: a newer program wrote it.
    case newer(unknown: [Int])
    /// The database records migration `id` under another name: a different build wrote it,
    /// and applying more would misread it.
    case foreign(id: Int, recorded: String, expected: String)
    /// The database has tables but records no migration: it was not made by this migrator.
    case unmanaged
    /// A migration's SQL failed; it was rolled back together with its record.
    case failed(id: Int, name: String, underlying: SQLiteError)
    /// A table-rebuild migration would leave `table`'s row `rowID` (nil in a table without
    /// rowids) pointing at no row of `parent`; it was rolled back together with its record.
    case foreignKeyViolation(id: Int, name: String, table: String, rowID: Int64?, parent: String)
}

/// Applies numbered migrations in order, each in one transaction together with the row that
/// records it in `table`, and refuses a database that records a migration it does not know.
package struct Migrator: Sendable {
    /// What `migrate` did.
    package enum Outcome: Sendable, Equatable {
        case created(version: Int)
        case upgraded(from: Int, to: Int)
        case upToDate(version: Int)
    }

    package let table: String
    package let migrations: [Migration]

    package init(table: String, migrations: [Migration]) {
        self.table = table
        self.migrations = migrations.sorted { $0.id < $1.id }
    }

    /// Ids recorded in the database; empty for a new file.
    package func appliedIDs(_ db: Connection) throws -> [Int] {
        try appliedMigrations(db).map(\.id)
    }

    /// Ids and names recorded in the database, by id; empty for a new file.
    package func appliedMigrations(_ db: Connection) throws -> [(id: Int, name: String)] {
        let exists = try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", [table]) ?? 0
        guard exists > 0 else { return [] }
        let statement = try db.prepare("SELECT id, name FROM \(table) ORDER BY id")
        var applied: [(id: Int, name: String)] = []
        while try statement.step() { applied.append((statement.int(0), statement.string(at: 1))) }
        return applied
    }

    /// Throws `MigrationError.foreign` when the database records one of these migrations'
    /// numbers under another name, and `.newer` when it records one this migrator lacks.
    package func checkNotNewer(_ db: Connection) throws {
        let names = Dictionary(migrations.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let applied = try appliedMigrations(db)
        for recorded in applied {
            if let name = names[recorded.id], name != recorded.name {
                throw MigrationError.foreign(id: recorded.id, recorded: recorded.name, expected: name)
            }
        }
        let unknown = applied.map(\.id).filter { names[$0] == nil }
        if !unknown.isEmpty { throw MigrationError.newer(unknown: unknown) }
    }

    /// Applies what the database lacks, one migration per transaction together with the row
    /// that records it. Each transaction takes the write lock first and reads the applied
    /// migrations inside it, so two processes opening a new database at once apply each
    /// migration exactly once. A table-rebuild migration runs with foreign keys off (SQLite
    /// lets a connection switch them only outside a transaction), and they are on again
    /// afterwards, whether it succeeded or not, if they were on before.
    @discardableResult
    package func migrate(_ db: Connection) throws -> Outcome {
        try checkNotNewer(db)
        let before = try appliedIDs(db)
        let known = Set(migrations.map(\.id))
        let foreignKeysWereOn = try db.scalarInt("PRAGMA foreign_keys") == 1
        var foreignKeysOn = foreignKeysWereOn
        defer { if foreignKeysWereOn && !foreignKeysOn { try? db.execute("PRAGMA foreign_keys = ON") } }
        var appliedNow: [Int] = []
        migrating: while true {
            // What comes next, read without the lock: another process may apply it first, so
            // the transaction below checks again and starts over when it differs.
            let upcoming = firstPending(in: Set(try appliedIDs(db)))
            let wantForeignKeysOn = foreignKeysWereOn && upcoming?.mode != .rebuildTables
            if wantForeignKeysOn != foreignKeysOn {
                try db.execute("PRAGMA foreign_keys = \(wantForeignKeysOn ? "ON" : "OFF")")
                foreignKeysOn = wantForeignKeysOn
            }
            let step: Step = try db.transaction {
                let applied = Set(try appliedIDs(db))
                let unknown = applied.subtracting(known)
                if !unknown.isEmpty { throw MigrationError.newer(unknown: unknown.sorted()) }
                if applied.isEmpty {
                    let tables = try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE type = 'table'") ?? 0
                    if tables > 0 { throw MigrationError.unmanaged }
                }
                guard let migration = firstPending(in: applied) else { return .done }
                guard migration.id == upcoming?.id else { return .again }
                try db.execute("""
                    CREATE TABLE IF NOT EXISTS \(table) (
                        id INTEGER PRIMARY KEY,
                        name TEXT NOT NULL,
                        applied_at TEXT NOT NULL
                    )
                    """)
                do {
                    switch migration.mode {
                    case .plain: try db.execute(migration.sql)
                    case .rebuildTables: try rebuildTables(migration, in: db)
                    }
                } catch let error as SQLiteError {
                    throw MigrationError.failed(id: migration.id, name: migration.name, underlying: error)
                }
                // ISO 8601 in UTC with milliseconds, e.g. 2026-05-01T12:00:00.123Z.
                try db.run(
                    "INSERT INTO \(table) (id, name, applied_at) VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                    [migration.id, migration.name])
                return .applied(migration.id)
            }
            switch step {
            case .done: break migrating
            case .again: continue
            case .applied(let id): appliedNow.append(id)
            }
        }
        let latest = try appliedIDs(db).max() ?? 0
        if before.isEmpty && !appliedNow.isEmpty { return .created(version: latest) }
        return appliedNow.isEmpty ? .upToDate(version: latest) : .upgraded(from: before.max() ?? 0, to: latest)
    }

    /// What one pass of `migrate` did.
    private enum Step {
        case applied(Int)
        /// Nothing left to apply.
        case done
        /// Another process applied the migration this pass prepared for: look again.
        case again
    }

    private func firstPending(in applied: Set<Int>) -> Migration? {
        migrations.first { !applied.contains($0.id) }
    }

    /// Steps 3 to 10 of SQLite's procedure around `migration`'s SQL, inside its transaction
    /// (foreign keys are already off): save every index, trigger and view, drop the views and
    /// triggers (a view naming a dropped table would stop `ALTER TABLE … RENAME`), run the
    /// SQL, make again each saved one the SQL did not make itself (an index or trigger whose
    /// table the SQL dropped stays gone), then check every foreign key.
    private func rebuildTables(_ migration: Migration, in db: Connection) throws {
        struct SchemaObject { let type: String, name: String, table: String, sql: String }
        let saved = try db.prepare("""
            SELECT type, name, tbl_name, sql FROM sqlite_master
            WHERE type IN ('index', 'trigger', 'view') AND sql IS NOT NULL ORDER BY rowid
            """)
        var objects: [SchemaObject] = []
        while try saved.step() {
            objects.append(SchemaObject(type: saved.string(at: 0), name: saved.string(at: 1), table: saved.string(at: 2), sql: saved.string(at: 3)))
        }
        for object in objects where object.type != "index" {
            try db.execute("DROP \(object.type.uppercased()) \(Self.quoted(object.name))")
        }
        try db.execute(migration.sql)
        for object in objects {
            let exists = try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE type = ? AND name = ?", [object.type, object.name]) ?? 0
            guard exists == 0 else { continue }
            if object.type != "view" {
                let tableExists = try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", [object.table]) ?? 0
                guard tableExists > 0 else { continue }
            }
            try db.execute(object.sql)
        }
        let check = try db.prepare("PRAGMA foreign_key_check")
        if try check.step() {
            let rowID: Int64? = if case .integer(let value) = check.value(at: 1) { value } else { nil }
            throw MigrationError.foreignKeyViolation(
                id: migration.id, name: migration.name, table: check.string(at: 0), rowID: rowID, parent: check.string(at: 2))
        }
    }

    /// `name` as an SQL identifier.
    private static func quoted(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
