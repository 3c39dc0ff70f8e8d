import CSQLite

/// A prepared statement. Not Sendable; finalized when released.
///
/// What runs once per row or column (stepping, reading a column) is `@inlinable`: IFTStore's
/// exports and loads call it in their innermost loops, across the module boundary.
package final class Statement {
    @usableFromInline let handle: OpaquePointer
    package let sql: String
    @usableFromInline unowned let connection: Connection

    init(connection: Connection, sql: String) throws {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v3(connection.handle, sql, -1, 0, &statement, nil)
        guard rc == SQLITE_OK, let statement else {
            throw SQLiteError.from(connection.handle, code: rc == SQLITE_OK ? SQLITE_MISUSE : rc, sql: sql)
        }
        self.handle = statement
        self.sql = sql
        self.connection = connection
    }

    /// Wraps a statement prepared elsewhere (the read-only guard prepares statements one by one).
    init(connection: Connection, handle: OpaquePointer, sql: String) {
        self.handle = handle
        self.sql = sql
        self.connection = connection
    }

    deinit { sqlite3_finalize(handle) }

    /// Resets the statement and binds `values` to parameters 1…n. With `leading`, the
    /// remaining parameters are bound one by one afterwards.
    package func bind(_ values: [any SQLiteBindable], leading: Bool = false) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard leading ? values.count <= expected : expected == values.count else {
            throw SQLiteError(code: .range, message: "statement takes \(expected) values, got \(values.count)", sql: sql)
        }
        for (offset, bindable) in values.enumerated() {
            try bind(bindable.sqliteValue, at: Int32(offset + 1))
        }
    }

    package func bind(_ value: SQLiteValue, at index: Int32) throws {
        let rc: Int32
        switch value {
        case .null: rc = sqlite3_bind_null(handle, index)
        case .integer(let v): rc = sqlite3_bind_int64(handle, index, v)
        case .real(let v): rc = sqlite3_bind_double(handle, index, v)
        case .text(let v):
            var text = v
            rc = text.withUTF8 { bindText($0, at: index) }
        case .blob(let v):
            rc = v.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), iftdb_transient()) }
        }
        guard rc == SQLITE_OK else { throw SQLiteError.from(connection.handle, code: rc, sql: sql) }
    }

    /// Binds UTF-8 text straight from a buffer (copied by SQLite), avoiding a String.
    package func bind(utf8 bytes: UnsafeBufferPointer<UInt8>, at index: Int32) throws {
        let rc = bindText(bytes, at: index)
        guard rc == SQLITE_OK else { throw SQLiteError.from(connection.handle, code: rc, sql: sql) }
    }

    /// Text is bound by its byte length, never as a C string: a NUL (U+0000) inside it is a
    /// character like any other, and everything after it is kept.
    private func bindText(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int32) -> Int32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            // Empty text, not NULL: SQLite binds NULL for a null pointer.
            return sqlite3_bind_text64(handle, index, "", 0, iftdb_transient(), UInt8(SQLITE_UTF8))
        }
        return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
            sqlite3_bind_text64(handle, index, $0, sqlite3_uint64(bytes.count), iftdb_transient(), UInt8(SQLITE_UTF8))
        }
    }

    /// Advances to the next row; false when done.
    @inlinable @discardableResult
    package func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = SQLiteError.from(connection.handle, code: rc, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    @inlinable
    package func runToCompletion() throws {
        while try step() {}
    }

    @inlinable
    package func reset() { sqlite3_reset(handle) }

    package var columnCount: Int { Int(sqlite3_column_count(handle)) }

    package func columnName(_ index: Int) -> String {
        sqlite3_column_name(handle, Int32(index)).map { String(cString: $0) } ?? "?"
    }

    package var isReadOnly: Bool { sqlite3_stmt_readonly(handle) != 0 }

    package func value(at index: Int) -> SQLiteValue {
        let i = Int32(index)
        switch sqlite3_column_type(handle, i) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, i))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, i))
        case SQLITE_TEXT: return .text(string(at: index))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, i))
            guard count > 0, let base = sqlite3_column_blob(handle, i) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: base, count: count)))
        default: return .null
        }
    }

    @inlinable
    package func isNull(_ index: Int) -> Bool { sqlite3_column_type(handle, Int32(index)) == SQLITE_NULL }

    @inlinable
    package func int(_ index: Int) -> Int { Int(sqlite3_column_int64(handle, Int32(index))) }

    @inlinable
    package func double(_ index: Int) -> Double { sqlite3_column_double(handle, Int32(index)) }

    @inlinable
    package func string(at index: Int) -> String {
        let i = Int32(index)
        guard let text = sqlite3_column_text(handle, i) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, i))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    @inlinable
    package func optionalString(_ index: Int) -> String? { isNull(index) ? nil : string(at: index) }
    @inlinable
    package func optionalInt(_ index: Int) -> Int? { isNull(index) ? nil : int(index) }
    @inlinable
    package func optionalDouble(_ index: Int) -> Double? { isNull(index) ? nil : double(index) }

    /// The column's UTF-8 bytes without copying; valid until the next step or reset.
    @inlinable
    package func withUTF8<T>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        let i = Int32(index)
        let text = sqlite3_column_text(handle, i)
        let count = Int(sqlite3_column_bytes(handle, i))
        return try body(UnsafeBufferPointer(start: text, count: text == nil ? 0 : count))
    }
}

@available(*, unavailable)
extension Statement: Sendable {}
