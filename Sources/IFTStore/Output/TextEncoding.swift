import Foundation

/// JSON and CSV text written by hand: keys in a fixed order, no escaped slashes, UTF-8 as is.
public enum JSONText {
    /// `value` as a JSON string literal, quotes included; U+2028 and U+2029 escaped unless
    /// `escapingLineSeparators` is false (Foundation's JSONEncoder writes them as they are).
    public static func quoted(_ value: String, escapingLineSeparators: Bool = true) -> String {
        var out: [UInt8] = []
        appendQuoted(value, escapingLineSeparators: escapingLineSeparators, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// `quoted(value)`'s UTF-8 bytes appended to `out`, worked on bytes: no string per value.
    public static func appendQuoted(_ value: String, escapingLineSeparators: Bool = true, to out: inout [UInt8]) {
        var value = value
        out.append(UInt8(ascii: "\""))
        value.withUTF8 { bytes in
            out.reserveCapacity(out.count + bytes.count + 1)
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""): out += [0x5C, UInt8(ascii: "\"")]
                case 0x5C: out += [0x5C, 0x5C]
                case 0x0A: out += [0x5C, UInt8(ascii: "n")]
                case 0x0D: out += [0x5C, UInt8(ascii: "r")]
                case 0x09: out += [0x5C, UInt8(ascii: "t")]
                case 0x08: out += [0x5C, UInt8(ascii: "b")]
                case 0x0C: out += [0x5C, UInt8(ascii: "f")]
                case 0..<0x20:
                    out += [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]]
                case 0xE2 where escapingLineSeparators && index + 1 < bytes.count && bytes[index] == 0x80 && (bytes[index + 1] == 0xA8 || bytes[index + 1] == 0xA9):
                    // U+2028 and U+2029, which end a line in JavaScript.
                    out += Array("\\u202".utf8) + [bytes[index + 1] == 0xA8 ? UInt8(ascii: "8") : UInt8(ascii: "9")]
                    index += 2
                default:
                    out.append(byte)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}

public enum CSVText {
    /// One RFC 4180 field, quoted when it holds a comma, a quote, CR or LF: Python's
    /// `csv.writer` rule (`QUOTE_MINIMAL`).
    public static func field(_ value: String) -> String {
        let needsQuotes = value.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }
        guard needsQuotes else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    public static func record(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }
}
