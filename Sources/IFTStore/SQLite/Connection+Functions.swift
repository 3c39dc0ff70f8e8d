import CSQLite

extension Connection {
    /// Registers `name(text)` as a deterministic SQL function that answers 1 or 0 from the
    /// argument's UTF-8 bytes (read without copying); NULL gives NULL. Registering the same
    /// name again replaces it on this connection.
    public func registerTextPredicate(_ name: String, _ predicate: @escaping (UnsafeBufferPointer<UInt8>) -> Bool) throws {
        let box = Unmanaged.passRetained(TextPredicateBox(predicate)).toOpaque()
        let rc = sqlite3_create_function_v2(
            handle, name, 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, box,
            { context, count, arguments in
                guard let context, count == 1, let argument = arguments?[0] else { return }
                if sqlite3_value_type(argument) == SQLITE_NULL {
                    sqlite3_result_null(context)
                    return
                }
                let text = sqlite3_value_text(argument)
                let length = Int(sqlite3_value_bytes(argument))
                let box = Unmanaged<TextPredicateBox>.fromOpaque(sqlite3_user_data(context)).takeUnretainedValue()
                let bytes = UnsafeBufferPointer(start: text, count: text == nil ? 0 : length)
                sqlite3_result_int(context, box.predicate(bytes) ? 1 : 0)
            },
            nil, nil,
            { pointer in
                guard let pointer else { return }
                Unmanaged<TextPredicateBox>.fromOpaque(pointer).release()
            })
        guard rc == SQLITE_OK else {
            // SQLite calls the destructor itself when registration fails.
            throw SQLiteError.from(handle, code: rc, sql: nil)
        }
    }
}

/// Holds a Swift closure for SQLite's user-data pointer; released by SQLite's destructor.
private final class TextPredicateBox {
    let predicate: (UnsafeBufferPointer<UInt8>) -> Bool
    init(_ predicate: @escaping (UnsafeBufferPointer<UInt8>) -> Bool) { self.predicate = predicate }
}
