import Foundation
internal import IFTSQLite

#if canImport(Glibc)
import Glibc
#endif

/// How a command opens a store to change it: `StoreFile.open(path, for: .writing)`.
public struct WriteAccess: Sendable, Hashable {
    /// Whether a missing store is made.
    let creatingIfMissing: Bool

    /// An existing store; its schema is brought up to date first.
    public static let writing = WriteAccess(creatingIfMissing: false)

    /// With `create`, a missing store is made (`init`, `load`).
    public static func writing(create: Bool) -> WriteAccess { WriteAccess(creatingIfMissing: create) }
}

/// How a command opens a store only to look: `StoreFile.open(path, for: .reading)`.
public struct ReadAccess: Sendable, Hashable {
    let requirement: SchemaRequirement

    /// A store with the generation tables: what most commands that look need.
    public static let reading = ReadAccess(requirement: .generation)

    /// A store that meets `requirement`.
    public static func reading(requiring requirement: SchemaRequirement) -> ReadAccess { ReadAccess(requirement: requirement) }
}

/// The one door to a store file. A command opens the store once, for writing or for reading,
/// and calls methods on the face it gets back (after GRDB's writer and reader): nothing else
/// opens a store, and no path or connection is passed into the domain.
///
/// - `.writing` takes the store as it is on disk, makes it when asked, brings its schema up
///   to date (each migration in its own transaction) and adds the default prompts.
/// - `.reading` runs no migration and writes nothing, so it works in a folder this process
///   cannot write; it refuses a store that does not meet the schema requirement.
public enum StoreFile {
    public static let defaultFileName = "iftdb.sqlite"

    /// `--db PATH`, else `IFTDB_DB`, else `iftdb.sqlite` in the current folder.
    public static func resolvePath(_ flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let fromEnvironment = environment["IFTDB_DB"], !fromEnvironment.isEmpty { return fromEnvironment }
        return defaultFileName
    }

    /// Opens the store at `path` for writing; see `WriteAccess`.
    public static func open(_ path: String, for access: WriteAccess) throws -> StoreWriter {
        try open(path, for: access, migrations: StoreSchema.migrations)
    }

    /// Opens the store at `path` for reading; see `ReadAccess`.
    public static func open(_ path: String, for access: ReadAccess) throws -> StoreReader {
        guard try fileExists(at: path) else { throw StoreError.noStore(path: path) }
        let log = WriteAheadLog(storePath: path)
        let opening = try readOpening(path: path, log: log)
        let db: Connection
        var unreadableSchema: String?
        do {
            db = try Connection(path: path, mode: opening == .immutable ? .immutable : .readOnly)
            // Opening is lazy: the first read is what finds a missing -shm or an unreadable file.
            do {
                _ = try db.scalar("SELECT count(*) FROM sqlite_master")
            } catch let error as SQLiteError where error.primaryCode == .corrupt && access.requirement == .inspection {
                // The schema itself cannot be read: `check` says so as its one finding.
                unreadableSchema = error.message
            }
        } catch let error as SQLiteError {
            if error.code == .readOnlyRollback { throw StoreError.unfinishedJournal(path: path, journal: path + StoreFiles.journal) }
            if opening == .shared, log.holdsChanges, [.cannotOpen, .readOnly].contains(error.primaryCode) {
                throw StoreError.unusableLog(path: path, log: log.walPath, reason: error.message)
            }
            throw openingError(error, path: path, writing: false)
        }
        let reader = StoreReader(db: db, path: path, unreadableSchema: unreadableSchema)
        guard unreadableSchema == nil else { return reader }
        do {
            try check(access.requirement, of: db, path: path)
        } catch {
            throw openingError(error, path: path, writing: false)
        }
        return reader
    }

    /// Opens for writing with `migrations` in place of the ones this binary carries (tests).
    static func open(_ path: String, for access: WriteAccess, migrations: [Migration]) throws -> StoreWriter {
        let fileManager = FileManager.default
        let exists = try fileExists(at: path)
        // Only a process that made the file itself may remove it after a failure: another
        // process creating the same store at the same moment must never lose it.
        var createdHere = false
        if !exists {
            guard access.creatingIfMissing else { throw StoreError.noStore(path: path) }
            let folder = ResolvedPath.split(path).folder
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
            db = try Connection(path: path, mode: .readWrite(create: access.creatingIfMissing))
        } catch {
            throw openingError(error, path: path, writing: true)
        }
        do {
            // A new store gets pages of `pageSize` bytes. SQLite takes a page size only while
            // the file is empty and before WAL mode; a store that exists keeps its own.
            if try db.scalarInt("PRAGMA page_count") == 0 { try db.execute("PRAGMA page_size = \(StoreSchema.pageSize)") }
            _ = try db.scalar("PRAGMA journal_mode = WAL")
            try db.execute("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            let outcome = try StoreSchema.migrator(migrations).migrate(db)
            let writer = StoreWriter(db: db, path: path, migrationOutcome: MigrationOutcome(outcome))
            try writer.seedDefaultPrompts()
            return writer
        } catch {
            // A store this call created and could not finish is removed: no half-made files.
            db.close()
            if createdHere {
                for suffix in StoreFiles.suffixes { try? fileManager.removeItem(atPath: path + suffix) }
            }
            throw openingError(error, path: path, writing: true)
        }
    }

    /// Whether a file is at `path`, for every way of opening a store; a folder there is an
    /// error that says what --db wants.
    static func fileExists(at path: String) throws -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return false }
        if isDirectory.boolValue { throw StoreError.isAFolder(path: path) }
        return true
    }

    /// Throws when the store open on `db` does not meet `requirement`.
    private static func check(_ requirement: SchemaRequirement, of db: Connection, path: String) throws {
        switch requirement {
        case .anyDatabase:
            return
        case .inspection:
            // Any version: `check` itself reports migrations it does not know, and a migrations
            // table it cannot read.
            do {
                if try StoreSchema.migrator().appliedIDs(db).isEmpty { throw StoreError.notAnIFTDBStore(path: path) }
            } catch let error as SQLiteError where error.primaryCode == .corrupt {
                return
            }
        case .generation:
            let migrator = StoreSchema.migrator()
            try migrator.checkNotNewer(db)
            let applied = try migrator.appliedMigrations(db)
            if applied.isEmpty { throw StoreError.notAnIFTDBStore(path: path) }
            guard requirement.isMet(byMigrationsNamed: applied.map(\.name)) else {
                throw StoreError.olderSchema(path: path, lacking: requirement)
            }
        }
    }

    /// `error`, met while opening the store at `path`, as the error a user reads.
    static func openingError(_ error: any Error, path: String, writing: Bool) -> any Error {
        switch error {
        case let error as MigrationError:
            switch error {
            case .newer(let unknown): return StoreError.newerStore(path: path, unknownMigrations: unknown)
            case .foreign(let id, let recorded, let expected):
                return StoreError.foreignMigration(path: path, id: id, recorded: recorded, expected: expected)
            case .unmanaged: return StoreError.notAnIFTDBStore(path: path)
            case .failed(let id, let name, let underlying): return StoreError.migrationFailed(id: id, name: name, reason: underlying.message)
            case .foreignKeyViolation(let id, let name, let table, let rowID, let parent):
                let row = rowID.map { "row \($0) of \(table)" } ?? "a row of \(table)"
                return StoreError.migrationFailed(id: id, name: name, reason: "it would leave \(row) pointing at no row of \(parent)")
            }
        case let error as SQLiteError:
            if error.code == .readOnlyRollback { return StoreError.unfinishedJournal(path: path, journal: path + StoreFiles.journal) }
            switch error.primaryCode {
            case .notADatabase: return StoreError.notADatabase(path: path)
            case .cannotOpen, .readOnly, .permission:
                guard writing else { return StoreError.cannotRead(path: path, reason: error.message) }
                if error.primaryCode == .cannotOpen { return StoreError.cannotCreate(path: path, reason: "SQLite cannot open it (\(error.message))") }
                if error.primaryCode == .readOnly { return StoreError.readOnly(path: path, reason: error.message) }
                return StoreError(error)
            default: return StoreError(error)
            }
        default:
            return error
        }
    }
}

// MARK: - Reading in a folder this process cannot write

extension StoreFile {
    /// How a reader reaches the store file.
    enum ReadOpening: Equatable {
        /// A normal read-only open: SQLite may make `-wal`/`-shm`, or finds usable ones.
        case shared
        /// `immutable=1`: the folder is not writable and no log holds changes, so the main
        /// file alone is the whole store.
        case immutable
    }

    /// In a folder this process cannot write, SQLite cannot make its `-wal` and `-shm` files,
    /// so: no `-wal` or an empty one opens the file immutable; a `-wal` and `-shm` already
    /// there are read as they are; a `-wal` with changes that cannot be read is an error
    /// naming it.
    static func readOpening(path: String, log: WriteAheadLog) throws -> ReadOpening {
        let folder = ResolvedPath.split(path).folder
        if canAccess(folder.isEmpty ? "." : folder, W_OK | X_OK) { return .shared }
        // Opened immutable, the file would be read as if the journal were not there.
        if hasUnfinishedJournal(path) { throw StoreError.unfinishedJournal(path: path, journal: path + StoreFiles.journal) }
        guard log.holdsChanges else { return .immutable }
        if let reason = log.unreadableReason { throw StoreError.unusableLog(path: path, log: log.walPath, reason: reason) }
        return .shared
    }

    /// Whether a `-journal` beside the store holds a write that was never finished (SQLite
    /// rolls such a "hot" journal back before anyone reads the store): not empty, and not
    /// starting with a zero byte (a journal SQLite has finished with).
    static func hasUnfinishedJournal(_ path: String) -> Bool {
        let descriptor = Glibc.open(path + StoreFiles.journal, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { return errno != ENOENT }
        defer { Glibc.close(descriptor) }
        var first: UInt8 = 0
        return Glibc.read(descriptor, &first, 1) != 0 && first != 0
    }
}

/// The `-wal` and `-shm` files SQLite keeps beside a store in WAL mode, as found on disk.
struct WriteAheadLog {
    let walPath: String
    let shmPath: String
    /// The log's size in bytes; nil when there is none.
    let walSize: Int?

    init(storePath: String) {
        walPath = storePath + StoreFiles.wal
        shmPath = storePath + StoreFiles.shm
        var info = stat()
        walSize = stat(walPath, &info) == 0 ? Int(info.st_size) : nil
    }

    /// Whether the log may hold changes the main file lacks (an empty log holds none).
    var holdsChanges: Bool { (walSize ?? 0) > 0 }

    /// Why SQLite could not read the log here, or nil when it can: both files must be
    /// readable, and the `-shm` must exist since it cannot be made.
    var unreadableReason: String? {
        if !canAccess(walPath, R_OK) { return "it is not readable: \(String(cString: strerror(errno)))" }
        if !canAccess(shmPath, F_OK) { return "its index \(shmPath) is missing and cannot be made in a read-only folder" }
        if !canAccess(shmPath, R_OK) { return "its index \(shmPath) is not readable: \(String(cString: strerror(errno)))" }
        return nil
    }
}

/// Whether this process (its effective ids) may access `path` in `mode`.
private func canAccess(_ path: String, _ mode: Int32) -> Bool {
    faccessat(AT_FDCWD, path, mode, AT_EACCESS) == 0
}
