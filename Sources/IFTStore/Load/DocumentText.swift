import Foundation

/// Turns a file's bytes into the text a source version stores, or says why it cannot.
public enum DocumentText {
    public enum Rejection: Error, Sendable, Equatable, CustomStringConvertible {
        case binary
        case notUTF8(offset: Int)

        public var description: String {
            switch self {
            case .binary: return "binary (it holds NUL bytes)"
            case .notUTF8(let offset): return "not UTF-8 (invalid byte at offset \(offset)); convert it with iconv -t UTF-8"
            }
        }

        /// A short key for the summary's "skipped by reason".
        public var reason: String {
            switch self {
            case .binary: return "binary"
            case .notUTF8: return "not UTF-8"
            }
        }
    }

    /// Strict UTF-8: a bad byte rejects the file (nothing is silently turned into U+FFFD).
    /// A leading byte-order mark is dropped; CRLF line ends are kept as they are.
    public static func decode(_ bytes: UnsafeRawBufferPointer) -> Result<String, Rejection> {
        let utf8 = bytes.bindMemory(to: UInt8.self)
        if utf8.contains(0) { return .failure(.binary) }
        var body = utf8[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        let slice = UnsafeBufferPointer(rebasing: body)
        if let text = String(validating: slice, as: UTF8.self) { return .success(text) }
        return .failure(.notUTF8(offset: firstInvalidOffset(slice) + (body.startIndex - utf8.startIndex)))
    }

    static func firstInvalidOffset(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .emptyInput: return offset
            case .error: return offset
            }
        }
    }

    /// Whether a file's text is HTML, by its extension.
    public static func isHTML(_ path: String) -> Bool {
        let lower = path.lowercased()
        return lower.hasSuffix(".html") || lower.hasSuffix(".htm") || lower.hasSuffix(".xhtml")
    }

    /// HTML becomes its visible text: script, style and comments dropped (an unclosed script
    /// or style to the end), tags removed (block tags become line breaks), common named and
    /// all numeric entities decoded, blank runs folded.
    public static func htmlToText(_ html: String) -> String {
        var text = html
        for pattern in ["(?is)<!--.*?-->", "(?is)<script\\b.*?</script\\s*>", "(?is)<style\\b.*?</style\\s*>", "(?is)<(script|style)\\b.*", "(?is)<head\\b.*?</head\\s*>"] {
            text = text.replacingOccurrences(of: pattern, with: " ", options: .regularExpression)
        }
        text = text.replacingOccurrences(of: "(?i)<\\s*(br|/p|/div|/h[1-6]|/li|/tr|/section|/article|/blockquote|/pre|/ul|/ol|/table)\\b[^>]*>", with: "\n\n", options: .regularExpression)
        text = text.replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression)
        text = decodingEntities(text)
        text = text.replacingOccurrences(of: "[ \\t]+", with: " ", options: .regularExpression)
        text = text.replacingOccurrences(of: "[ \\t]*\\n[ \\t\\n]*\\n[ \\t]*", with: "\n\n", options: .regularExpression)
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static let namedEntities: [String: String] = [
        "nbsp": " ", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "amp": "&", "mdash": "—", "ndash": "–", "hellip": "…",
    ]

    /// Entities decoded in one pass, so `&amp;lt;` is `&lt;`, not `<`. A numeric one that is
    /// 0, a surrogate or past U+10FFFF becomes U+FFFD; anything else is left as written.
    static func decodingEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            guard scalars[index] == "&", let (decoded, length) = entity(scalars, at: index + 1) else {
                out.append(scalars[index])
                index += 1
                continue
            }
            out.append(contentsOf: decoded.unicodeScalars)
            index += 1 + length
        }
        return String(out)
    }

    /// The entity after an '&' at `start`: its text and how many scalars it spans, ';' included.
    private static func entity(_ scalars: [Unicode.Scalar], at start: Int) -> (String, Int)? {
        guard let end = scalars[start...].prefix(40).firstIndex(of: ";"), end > start else { return nil }
        let body = scalars[start..<end]
        let length = end - start + 1
        guard body.first == "#" else {
            return namedEntities[String(String.UnicodeScalarView(body))].map { ($0, length) }
        }
        var digits = body.dropFirst()
        var radix: UInt32 = 10
        if let x = digits.first, x == "x" || x == "X" {
            radix = 16
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty else { return nil }
        var value: UInt32 = 0
        for digit in digits {
            guard let d = UInt32(String(digit), radix: Int(radix)) else { return nil }
            value = min(value * radix + d, 0x11_0000)  // clamped: a huge number stays "too large"
        }
        let replacement: Unicode.Scalar = "\u{FFFD}"
        let scalar = value == 0 ? replacement : Unicode.Scalar(value) ?? replacement
        return (String(Character(scalar)), length)
    }
}
