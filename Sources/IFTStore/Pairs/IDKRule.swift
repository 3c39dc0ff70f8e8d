import Foundation
internal import IFTSQLite

/// Decides whether a model's reply is an "I don't know". The one place this rule lives: it is
/// applied when querying (as the SQL function `is_idk(text)`), never frozen into rows, so a
/// new pattern applies to old answers too.
///
/// A reply is "I don't know" when, after removing surrounding whitespace, quotes (straight and
/// curly) and markdown emphasis, trailing punctuation, folding case, curly apostrophes and
/// runs of whitespace, it is exactly one of the known forms ("i don't know", "i do not know",
/// "i dont know", each optionally followed by "the answer" [to this/that/the question], or
/// "unknown"). A reply that merely contains the words is an answer. Extra patterns are
/// regular expressions, matched case-insensitively anywhere in the reply with its surrounding
/// whitespace and quotes removed (anchor them with ^…$ to match a whole reply).
public struct IDKRule: Sendable, Equatable, Hashable, Codable {
    public private(set) var extraPatterns: [String]

    /// Throws `SelectionError.badIDKPattern` for a pattern that is not a regular expression.
    public init(extraPatterns: [String] = []) throws {
        for pattern in extraPatterns {
            do {
                _ = try Regex(pattern)
            } catch {
                throw SelectionError.badIDKPattern(pattern: pattern, reason: "\(error)")
            }
        }
        self.extraPatterns = extraPatterns
    }

    public static let standard = IDKRule(validated: [])
    private init(validated: [String]) { extraPatterns = validated }

    /// The SQL function name registered on a connection by `register(on:)`.
    public static let sqlFunctionName = "is_idk"

    static let knownForms: Set<String> = {
        var forms: Set<String> = ["unknown"]
        for verb in ["i don't know", "i do not know", "i dont know"] {
            forms.insert(verb)
            forms.insert(verb + " the answer")
            for object in ["this", "that", "the"] { forms.insert(verb + " the answer to \(object) question") }
        }
        return forms
    }()

    /// Longer replies cannot be a known form (the longest is under 60 bytes even with quotes
    /// and punctuation), so the common case never decodes the text.
    static let longestCandidateBytes = 160

    public func matches(_ reply: String) -> Bool {
        matcher()(reply)
    }

    /// A matcher that compiles the extra patterns once.
    public func matcher() -> (String) -> Bool {
        let compiled = extraPatterns.compactMap { try? Regex($0).ignoresCase() }
        return { reply in
            if reply.utf8.count <= Self.longestCandidateBytes, Self.knownForms.contains(Self.normalize(reply)) {
                return true
            }
            guard !compiled.isEmpty else { return false }
            let stripped = Self.stripSurroundings(reply, punctuation: false)
            return compiled.contains { (try? $0.firstMatch(in: stripped)) != nil }
        }
    }

    /// Whether `reply` is "I don't know" by the standard rule, ruling most replies out on
    /// their bytes first (no decoding, no Foundation).
    static func isStandardIDK(_ reply: String) -> Bool {
        var reply = reply
        let possible = reply.withUTF8 { bytes in bytes.count <= longestCandidateBytes && mightBeKnownForm(bytes) }
        return possible && knownForms.contains(normalize(reply))
    }

    /// Registers `is_idk(text)` on `connection` with this rule.
    func register(on connection: Connection) throws {
        let match = matcher()
        let hasPatterns = !extraPatterns.isEmpty
        // Short replies repeat ("I don't know." thousands of times): remember their verdicts,
        // in a table that is emptied when full so memory stays bounded.
        let recent = VerdictCache()
        try connection.registerTextPredicate(Self.sqlFunctionName) { bytes in
            if !hasPatterns && (bytes.count > Self.longestCandidateBytes || !Self.mightBeKnownForm(bytes)) { return false }
            guard bytes.count <= Self.longestCandidateBytes else { return match(String(decoding: bytes, as: UTF8.self)) }
            let key = Array(bytes)
            if let known = recent.verdicts[key] { return known }
            let verdict = match(String(decoding: bytes, as: UTF8.self))
            if recent.verdicts.count >= 4096 { recent.verdicts.removeAll(keepingCapacity: true) }
            recent.verdicts[key] = verdict
            return verdict
        }
    }

    private static let skippedLeadingBytes: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C, UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "`"), UInt8(ascii: "*"), UInt8(ascii: "_")]

    /// A cheap byte test that rules out most replies before any decoding: every known form
    /// starts with "i" or "u" after ASCII whitespace, quotes and emphasis, and holds "now"
    /// (any case). Replies that start with other characters beyond ASCII are let through.
    static func mightBeKnownForm(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = bytes.first(where: { !skippedLeadingBytes.contains($0) }) else { return false }
        if first < 0x80, !"iIuU".utf8.contains(first) { return false }
        var index = 0
        while index + 2 < bytes.count {
            if bytes[index] | 0x20 == UInt8(ascii: "n"), bytes[index + 1] | 0x20 == UInt8(ascii: "o"), bytes[index + 2] | 0x20 == UInt8(ascii: "w") {
                return true
            }
            index += 1
        }
        return false
    }

    /// The reply folded for comparison with the known forms.
    static func normalize(_ reply: String) -> String {
        var text = reply.replacingOccurrences(of: "\u{2019}", with: "'")
            .replacingOccurrences(of: "\u{2018}", with: "'")
            .replacingOccurrences(of: "\u{02BC}", with: "'")
            .lowercased()
        text = stripSurroundings(text, punctuation: true)
        return text.split(whereSeparator: isWhitespace).joined(separator: " ")
    }

    /// A character made of whitespace scalars only. A space with a combining mark is one
    /// `Character` that Swift calls whitespace (by its first scalar); here it is text, as it is
    /// to the `pairs` view's `is_idk` column, which sees scalars, not characters.
    static func isWhitespace(_ character: Character) -> Bool {
        character.unicodeScalars.allSatisfy(\.properties.isWhitespace)
    }

    private static let quoteLike: Set<Character> = ["\"", "'", "\u{201C}", "\u{201D}", "\u{201E}", "\u{2018}", "\u{2019}", "\u{00AB}", "\u{00BB}", "`", "*", "_"]
    private static let trailingPunctuation: Set<Character> = [".", "!", "?", "\u{2026}", ",", ";", ":", "\u{3002}"]

    /// Removes surrounding whitespace and quotes (and, when asked, trailing punctuation) until
    /// nothing changes: `"I don't know."` and `I don't know.”` both come down to the words.
    static func stripSurroundings(_ text: String, punctuation: Bool) -> String {
        var slice = Substring(text)
        while true {
            let before = slice.count
            slice = slice.drop(while: { isWhitespace($0) || quoteLike.contains($0) })
            while let last = slice.last, isWhitespace(last) || quoteLike.contains(last) || (punctuation && trailingPunctuation.contains(last)) {
                slice = slice.dropLast()
            }
            if slice.count == before { break }
        }
        return String(slice)
    }
}

/// Verdicts for short replies, owned by one registered SQL function on one connection.
private final class VerdictCache {
    var verdicts: [[UInt8]: Bool] = [:]
}
