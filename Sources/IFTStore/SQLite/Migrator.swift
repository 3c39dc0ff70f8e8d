import CSQLite
import Foundation

public struct Migration: Sendable, Equatable {
    public let id: Int
    public let name: String
    public let sql: String

    public init(id: Int, name: String, sql: String) {
        self.id = id
        self.name = name
        self.sql = sql
    }

    /// The migrations this binary carries, from `Migrations/*.sql` embedded at build time.
    public static let bundled: [Migration] = EmbeddedMigrations.all
        .map { Migration(id: $0.id, name: $0.name, sql: $0.sql) }
        .sorted { $0.id < $1.id }
}

public enum MigrationOutcome: Sendable, Equatable {
    case created(version: Int)
    case upgraded(from: Int, to: Int)
    case upToDate(version: Int)
}

/// Applies numbered migrations in order, each in one transaction together with the row that
/// records it, and refuses a store that records a migration it does not know.
public struct Migrator: Sendable {
    public static let table = "iftdb_migrations"
    public let migrations: [Migration]

    public init(migrations: [Migration] = Migration.bundled) {
        self.migrations = migrations.sorted { $0.id < $1.id }
    }

    /// Ids recorded in the store; empty for a new file.
    public func appliedIDs(_ db: Connection) throws -> [Int] {
        let exists = try db.scalarInt(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", [Self.table]) ?? 0
        guard exists > 0 else { return [] }
        let statement = try db.prepare("SELECT id FROM \(Self.table) ORDER BY id")
        var ids: [Int] = []
        while try statement.step() { ids.append(statement.int(0)) }
        return ids
    }

    /// Ids and names recorded in the store.
    func appliedMigrations(_ db: Connection) throws -> [(id: Int, name: String)] {
        guard try !appliedIDs(db).isEmpty else { return [] }
        let statement = try db.prepare("SELECT id, name FROM \(Self.table) ORDER BY id")
        var applied: [(id: Int, name: String)] = []
        while try statement.step() { applied.append((statement.int(0), statement.string(at: 1))) }
        return applied
    }

    /// Throws `StoreError.newerStore` when the store records a migration this binary lacks,
    /// and `StoreError.foreignMigration` when it records one of this binary's numbers under
    /// another name (a store from a different build: applying more would misread it).
    public func checkNotNewer(_ db: Connection, path: String) throws {
        let names = Dictionary(migrations.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        for recorded in try appliedMigrations(db) {
            if let name = names[recorded.id], name != recorded.name {
                throw StoreError.foreignMigration(path: path, id: recorded.id, recorded: recorded.name, expected: name)
            }
        }
        let known = Set(migrations.map(\.id))
        let unknown = try appliedIDs(db).filter { !known.contains($0) }
        if !unknown.isEmpty { throw StoreError.newerStore(path: path, unknownMigrations: unknown) }
    }

    /// Applies what the store lacks, one migration per transaction together with the row
    /// that records it. Each transaction takes the write lock first and reads the applied
    /// migrations inside it, so two processes opening a new store at once apply each
    /// migration exactly once.
    @discardableResult
    public func migrate(_ db: Connection, path: String) throws -> MigrationOutcome {
        try checkNotNewer(db, path: path)
        let before = try appliedIDs(db)
        var appliedNow: [Int] = []
        while true {
            let next: Migration? = try db.transaction {
                let applied = Set(try appliedIDs(db))
                let known = Set(migrations.map(\.id))
                let unknown = applied.subtracting(known)
                if !unknown.isEmpty { throw StoreError.newerStore(path: path, unknownMigrations: unknown.sorted()) }
                if applied.isEmpty {
                    let tables = try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE type = 'table'") ?? 0
                    if tables > 0 { throw StoreError.notAnIFTDBStore(path: path) }
                }
                guard let migration = migrations.first(where: { !applied.contains($0.id) }) else { return nil }
                try db.execute("""
                    CREATE TABLE IF NOT EXISTS \(Self.table) (
                        id INTEGER PRIMARY KEY,
                        name TEXT NOT NULL,
                        applied_at TEXT NOT NULL
                    )
                    """)
                do {
                    try db.execute(migration.sql)
                } catch let error as SQLiteError {
                    throw StoreError.migrationFailed(id: migration.id, name: migration.name, reason: error.message)
                }
                try db.run(
                    "INSERT INTO \(Self.table) (id, name, applied_at) VALUES (?, ?, ?)",
                    [migration.id, migration.name, Timestamp.now()])
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
