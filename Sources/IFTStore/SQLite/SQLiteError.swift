import CSQLite
import Foundation

/// A failed SQLite call: the extended result code, the message SQLite gave right after the
/// failure, and the SQL that was running. Bound values are never kept: they may be private text.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    public let code: Int32
    public let message: String
    public let sql: String?

    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// The primary result code (`SQLITE_BUSY`, `SQLITE_CONSTRAINT` …) without the extended bits.
    public var primaryCode: Int32 { code & 0xff }

    public var description: String {
        var text = "SQLite error \(code) (\(String(cString: sqlite3_errstr(code)))): \(message)"
        if let sql {
            let oneLine = sql.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
            text += " — in `\(oneLine.count > 200 ? String(oneLine.prefix(200)) + "…" : oneLine)`"
        }
        return text
    }
}

extension SQLiteError {
    static func from(_ db: OpaquePointer?, code: Int32, sql: String?) -> SQLiteError {
        let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
        let extended = db.map { sqlite3_extended_errcode($0) } ?? code
        return SQLiteError(code: extended, message: message, sql: sql)
    }
}
