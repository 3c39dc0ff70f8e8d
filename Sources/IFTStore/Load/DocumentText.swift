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

    /// HTML becomes its visible text: script, style and comments dropped, tags removed
    /// (block tags become line breaks), common entities decoded, blank runs folded.
    public static func htmlToText(_ html: String) -> String {
        var text = html
        for pattern in ["(?is)<!--.*?-->", "(?is)<script\\b.*?</script\\s*>", "(?is)<style\\b.*?</style\\s*>", "(?is)<head\\b.*?</head\\s*>"] {
            text = text.replacingOccurrences(of: pattern, with: " ", options: .regularExpression)
        }
        text = text.replacingOccurrences(of: "(?i)<\\s*(br|/p|/div|/h[1-6]|/li|/tr|/section|/article|/blockquote|/pre|/ul|/ol|/table)\\b[^>]*>", with: "\n\n", options: .regularExpression)
        text = text.replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression)
        let entities = ["&nbsp;": " ", "&lt;": "<", "&gt;": ">", "&quot;": "\"", "&#39;": "'", "&apos;": "'", "&mdash;": "—", "&ndash;": "–", "&hellip;": "…"]
        for (entity, value) in entities { text = text.replacingOccurrences(of: entity, with: value) }
        text = text.replacingOccurrences(of: "&amp;", with: "&")
        text = text.replacingOccurrences(of: "[ \\t]+", with: " ", options: .regularExpression)
        text = text.replacingOccurrences(of: "[ \\t]*\\n[ \\t\\n]*\\n[ \\t]*", with: "\n\n", options: .regularExpression)
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
