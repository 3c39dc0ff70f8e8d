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

    public func check(question: String, answer: String, chunk: ChunkTerms) -> PairVerdict {
        let scratch = CheckScratch()
        return check(answer: answer, chunk: chunk, questionFlags: questionFlags(question, chunk: chunk, using: scratch), using: scratch)
    }

    /// The verdict on an answer whose question's checks (`questionFlags(_:chunk:)`) are
    /// already worked out for this chunk. With `stoppingAt`, the work stops at the first of
    /// those checks that fails (enough for a filter), and only the flags are meaningful.
    func check(
        answer: String, chunk: ChunkTerms, questionFlags: QualityFlags, stoppingAt stop: QualityFlags = [], using scratch: CheckScratch
    ) -> PairVerdict {
        if IDKRule.isStandardIDK(answer) { return .notJudged }
        var verdict = PairVerdict(flags: [], support: 1, unsupportedTerms: [], unsupportedNumbers: [])
        var answerText = answer
        if !answerText.withUTF8(Self.isAnAnswer(_:)) { verdict.flags.insert(.answerForm) }
        verdict.flags.formUnion(questionFlags)
        if !verdict.flags.isDisjoint(with: stop) { return verdict }

        answerText.withUTF8 { TextTokenizer.tokens(in: $0, into: &scratch.tokens) }
        scratch.readTerms()
        // Distinct terms, words and mentions by key (`TermKey`, `Mention.key`) in one `KeySet`:
        // a word's key meets a mention's by chance with odds of about 1 in 2^64.
        scratch.seen.removeAll()
        var found = 0
        var missingNumbers = Set<String>(), missesNumbers = false
        // A filter needs only the flags: where the missing terms are is for people.
        let describes = stop.isEmpty
        for term in scratch.terms {
            let isNew = switch term.key {
            case .word(let key): scratch.seen.insert(key)
            case .mention(let mention): scratch.seen.insert(mention.key)
            }
            if chunk.holds(term) {
                if isNew { found += 1 }
                continue
            }
            if case .mention = term.key { missesNumbers = true }
            guard describes else { continue }
            let utf8 = answer.utf8
            verdict.unsupportedTerms.append(
                utf8.index(utf8.startIndex, offsetBy: term.bytes.lowerBound)..<utf8.index(utf8.startIndex, offsetBy: term.bytes.upperBound))
            if case .mention(let mention) = term.key { missingNumbers.insert(Self.describe(mention)) }
        }
        let distinct = scratch.seen.count
        if distinct > 0 {
            let support = Double(found) / Double(distinct)
            verdict.support = support
            if support < minSupport { verdict.flags.insert(.answerSupported) }
        }
        if missesNumbers {
            verdict.flags.insert(.answerNumbers)
            if describes { verdict.unsupportedNumbers = missingNumbers.sorted() }
        }
        return verdict
    }

    /// The question's own checks (`question-form`, `question-grounded`) against its chunk.
    public func questionFlags(_ question: String, chunk: ChunkTerms) -> QualityFlags {
        questionFlags(question, chunk: chunk, using: CheckScratch())
    }

    func questionFlags(_ question: String, chunk: ChunkTerms, using scratch: CheckScratch) -> QualityFlags {
        var flags = QualityFlags()
        var questionText = question
        questionText.withUTF8 { bytes in
            TextTokenizer.tokens(in: bytes, into: &scratch.tokens)
            if !Self.isOneQuestion(bytes, scratch.tokens) { flags.insert(.questionForm) }
        }
        scratch.readTerms()
        // A bare number grounds a question only as a whole mention of the chunk: the "1" of
        // a list's "1." is not grounded by the "1" of "October 1, 2023".
        if !scratch.terms.contains(where: { chunk.holds($0, exactly: true) }) { flags.insert(.questionGrounded) }
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
    static func contentTerms(_ tokens: TokenList, _ numbers: NumberMentions, into terms: inout [Term]) {
        terms.removeAll(keepingCapacity: true)
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
}

/// What the checks reuse from one text to the next, kept at its capacity: a text's tokens,
/// its number mentions, its content terms, and the distinct terms seen. One per SQL connection
/// (`QualitySQL`), so checking a pair allocates next to nothing.
final class CheckScratch {
    var tokens = TokenList()
    var numbers = NumberMentions()
    var terms: [PairChecker.Term] = []
    var seen = KeySet()

    /// `numbers` and `terms` from `tokens`.
    func readTerms() {
        numbers.reread(tokens)
        PairChecker.contentTerms(tokens, numbers, into: &terms)
    }
}
