internal import IFTSQLite

/// The reading face of a store: everything a command that only looks can ask. Opened by
/// `StoreFile.open(path, for: .reading)`; a `StoreWriter` is a reader too. Not Sendable:
/// one owner at a time.
///
/// Every public method runs through `guarded`, so what it throws is a `UserFacingError`
/// (a failed SQLite call becomes `StoreError.database`) or an `InternalError`.
public class StoreReader {
    let db: Connection
    /// The store's path, as given to `StoreFile.open`.
    public let path: String
    /// Set when the store was opened for `.inspection` and SQLite cannot read its schema:
    /// what SQLite said.
    let unreadableSchema: String?

    init(db: Connection, path: String, unreadableSchema: String? = nil) {
        self.db = db
        self.path = path
        self.unreadableSchema = unreadableSchema
    }

    /// Closes the store; a writer checkpoints first, so the main file alone is complete.
    public func close() { db.close() }

    /// Runs `body`, turning a failed SQLite call into `StoreError.database`.
    func guarded<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SQLiteError {
            throw StoreError(error)
        }
    }
}

@available(*, unavailable)
extension StoreReader: Sendable {}

/// The writing face of a store: loading, prompts, generation runs and their results,
/// datasets; and everything a reader can do. Opened by `StoreFile.open(path, for: .writing)`.
public final class StoreWriter: StoreReader {
    /// What opening did to the schema.
    public let migrationOutcome: MigrationOutcome

    init(db: Connection, path: String, migrationOutcome: MigrationOutcome) {
        self.migrationOutcome = migrationOutcome
        super.init(db: db, path: path)
    }
}

/// What opening a store for writing did to its schema.
public enum MigrationOutcome: Sendable, Equatable {
    case created(version: Int)
    case upgraded(from: Int, to: Int)
    case upToDate(version: Int)

    init(_ outcome: Migrator.Outcome) {
        switch outcome {
        case .created(let version): self = .created(version: version)
        case .upgraded(let from, let to): self = .upgraded(from: from, to: to)
        case .upToDate(let version): self = .upToDate(version: version)
        }
    }
}
