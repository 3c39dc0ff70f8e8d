import Foundation
internal import IFTSQLite

/// A statement's current row read by column name (`AS name` in the select list), so a row
/// decodes into a small struct without counting positions.
struct NamedColumns {
    private let statement: Statement
    private let index: [String: Int]

    init(_ statement: Statement) {
        self.statement = statement
        var index: [String: Int] = [:]
        for column in 0..<statement.columnCount { index[statement.columnName(column)] = column }
        self.index = index
    }

    private func position(_ name: String) -> Int {
        guard let position = index[name] else { preconditionFailure("no column named \(name)") }
        return position
    }

    func int(_ name: String) -> Int { statement.int(position(name)) }
    func id(_ name: String) -> Int64 { Int64(statement.int(position(name))) }
    func optionalID(_ name: String) -> Int64? { statement.optionalInt(position(name)).map(Int64.init) }
    func string(_ name: String) -> String { statement.string(at: position(name)) }
    func optionalString(_ name: String) -> String? { statement.optionalString(position(name)) }
    func double(_ name: String) -> Double { statement.double(position(name)) }
    func optionalDouble(_ name: String) -> Double? { statement.optionalDouble(position(name)) }
}

extension Connection {
    /// Runs `query` and decodes each row by name; `body` sees the row only during the call.
    func forEachRow(_ query: SQLFragment, _ body: (NamedColumns) throws -> Void) throws {
        let statement = try prepare(query.sql)
        try statement.bind(query.arguments)
        let columns = NamedColumns(statement)
        while try statement.step() { try body(columns) }
    }

    /// The one row `query` gives, decoded by name.
    func firstRow<Row>(_ query: SQLFragment, _ decode: (NamedColumns) throws -> Row) throws -> Row? {
        let statement = try prepare(query.sql)
        try statement.bind(query.arguments)
        guard try statement.step() else { return nil }
        return try decode(NamedColumns(statement))
    }
}
