import Foundation

/// Encodes a value as JSON with its keys as and in the order the value encodes them
/// (Foundation's JSONEncoder keeps no order), or sorted and snake_case. Strings and
/// numbers are written by `JSONText`; `.foundationCompatible` writes the bytes Foundation's
/// JSONEncoder writes with `.sortedKeys` and `.withoutEscapingSlashes` (and, pretty, its layout).
public struct OrderedJSONEncoder {
    public enum Keys: Sendable {
        /// As the value encodes them, in that order.
        case asEncoded
        /// camelCase written as snake_case (Foundation's `.convertToSnakeCase`), then sorted.
        case sorted
    }
    public enum Layout: Sendable {
        /// No spaces or line breaks.
        case compact
        /// Compact, but a top-level array puts each element after the first on its own line.
        case elementPerLine
        /// Two-space indents and `"key" : value`, as Foundation's `.prettyPrinted`.
        case pretty
    }

    public var keys: Keys
    public var layout: Layout
    /// U+2028 and U+2029 written as `\u2028` and `\u2029` (Foundation writes them as they are).
    public var escapesLineSeparators: Bool

    public init(keys: Keys, layout: Layout = .compact, escapesLineSeparators: Bool = true) {
        self.keys = keys
        self.layout = layout
        self.escapesLineSeparators = escapesLineSeparators
    }

    /// The bytes Foundation's JSONEncoder writes with `.sortedKeys`, `.withoutEscapingSlashes`
    /// and `.convertToSnakeCase` (pretty adds `.prettyPrinted`).
    public static func foundationCompatible(pretty: Bool) -> OrderedJSONEncoder {
        OrderedJSONEncoder(keys: .sorted, layout: pretty ? .pretty : .compact, escapesLineSeparators: false)
    }

    public func encode(_ value: some Encodable) throws -> String {
        let tree = try JSONTree.encoding(value)
        var out: [UInt8] = []
        render(tree, depth: 0, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// An object's fields without its closing brace, so more fields can follow as they come.
    public func encodeOpenObject(_ value: some Encodable) throws -> String {
        var text = try encode(value)
        guard text.last == "}" else { throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "not an object")) }
        text.removeLast()
        return text
    }

    private func render(_ tree: JSONTree, depth: Int, into out: inout [UInt8]) {
        switch tree {
        case .null: out += "null".utf8
        case .bool(let value): out += (value ? "true" : "false").utf8
        case .number(let text): out += text.utf8
        case .string(let value): JSONText.appendQuoted(value, escapingLineSeparators: escapesLineSeparators, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if layout == .elementPerLine, depth == 0, i > 0 { out.append(0x0A) }
                newline(depth + 1, &out)
                render(element, depth: depth + 1, into: &out)
            }
            if layout == .pretty, elements.isEmpty { out.append(0x0A) }
            newline(depth, &out)
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            out.append(UInt8(ascii: "{"))
            let ordered = keys == .sorted ? fields.map { (JSONTree.snakeCase($0.0), $0.1) }.sorted { $0.0 < $1.0 } : fields
            for (i, (key, value)) in ordered.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(depth + 1, &out)
                JSONText.appendQuoted(key, escapingLineSeparators: escapesLineSeparators, to: &out)
                out += (layout == .pretty ? " : " : ":").utf8
                render(value, depth: depth + 1, into: &out)
            }
            if layout == .pretty, fields.isEmpty { out.append(0x0A) }
            newline(depth, &out)
            out.append(UInt8(ascii: "}"))
        }
    }

    private func newline(_ depth: Int, _ out: inout [UInt8]) {
        guard layout == .pretty else { return }
        out.append(0x0A)
        out += repeatElement(UInt8(ascii: " "), count: 2 * depth)
    }
}

/// A JSON value with its object fields in order, built by encoding.
indirect enum JSONTree {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONTree])
    case object([(String, JSONTree)])

    static func encoding(_ value: some Encodable) throws -> JSONTree { try encodeChild(value, path: []).built }

    /// Foundation's `.convertToSnakeCase`: words start at capitals; a run of capitals is one word.
    static func snakeCase(_ key: String) -> String {
        guard !key.isEmpty else { return key }
        var words: [Range<String.Index>] = []
        var wordStart = key.startIndex
        var searchRange = key.index(after: wordStart)..<key.endIndex
        while let upper = key.rangeOfCharacter(from: .uppercaseLetters, options: [], range: searchRange) {
            words.append(wordStart..<upper.lowerBound)
            searchRange = upper.lowerBound..<searchRange.upperBound
            guard let lower = key.rangeOfCharacter(from: .lowercaseLetters, options: [], range: searchRange) else {
                wordStart = searchRange.lowerBound
                break
            }
            if lower.lowerBound == key.index(after: upper.lowerBound) {
                wordStart = upper.lowerBound
            } else {
                let beforeLower = key.index(before: lower.lowerBound)
                words.append(upper.lowerBound..<beforeLower)
                wordStart = beforeLower
            }
            searchRange = lower.upperBound..<searchRange.upperBound
        }
        words.append(wordStart..<searchRange.upperBound)
        return words.map { key[$0].lowercased() }.joined(separator: "_")
    }
}

/// Collects what a value encodes; containers write back into a shared slot.
private final class TreeSlot {
    var tree: JSONTree?
    var fields: [(String, TreeSlot)] = []
    var elements: [TreeSlot] = []
    var kind: Kind = .unset
    enum Kind { case unset, value, object, array }

    var built: JSONTree {
        switch kind {
        case .unset: return tree ?? .object([])
        case .value: return tree ?? .null
        case .object: return .object(fields.map { ($0.0, $0.1.built) })
        case .array: return .array(elements.map(\.built))
        }
    }
}

private struct TreeEncoder: Encoder {
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    let target: TreeSlot

    static func scalar(_ value: some Encodable) -> JSONTree? {
        switch value {
        case let v as String: return .string(v)
        case let v as Bool: return .bool(v)
        case let v as Double: return .number(JSONText.number(v))
        case let v as Float: return .number(!v.isFinite ? "null" : v == v.rounded() && abs(v) < 1e7 ? String(Int64(v)) : "\(v)")
        case let v as any BinaryInteger: return .number("\(v)")
        case let v as URL: return .string(v.absoluteString)
        default: return nil
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        target.kind = .object
        return KeyedEncodingContainer(KeyedTreeContainer<Key>(codingPath: codingPath, slot: target))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        target.kind = .array
        return UnkeyedTreeContainer(codingPath: codingPath, slot: target)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleTreeContainer(codingPath: codingPath, slot: target) }
}

private func encodeChild(_ value: some Encodable, path: [any CodingKey]) throws -> TreeSlot {
    let child = TreeSlot()
    if let tree = TreeEncoder.scalar(value) {
        child.kind = .value
        child.tree = tree
    } else {
        try value.encode(to: TreeEncoder(codingPath: path, target: child))
        if child.kind == .unset { child.kind = .object }
    }
    return child
}

private struct KeyedTreeContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let codingPath: [any CodingKey]
    let slot: TreeSlot

    private func set(_ key: Key, _ child: TreeSlot) {
        // A name given twice is written twice, as `sql` writes two columns of one name.
        slot.fields.append((key.stringValue, child))
    }

    mutating func encodeNil(forKey key: Key) throws {
        let child = TreeSlot()
        child.kind = .value
        set(key, child)
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        set(key, try encodeChild(value, path: codingPath + [key]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = TreeSlot()
        child.kind = .object
        set(key, child)
        return KeyedEncodingContainer(KeyedTreeContainer<NestedKey>(codingPath: codingPath + [key], slot: child))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = TreeSlot()
        child.kind = .array
        set(key, child)
        return UnkeyedTreeContainer(codingPath: codingPath + [key], slot: child)
    }

    mutating func superEncoder() -> any Encoder { superEncoder(forKey: Key(stringValue: "super")!) }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let child = TreeSlot()
        set(key, child)
        return TreeEncoder(codingPath: codingPath + [key], target: child)
    }
}

private struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "Index \(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

private struct UnkeyedTreeContainer: UnkeyedEncodingContainer {
    let codingPath: [any CodingKey]
    let slot: TreeSlot
    var count: Int { slot.elements.count }

    mutating func encodeNil() throws {
        let child = TreeSlot()
        child.kind = .value
        slot.elements.append(child)
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        slot.elements.append(try encodeChild(value, path: codingPath + [IndexKey(count)]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = TreeSlot()
        child.kind = .object
        slot.elements.append(child)
        return KeyedEncodingContainer(KeyedTreeContainer<NestedKey>(codingPath: codingPath + [IndexKey(count)], slot: child))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = TreeSlot()
        child.kind = .array
        slot.elements.append(child)
        return UnkeyedTreeContainer(codingPath: codingPath + [IndexKey(count)], slot: child)
    }

    mutating func superEncoder() -> any Encoder {
        let child = TreeSlot()
        slot.elements.append(child)
        return TreeEncoder(codingPath: codingPath + [IndexKey(count)], target: child)
    }
}

private struct SingleTreeContainer: SingleValueEncodingContainer {
    let codingPath: [any CodingKey]
    let slot: TreeSlot

    mutating func encodeNil() throws {
        slot.kind = .value
        slot.tree = .null
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let child = try encodeChild(value, path: codingPath)
        slot.kind = child.kind
        slot.tree = child.tree
        slot.fields = child.fields
        slot.elements = child.elements
    }
}

/// A key named at run time (a column, a skip reason).
struct NamedKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Counts by name, encoded as one object with the names sorted.
struct SortedCounts: Encodable {
    let counts: [String: Int]
    init(_ counts: [String: Int]) { self.counts = counts }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: NamedKey.self)
        for (name, count) in counts.sorted(by: { $0.key < $1.key }) { try c.encode(count, forKey: NamedKey(name)) }
    }
}
