internal import IFTSQLite

/// A value in a row of `StoreReader.query(_:)`.
public enum QueryValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    init(_ value: SQLiteValue) {
        switch value {
        case .null: self = .null
        case .integer(let v): self = .integer(v)
        case .real(let v): self = .real(v)
        case .text(let v): self = .text(v)
        case .blob(let v): self = .blob(v)
        }
    }
}

/// The rows of one statement of `StoreReader.query(_:)`, read one at a time, so memory
/// stays flat however many there are. Not Sendable.
public final class QueryRows {
    public let columns: [String]
    private let statement: Statement
    /// Keeps the store open while its rows are read.
    private let reader: StoreReader

    init(_ statement: Statement, reader: StoreReader) {
        self.statement = statement
        self.reader = reader
        columns = (0..<statement.columnCount).map(statement.columnName)
    }

    /// The next row, one value per column; nil after the last.
    public func next() throws -> [QueryValue]? {
        try reader.guarded {
            guard try statement.step() else { return nil }
            return (0..<columns.count).map { QueryValue(statement.value(at: $0)) }
        }
    }
}

@available(*, unavailable)
extension QueryRows: Sendable {}

extension QueryError {
    init(_ refusal: ReadOnlyRefusal) {
        switch refusal {
        case .notAllowed(let statement): self = .notAllowed(statement: statement)
        case .writes(let statement): self = .wouldChange(statement: statement)
        case .empty: self = .empty
        case .holdsNUL: self = .holdsNUL
        }
    }
}

extension StoreReader {
    /// `iftdb sql`: user SQL, one or more statements separated by `;`, every one checked
    /// before any runs; anything that could change the store or a file beside it is a
    /// `QueryError`. Returns each statement's rows, to be read in order. `is_idk(text)` is
    /// the export's "I don't know" rule, so SQL agrees with `--exclude-idk`. From here on
    /// this reader can only read.
    public func query(_ sql: String) throws -> [QueryRows] {
        try guarded {
            let readOnly = try ReadOnlyGuard(db)
            try IDKRule.standard.register(on: db)
            try QualitySQL.register(on: db, remembersMasks: false)
            do {
                return try readOnly.prepare(sql).map { QueryRows($0, reader: self) }
            } catch let refusal as ReadOnlyRefusal {
                throw QueryError(refusal)
            }
        }
    }
}

/// One row of `sql --json`: an object of its columns in order; a blob as hex text.
public struct QueryRowObject: Encodable {
    public let columns: [String]
    public let values: [QueryValue]

    public init(columns: [String], values: [QueryValue]) {
        self.columns = columns
        self.values = values
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: NamedKey.self)
        for (name, value) in zip(columns, values) {
            let key = NamedKey(name)
            switch value {
            case .null: try c.encodeNil(forKey: key)
            case .integer(let v): try c.encode(v, forKey: key)
            case .real(let v): try c.encode(v, forKey: key)
            case .text(let v): try c.encode(v, forKey: key)
            case .blob(let v): try c.encode(v.map { String(format: "%02x", $0) }.joined(), forKey: key)
            }
        }
    }
}
