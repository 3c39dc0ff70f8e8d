import CSQLite

/// The arguments of one call of a registered SQL function, read in place: valid only while
/// the function runs.
package struct FunctionArguments {
    @usableFromInline let values: UnsafeMutablePointer<OpaquePointer?>
    package let count: Int

    init(_ values: UnsafeMutablePointer<OpaquePointer?>, count: Int) {
        self.values = values
        self.count = count
    }

    package func isNull(_ index: Int) -> Bool { sqlite3_value_type(values[index]) == SQLITE_NULL }

    /// The argument's UTF-8 bytes without copying (a number reads as its decimal text, NULL
    /// as no bytes); valid only inside `body`. Inlinable: the checks call it three times a
    /// pair, and an unspecialised generic call from another module costs more than the read.
    @inlinable
    package func withUTF8<T>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        // The pointer first, then the length: that is the order SQLite documents. Text is read
        // as a blob, its bytes in place: `sqlite3_value_text` would first copy a value that
        // points into a page, to end it with a NUL. Numbers convert to their decimal text.
        let value = values[index]
        let bytes: UnsafeRawPointer? = sqlite3_value_type(value) == SQLITE_TEXT
            ? sqlite3_value_blob(value) : UnsafeRawPointer(sqlite3_value_text(value))
        let length = Int(sqlite3_value_bytes(value))
        return try body(UnsafeBufferPointer(start: bytes?.assumingMemoryBound(to: UInt8.self), count: bytes == nil ? 0 : length))
    }

    /// The argument as an integer (text that is not a number reads as 0, NULL as 0).
    package func int(_ index: Int) -> Int { Int(sqlite3_value_int64(values[index])) }

    /// The argument as a real (text that is not a number reads as 0, NULL as 0).
    package func double(_ index: Int) -> Double { sqlite3_value_double(values[index]) }
}

/// What one call of a registered SQL function returns.
package enum FunctionResult: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
}

extension Connection {
    /// The argument counts a registered function may take.
    package static let functionArgumentCounts = 1...8

    /// Registers `name` as a deterministic SQL function of `arguments` arguments (1 to 8; a
    /// range such as `3...4` registers one function per count, for an optional last
    /// argument). `body` reads the arguments in place; a thrown error becomes the SQL
    /// statement's error. Registering the same name and count again replaces it on this
    /// connection.
    package func registerFunction(
        _ name: String, arguments: ClosedRange<Int>, _ body: @escaping (FunctionArguments) throws -> FunctionResult
    ) throws {
        guard Self.functionArgumentCounts.contains(arguments.lowerBound), Self.functionArgumentCounts.contains(arguments.upperBound) else {
            throw SQLiteError(code: .misuse, message: "\(name) takes \(arguments) arguments; a function takes 1 to 8")
        }
        for count in arguments {
            let box = Unmanaged.passRetained(FunctionBox(body)).toOpaque()
            let rc = sqlite3_create_function_v2(
                handle, name, Int32(count), SQLITE_UTF8 | SQLITE_DETERMINISTIC, box,
                { context, count, values in
                    guard let context, let values else { return }
                    let box = Unmanaged<FunctionBox>.fromOpaque(sqlite3_user_data(context)).takeUnretainedValue()
                    let result: FunctionResult
                    do {
                        result = try box.body(FunctionArguments(values, count: Int(count)))
                    } catch {
                        sqlite3_result_error(context, "\(error)", -1)
                        return
                    }
                    switch result {
                    case .null: sqlite3_result_null(context)
                    case .integer(let value): sqlite3_result_int64(context, value)
                    case .real(let value): sqlite3_result_double(context, value)
                    case .text(var text):
                        // By byte length, copied by SQLite: a NUL inside is kept.
                        text.withUTF8 { bytes in
                            guard let base = bytes.baseAddress, !bytes.isEmpty else {
                                // Empty text, not NULL: SQLite gives NULL for a null pointer.
                                sqlite3_result_text64(context, "", 0, iftdb_transient(), UInt8(SQLITE_UTF8))
                                return
                            }
                            base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                                sqlite3_result_text64(context, $0, sqlite3_uint64(bytes.count), iftdb_transient(), UInt8(SQLITE_UTF8))
                            }
                        }
                    }
                },
                nil, nil,
                { pointer in
                    guard let pointer else { return }
                    Unmanaged<FunctionBox>.fromOpaque(pointer).release()
                })
            guard rc == SQLITE_OK else {
                // SQLite calls the destructor itself when registration fails.
                throw SQLiteError.from(handle, code: rc, sql: nil)
            }
        }
    }

    /// Registers `name` as a deterministic SQL function of exactly `arguments` arguments.
    package func registerFunction(
        _ name: String, arguments: Int, _ body: @escaping (FunctionArguments) throws -> FunctionResult
    ) throws {
        try registerFunction(name, arguments: arguments...arguments, body)
    }

    /// Registers `name(text)` as a deterministic SQL function that answers 1 or 0 from the
    /// argument's UTF-8 bytes (read without copying); NULL gives NULL.
    package func registerTextPredicate(_ name: String, _ predicate: @escaping (UnsafeBufferPointer<UInt8>) -> Bool) throws {
        try registerFunction(name, arguments: 1) { arguments in
            arguments.isNull(0) ? .null : .integer(arguments.withUTF8(0, predicate) ? 1 : 0)
        }
    }
}

/// Holds a Swift closure for SQLite's user-data pointer; released by SQLite's destructor.
private final class FunctionBox {
    let body: (FunctionArguments) throws -> FunctionResult
    init(_ body: @escaping (FunctionArguments) throws -> FunctionResult) { self.body = body }
}
