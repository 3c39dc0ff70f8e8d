import Foundation

/// What a prompt is for: asking for questions about a chunk, answering one question, or
/// grading one answer.
public enum PromptRole: String, Sendable, CaseIterable, CustomStringConvertible {
    case question
    case answer
    case judge

    public var description: String { rawValue }

    /// "a question", "an answer", "a judge": for messages.
    public var withArticle: String { self == .answer ? "an answer" : "a \(rawValue)" }
}

/// One version of a named prompt, as stored.
public struct Prompt: Sendable, Equatable, Encodable {
    public let id: Int64
    public let name: String
    public let version: Int
    public let role: PromptRole
    public let system: String?
    public let template: String
    public let sha256: String
    public let createdAt: String

    public var ref: PromptRef { PromptRef(name: name, version: version) }

    private enum Keys: String, CodingKey { case name, version, ref, role, system, template, sha256, createdAt = "created_at" }

    /// As `prompts show --json` prints it: the ref spelled out, and `system` null when there is none.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(name, forKey: .name)
        try c.encode(version, forKey: .version)
        try c.encode(ref.description, forKey: .ref)
        try c.encode(role.rawValue, forKey: .role)
        if let system { try c.encode(system, forKey: .system) } else { try c.encodeNil(forKey: .system) }
        try c.encode(template, forKey: .template)
        try c.encode(sha256, forKey: .sha256)
        try c.encode(createdAt, forKey: .createdAt)
    }

    /// The hash that makes a template identical to another: role, system prompt and template.
    public static func contentHash(role: PromptRole, system: String?, template: String) -> String {
        ContentHash.hex("role:\(role.rawValue)\u{0}system:\(system ?? "")\u{0}template:\(template)")
    }
}

/// `NAME@V`, or `NAME` for the latest version.
public struct PromptRef: Sendable, Hashable, Codable, CustomStringConvertible {
    public let name: String
    public let version: Int?

    public init(name: String, version: Int? = nil) {
        self.name = name
        self.version = version
    }

    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count <= 2, let name = parts.first, PromptRef.isValidName(String(name)) else {
            throw PromptError.badReference(text)
        }
        if parts.count == 2 {
            guard let version = Int(parts[1]), version >= 1 else {
                throw PromptError.badVersion(reference: text, name: String(name))
            }
            self.init(name: String(name), version: version)
        } else {
            self.init(name: String(name))
        }
    }

    public var description: String { version.map { "\(name)@\($0)" } ?? name }

    /// Letters, digits, '-', '_' and '.', starting with a letter or digit.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, CharacterSet.alphanumerics.contains(first), name.count <= 100 else { return false }
        return name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) }
    }
}

/// One chat message sent to the model.
public struct ChatMessage: Sendable, Equatable, Encodable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// The placeholders a template may use, and one-pass rendering.
public enum PromptTemplate {
    public static let placeholders: [String] = ["chunk", "question", "answer", "count", "source"]

    /// Every `{{name}}` in `text`, in order of appearance (names without the braces).
    public static func placeholderNames(in text: String) -> [String] {
        tokens(in: text).compactMap { token in
            if case .placeholder(let name, _) = token { return name }
            return nil
        }
    }

    /// Throws when `text` uses a placeholder iftdb does not fill.
    public static func validate(_ text: String, what: String) throws {
        for name in placeholderNames(in: text) where !placeholders.contains(name) {
            throw PromptError.unknownPlaceholder(name: name, part: what)
        }
    }

    /// Replaces each placeholder once, left to right; replaced text is never scanned again,
    /// so a chunk that itself contains `{{question}}` stays as it is.
    public static func render(_ text: String, values: [String: String]) -> String {
        var missing: [String] = []
        return render(text, missing: &missing) { values[$0] }
    }

    /// `render` with the values from `value`; a placeholder without one stays as written
    /// and its name is added to `missing`. Works on the UTF-8 bytes.
    static func render(_ text: String, missing: inout [String], value: (String) -> String?) -> String {
        var text = text
        return text.withUTF8 { bytes in
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count * 2)
            var literalStart = 0
            forEachPlaceholder(in: bytes) { name, range in
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[literalStart..<range.lowerBound]))
                if let replacement = value(name) {
                    out.append(contentsOf: replacement.utf8)
                } else {
                    missing.append(name)
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[range]))
                }
                literalStart = range.upperBound
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[literalStart...]))
            return String(decoding: out, as: UTF8.self)
        }
    }

    enum Token: Equatable {
        case text(Substring)
        case placeholder(name: String, raw: Substring)
    }

    /// `{{ name }}` with optional spaces inside the braces; anything else is text.
    static func tokens(in text: String) -> [Token] {
        var tokens: [Token] = []
        var copy = text
        copy.withUTF8 { bytes in
            let utf8 = text.utf8
            func index(_ offset: Int) -> String.Index { utf8.index(utf8.startIndex, offsetBy: offset) }
            var literalStart = 0
            forEachPlaceholder(in: bytes) { name, range in
                if literalStart < range.lowerBound { tokens.append(.text(text[index(literalStart)..<index(range.lowerBound)])) }
                tokens.append(.placeholder(name: name, raw: text[index(range.lowerBound)..<index(range.upperBound)]))
                literalStart = range.upperBound
            }
            if literalStart < bytes.count { tokens.append(.text(text[index(literalStart)...])) }
        }
        return tokens
    }

    /// Calls `body` with each placeholder's name and byte range (braces included), left to
    /// right. A `{{` whose inside up to the next `}}` is no name is text, and the search goes
    /// on from its second brace.
    private static func forEachPlaceholder(in bytes: UnsafeBufferPointer<UInt8>, _ body: (String, Range<Int>) -> Void) {
        let open = UInt8(ascii: "{"), close = UInt8(ascii: "}")
        var index = 0
        while index + 1 < bytes.count {
            guard bytes[index] == open, bytes[index + 1] == open else {
                index += 1
                continue
            }
            var end = index + 2
            while end + 1 < bytes.count, !(bytes[end] == close && bytes[end + 1] == close) { end += 1 }
            guard end + 1 < bytes.count else { return }  // no "}}" after it: the rest is text
            if let name = placeholderName(UnsafeBufferPointer(rebasing: bytes[(index + 2)..<end])) {
                body(name, index..<(end + 2))
                index = end + 2
            } else {
                index += 1
            }
        }
    }

    /// The name between a placeholder's braces, spaces and tabs around it trimmed: letters,
    /// digits and `_`, not starting with a digit; nil for anything else.
    private static func placeholderName(_ inner: UnsafeBufferPointer<UInt8>) -> String? {
        guard inner.allSatisfy({ $0 < 0x80 }) else {
            // Not ASCII: Unicode's own letters, digits and spaces decide.
            let text = String(decoding: inner, as: UTF8.self).trimmingCharacters(in: .whitespaces)
            let isName = !text.isEmpty && text.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == "_" }
                && !(text.first?.isNumber ?? true)
            return isName ? text : nil
        }
        var start = 0, end = inner.count
        while start < end, inner[start] == 0x20 || inner[start] == 0x09 { start += 1 }
        while end > start, inner[end - 1] == 0x20 || inner[end - 1] == 0x09 { end -= 1 }
        guard start < end, !(0x30...0x39).contains(inner[start]) else { return nil }
        for byte in inner[start..<end] {
            guard (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == UInt8(ascii: "_") else { return nil }
        }
        return String(decoding: UnsafeBufferPointer(rebasing: inner[start..<end]), as: UTF8.self)
    }
}

/// What a prompt is rendered with.
public struct PromptValues: Sendable, Equatable {
    public var chunk: String
    public var question: String?
    /// The answer a judge prompt grades.
    public var answer: String?
    public var count: Int
    public var source: String

    public init(chunk: String, question: String? = nil, answer: String? = nil, count: Int = 3, source: String = "") {
        self.chunk = chunk
        self.question = question
        self.answer = answer
        self.count = count
        self.source = source
    }
}

extension Prompt {
    /// The messages for the model: the system prompt (when there is one), then the rendered template.
    /// Throws when the template needs a question (or an answer) and none is given.
    public func messages(_ values: PromptValues) throws -> [ChatMessage] {
        let count = String(values.count)
        func value(_ name: String) -> String? {
            switch name {
            case "chunk": values.chunk
            case "count": count
            case "source": values.source
            case "question": values.question
            case "answer": values.answer
            default: nil
            }
        }
        // One pass over each text renders it and finds the placeholders it has no value for.
        var missing: [String] = []
        var messages: [ChatMessage] = []
        if let system, !system.isEmpty {
            messages.append(ChatMessage(role: "system", content: PromptTemplate.render(system, missing: &missing, value: value)))
        }
        messages.append(ChatMessage(role: "user", content: PromptTemplate.render(template, missing: &missing, value: value)))
        if missing.contains("question") { throw PromptError.needsQuestion(prompt: ref.description) }
        if missing.contains("answer") { throw PromptError.needsAnswer(prompt: ref.description) }
        return messages
    }

    /// The messages asking for `count` questions about a chunk.
    public func questionMessages(chunk: String, source: String = "", count: Int) throws -> [ChatMessage] {
        try messages(as: .question, PromptValues(chunk: chunk, count: count, source: source))
    }

    /// The messages asking for the answer to one question from its chunk.
    public func answerMessages(chunk: String, question: String, source: String = "") throws -> [ChatMessage] {
        try messages(as: .answer, PromptValues(chunk: chunk, question: question, count: 1, source: source))
    }

    /// The messages asking for a grade of one answer to a question about a chunk.
    public func judgeMessages(chunk: String, question: String, answer: String, source: String = "") throws -> [ChatMessage] {
        try messages(as: .judge, PromptValues(chunk: chunk, question: question, answer: answer, count: 1, source: source))
    }

    /// The messages of a prompt that must have `role`.
    private func messages(as wanted: PromptRole, _ values: PromptValues) throws -> [ChatMessage] {
        guard role == wanted else { throw PromptError.wrongRole(prompt: ref.description, role: role, wanted: wanted) }
        return try messages(values)
    }
}
