import CSQLite
import Foundation

/// Why the read-only guard refused SQL; nothing of it ran.
package enum ReadOnlyRefusal: Error, Sendable, Equatable {
    /// SQLite's authorizer refused the statement while compiling it: it could change the
    /// database or files beside it (`ATTACH`, `VACUUM INTO`, setting a pragma …).
    case notAllowed(statement: String)
    /// The statement compiles but would write (`INSERT`, `CREATE` …).
    case writes(statement: String)
    /// The input holds no statement, only whitespace or comments.
    case empty
    /// The input holds a NUL character, where SQLite would stop reading it.
    case holdsNUL
}

/// Runs user SQL on a connection without any way to change the database or anything beside it.
///
/// A read-only open alone is not enough (SQLite 3.40 still runs `VACUUM INTO`, temp tables,
/// `PRAGMA writable_schema` and silently drops a second statement), so four locks combine:
/// a read-only open (the caller's), `query_only` and `SQLITE_DBCONFIG_DEFENSIVE`, an
/// authorizer that allows only reading, and a check of every statement of the input before
/// any of them runs. The connection stays locked this way for as long as it is open.
package final class ReadOnlyGuard {
    package let connection: Connection

    /// Pragmas that only report on the schema or the file; allowed with or without an argument.
    static let introspectionPragmas: Set<String> = [
        "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
        "foreign_key_list", "foreign_key_check", "integrity_check", "quick_check",
        "collation_list", "function_list", "module_list", "pragma_list", "database_list",
        "compile_options",
    ]
    /// Settings that may be read but never set (allowed only without an argument).
    static let readableSettings: Set<String> = [
        "user_version", "schema_version", "application_id", "page_size",
        "page_count", "freelist_count", "encoding", "foreign_keys", "data_version",
    ]
    static let readingKeywords: Set<String> = ["SELECT", "WITH", "VALUES", "EXPLAIN", "PRAGMA"]

    /// Locks `connection` (opened read-only) to reading.
    package init(_ connection: Connection) throws {
        self.connection = connection
        try connection.execute("PRAGMA query_only = 1")
        try connection.setConfig(SQLITE_DBCONFIG_DEFENSIVE, true)
        try connection.setConfig(SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, false)
        try connection.setConfig(SQLITE_DBCONFIG_TRIGGER_EQP, false)
        sqlite3_set_authorizer(connection.handle, readOnlyAuthorizer, nil)
    }

    /// Prepares every statement of `sql` and checks each one before any runs; throws
    /// `ReadOnlyRefusal` for one that could change anything, or an `SQLiteError`.
    package func prepare(_ sql: String) throws -> [Statement] {
        // SQLite stops reading SQL at a NUL, so a NUL would silently drop what follows it.
        guard !sql.utf8.contains(0) else { throw ReadOnlyRefusal.holdsNUL }
        var prepared: [Statement] = []
        let utf8 = Array(sql.utf8CString)
        try utf8.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var cursor = base
            let end = base + buffer.count - 1  // the terminating NUL
            while cursor < end {
                var handle: OpaquePointer?
                var tail: UnsafePointer<CChar>?
                let rc = sqlite3_prepare_v3(connection.handle, cursor, Int32(end - cursor), 0, &handle, &tail)
                let consumed = tail ?? end
                var text = String(decoding: UnsafeRawBufferPointer(start: cursor, count: consumed - cursor), as: UTF8.self)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                if rc != SQLITE_OK {
                    // On failure the tail is not set: show the input up to its next ';'.
                    let rest = String(decoding: UnsafeRawBufferPointer(start: cursor, count: end - cursor), as: UTF8.self)
                    text = String(rest.prefix { $0 != ";" }).trimmingCharacters(in: .whitespacesAndNewlines)
                    let error = SQLiteError.from(connection.handle, code: rc, sql: text)
                    if error.primaryCode == .authorization || error.message.hasPrefix("not authorized") {
                        throw ReadOnlyRefusal.notAllowed(statement: Self.abbreviate(text))
                    }
                    throw error
                }
                guard consumed > cursor || handle != nil else { break }  // nothing more SQLite can read
                cursor = consumed
                guard let handle else { continue }  // only whitespace or a comment
                let statement = Statement(connection: connection, handle: handle, sql: text)
                let keyword = Self.firstKeyword(text)
                guard statement.isReadOnly, Self.readingKeywords.contains(keyword) else {
                    throw ReadOnlyRefusal.writes(statement: Self.abbreviate(text))
                }
                prepared.append(statement)
            }
        }
        guard !prepared.isEmpty else { throw ReadOnlyRefusal.empty }
        return prepared
    }

    static func abbreviate(_ sql: String) -> String {
        let oneLine = sql.split(whereSeparator: \.isNewline).joined(separator: " ")
        return oneLine.count > 80 ? String(oneLine.prefix(80)) + "…" : oneLine
    }

    /// The first keyword after whitespace and comments, upper-cased.
    package static func firstKeyword(_ sql: String) -> String {
        var scalars = Substring(sql).unicodeScalars[...]
        while let first = scalars.first {
            if CharacterSet.whitespacesAndNewlines.contains(first) || first == ";" {
                scalars = scalars.dropFirst()
            } else if scalars.starts(with: "--".unicodeScalars) {
                scalars = scalars.drop { $0 != "\n" }
            } else if scalars.starts(with: "/*".unicodeScalars) {
                let rest = String(scalars.dropFirst(2))
                guard let close = rest.range(of: "*/") else { return "" }
                scalars = Substring(rest[close.upperBound...]).unicodeScalars[...]
            } else {
                break
            }
        }
        return String(String.UnicodeScalarView(scalars.prefix { CharacterSet.letters.contains($0) })).uppercased()
    }
}

@available(*, unavailable)
extension ReadOnlyGuard: Sendable {}

/// Allows reading only. Called by SQLite while it compiles each statement.
private func readOnlyAuthorizer(
    _ userData: UnsafeMutableRawPointer?, _ action: Int32,
    _ argument1: UnsafePointer<CChar>?, _ argument2: UnsafePointer<CChar>?,
    _ database: UnsafePointer<CChar>?, _ trigger: UnsafePointer<CChar>?
) -> Int32 {
    switch action {
    case SQLITE_SELECT, SQLITE_READ, SQLITE_RECURSIVE:
        return SQLITE_OK
    case SQLITE_FUNCTION:
        let name = argument2.map { String(cString: $0).lowercased() } ?? ""
        // load_extension loads code; fts3_tokenizer reads and sets raw pointers.
        return name == "load_extension" || name == "fts3_tokenizer" ? SQLITE_DENY : SQLITE_OK
    case SQLITE_PRAGMA:
        let name = argument1.map { String(cString: $0).lowercased() } ?? ""
        if ReadOnlyGuard.introspectionPragmas.contains(name) { return SQLITE_OK }
        if ReadOnlyGuard.readableSettings.contains(name) && argument2 == nil { return SQLITE_OK }
        return SQLITE_DENY
    default:
        return SQLITE_DENY
    }
}
