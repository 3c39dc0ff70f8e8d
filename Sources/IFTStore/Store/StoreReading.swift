import CSQLite
import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension Store {
    /// How a read-only command reaches the store file.
    enum ReadAccess: Equatable {
        /// A normal read-only open: SQLite may make `-wal`/`-shm`, or finds usable ones.
        case shared
        /// `immutable=1`: the folder is not writable and no log holds changes, so the main
        /// file alone is the whole store.
        case immutable
    }

    /// The one read-only open every command that only looks goes through (`sources`, `show`,
    /// `runs`, `sql`, `export`, `stats`, `diff`, `dataset list|show`, `prompts list|show|render`,
    /// `check`). No migration runs and nothing is written. In a folder this process cannot
    /// write, SQLite cannot make its `-wal` and `-shm` files, so: no `-wal` or an empty one
    /// opens the file immutable; a `-wal` and `-shm` already there are read as they are; a
    /// `-wal` with changes that cannot be read is an error naming it.
    public static func readOnlyConnection(at path: String) throws -> Connection {
        guard try storeFileExists(at: path) else { throw StoreError.noStore(path: path) }
        let log = WriteAheadLog(storePath: path)
        let access = try readAccess(path: path, log: log)
        do {
            let db = try Connection(path: path, mode: access == .immutable ? .immutable : .readOnly)
            // Opening is lazy: the first read is what finds a missing -shm or an unreadable file.
            _ = try db.scalar("SELECT count(*) FROM sqlite_master")
            return db
        } catch let error as SQLiteError {
            if access == .shared, log.holdsChanges, [SQLITE_CANTOPEN, SQLITE_READONLY].contains(error.primaryCode) {
                throw StoreError.unusableLog(path: path, log: log.walPath, reason: error.message)
            }
            throw mapReadOpenError(error, path: path)
        }
    }

    /// The decision behind `readOnlyConnection`, from the folder's and the log's state.
    static func readAccess(path: String, log: WriteAheadLog) throws -> ReadAccess {
        let folder = (path as NSString).deletingLastPathComponent
        if canAccess(folder.isEmpty ? "." : folder, W_OK | X_OK) { return .shared }
        guard log.holdsChanges else { return .immutable }
        if let reason = log.unreadableReason { throw StoreError.unusableLog(path: path, log: log.walPath, reason: reason) }
        return .shared
    }

    static func mapReadOpenError(_ error: SQLiteError, path: String) -> Error {
        switch error.primaryCode {
        case SQLITE_NOTADB: return StoreError.notADatabase(path: path)
        case SQLITE_CANTOPEN, SQLITE_READONLY, SQLITE_PERM:
            return StoreError.cannotRead(path: path, reason: error.message)
        default: return error
        }
    }
}

/// The `-wal` and `-shm` files SQLite keeps beside a store in WAL mode, as found on disk.
struct WriteAheadLog {
    let walPath: String
    let shmPath: String
    /// The log's size in bytes; nil when there is none.
    let walSize: Int?

    init(storePath: String) {
        walPath = storePath + "-wal"
        shmPath = storePath + "-shm"
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
