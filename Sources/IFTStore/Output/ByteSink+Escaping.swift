/// Escaping written straight from a column's bytes: no String, no per-row allocation.
extension ByteSink {
    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Writes `bytes` (UTF-8) escaped as the inside of a JSON string, without the quotes. The
    /// same rules as `JSONText.quoted`: UTF-8 as is, no escaped slashes, U+2028/U+2029 escaped.
    public func writeJSONEscaped(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        var runStart = 0
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            var escape: StaticString?
            var code: UInt8 = 0
            var width = 1
            if byte < 0x20 {
                switch byte {
                case 0x0A: escape = "\\n"
                case 0x0D: escape = "\\r"
                case 0x09: escape = "\\t"
                case 0x08: escape = "\\b"
                case 0x0C: escape = "\\f"
                default: code = byte; escape = "\\u00"
                }
            } else if byte == Self.quote {
                escape = "\\\""
            } else if byte == Self.backslash {
                escape = "\\\\"
            } else if byte == 0xE2, index + 2 < count, bytes[index + 1] == 0x80, bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9 {
                escape = bytes[index + 2] == 0xA8 ? "\\u2028" : "\\u2029"
                width = 3
            }
            guard let escape else {
                index += 1
                continue
            }
            if index > runStart { try write(UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
            try write(escape)
            if escape.utf8CodeUnitCount == 4 {  // \u00XX
                try write(byte: Self.hexDigits[Int(code >> 4)])
                try write(byte: Self.hexDigits[Int(code & 0x0F)])
            }
            index += width
            runStart = index
        }
        if count > runStart { try write(UnsafeBufferPointer(rebasing: bytes[runStart..<count])) }
    }

    /// Writes `bytes` as one JSON string literal, quotes included; with `ascii`, as Python's
    /// `json.dump` writes it by default (`writeJSONEscapedASCII`).
    public func writeJSONString(_ bytes: UnsafeBufferPointer<UInt8>, ascii: Bool = false) throws {
        try write(byte: Self.quote)
        if ascii { try writeJSONEscapedASCII(bytes) } else { try writeJSONEscaped(bytes) }
        try write(byte: Self.quote)
    }

    /// Writes `bytes` (UTF-8) escaped as the inside of a JSON string in ASCII only, byte for
    /// byte as Python's `json.dump(…, ensure_ascii=True)`: `\"`, `\\`, `\n`, `\r`, `\t`, `\b`,
    /// `\f`, and every other character outside space…`~` as `\u` and four lowercase hex
    /// digits (DEL too), beyond U+FFFF as a surrogate pair. A byte that is not UTF-8 is
    /// written as U+FFFD.
    public func writeJSONEscapedASCII(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        var runStart = 0
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte >= 0x20 && byte < 0x7F && byte != Self.quote && byte != Self.backslash {
                index += 1
                continue
            }
            if index > runStart { try write(UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
            switch byte {
            case Self.quote: try write("\\\"" as StaticString)
            case Self.backslash: try write("\\\\" as StaticString)
            case 0x0A: try write("\\n" as StaticString)
            case 0x0D: try write("\\r" as StaticString)
            case 0x09: try write("\\t" as StaticString)
            case 0x08: try write("\\b" as StaticString)
            case 0x0C: try write("\\f" as StaticString)
            case 0..<0x80:
                try writeUnicodeEscape(UInt16(byte))
            default:
                let (scalar, width) = Self.decodeScalar(bytes, at: index)
                if scalar > 0xFFFF {
                    let value = scalar - 0x10000
                    try writeUnicodeEscape(UInt16(0xD800 + (value >> 10)))
                    try writeUnicodeEscape(UInt16(0xDC00 + (value & 0x3FF)))
                } else {
                    try writeUnicodeEscape(UInt16(scalar))
                }
                index += width
                runStart = index
                continue
            }
            index += 1
            runStart = index
        }
        if count > runStart { try write(UnsafeBufferPointer(rebasing: bytes[runStart..<count])) }
    }

    /// `\uXXXX` with lowercase hex digits, as Python writes it.
    private func writeUnicodeEscape(_ unit: UInt16) throws {
        try write("\\u" as StaticString)
        for shift in stride(from: 12, through: 0, by: -4) {
            try write(byte: Self.hexDigits[Int((unit >> UInt16(shift)) & 0xF)])
        }
    }

    /// The scalar whose UTF-8 starts at `index` (a lead byte, 0x80 or above) and its length
    /// in bytes; U+FFFD and 1 for a byte that does not start a well-formed sequence.
    static func decodeScalar(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (scalar: UInt32, width: Int) {
        let lead = bytes[index]
        let width: Int, initial: UInt32, lowest: UInt32
        switch lead {
        case 0xC2...0xDF: (width, initial, lowest) = (2, UInt32(lead & 0x1F), 0x80)
        case 0xE0...0xEF: (width, initial, lowest) = (3, UInt32(lead & 0x0F), 0x800)
        case 0xF0...0xF4: (width, initial, lowest) = (4, UInt32(lead & 0x07), 0x10000)
        default: return (0xFFFD, 1)
        }
        guard index + width <= bytes.count else { return (0xFFFD, 1) }
        var scalar = initial
        for offset in 1..<width {
            let next = bytes[index + offset]
            guard next & 0xC0 == 0x80 else { return (0xFFFD, 1) }
            scalar = scalar << 6 | UInt32(next & 0x3F)
        }
        guard scalar >= lowest, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else { return (0xFFFD, 1) }
        return (scalar, width)
    }

    /// Writes `bytes` as one RFC 4180 field, quoted when it holds a comma, a quote, CR or LF:
    /// Python's `csv.writer` rule (`QUOTE_MINIMAL`), the same as `CSVText.field`.
    public func writeCSVField(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        let needsQuotes = bytes.contains { $0 == UInt8(ascii: ",") || $0 == Self.quote || $0 == 10 || $0 == 13 }
        guard needsQuotes else { return try write(bytes) }
        try write(byte: Self.quote)
        var runStart = 0
        for index in bytes.indices where bytes[index] == Self.quote {
            try write(UnsafeBufferPointer(rebasing: bytes[runStart...index]))  // the quote once…
            runStart = index  // …and again as the start of the next run
        }
        try write(UnsafeBufferPointer(rebasing: bytes[runStart...]))
        try write(byte: Self.quote)
    }

    /// Writes ASCII text known at compile time.
    public func write(_ text: StaticString) throws {
        try write(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}
