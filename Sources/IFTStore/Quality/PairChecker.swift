/// What a chunk offers the checks, worked out once per chunk: rows arrive grouped by chunk.
public struct ChunkTerms: Sendable {
    /// The stem of every word and number in the chunk (`TermKey`s).
    let stems: KeySet
    let numbers: NumberMentions

    public init(_ chunk: String) {
        self.init(tokens: TextTokenizer.tokens(chunk))
    }

    private init(tokens: TokenList) {
        stems = KeySet(tokens.map(\.stem))
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
        var answerText = answer
        if !answerText.withUTF8(Self.isAnAnswer(_:)) { verdict.flags.insert(.answerForm) }
        if !verdict.flags.isDisjoint(with: stop) { return verdict }
        verdict.flags.formUnion(known ?? questionFlags(question, chunk: chunk))
        if !verdict.flags.isDisjoint(with: stop) { return verdict }

        let answerTokens = TextTokenizer.tokens(answer)
        let answerTerms = Self.contentTerms(answerTokens, NumberMentions(answerTokens))
        // Distinct terms: words by key in a `KeySet`, the rarer numbers and dates in a `Set`.
        var seenWords = KeySet(minimumCapacity: answerTerms.count), seenMentions = Set<NumberMentions.Mention>(), found = 0
        var missingNumbers = Set<String>()
        // A filter needs only the flags: where the missing terms are is for people.
        let describes = stop.isEmpty
        for term in answerTerms {
            let isNew = switch term.key {
            case .word(let key): seenWords.insert(key)
            case .mention(let mention): seenMentions.insert(mention).inserted
            }
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
        let distinct = seenWords.count + seenMentions.count
        if distinct > 0 {
            let support = Double(found) / Double(distinct)
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
        var questionText = question
        if !questionText.withUTF8({ Self.isOneQuestion($0, questionTokens) }) { flags.insert(.questionForm) }
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
    static func contentTerms(_ tokens: TokenList, _ numbers: NumberMentions) -> [Term] {
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

    static let fileExtensions = KeySet([
        "pdf", "doc", "docx", "txt", "md", "html", "htm", "csv", "json", "jsonl", "xls", "xlsx",
        "ppt", "pptx", "xml", "yaml", "yml", "zip", "png", "jpg", "jpeg", "py", "swift", "js",
    ].map(TermKey.of))
    static let questionLabels = KeySet(["question", "questions", "q"].map(TermKey.of))

    static func isOneQuestion(_ question: UnsafeBufferPointer<UInt8>, _ tokens: TokenList) -> Bool {
        let trimmed = trimmingWhitespace(question)
        guard endsWithQuestionMark(trimmed), tokens.count >= 3 else { return false }
        var questionMarks = 0
        for byte in trimmed {
            switch byte {
            case UInt8(ascii: "?"): questionMarks += 1
            case UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "`"), UInt8(ascii: "<"),
                 UInt8(ascii: ">"), UInt8(ascii: "|"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"), UInt8(ascii: "_"),
                 UInt8(ascii: "\\"):
                return false
            default: break
            }
        }
        guard questionMarks == 1 else { return false }
        // "Question 1: …", "Q: …", "1. What …"
        if questionLabels.contains(tokens[0].key), tokens.count > 1, tokens[1].gap.contains(":") || tokens[1].kind == .number { return false }
        if tokens[0].kind == .number, tokens[0].gap.isEmpty, tokens[1].gap.starts(with: ".") || tokens[1].gap.starts(with: ")") { return false }
        if Self.withFoldedBytes(trimmed, { $0.contains("://") || $0.contains("www.") }) { return false }
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

    static func isAnAnswer(_ answer: UnsafeBufferPointer<UInt8>) -> Bool {
        let trimmed = trimmingWhitespace(answer)
        guard !trimmed.isEmpty, !endsWithQuestionMark(trimmed) else { return false }
        return withFoldedBytes(trimmed) { folded in
            if boilerplate.occurs(in: folded) { return false }
            if folded.hasPrefix("sure!") || folded.hasPrefix("certainly!") || folded.hasPrefix("of course!") { return false }
            // Code or JSON
            if folded.first == UInt8(ascii: "{") || folded.first == UInt8(ascii: "[") { return false }
            if folded.contains("def ") && folded.contains("):") { return false }
            return true
        }
    }

    /// Whether the text's last character is "?" (not "?" with a mark on it): the last byte
    /// tells, unless a non-ASCII scalar precedes it, which may join it into one character.
    static func endsWithQuestionMark(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let last = text.last, last == UInt8(ascii: "?") else { return false }
        if text.count == 1 || text[text.count - 2] < 0x80 { return true }
        return String(decoding: text, as: UTF8.self).hasSuffix("?")
    }

    /// The text without its leading and trailing white space (Unicode's White_Space).
    static func trimmingWhitespace(_ text: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
            scalar.isASCII ? scalar == " " || (0x09...0x0D).contains(scalar.value) : scalar.properties.isWhitespace
        }
        var start = 0, end = text.count
        while start < end {
            let (scalar, length) = TextTokenizer.decode(text, at: start)
            guard isWhitespace(scalar) else { break }
            start += length
        }
        while end > start {
            var last = end - 1
            while last > start && text[last] & 0xC0 == 0x80 { last -= 1 }
            guard isWhitespace(TextTokenizer.decode(text, at: last).scalar) else { break }
            end = last
        }
        return UnsafeBufferPointer(rebasing: text[start..<end])
    }

    /// Calls `body` with the text's UTF-8 bytes, ASCII letters lower-cased and a curly
    /// apostrophe (U+2019) made straight: what the phrase lists are compared with.
    static func withFoldedBytes<Result>(_ text: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: text.count) { buffer in
            var count = 0, index = 0
            while index < text.count {
                let byte = text[index]
                if byte == 0xE2, index + 2 < text.count, text[index + 1] == 0x80, text[index + 2] == 0x99 {
                    buffer[count] = UInt8(ascii: "'")
                    index += 3
                } else {
                    buffer[count] = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
                    index += 1
                }
                count += 1
            }
            return body(UnsafeBufferPointer(rebasing: buffer[..<count]))
        }
    }
}

/// Phrases found in text in one pass: at each byte, only the phrases that start with it are
/// tried.
struct PhraseSet: Sendable {
    /// Every phrase's bytes, one after another.
    private let bytes: [UInt8]
    /// For each first byte, the phrases that start with it: ranges of `bytes`, in `ranges`
    /// from `firstRange[byte]` to `firstRange[byte + 1]`.
    private let ranges: [Range<Int>]
    private let firstRange: [Int]

    init(_ phrases: [String]) {
        let sorted = phrases.map { Array($0.utf8) }.filter { !$0.isEmpty }.sorted { $0[0] < $1[0] }
        var bytes: [UInt8] = [], ranges: [Range<Int>] = [], firstRange = [Int](repeating: 0, count: 257)
        for phrase in sorted {
            ranges.append(bytes.count..<bytes.count + phrase.count)
            bytes += phrase
            firstRange[Int(phrase[0]) + 1] += 1
        }
        for byte in 0..<256 { firstRange[byte + 1] += firstRange[byte] }
        self.bytes = bytes
        self.ranges = ranges
        self.firstRange = firstRange
    }

    /// Whether any phrase occurs in `text`.
    func occurs(in text: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.withUnsafeBufferPointer { bytes in
            ranges.withUnsafeBufferPointer { ranges in
                firstRange.withUnsafeBufferPointer { firstRange in
                    let count = text.count
                    for start in 0..<count {
                        let first = Int(text[start])
                        for candidate in firstRange[first]..<firstRange[first + 1] {
                            let phrase = ranges[candidate]
                            guard phrase.count <= count - start else { continue }
                            var offset = 1
                            while offset < phrase.count && text[start + offset] == bytes[phrase.lowerBound + offset] { offset += 1 }
                            if offset == phrase.count { return true }
                        }
                    }
                    return false
                }
            }
        }
    }
}

extension UnsafeBufferPointer where Element == UInt8 {
    /// Whether `needle` (ASCII) occurs in these bytes.
    func contains(_ needle: StaticString) -> Bool {
        let length = needle.utf8CodeUnitCount
        guard length <= count else { return false }
        let pointer = needle.utf8Start
        var index = 0
        while index <= count - length {
            if self[index] == pointer[0] {
                var offset = 1
                while offset < length && self[index + offset] == pointer[offset] { offset += 1 }
                if offset == length { return true }
            }
            index += 1
        }
        return false
    }

    /// Whether these bytes start with `prefix` (ASCII).
    func hasPrefix(_ prefix: StaticString) -> Bool {
        let length = prefix.utf8CodeUnitCount
        guard length <= count else { return false }
        for offset in 0..<length where self[offset] != prefix.utf8Start[offset] { return false }
        return true
    }
}
