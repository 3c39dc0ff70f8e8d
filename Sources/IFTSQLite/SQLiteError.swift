import CSQLite
import Foundation

/// An SQLite result code: the extended code as SQLite reports it (`SQLITE_CONSTRAINT_UNIQUE`
/// …), compared against the named codes below or, through `primary`, their families.
package struct ResultCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    package let rawValue: Int32

    package init(rawValue: Int32) { self.rawValue = rawValue }

    /// The primary code (`.busy`, `.constraint` …) without the extended bits.
    package var primary: ResultCode { ResultCode(rawValue: rawValue & 0xff) }

    /// SQLite's English name for the code ("database is locked" …).
    package var description: String { String(cString: sqlite3_errstr(rawValue)) }

    package static let ok = ResultCode(rawValue: SQLITE_OK)
    package static let error = ResultCode(rawValue: SQLITE_ERROR)
    package static let permission = ResultCode(rawValue: SQLITE_PERM)
    package static let busy = ResultCode(rawValue: SQLITE_BUSY)
    package static let readOnly = ResultCode(rawValue: SQLITE_READONLY)
    /// SQLITE_READONLY_ROLLBACK: a hot journal that a read-only connection cannot roll back.
    package static let readOnlyRollback = ResultCode(rawValue: SQLITE_READONLY | (3 << 8))
    package static let corrupt = ResultCode(rawValue: SQLITE_CORRUPT)
    package static let cannotOpen = ResultCode(rawValue: SQLITE_CANTOPEN)
    package static let constraint = ResultCode(rawValue: SQLITE_CONSTRAINT)
    package static let misuse = ResultCode(rawValue: SQLITE_MISUSE)
    package static let authorization = ResultCode(rawValue: SQLITE_AUTH)
    package static let range = ResultCode(rawValue: SQLITE_RANGE)
    package static let notADatabase = ResultCode(rawValue: SQLITE_NOTADB)
    /// `SQLITE_CONSTRAINT_UNIQUE`: a UNIQUE constraint failed.
    package static let uniqueConstraint = ResultCode(rawValue: 2067)
}

/// A failed SQLite call: the extended result code, the message SQLite gave right after the
/// failure, and the SQL that was running. Bound values are never kept: they may be private text.
package struct SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    package let code: ResultCode
    package let message: String
    package let sql: String?

    package init(code: ResultCode, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// The primary result code (`.busy`, `.constraint` …) without the extended bits.
    package var primaryCode: ResultCode { code.primary }

    package var description: String {
        var text = "SQLite error \(code.rawValue) (\(code)): \(message)"
        if let sql {
            let oneLine = sql.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
            text += " — in `\(oneLine.count > 200 ? String(oneLine.prefix(200)) + "…" : oneLine)`"
        }
        return text
    }
}

extension SQLiteError {
    /// The error SQLite reports on `db` for a call that returned `code`: the connection's
    /// extended code and message when there is a connection, else the code's own text.
    @usableFromInline
    static func from(_ db: OpaquePointer?, code: Int32, sql: String?) -> SQLiteError {
        let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
        let extended = db.map { sqlite3_extended_errcode($0) } ?? code
        return SQLiteError(code: ResultCode(rawValue: extended), message: message, sql: sql)
    }
}
