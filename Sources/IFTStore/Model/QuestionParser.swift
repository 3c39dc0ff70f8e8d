import Foundation

/// Reads questions out of whatever a model replied: JSON with or without code fences, a
/// preamble, numbered or bulleted lines, prose, or a reply cut short. A fragment of JSON is
/// never a question.
public enum QuestionParser {
    /// The questions in `content`. `expected` caps how many are kept (the first ones);
    /// `finishReason: "length"` means the reply was cut, so an unfinished last item is dropped.
    public static func parse(_ content: String, finishReason: String? = nil, expected: Int? = nil) -> QuestionReply {
        let cut = finishReason == "length"
        let body = unfenced(content)
        var found = fromJSON(body, cut: cut) ?? fromLines(body, cut: cut)
        found = deduplicated(found.compactMap(cleaned))
        if let expected, expected > 0, found.count > expected { found = Array(found.prefix(expected)) }
        return QuestionReply(questions: found, truncated: cut)
    }

    /// An answer is the reply's text, trimmed.
    public static func answer(_ content: String) -> String {
        trimmed(content, .whitespacesAndNewlines)
    }

    enum Trim { case whitespaces, whitespacesAndNewlines }

    /// `text.trimmingCharacters(in: .whitespaces)` (or `.whitespacesAndNewlines`), without
    /// Foundation when both ends are other ASCII: the common case, a look at two bytes.
    static func trimmed<Text: StringProtocol>(_ text: Text, _ trim: Trim) -> String where Text.UTF8View: BidirectionalCollection {
        func mayTrim(_ byte: UInt8) -> Bool {
            byte >= 0x80 || byte == 0x20 || byte == 0x09 || (trim == .whitespacesAndNewlines && (0x0A...0x0D).contains(byte))
        }
        guard let first = text.utf8.first, let last = text.utf8.last else { return "" }
        if !mayTrim(first) && !mayTrim(last) { return String(text) }
        return text.trimmingCharacters(in: trim == .whitespaces ? .whitespaces : .whitespacesAndNewlines)
    }

    // MARK: - JSON

    /// The text inside the first code fence (to its end, or the reply's end when it was cut),
    /// unless JSON comes before the fence.
    static func unfenced(_ content: String) -> String {
        // Most replies have no backquote at all: one pass over the bytes says so.
        guard content.utf8.contains(UInt8(ascii: "`")), let open = content.utf8.firstRange(of: "```".utf8) else { return content }
        // JSON before the fence is the reply; the fence holds something else (often code).
        if content[..<open.lowerBound].contains(where: { $0 == "{" || $0 == "[" }) { return content }
        var rest = content[open.upperBound...]
        rest = rest.drop { $0 != "\n" && $0 != "{" && $0 != "[" }  // the fence's language tag
        if let close = rest.utf8.firstRange(of: "```".utf8) { return String(rest[..<close.lowerBound]) }
        return String(rest)
    }

    /// Questions from JSON, or nil when the text holds no JSON (then lines are read instead).
    static func fromJSON(_ text: String, cut: Bool) -> [String]? {
        guard let start = text.firstIndex(where: { $0 == "{" || $0 == "[" }) else { return nil }
        // JSON must start the reply or follow a preamble line; a '[' inside prose is not JSON.
        if start > text.startIndex {
            let before = trimmed(text[..<start], .whitespacesAndNewlines)
            if !before.isEmpty && !text[..<start].utf8.contains(0x0A) && !before.hasSuffix(":") { return nil }
        }
        let candidate = String(text[start...])
        let closing: Character = text[start] == "{" ? "}" : "]"
        if let end = candidate.lastIndex(of: closing) {
            let json = Data(candidate[...end].utf8)
            // The reply asked for, `{"questions": [strings]}`, decoded as such; any other
            // JSON goes the general way.
            if closing == "}", let list = try? jsonDecoder.decode(QuestionList.self, from: json) { return list.questions }
            if let object = try? JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed]) {
                return questions(inJSON: object)
            }
        }
        // Not valid JSON (cut, or sloppy): take the complete string literals that are values.
        let literals = stringLiterals(candidate)
        guard !literals.isEmpty || candidate.contains("\"") else { return nil }
        return literals
    }

    private struct QuestionList: Decodable {
        let questions: [String]
    }

    private static let jsonDecoder = JSONDecoder()

    static func questions(inJSON object: Any) -> [String] {
        if let dictionary = object as? [String: Any] {
            for key in ["questions", "Questions", "question_list", "items"] {
                if let list = dictionary[key] { return questions(inJSON: list) }
            }
            if let single = dictionary["question"] as? String { return [single] }
            // Some other shape: every string value that reads as a question.
            return dictionary.keys.sorted().flatMap { questions(inJSON: dictionary[$0] as Any) }.filter { $0.hasSuffix("?") }
        }
        if let list = object as? [Any] {
            return list.flatMap { item -> [String] in
                if let text = item as? String { return [text] }
                if let entry = item as? [String: Any] {
                    if let text = entry["question"] as? String { return [text] }
                    if let text = entry["text"] as? String { return [text] }
                }
                return []
            }
        }
        if let text = object as? String { return fromLines(text, cut: false) }
        return []
    }

    /// The closed string literals of a JSON-looking text that are values, not keys; an
    /// unclosed last literal (a reply cut in the middle of a question) is dropped.
    static func stringLiterals(_ text: String) -> [String] {
        var results: [String] = []
        var scalars = Array(text.unicodeScalars)
        scalars.append(" ")
        var index = 0
        while index < scalars.count {
            guard scalars[index] == "\"" else { index += 1; continue }
            var literal = String.UnicodeScalarView()
            var cursor = index + 1
            var closed = false
            while cursor < scalars.count {
                let scalar = scalars[cursor]
                if scalar == "\\" && cursor + 1 < scalars.count {
                    let next = scalars[cursor + 1]
                    switch next {
                    case "n": literal.append("\n")
                    case "t": literal.append("\t")
                    case "u":
                        if cursor + 5 < scalars.count,
                           let value = UInt32(String(String.UnicodeScalarView(scalars[(cursor + 2)...(cursor + 5)])), radix: 16),
                           let decoded = Unicode.Scalar(value) {
                            literal.append(decoded)
                            cursor += 4
                        }
                    default: literal.append(next)
                    }
                    cursor += 2
                    continue
                }
                if scalar == "\"" { closed = true; break }
                literal.append(scalar)
                cursor += 1
            }
            guard closed else { break }
            var after = cursor + 1
            while after < scalars.count, scalars[after].properties.isWhitespace { after += 1 }
            let isKey = after < scalars.count && scalars[after] == ":"
            if !isKey { results.append(String(literal)) }
            index = cursor + 1
        }
        return results
    }

    // MARK: - Lines and prose

    static func fromLines(_ text: String, cut: Bool) -> [String] {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var found: [String] = []
        for (offset, line) in lines.enumerated() {
            let isLast = offset == lines.count - 1
            let (marker, marked) = withoutListMarker(line)
            let stripped = withoutQuotes(marker)
            if marked {
                // A numbered or bulleted item is a question, unless it is the torn end of a cut reply.
                if isLast && cut && !stripped.hasSuffix("?") { continue }
                if stripped.hasSuffix(":") { continue }
                found.append(stripped)
            } else {
                found.append(contentsOf: questionSentences(stripped, cut: cut && isLast))
            }
        }
        return found
    }

    /// "1. ", "2) ", "- ", "* ", "• ", "Q1: ", "Question 2: " … Returns the line without it
    /// and whether there was one.
    static func withoutListMarker(_ line: String) -> (String, Bool) {
        if let range = Patterns.listMarker.firstMatch(in: line), !range.isEmpty {
            return (String(line[range.upperBound...]).trimmingCharacters(in: .whitespaces), true)
        }
        return (line, false)
    }

    /// Compiled once: compiling a pattern per reply cost more than the rest of a call.
    enum Patterns {
        static let listMarker = CompiledPattern(#"^(?:\*\*)?(?:Q(?:uestion)?\s*\d+\s*[:.)-]|\d+\s*[.):-]|[-*•–]|\(\d+\))\s*(?:\*\*)?\s*"#, caseInsensitive: true)
        static let whitespaceRun = CompiledPattern(#"\s+"#)
        static let ellipsisEnd = CompiledPattern(#"(\.\.\.|…)\s*[?？]?$"#)
        static let jsonKeyStart = CompiledPattern(#"^"?[A-Za-z_]+"?\s*:\s*[\[{"]"#)
        static let jsonKeySeparator = CompiledPattern(#""\s*:\s*"#)
    }

    /// A line without a trailing comma and the quotes around it (`"What is X?",`).
    static func withoutQuotes(_ line: String) -> String {
        var text = line
        while let last = text.last, last == "," || last == ";" { text.removeLast() }
        for (open, close) in [("\"", "\""), ("“", "”")] where text.count >= 2 && text.hasPrefix(open) && text.hasSuffix(close) {
            text = String(text.dropFirst().dropLast())
        }
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// The sentences of a prose line that end with a question mark.
    static func questionSentences(_ line: String, cut: Bool) -> [String] {
        var sentences: [String] = []
        var current = ""
        var previous: Character = " "
        for character in line {
            current.append(character)
            if character == "?" {
                sentences.append(current)
                current = ""
            } else if (previous == "." || previous == "!") && character == " " {
                current = ""
            }
            previous = character
        }
        _ = cut  // an unfinished sentence never ends with '?', so it is dropped either way
        return sentences.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    // MARK: - Cleaning

    /// A question without quotes, markdown emphasis and trailing commas; nil for what is not a
    /// question (empty text, JSON punctuation or keys, a lone word).
    static func cleaned(_ raw: String) -> String? {
        var text = trimmed(raw, .whitespacesAndNewlines)
        while let last = text.last, last == "," || last == ";" { text.removeLast() }
        text = trimmed(text, .whitespaces)
        for pair in [("**", "**"), ("\"", "\""), ("“", "”"), ("'", "'"), ("`", "`")] {
            if text.hasPrefix(pair.0), text.hasSuffix(pair.1), text.count >= pair.0.count + pair.1.count + 1 {
                text = trimmed(text.dropFirst(pair.0.count).dropLast(pair.1.count), .whitespaces)
            }
        }
        if hasWhitespaceRun(text) { text = Patterns.whitespaceRun.replacingMatches(in: text, with: " ") }
        guard !text.isEmpty, !looksLikeJSON(text), !isTemplateCopy(text) else { return nil }
        guard hasThreeLetters(text), hasTwoWords(text) else { return nil }
        return text
    }

    /// Whether `\s+` may match anything but one plain space: never for ASCII text whose only
    /// whitespace is single spaces (then the regular expression is not run).
    private static func hasWhitespaceRun(_ text: String) -> Bool {
        var previousSpace = false
        for byte in text.utf8 {
            if byte >= 0x80 || byte < 0x20 { return true }
            let space = byte == 0x20
            if space && previousSpace { return true }
            previousSpace = space
        }
        return false
    }

    /// At least three letters (Unicode's, ASCII ones counted without a character set).
    private static func hasThreeLetters(_ text: String) -> Bool {
        var letters = 0
        for scalar in text.unicodeScalars {
            let isLetter = scalar.isASCII
                ? (0x41...0x5A).contains(scalar.value) || (0x61...0x7A).contains(scalar.value)
                : CharacterSet.letters.contains(scalar)
            if isLetter {
                letters += 1
                if letters == 3 { return true }
            }
        }
        return false
    }

    /// At least two words between spaces: `text.split(separator: " ").count >= 2`, without the split.
    private static func hasTwoWords(_ text: String) -> Bool {
        var words = 0, inWord = false
        for character in text {
            if character == " " {
                inWord = false
            } else if !inWord {
                inWord = true
                words += 1
                if words == 2 { return true }
            }
        }
        return false
    }

    /// A copy of the prompt's example rather than a question: "What is ...?", "[insert question here]".
    static func isTemplateCopy(_ text: String) -> Bool {
        // Each pattern needs a byte the text may not have: '.' or '…' (which starts 0xE2), '[' or '<'.
        if text.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == 0xE2 }), Patterns.ellipsisEnd.firstMatch(in: text) != nil { return true }
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "<") }) else { return false }
        let lowered = text.lowercased()
        return lowered.contains("[insert") || lowered.contains("<question")
    }

    static func looksLikeJSON(_ text: String) -> Bool {
        let first = text.first ?? " "
        if "{}[]".contains(first) { return true }
        // Both key patterns need a ':'.
        if text.utf8.contains(UInt8(ascii: ":")) {
            if Patterns.jsonKeyStart.firstMatch(in: text) != nil { return true }
            if Patterns.jsonKeySeparator.firstMatch(in: text) != nil { return true }
        }
        if text.hasSuffix("[") || text.hasSuffix("{") || text.hasSuffix("\":") { return true }
        return false
    }

    static func deduplicated(_ questions: [String]) -> [String] {
        var seen = Set<String>()
        return questions.filter { seen.insert($0.lowercased()).inserted }
    }
}

/// Questions read from a reply.
public struct QuestionReply: Sendable, Equatable {
    public var questions: [String]
    /// True when the reply was cut (`finish_reason: "length"`) and a torn question was dropped
    /// or fewer questions than asked came back.
    public var truncated: Bool

    public init(questions: [String], truncated: Bool = false) {
        self.questions = questions
        self.truncated = truncated
    }
}

/// A regular expression compiled once and shared. NSRegularExpression is immutable after
/// creation and documented as safe to use from several threads at once.
struct CompiledPattern: @unchecked Sendable {
    let expression: NSRegularExpression?

    init(_ pattern: String, caseInsensitive: Bool = false) {
        expression = try? NSRegularExpression(pattern: pattern, options: caseInsensitive ? [.caseInsensitive] : [])
    }

    func firstMatch(in text: String) -> Range<String.Index>? {
        guard let expression,
              let match = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { return nil }
        return Range(match.range, in: text)
    }

    func replacingMatches(in text: String, with template: String) -> String {
        guard let expression else { return text }
        return expression.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: template)
    }
}
