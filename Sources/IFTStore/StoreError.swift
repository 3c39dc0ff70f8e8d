import Foundation

/// Errors a user can act on. Each description is one line: what is wrong and what to do.
public enum StoreError: Error, Sendable, CustomStringConvertible, Equatable {
    case noStore(path: String)
    case notADatabase(path: String)
    case notAnIFTDBStore(path: String)
    case newerStore(path: String, unknownMigrations: [Int])
    case foreignMigration(path: String, id: Int, recorded: String, expected: String)
    case migrationFailed(id: Int, name: String, underlying: SQLiteError)
    case cannotCreate(path: String, reason: String)
    case unusableLog(path: String, log: String, reason: String)
    case readOnlyViolation(statement: String, reason: String)
    case emptyQuery
    case invalidInput(String)
    case notFound(String)

    public var description: String {
        switch self {
        case .noStore(let path):
            return "no iftdb store at \(path); create one with `iftdb init` (or point --db / IFTDB_DB at an existing store)"
        case .notADatabase(let path):
            return "\(path) is not an SQLite database; point --db at an iftdb store or create one with `iftdb init --db NEW_PATH`"
        case .notAnIFTDBStore(let path):
            return "\(path) is an SQLite database but not an iftdb store; choose another path with --db"
        case .newerStore(let path, let unknown):
            let list = unknown.map(String.init).joined(separator: ", ")
            return "\(path) was written by a newer iftdb (it records migration \(list), unknown to this binary); upgrade iftdb"
        case .foreignMigration(let path, let id, let recorded, let expected):
            return "\(path) records migration \(id) as '\(recorded)', but this iftdb's migration \(id) is '\(expected)': the store comes from a different iftdb build; use that build, or start a new store"
        case .migrationFailed(let id, let name, let underlying):
            return "migration \(id) (\(name)) failed and was rolled back: \(underlying.message); the store is unchanged"
        case .cannotCreate(let path, let reason):
            return "cannot create a store at \(path): \(reason); choose a writable folder with --db"
        case .unusableLog(let path, let log, let reason):
            return "the store's write-ahead log \(log) holds changes that cannot be read here (\(reason)); open the store once where its folder is writable (`iftdb init --db \(path)` there folds them in), then try again"
        case .readOnlyViolation(let statement, let reason):
            return "iftdb sql is read-only: `\(statement)` \(reason); use iftdb's commands to change the store"
        case .emptyQuery:
            return "no SQL statement given; pass one, e.g. iftdb sql \"SELECT * FROM sources\""
        case .invalidInput(let message), .notFound(let message):
            return message
        }
    }
}

extension SQLiteError: Equatable {
    public static func == (lhs: SQLiteError, rhs: SQLiteError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.sql == rhs.sql
    }
}
