import Foundation

/// A JSON value written with keys in the order given, so a request body reads the same every time.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.text == rhs.text }

    public var text: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .int(let value): return String(value)
        case .number(let value): return JSONText.number(value)
        case .string(let value): return JSONText.quoted(value)
        case .array(let values): return "[" + values.map(\.text).joined(separator: ",") + "]"
        case .object(let fields):
            return "{" + fields.map { JSONText.quoted($0.0) + ":" + $0.1.text }.joined(separator: ",") + "}"
        }
    }

    /// The object without the keys named, at every depth.
    public func removingKeys(_ keys: Set<String>) -> JSONValue {
        switch self {
        case .array(let values): return .array(values.map { $0.removingKeys(keys) })
        case .object(let fields): return .object(fields.filter { !keys.contains($0.0) }.map { ($0.0, $0.1.removingKeys(keys)) })
        default: return self
        }
    }
}
