import CSQLite
import Foundation

/// One SQLite connection. Not Sendable: it lives on one thread (or inside one actor) and
/// closes when released.
package final class Connection {
    package enum Mode: Sendable {
        /// Read and write; create the file when `create` is true.
        case readWrite(create: Bool)
        /// Read only; the file must exist.
        case readOnly
        /// Read only, promising SQLite that nothing changes the file while it is open: no
        /// locks, no `-wal` or `-shm`. For a store in a folder this process cannot write.
        case immutable
    }

    @usableFromInline let handle: OpaquePointer
    package let path: String
    package let mode: Mode
    private var isClosed = false
    /// Prepared statements kept for reuse by `cached(_:)`, finalized before closing.
    private var statementCache: [String: Statement] = [:]

    package init(path: String, mode: Mode, busyTimeoutMilliseconds: Int32 = 15_000) throws {
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        switch mode {
        case .readWrite(let create): flags |= SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0)
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        case .immutable: flags |= SQLITE_OPEN_READONLY | SQLITE_OPEN_URI
        }
        var db: OpaquePointer?
        let filename = if case .immutable = mode { Self.immutableURI(path) } else { path }
        let rc = sqlite3_open_v2(filename, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let error = SQLiteError.from(db, code: rc, sql: nil)
            sqlite3_close_v2(db)
            throw error
        }
        self.handle = db
        self.path = path
        self.mode = mode
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
    }

    deinit { close() }

    /// `path` as an SQLite URI filename with `immutable=1`; every byte outside a small safe
    /// set is percent-encoded, so `?`, `#` and `%` in a path stay part of it.
    package static func immutableURI(_ path: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-~".utf8)
        // An absolute path gets an empty authority, so a path starting with `//` stays a path.
        var uri = path.hasPrefix("/") ? "file://" : "file:"
        for byte in path.utf8 {
            if safe.contains(byte) {
                uri.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                uri += (byte < 16 ? "%0" : "%") + String(byte, radix: 16, uppercase: true)
            }
        }
        return uri + "?immutable=1"
    }

    /// Closes the connection; a writer checkpoints first so the main file alone is complete.
    package func close() {
        guard !isClosed else { return }
        isClosed = true
        statementCache.removeAll()
        if case .readWrite = mode {
            sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_TRUNCATE, nil, nil)
        }
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that return no rows we need.
    package func execute(_ sql: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if rc != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(errorMessage)
            throw SQLiteError(code: ResultCode(rawValue: sqlite3_extended_errcode(handle)), message: message, sql: sql)
        }
    }

    package func prepare(_ sql: String) throws -> Statement {
        try Statement(connection: self, sql: sql)
    }

    /// A prepared statement for `sql`, prepared once per connection and reset for reuse:
    /// for statements that run once per item in a hot loop.
    package func cached(_ sql: String) throws -> Statement {
        if let statement = statementCache[sql] {
            statement.reset()
            return statement
        }
        let statement = try prepare(sql)
        statementCache[sql] = statement
        return statement
    }

    /// Runs `sql` with `arguments` for its side effects (the statement is cached).
    package func run(_ sql: String, _ arguments: [any SQLiteBindable] = []) throws {
        let statement = try cached(sql)
        try statement.bind(arguments)
        try statement.runToCompletion()
    }

    /// The first column of the first row, or nil when there is no row.
    package func scalar(_ sql: String, _ arguments: [any SQLiteBindable] = []) throws -> SQLiteValue? {
        let statement = try cached(sql)
        try statement.bind(arguments)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return statement.value(at: 0)
    }

    package func scalarInt(_ sql: String, _ arguments: [any SQLiteBindable] = []) throws -> Int? {
        if case .integer(let value)? = try scalar(sql, arguments) { return Int(value) }
        return nil
    }

    package var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    package var changes: Int { Int(sqlite3_changes(handle)) }

    package enum TransactionKind: String, Sendable {
        case deferred = "DEFERRED"
        /// Takes the write lock at once, so two writers queue on the busy timeout instead of
        /// failing when a read transaction tries to upgrade.
        case immediate = "IMMEDIATE"
    }

    /// Whether a transaction is open on this connection.
    package var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws and
    /// rethrows that first error. Synchronous on purpose: never await inside a transaction.
    /// Inside an open transaction it becomes a savepoint, so a batch of items can share one
    /// commit while each item still writes all or nothing.
    package func transaction<T>(_ kind: TransactionKind = .immediate, _ body: () throws -> T) throws -> T {
        let nested = isInTransaction
        try execute(nested ? "SAVEPOINT iftdb_item" : "BEGIN \(kind.rawValue)")
        let result: T
        do {
            result = try body()
        } catch {
            try? execute(nested ? "ROLLBACK TO iftdb_item; RELEASE iftdb_item" : "ROLLBACK")
            throw error
        }
        do {
            try execute(nested ? "RELEASE iftdb_item" : "COMMIT")
        } catch {
            try? execute(nested ? "ROLLBACK TO iftdb_item; RELEASE iftdb_item" : "ROLLBACK")
            throw error
        }
        return result
    }

    /// Sets a boolean `sqlite3_db_config` option (`SQLITE_DBCONFIG_DEFENSIVE` …).
    package func setConfig(_ option: Int32, _ enabled: Bool) throws {
        let rc = iftdb_db_config_int(handle, option, enabled ? 1 : 0)
        guard rc == SQLITE_OK else { throw SQLiteError.from(handle, code: rc, sql: nil) }
    }
}

@available(*, unavailable)
extension Connection: Sendable {}
