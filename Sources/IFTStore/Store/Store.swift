import CSQLite
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The iftdb store: one SQLite file holding sources, chunks, prompts, runs, questions and
/// answers. Not Sendable: one owner at a time (a command, or the actor that writes results).
public final class Store {
    public let db: Connection
    public let path: String

    public static let defaultFileName = "iftdb.sqlite"

    /// `--db PATH`, else `IFTDB_DB`, else `iftdb.sqlite` in the current folder.
    public static func resolvePath(_ flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let fromEnvironment = environment["IFTDB_DB"], !fromEnvironment.isEmpty { return fromEnvironment }
        return defaultFileName
    }

    private init(db: Connection, path: String) {
        self.db = db
        self.path = path
    }

    /// Opens a store for writing, creating it when `create` is true, and brings its schema up
    /// to date. Returns what the migrator did.
    public static func open(
        at path: String, create: Bool, migrator: Migrator = Migrator()
    ) throws -> (store: Store, outcome: MigrationOutcome) {
        let fileManager = FileManager.default
        let exists = try storeFileExists(at: path)
        // Only a process that made the file itself may remove it after a failure: another
        // process creating the same store at the same moment must never lose it.
        var createdHere = false
        if !exists {
            guard create else { throw StoreError.noStore(path: path) }
            let folder = (path as NSString).deletingLastPathComponent
            let parent = folder.isEmpty ? "." : folder
            if !fileManager.fileExists(atPath: parent) {
                throw StoreError.cannotCreate(path: path, reason: "the folder \(parent) does not exist")
            }
            if !fileManager.isWritableFile(atPath: parent) {
                throw StoreError.cannotCreate(path: path, reason: "the folder \(parent) is not writable")
            }
            let descriptor = Glibc.open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o644)
            if descriptor >= 0 {
                Glibc.close(descriptor)
                createdHere = true
            } else if errno != EEXIST {
                throw StoreError.cannotCreate(path: path, reason: String(cString: strerror(errno)))
            }
        }
        let db: Connection
        do {
            db = try Connection(path: path, mode: .readWrite(create: create))
        } catch let error as SQLiteError {
            throw mapOpenError(error, path: path)
        }
        let store = Store(db: db, path: path)
        do {
            try store.configureForWriting()
            let outcome = try migrator.migrate(db, path: path)
            try store.seedDefaultPrompts()
            return (store, outcome)
        } catch {
            // A store this call created and could not finish is removed: no half-made files.
            db.close()
            if createdHere {
                for suffix in ["", "-wal", "-shm", "-journal"] { try? fileManager.removeItem(atPath: path + suffix) }
            }
            if let error = error as? SQLiteError { throw mapOpenError(error, path: path) }
            throw error
        }
    }

    /// Whether a file is at `path`, for every way of opening a store; a folder there is an
    /// error that says what --db wants.
    static func storeFileExists(at path: String) throws -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return false }
        if isDirectory.boolValue {
            throw StoreError.isAFolder(path: path)
        }
        return true
    }

    /// Opens a store for reading only: no migration, no seeding, no write lock, and it works
    /// in a read-only location. For commands that only look.
    public static func openReadOnly(at path: String) throws -> Store {
        Store(db: try openForReading(at: path), path: path)
    }

    private func configureForWriting() throws {
        _ = try db.scalar("PRAGMA journal_mode = WAL")
        try db.execute("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
    }

    static func mapOpenError(_ error: SQLiteError, path: String) -> Error {
        switch error.primaryCode {
        case SQLITE_NOTADB: return StoreError.notADatabase(path: path)
        case SQLITE_CANTOPEN:
            return StoreError.cannotCreate(path: path, reason: "SQLite cannot open it (\(error.message))")
        case SQLITE_READONLY:
            return StoreError.readOnly(path: path, reason: error.message)
        default: return error
        }
    }

    public func close() { db.close() }
}

@available(*, unavailable)
extension Store: Sendable {}
