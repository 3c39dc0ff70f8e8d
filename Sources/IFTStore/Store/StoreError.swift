import Foundation
internal import IFTSQLite

/// Why a store cannot be opened or read: missing, not a store, from another iftdb, in a
/// place this process cannot write or read, or a failed SQLite call.
public enum StoreError: UserFacingError, Equatable {
    case noStore(path: String)
    /// `--db` names a folder.
    case isAFolder(path: String)
    case notADatabase(path: String)
    case notAnIFTDBStore(path: String)
    case newerStore(path: String, unknownMigrations: [Int])
    case foreignMigration(path: String, id: Int, recorded: String, expected: String)
    /// A migration's SQL failed (SQLite's `reason`); it was rolled back.
    case migrationFailed(id: Int, name: String, reason: String)
    case cannotCreate(path: String, reason: String)
    /// The store cannot be written here (its file, folder or log is read-only).
    case readOnly(path: String, reason: String)
    /// The store, its folder or its `-wal`/`-shm` cannot be read.
    case cannotRead(path: String, reason: String)
    case unusableLog(path: String, log: String, reason: String)
    /// A hot `-journal` that a read-only connection cannot roll back.
    case unfinishedJournal(path: String, journal: String)
    /// The store predates what a command needs (an older schema): `iftdb init` upgrades it.
    case olderSchema(path: String, lacking: SchemaRequirement)
    /// A failed SQLite call: its extended result code and SQLite's description of it (the
    /// code, its message and the SQL; never the values bound to it).
    /// Another process held the write lock past the busy timeout.
    case busy
    case database(code: Int32, description: String)

    public var message: String {
        switch self {
        case .noStore(let path):
            return "no iftdb store at \(path); create one with `iftdb init` (or point --db / IFTDB_DB at an existing store)"
        case .isAFolder(let path):
            return "\(path) is a folder; --db takes the path of a store file, e.g. \(path)/\(StoreFile.defaultFileName)"
        case .notADatabase(let path):
            return "\(path) is not an SQLite database; point --db at an iftdb store or create one with `iftdb init --db NEW_PATH`"
        case .notAnIFTDBStore(let path):
            return "\(path) is an SQLite database but not an iftdb store; choose another path with --db"
        case .newerStore(let path, let unknown):
            let list = unknown.map(String.init).joined(separator: ", ")
            return "\(path) was written by a newer iftdb (it records migration \(list), unknown to this binary); upgrade iftdb"
        case .foreignMigration(let path, let id, let recorded, let expected):
            return "\(path) records migration \(id) as '\(recorded)', but this iftdb's migration \(id) is '\(expected)': the store comes from a different iftdb build; use that build, or start a new store"
        case .migrationFailed(let id, let name, let reason):
            return "migration \(id) (\(name)) failed and was rolled back: \(reason); the store is unchanged"
        case .cannotCreate(let path, let reason):
            return "cannot create a store at \(path): \(reason); choose a writable folder with --db"
        case .readOnly(let path, let reason):
            return "the store \(path) is read-only here (\(reason)); copy it to a writable folder or fix its permissions"
        case .cannotRead(let path, let reason):
            return "cannot read the store \(path) (\(reason)); check that it, its folder and any \(path)-wal and \(path)-shm beside it are readable"
        case .unusableLog(let path, let log, let reason):
            return "the store's write-ahead log \(log) holds changes that cannot be read here (\(reason)); open the store once where its folder is writable (`iftdb init --db \(path)` there folds them in), then try again"
        case .unfinishedJournal(let path, let journal):
            return "the store \(path) has an unfinished write in \(journal) that must be rolled back before it can be read; run a command that writes (`iftdb init --db \(path)`) once where the store and its folder are writable, then try again"
        case .olderSchema(let path, let lacking):
            return "the store \(path) has no \(lacking.tables) tables yet (an older schema); run `iftdb init --db \(path)` to upgrade it"
        case .busy:
            return "the store is busy: another process has held its write lock for longer than iftdb waits (15 s); try again when that command ends"
        case .database(_, let description):
            return description
        }
    }
}

/// Why `iftdb sql` refused its input; nothing of it ran.
public enum QueryError: UserFacingError, Equatable {
    /// A statement SQLite's authorizer refused: it could change the store or files beside it.
    case notAllowed(statement: String)
    /// A statement that would write.
    case wouldChange(statement: String)
    /// No statement, only whitespace or comments.
    case empty
    /// A NUL character, where SQLite would stop reading the SQL.
    case holdsNUL

    public var message: String {
        switch self {
        case .notAllowed(let statement):
            return "iftdb sql is read-only: `\(statement)` is not allowed (it could change the store or files beside it); use iftdb's commands to change the store"
        case .wouldChange(let statement):
            return "iftdb sql is read-only: `\(statement)` would change the store; use iftdb's commands to change the store"
        case .empty:
            return "no SQL statement given; pass one, e.g. iftdb sql \"SELECT * FROM sources\""
        case .holdsNUL:
            return "the SQL holds a NUL character (U+0000), where SQLite would stop reading it; remove it (use char(0) to mean one)"
        }
    }
}

extension StoreError {
    /// A failed SQLite call, as `.database`.
    init(_ error: SQLiteError) {
        if error.primaryCode == .busy {
            self = .busy
        } else {
            self = .database(code: error.code.rawValue, description: error.description)
        }
    }
}
