internal import IFTSQLite

/// iftdb's schema: the migrations this binary carries (`Migrations/*.sql`, embedded at build
/// time) and the table that records which a store has had.
enum StoreSchema {
    static let migrationsTable = "iftdb_migrations"

    /// The page size of a new store: 16 KiB, not SQLite's 4. A store is mostly text written
    /// in bulk, so larger pages mean a quarter of the pages and system calls for a load (the
    /// WAL and the checkpoint write every page): about a quarter less CPU per MB loaded.
    static let pageSize = 16384

    static let migrations: [Migration] = EmbeddedMigrations.all
        .map { Migration(id: $0.id, name: $0.name, sql: $0.sql) }
        .sorted { $0.id < $1.id }

    static func migrator(_ migrations: [Migration] = migrations) -> Migrator {
        Migrator(table: migrationsTable, migrations: migrations)
    }
}

/// What a command needs of a store it reads, by name rather than migration number.
public enum SchemaRequirement: Sendable, Hashable {
    /// Any SQLite file, an iftdb store of any version or not one at all: `sql` reads
    /// whatever is there.
    case anyDatabase
    /// An iftdb store of any version, as it is, even one whose schema cannot be read:
    /// `check` reports what it finds.
    case inspection
    /// The generation tables (runs, calls, questions, answers, datasets), and no migration
    /// this iftdb does not know: every command that reads what generation made.
    case generation

    /// The migration that makes what this requirement needs, by its name
    /// (`Migrations/0002_generation.sql`); nil when none is needed.
    var migrationName: String? {
        switch self {
        case .anyDatabase, .inspection: nil
        case .generation: "generation"
        }
    }

    /// The tables a store that lacks them has none of, for people.
    var tables: String {
        switch self {
        case .anyDatabase, .inspection: "iftdb"
        case .generation: "answers"
        }
    }

    /// Whether a store that records these migrations meets the requirement.
    func isMet(byMigrationsNamed names: some Sequence<String>) -> Bool {
        guard let migrationName else { return true }
        return names.contains(migrationName)
    }
}
