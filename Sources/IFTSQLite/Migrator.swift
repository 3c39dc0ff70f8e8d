/// One numbered schema change: its SQL runs once, in order, in its own transaction.
package struct Migration: Sendable, Equatable {
    package let id: Int
    package let name: String
    package let sql: String

    package init(id: Int, name: String, sql: String) {
        self.id = id
        self.name = name
        self.sql = sql
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
    /// migration exactly once.
    @discardableResult
    package func migrate(_ db: Connection) throws -> Outcome {
        try checkNotNewer(db)
        let before = try appliedIDs(db)
        let known = Set(migrations.map(\.id))
        var appliedNow: [Int] = []
        while true {
            let next: Migration? = try db.transaction {
                let applied = Set(try appliedIDs(db))
                let unknown = applied.subtracting(known)
                if !unknown.isEmpty { throw MigrationError.newer(unknown: unknown.sorted()) }
                if applied.isEmpty {
                    let tables = try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE type = 'table'") ?? 0
                    if tables > 0 { throw MigrationError.unmanaged }
                }
                guard let migration = migrations.first(where: { !applied.contains($0.id) }) else { return nil }
                try db.execute("""
                    CREATE TABLE IF NOT EXISTS \(table) (
                        id INTEGER PRIMARY KEY,
                        name TEXT NOT NULL,
                        applied_at TEXT NOT NULL
                    )
                    """)
                do {
                    try db.execute(migration.sql)
                } catch let error as SQLiteError {
                    throw MigrationError.failed(id: migration.id, name: migration.name, underlying: error)
                }
                // ISO 8601 in UTC with milliseconds, e.g. 2026-05-01T12:00:00.123Z.
                try db.run(
                    "INSERT INTO \(table) (id, name, applied_at) VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                    [migration.id, migration.name])
                return migration
            }
            guard let next else { break }
            appliedNow.append(next.id)
        }
        let latest = try appliedIDs(db).max() ?? 0
        if before.isEmpty && !appliedNow.isEmpty { return .created(version: latest) }
        return appliedNow.isEmpty ? .upToDate(version: latest) : .upgraded(from: before.max() ?? 0, to: latest)
    }
}
