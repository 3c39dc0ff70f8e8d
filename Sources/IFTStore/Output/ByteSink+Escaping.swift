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

    /// Writes `bytes` as one JSON string literal, quotes included.
    public func writeJSONString(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        try write(byte: Self.quote)
        try writeJSONEscaped(bytes)
        try write(byte: Self.quote)
    }

    /// Writes `bytes` as one RFC 4180 field, quoted when it holds a comma, a quote, CR or LF
    /// (or starts or ends with a space), the same rule as `CSVText.field`.
    public func writeCSVField(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        let space = UInt8(ascii: " ")
        let needsQuotes = bytes.contains { $0 == UInt8(ascii: ",") || $0 == Self.quote || $0 == 10 || $0 == 13 }
            || bytes.first == space || bytes.last == space
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
