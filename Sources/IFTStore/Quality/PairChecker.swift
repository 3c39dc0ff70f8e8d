/// What a chunk offers the checks, worked out once per chunk: rows arrive grouped by chunk.
public struct ChunkTerms: Sendable {
    /// The stem of every word and number in the chunk (`TermKey`s).
    let stems: Set<UInt64>
    let numbers: NumberMentions

    public init(_ chunk: String) {
        self.init(tokens: TextTokenizer.tokens(chunk))
    }

    private init(tokens: [TextToken]) {
        stems = Set(tokens.map(\.stem))
        numbers = NumberMentions(tokens, forChunk: true)
    }

    func holds(_ term: PairChecker.Term, exactly: Bool = false) -> Bool {
        switch term.key {
        case .word(let stem): return stems.contains(stem)
        case .mention(let mention): return exactly ? numbers.mentions.contains(mention) : numbers.holds(mention)
        }
    }
}

/// The verdict on one pair.
public struct PairVerdict: Sendable, Equatable {
    /// The checks the pair fails; empty for a clean pair.
    public var flags: QualityFlags
    /// The share of the answer's content terms found in the chunk (1 for an answer with no
    /// content terms); nil for an "I don't know" answer, which the checks do not judge.
    public var support: Double?
    /// Where the answer's content terms the chunk lacks are, in the answer.
    public var unsupportedTerms: [Range<String.Index>]
    /// The answer's numbers and dates the chunk lacks, as written in the answer.
    public var unsupportedNumbers: [String]

    public static let notJudged = PairVerdict(flags: [], support: nil, unsupportedTerms: [], unsupportedNumbers: [])
}

/// Applies the built-in checks (`QualityCheck`) to a question/answer pair and its chunk.
public struct PairChecker: Sendable {
    public let minSupport: Double

    /// `minSupport` from 0 to 1 (callers validate user input: see `PairFilter`).
    public init(minSupport: Double = QualityChecks.defaultMinSupport) {
        self.minSupport = minSupport
    }

    public func check(question: String, answer: String, chunk: String) -> PairVerdict {
        check(question: question, answer: answer, chunk: ChunkTerms(chunk))
    }

    /// The verdict on the pair. `questionFlags`, when given, are the question's checks
    /// already worked out for this chunk (`questionFlags(_:chunk:)`); with `stoppingAt`, the
    /// work stops at the first of those checks that fails (enough for a filter), and only
    /// the flags are meaningful.
    public func check(question: String, answer: String, chunk: ChunkTerms, questionFlags known: QualityFlags? = nil, stoppingAt stop: QualityFlags = []) -> PairVerdict {
        if IDKRule.isStandardIDK(answer) { return .notJudged }
        var verdict = PairVerdict(flags: [], support: 1, unsupportedTerms: [], unsupportedNumbers: [])
        if !Self.isAnAnswer(answer) { verdict.flags.insert(.answerForm) }
        if !verdict.flags.isDisjoint(with: stop) { return verdict }
        verdict.flags.formUnion(known ?? questionFlags(question, chunk: chunk))
        if !verdict.flags.isDisjoint(with: stop) { return verdict }

        let answerTokens = TextTokenizer.tokens(answer)
        let answerTerms = Self.contentTerms(answerTokens, NumberMentions(answerTokens))
        var seen = Set<Term.Key>(minimumCapacity: answerTerms.count), found = 0
        var missingNumbers = Set<String>()
        // A filter needs only the flags: where the missing terms are is for people.
        let describes = stop.isEmpty
        for term in answerTerms {
            let isNew = seen.insert(term.key).inserted
            if chunk.holds(term) {
                if isNew { found += 1 }
                continue
            }
            guard describes else {
                if case .mention = term.key { missingNumbers.insert("") }
                continue
            }
            let utf8 = answer.utf8
            verdict.unsupportedTerms.append(
                utf8.index(utf8.startIndex, offsetBy: term.bytes.lowerBound)..<utf8.index(utf8.startIndex, offsetBy: term.bytes.upperBound))
            if case .mention(let mention) = term.key { missingNumbers.insert(Self.describe(mention)) }
        }
        if !seen.isEmpty {
            let support = Double(found) / Double(seen.count)
            verdict.support = support
            if support < minSupport { verdict.flags.insert(.answerSupported) }
        }
        if !missingNumbers.isEmpty {
            verdict.flags.insert(.answerNumbers)
            if describes { verdict.unsupportedNumbers = missingNumbers.sorted() }
        }
        return verdict
    }

    /// The question's own checks (`question-form`, `question-grounded`) against its chunk.
    public func questionFlags(_ question: String, chunk: ChunkTerms) -> QualityFlags {
        var flags = QualityFlags()
        let questionTokens = TextTokenizer.tokens(question)
        if !Self.isOneQuestion(question, questionTokens) { flags.insert(.questionForm) }
        let questionTerms = Self.contentTerms(questionTokens, NumberMentions(questionTokens))
        // A bare number grounds a question only as a whole mention of the chunk: the "1" of
        // a list's "1." is not grounded by the "1" of "October 1, 2023".
        if !questionTerms.contains(where: { chunk.holds($0, exactly: true) }) { flags.insert(.questionGrounded) }
        return flags
    }

    // MARK: - Content terms

    struct Term {
        enum Key: Hashable {
            /// A word's or number's stem (`TermKey`).
            case word(UInt64)
            case mention(NumberMentions.Mention)
        }
        let key: Key
        /// Where the term is in its text, as UTF-8 offsets.
        let bytes: Range<Int>
    }

    /// A word of 4+ letters not in the stop-word list, a number (an amount or a date read
    /// whole: "$5 million", "October 1, 2023"), or a capitalised word that is not the text's
    /// first word (and not a stop word).
    static func contentTerms(_ tokens: [TextToken], _ numbers: NumberMentions) -> [Term] {
        var terms: [Term] = []
        var spans = numbers.spans[...]
        var position = 0
        while position < tokens.count {
            if let span = spans.first, span.tokens.lowerBound == position {
                spans = spans.dropFirst()
                let bytes = tokens[span.tokens.lowerBound].bytes.lowerBound..<tokens[span.tokens.upperBound - 1].bytes.upperBound
                terms.append(Term(key: .mention(span.mention), bytes: bytes))
                position = span.tokens.upperBound
                continue
            }
            let token = tokens[position]
            defer { position += 1 }
            switch token.kind {
            case .number, .mixed:
                terms.append(Term(key: .word(token.stem), bytes: token.bytes))
            case .word:
                guard !StopWords.keys.contains(token.key) else { continue }
                if token.letterCount >= 4 || (token.isCapitalised && position > 0) {
                    terms.append(Term(key: .word(token.stem), bytes: token.bytes))
                }
            }
        }
        return terms
    }

    private static func describe(_ mention: NumberMentions.Mention) -> String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        switch mention {
        case .value(let value): return value
        case .date(let y, let m, let d): return "\(y)-\(two(m))-\(two(d))"
        case .month(let y, let m): return "\(y)-\(two(m))"
        case .dayOfMonth(let m, let d): return "--\(two(m))-\(two(d))"
        }
    }

    // MARK: - question-form

    static let fileExtensions: Set<UInt64> = Set([
        "pdf", "doc", "docx", "txt", "md", "html", "htm", "csv", "json", "jsonl", "xls", "xlsx",
        "ppt", "pptx", "xml", "yaml", "yml", "zip", "png", "jpg", "jpeg", "py", "swift", "js",
    ].map(TermKey.of))
    static let questionLabels: Set<UInt64> = Set(["question", "questions", "q"].map(TermKey.of))

    static func isOneQuestion(_ question: String, _ tokens: [TextToken]) -> Bool {
        let trimmed = question.trimmingWhitespace()
        guard trimmed.hasSuffix("?"), tokens.count >= 3 else { return false }
        var questionMarks = 0
        for scalar in trimmed.unicodeScalars {
            switch scalar {
            case "?": questionMarks += 1
            case "{", "}", "[", "]", "`", "<", ">", "|", "\n", "\r", "\t", "_", "\\": return false
            default: break
            }
        }
        guard questionMarks == 1 else { return false }
        // "Question 1: …", "Q: …", "1. What …"
        if questionLabels.contains(tokens[0].key), tokens.count > 1, tokens[1].gap.contains(":") || tokens[1].kind == .number { return false }
        if tokens[0].kind == .number, tokens[0].gap.isEmpty, tokens[1].gap.starts(with: ".") || tokens[1].gap.starts(with: ")") { return false }
        let lowered = Self.foldedBytes(trimmed)
        if lowered.contains(bytes: Array("://".utf8)) || lowered.contains(bytes: Array("www.".utf8)) { return false }
        for (index, token) in tokens.enumerated().dropFirst() {
            // A file name: "report.pdf"
            if token.gap.isOnly("."), fileExtensions.contains(token.key) { return false }
            // Debris glued with hyphens: "The-Art-Research-and-Development-Theme"
            if token.gap.isOnly("-"), index >= 2, tokens[index - 1].gap.isOnly("-") { return false }
        }
        return true
    }

    // MARK: - answer-form

    static let boilerplate = PhraseSet([
        "i'm ready to help", "i am ready to help", "ready to help you", "ready to assist",
        "here is a possible answer", "here's a possible answer", "here is an answer", "here's an answer",
        "here is the answer", "here's the answer", "here is my answer", "here's my answer",
        "as an ai", "as a language model", "i'm an ai", "i am an ai", "ai language model",
        "what's your question", "what is your question", "your question is",
        "happy to help", "glad to help", "how can i help", "how can i assist", "can i help you",
        "let me know if", "feel free to ask", "hope this helps", "is there anything else",
        "please provide", "i'm sorry", "i am sorry", "i apologize",
        // Code or JSON
        "```", "\":", "{\"", "</",
    ])

    static let chattyOpenings: [[UInt8]] = ["sure!", "certainly!", "of course!"].map { Array($0.utf8) }

    static func isAnAnswer(_ answer: String) -> Bool {
        let trimmed = answer.trimmingWhitespace()
        guard !trimmed.isEmpty, !trimmed.hasSuffix("?") else { return false }
        let folded = foldedBytes(trimmed)
        if boilerplate.occurs(in: folded) { return false }
        if chattyOpenings.contains(where: folded.starts(with:)) { return false }
        // Code or JSON
        if folded.first == UInt8(ascii: "{") || folded.first == UInt8(ascii: "[") { return false }
        if folded.contains(bytes: Array("def ".utf8)) && folded.contains(bytes: Array("):".utf8)) { return false }
        return true
    }

    /// The text's UTF-8 bytes with ASCII letters lower-cased and a curly apostrophe (U+2019)
    /// made straight: what the phrase lists are compared with, without Foundation.
    static func foldedBytes(_ text: Substring) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        var pending: [UInt8] = []
        while let byte = iterator.next() {
            if byte == 0xE2 {
                pending = [byte]
                if let second = iterator.next() {
                    pending.append(second)
                    if let third = iterator.next() {
                        pending.append(third)
                    }
                }
                if pending == [0xE2, 0x80, 0x99] { out.append(UInt8(ascii: "'")) } else { out += pending }
                continue
            }
            out.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
        }
        return out
    }
}

/// Phrases found in text in one pass: at each byte, only the phrases that start with it are
/// tried.
struct PhraseSet: Sendable {
    private let phrases: [[UInt8]]
    /// For each first byte, the phrases that start with it.
    private let byFirstByte: [[Int]]

    init(_ phrases: [String]) {
        self.phrases = phrases.map { Array($0.utf8) }
        var byFirstByte = [[Int]](repeating: [], count: 256)
        for (index, phrase) in self.phrases.enumerated() { byFirstByte[Int(phrase[0])].append(index) }
        self.byFirstByte = byFirstByte
    }

    /// Whether any phrase occurs in `text`.
    func occurs(in text: [UInt8]) -> Bool {
        let count = text.count
        for start in 0..<count {
            for index in byFirstByte[Int(text[start])] {
                let phrase = phrases[index]
                guard phrase.count <= count - start else { continue }
                var offset = 1
                while offset < phrase.count && text[start + offset] == phrase[offset] { offset += 1 }
                if offset == phrase.count { return true }
            }
        }
        return false
    }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs in these bytes.
    func contains(bytes needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return needle.isEmpty }
        let first = needle[0]
        var index = 0
        let last = count - needle.count
        while index <= last {
            if self[index] == first {
                var offset = 1
                while offset < needle.count && self[index + offset] == needle[offset] { offset += 1 }
                if offset == needle.count { return true }
            }
            index += 1
        }
        return false
    }
}

extension String {
    func trimmingWhitespace() -> Substring {
        // Most texts start and end with ASCII that is not white space: nothing to trim.
        if let first = utf8.first, let last = utf8.last, Self.isPlainASCII(first), Self.isPlainASCII(last) { return self[...] }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return Substring(scalars[first...last])
    }

    /// An ASCII byte that is not white space (Unicode's White_Space in ASCII: tab to CR, space).
    private static func isPlainASCII(_ byte: UInt8) -> Bool { byte > 0x20 && byte < 0x7F }
}
