/// A validating scan of JSON text (RFC 8259) over its UTF-8 bytes, for the lines of a batch
/// results file: it says whether a line is one JSON object, and where the values of an
/// object's members are, without decoding them. A value's bytes can then be kept as they
/// are (a reply's body goes into `calls.response` as the server wrote it) or decoded alone.
enum JSONScan {
    /// The deepest nesting scanned; deeper text counts as not JSON (and cannot exhaust the stack).
    static let maxDepth = 512

    enum Kind: Equatable {
        case object, array, string, number, bool, null
    }

    /// One member of an object: its key, decoded, and where its value is.
    struct Member {
        let key: String
        let value: Range<Int>
        let kind: Kind
    }

    /// Whether `bytes` is exactly one JSON object, with only whitespace around it.
    static func isObject(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        skipSpace(bytes, &index)
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{"), skipValue(bytes, &index, depth: 0) else { return false }
        skipSpace(bytes, &index)
        return index == bytes.count
    }

    /// Whether `bytes` is exactly one JSON value of any kind, with only whitespace around it.
    static func isValue(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        skipSpace(bytes, &index)
        guard skipValue(bytes, &index, depth: 0) else { return false }
        skipSpace(bytes, &index)
        return index == bytes.count
    }

    /// The members of the object at `range` (a value range `members` or `isObject` vouched
    /// for, or a whole line); nil when the text there is not one JSON object.
    static func members(_ bytes: UnsafeBufferPointer<UInt8>, in range: Range<Int>) -> [Member]? {
        let slice = UnsafeBufferPointer(rebasing: bytes[range])
        var index = 0
        skipSpace(slice, &index)
        guard index < slice.count, slice[index] == UInt8(ascii: "{") else { return nil }
        index += 1
        var members: [Member] = []
        skipSpace(slice, &index)
        if index < slice.count, slice[index] == UInt8(ascii: "}") {
            index += 1
        } else {
            while true {
                skipSpace(slice, &index)
                let keyStart = index
                guard index < slice.count, slice[index] == UInt8(ascii: "\""), skipString(slice, &index),
                      let key = string(slice, keyStart..<index) else { return nil }
                skipSpace(slice, &index)
                guard index < slice.count, slice[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                skipSpace(slice, &index)
                let valueStart = index
                guard index < slice.count, let kind = kind(of: slice[index]), skipValue(slice, &index, depth: 1) else { return nil }
                members.append(Member(key: key, value: (range.lowerBound + valueStart)..<(range.lowerBound + index), kind: kind))
                skipSpace(slice, &index)
                guard index < slice.count else { return nil }
                if slice[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard slice[index] == UInt8(ascii: "}") else { return nil }
                index += 1
                break
            }
        }
        skipSpace(slice, &index)
        return index == slice.count ? members : nil
    }

    /// The string at `range` (quotes included), decoded; nil when it is not a JSON string.
    static func string(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String? {
        guard range.count >= 2, bytes[range.lowerBound] == UInt8(ascii: "\""), bytes[range.upperBound - 1] == UInt8(ascii: "\"") else { return nil }
        let inner = UnsafeBufferPointer(rebasing: bytes[(range.lowerBound + 1)..<(range.upperBound - 1)])
        guard inner.contains(UInt8(ascii: "\\")) else { return String(decoding: inner, as: UTF8.self) }
        var scalars = String.UnicodeScalarView()
        var utf8: [UInt8] = []
        var index = 0
        func flush() {
            guard !utf8.isEmpty else { return }
            scalars.append(contentsOf: String(decoding: utf8, as: UTF8.self).unicodeScalars)
            utf8.removeAll(keepingCapacity: true)
        }
        while index < inner.count {
            let byte = inner[index]
            guard byte == UInt8(ascii: "\\") else {
                utf8.append(byte)
                index += 1
                continue
            }
            guard index + 1 < inner.count else { return nil }
            let escape = inner[index + 1]
            index += 2
            let simple: UInt8? = switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): escape
            case UInt8(ascii: "b"): 0x08
            case UInt8(ascii: "f"): 0x0C
            case UInt8(ascii: "n"): 0x0A
            case UInt8(ascii: "r"): 0x0D
            case UInt8(ascii: "t"): 0x09
            default: nil
            }
            if let simple {
                utf8.append(simple)
                continue
            }
            guard escape == UInt8(ascii: "u"), let unit = hex4(inner, index) else { return nil }
            index += 4
            flush()
            var value = UInt32(unit)
            if (0xD800..<0xDC00).contains(unit), index + 6 <= inner.count, inner[index] == UInt8(ascii: "\\"),
               inner[index + 1] == UInt8(ascii: "u"), let low = hex4(inner, index + 2), (0xDC00..<0xE000).contains(low) {
                value = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                index += 6
            }
            // A lone surrogate is not a scalar: it becomes U+FFFD, as a decoder would make it.
            scalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
        }
        flush()
        return String(scalars)
    }

    /// The integer at `range` (a JSON number with no fraction, or an integral one such as
    /// `200.0`); nil otherwise.
    static func integer(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        if let value = Int(text) { return value }
        guard let value = Double(text), value.isFinite, value == value.rounded(), abs(value) < 1e15 else { return nil }
        return Int(value)
    }

    // MARK: - Scanning

    @inline(__always)
    static func skipSpace(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int) {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private static func kind(of first: UInt8) -> Kind? {
        switch first {
        case UInt8(ascii: "{"): .object
        case UInt8(ascii: "["): .array
        case UInt8(ascii: "\""): .string
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): .number
        case UInt8(ascii: "t"), UInt8(ascii: "f"): .bool
        case UInt8(ascii: "n"): .null
        default: nil
        }
    }

    /// Moves past the value that starts at `index`; false when the text there is no JSON value.
    static func skipValue(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int, depth: Int) -> Bool {
        guard index < bytes.count, depth < maxDepth else { return false }
        switch bytes[index] {
        case UInt8(ascii: "{"): return skipContainer(bytes, &index, close: UInt8(ascii: "}"), keyed: true, depth: depth)
        case UInt8(ascii: "["): return skipContainer(bytes, &index, close: UInt8(ascii: "]"), keyed: false, depth: depth)
        case UInt8(ascii: "\""): return skipString(bytes, &index)
        case UInt8(ascii: "t"): return skipLiteral(bytes, &index, "true")
        case UInt8(ascii: "f"): return skipLiteral(bytes, &index, "false")
        case UInt8(ascii: "n"): return skipLiteral(bytes, &index, "null")
        default: return skipNumber(bytes, &index)
        }
    }

    private static func skipContainer(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int, close: UInt8, keyed: Bool, depth: Int) -> Bool {
        index += 1
        skipSpace(bytes, &index)
        if index < bytes.count, bytes[index] == close {
            index += 1
            return true
        }
        while true {
            skipSpace(bytes, &index)
            if keyed {
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), skipString(bytes, &index) else { return false }
                skipSpace(bytes, &index)
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return false }
                index += 1
                skipSpace(bytes, &index)
            }
            guard skipValue(bytes, &index, depth: depth + 1) else { return false }
            skipSpace(bytes, &index)
            guard index < bytes.count else { return false }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == close else { return false }
            index += 1
            return true
        }
    }

    /// Moves past the string whose opening quote is at `index`.
    static func skipString(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> Bool {
        var i = index + 1
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "\"") {
                index = i + 1
                return true
            }
            if byte < 0x20 { return false }
            if byte == UInt8(ascii: "\\") {
                guard i + 1 < bytes.count else { return false }
                switch bytes[i + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 2
                case UInt8(ascii: "u"):
                    guard hex4(bytes, i + 2) != nil else { return false }
                    i += 6
                default:
                    return false
                }
                continue
            }
            i += 1
        }
        return false
    }

    private static func skipLiteral(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int, _ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let start = literal.utf8Start
        for offset in 0..<count where bytes[index + offset] != start[offset] { return false }
        index += count
        return true
    }

    private static func skipNumber(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> Bool {
        var i = index
        func digits() -> Int {
            let from = i
            while i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) { i += 1 }
            return i - from
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < bytes.count else { return false }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
        } else if digits() == 0 {
            return false
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { return false }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { return false }
        }
        index = i
        return true
    }

    private static func hex4(_ bytes: UnsafeBufferPointer<UInt8>, _ index: Int) -> UInt16? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt16 = 0
        for offset in 0..<4 {
            let byte = bytes[index + offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }
}
