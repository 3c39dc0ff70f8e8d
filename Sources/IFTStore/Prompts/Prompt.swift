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
        SHA256.hex("role:\(role.rawValue)\u{0}system:\(system ?? "")\u{0}template:\(template)")
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
        var out = ""
        for token in tokens(in: text) {
            switch token {
            case .text(let literal): out += literal
            case .placeholder(let name, let raw): out += values[name] ?? String(raw)
            }
        }
        return out
    }

    enum Token: Equatable {
        case text(Substring)
        case placeholder(name: String, raw: Substring)
    }

    /// `{{ name }}` with optional spaces inside the braces; anything else is text.
    static func tokens(in text: String) -> [Token] {
        var tokens: [Token] = []
        var literalStart = text.startIndex
        var index = text.startIndex
        while let open = text[index...].range(of: "{{") {
            guard let close = text[open.upperBound...].range(of: "}}") else { break }
            let inner = text[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            let isName = !inner.isEmpty && inner.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == "_" }
                && !(inner.first?.isNumber ?? true)
            if isName {
                if literalStart < open.lowerBound { tokens.append(.text(text[literalStart..<open.lowerBound])) }
                tokens.append(.placeholder(name: inner, raw: text[open.lowerBound..<close.upperBound]))
                literalStart = close.upperBound
                index = close.upperBound
            } else {
                index = text.index(after: open.lowerBound)
            }
        }
        if literalStart < text.endIndex { tokens.append(.text(text[literalStart...])) }
        return tokens
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
        var table = ["chunk": values.chunk, "count": String(values.count), "source": values.source]
        // Which placeholders the text uses matters only when a value is missing: items that
        // bring every value (a generation run's) do not tokenize the template twice.
        var used: [String] {
            PromptTemplate.placeholderNames(in: template) + PromptTemplate.placeholderNames(in: system ?? "")
        }
        if let question = values.question {
            table["question"] = question
        } else if used.contains("question") {
            throw PromptError.needsQuestion(prompt: ref.description)
        }
        if let answer = values.answer {
            table["answer"] = answer
        } else if used.contains("answer") {
            throw PromptError.needsAnswer(prompt: ref.description)
        }
        var messages: [ChatMessage] = []
        if let system, !system.isEmpty {
            messages.append(ChatMessage(role: "system", content: PromptTemplate.render(system, values: table)))
        }
        messages.append(ChatMessage(role: "user", content: PromptTemplate.render(template, values: table)))
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
