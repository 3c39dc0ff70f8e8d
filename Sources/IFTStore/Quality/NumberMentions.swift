/// The numbers, amounts, percentages and dates a text mentions, folded so that equal forms
/// are one: "$5,000,000", "5,000,000", "5000000" and "$5 million" are all 5000000;
/// "October 1, 2023", "1 October 2023", "Oct 1, 2023" and "2023-10-01" are all 2023-10-01.
struct NumberMentions: Sendable {
    enum Mention: Hashable, Sendable {
        case value(String)
        case date(year: Int, month: Int, day: Int)
        case month(year: Int, month: Int)
        case dayOfMonth(month: Int, day: Int)

        /// The mention as one 64-bit key, for `KeySet`s: a value's `TermKey`, scrambled so it
        /// does not equal the key of the word it was read from, with its low bits set to 0;
        /// or a date's parts packed with a tag in the low two bits (0 is no year or no day).
        /// Two different mentions, or a mention and a word, meet by chance with odds of about
        /// 1 in 2^62.
        var key: UInt64 {
            func packed(_ tag: UInt64, _ year: Int, _ month: Int, _ day: Int) -> UInt64 {
                UInt64(truncatingIfNeeded: year) << 16 | UInt64(truncatingIfNeeded: month) << 10 | UInt64(truncatingIfNeeded: day) << 2 | tag
            }
            switch self {
            case .value(let value): return (TermKey.of(value) ^ 0x5bd1_e995_9e37_79b9) & ~3
            case .date(let y, let m, let d): return packed(1, y, m, d)
            case .month(let y, let m): return packed(2, y, m, 0)
            case .dayOfMonth(let m, let d): return packed(3, 0, m, d)
            }
        }
    }

    /// For a chunk: what it mentions (`Mention.key`s), a date's month and day of month too.
    private(set) var mentions = KeySet()
    /// Each mention with the tokens it was read from, in text order.
    private(set) var spans: [(tokens: Range<Int>, mention: Mention)] = []
    /// For a chunk: every number it holds (`TermKey`s of the folded text), the parts of its
    /// dates and amounts too, so an answer's "2023" or "5" is found in "October 1, 2023" or
    /// "$5 million".
    private(set) var everyNumber = KeySet()

    /// `mentions` and `everyNumber` are worked out only for a chunk (`forChunk`): answers and
    /// questions are looked up in them, never the other way round, and need only `spans`.
    init(_ tokens: TokenList, forChunk: Bool = false) {
        read(tokens, forChunk: forChunk)
    }

    /// No mentions yet (`CheckScratch`).
    init() {}

    /// Reads an answer's or a question's mentions into `spans`, reusing its storage.
    mutating func reread(_ tokens: TokenList) {
        spans.removeAll(keepingCapacity: true)
        read(tokens, forChunk: false)
    }

    private mutating func read(_ tokens: TokenList, forChunk: Bool) {
        var index = 0
        while index < tokens.count {
            // Every form starts with a number or a word of 3 to 9 letters (a month's name, a
            // number word): most words go no further.
            let kind = tokens[index].kind
            if kind == .word, !(3...9).contains(tokens[index].letterCount) || !Self.openingWords.contains(tokens[index].key) {
                index += 1
                continue
            }
            if forChunk, kind == .number { everyNumber.insert(TermKey.of(tokens.folded(index))) }
            if let (mention, used) = Self.date(at: index, in: tokens) {
                spans.append((index..<index + used, mention))
                if forChunk {
                    mentions.insert(mention.key)
                    if case .date(let y, let m, let d) = mention {
                        mentions.insert(Mention.month(year: y, month: m).key)
                        mentions.insert(Mention.dayOfMonth(month: m, day: d).key)
                    }
                    for part in index..<index + used where tokens[part].kind == .number { everyNumber.insert(TermKey.of(tokens.folded(part))) }
                }
                index += used
                continue
            }
            if let (value, used) = Self.amount(at: index, in: tokens) {
                spans.append((index..<index + used, .value(value)))
                if forChunk {
                    mentions.insert(Mention.value(value).key)
                    everyNumber.insert(TermKey.of(value))
                }
                index += used
                continue
            }
            index += 1
        }
    }

    /// Whether this text (a chunk) mentions `mention` in this form (a date's month and day of
    /// month count).
    func mentions(_ mention: Mention) -> Bool { mentions.contains(mention.key) }

    /// Whether this text (a chunk) holds `mention` in any of its forms.
    func holds(_ mention: Mention) -> Bool {
        if mentions.contains(mention.key) { return true }
        if case .value(let value) = mention { return everyNumber.contains(TermKey.of(value)) }
        return false
    }

    // MARK: - Dates

    /// Month names and their numbers, by `TermKey`.
    static let months: KeyMap<Int> = {
        let names = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]
        var months: [(String, Int)] = []
        for (offset, name) in names.enumerated() {
            months.append((name, offset + 1))
            months.append((String(name.prefix(3)), offset + 1))
        }
        months.append(("sept", 9))
        return KeyMap(months)
    }()

    /// A month's name; "may" and "mar" only when a number is next to them.
    private static func month(_ tokens: TokenList, _ index: Int) -> Int? {
        guard index < tokens.count, tokens[index].kind == .word, (3...9).contains(tokens[index].letterCount) else { return nil }
        return months[tokens[index].key]
    }

    private static func day(_ tokens: TokenList, _ index: Int) -> Int? {
        guard index < tokens.count else { return nil }
        switch tokens[index].kind {
        case .word: return nil
        case .number: return tokens[index].integer.flatMap { (1...31).contains($0) ? $0 : nil }
        case .mixed:
            var text = tokens.folded(index)
            for suffix in ["st", "nd", "rd", "th"] where text.hasSuffix(suffix) { text.removeLast(2) }
            guard text.allSatisfy(\.isASCII), let day = Int(text), (1...31).contains(day), text.count <= 2 else { return nil }
            return day
        }
    }

    private static func year(_ tokens: TokenList, _ index: Int) -> Int? {
        guard index < tokens.count, tokens[index].kind == .number, tokens.folded(index).utf8.count == 4,
              let year = tokens[index].integer, (1000...2999).contains(year) else { return nil }
        return year
    }

    /// Whether the token at `index` is there and separated from the one before only by spaces
    /// and `allowed`.
    private static func separatedOnlyBy(_ tokens: TokenList, _ index: Int, _ allowed: StaticString) -> Bool {
        index < tokens.count && tokens[index].gap.isMade(of: allowed)
    }

    private static func gap(_ tokens: TokenList, _ index: Int, is character: Unicode.Scalar) -> Bool {
        index < tokens.count && tokens[index].gap.isOnly(character)
    }

    /// A date starting at `index`, and how many tokens it takes.
    static func date(at index: Int, in tokens: TokenList) -> (Mention, Int)? {
        let kind = tokens[index].kind
        // Every form starts with a number or a month's name.
        if kind == .word, month(tokens, index) == nil { return nil }
        // 2023-10-01
        if let y = year(tokens, index), gap(tokens, index + 1, is: "-"), tokens[index + 1].kind == .number,
           let m = tokens[index + 1].integer, (1...12).contains(m), gap(tokens, index + 2, is: "-"), let d = day(tokens, index + 2) {
            return (.date(year: y, month: m, day: d), 3)
        }
        // 10/01/2023 (month first)
        if kind == .number, let m = tokens[index].integer, (1...12).contains(m),
           gap(tokens, index + 1, is: "/"), let d = day(tokens, index + 1), gap(tokens, index + 2, is: "/"), let y = year(tokens, index + 2) {
            return (.date(year: y, month: m, day: d), 3)
        }
        // October 1, 2023 / Oct. 1st 2023 / October 1 / October 2023
        if let m = month(tokens, index) {
            if let d = day(tokens, index + 1), separatedOnlyBy(tokens, index + 1, " ."), tokens[index + 1].gap.contains(" ") {
                if let y = year(tokens, index + 2), separatedOnlyBy(tokens, index + 2, ", ") { return (.date(year: y, month: m, day: d), 3) }
                return (.dayOfMonth(month: m, day: d), 2)
            }
            if let y = year(tokens, index + 1), separatedOnlyBy(tokens, index + 1, ", .") { return (.month(year: y, month: m), 2) }
            return nil
        }
        // 1 October 2023 / 1st of October, 2023
        if let d = day(tokens, index) {
            var next = 1
            if index + 1 < tokens.count, tokens[index + 1].key == Self.of { next = 2 }
            if let m = month(tokens, index + next), separatedOnlyBy(tokens, index + next, " ") {
                if let y = year(tokens, index + next + 1), separatedOnlyBy(tokens, index + next + 1, ", .") { return (.date(year: y, month: m, day: d), next + 2) }
                return (.dayOfMonth(month: m, day: d), next + 1)
            }
        }
        return nil
    }

    private static let of = TermKey.of("of")

    /// The words a mention can start with: a month's name or a number word (`TermKey`s).
    static let openingWords = KeySet(months.keys + numberWords.keys)

    // MARK: - Amounts

    static let scales: [String: Double] = [
        "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
        "k": 1e3, "m": 1e6, "mn": 1e6, "mm": 1e6, "bn": 1e9, "b": 1e9,
    ]
    /// The scale words that may follow a number as a word of their own ("5 million"), by `TermKey`.
    static let scaleWords = KeyMap(scales.filter { $0.key.count > 2 }.map { ($0.key, $0.value) })

    /// Number words read as numbers ("six minutes" and "6 minutes" are one). "one" is left
    /// out: it is more often a pronoun.
    static let numberWords: KeyMap<Double> = {
        let names = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
                     "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"]
        var words: [(String, Double)] = []
        for (offset, name) in names.enumerated() { words.append((name, Double(offset + 2))) }
        for (offset, name) in ["thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"].enumerated() {
            words.append((name, Double(30 + 10 * offset)))
        }
        return KeyMap(words)
    }()

    /// Words that name a number's unit and add nothing to compare: "5,000,000 dollars".
    static let units = KeySet(["dollars", "dollar", "usd", "euros", "euro", "eur", "pounds", "gbp", "percent", "cents"].map(TermKey.of))

    /// A number (with its scale and unit words, if any) at `index`: "5", "5,000,000",
    /// "$5 million", "$5m", "12.5%", "six", "40 dollars".
    static func amount(at index: Int, in tokens: TokenList) -> (String, Int)? {
        if tokens[index].kind == .word, !(3...9).contains(tokens[index].letterCount) { return nil }
        func word(_ offset: Int) -> UInt64? {
            guard index + offset < tokens.count, tokens[index + offset].kind == .word, tokens[index + offset].gap.isOnly(" ") else { return nil }
            return tokens[index + offset].key
        }
        switch tokens[index].kind {
        case .number, .word:
            let token = tokens[index]
            guard let value = token.kind == .number ? token.value : numberWords[token.key] else { return nil }
            var used = 1, scaled = value
            if let next = word(1), let scale = scaleWords[next] {
                scaled *= scale
                used += 1
            }
            if let next = word(used), units.contains(next) { used += 1 }
            return (TextTokenizer.canonical(scaled), used)
        case .mixed:
            // "5m", "3.5bn", "2k": a number, then a scale.
            let token = tokens[index]
            let folded = tokens.folded(index)
            let head = folded.prefix(while: { ($0.isASCII && $0.isNumber) || $0 == "." })
            guard let value = token.value, !head.isEmpty, let scale = scales[String(folded.dropFirst(head.count))] else { return nil }
            return (TextTokenizer.canonical(value * scale), 1)
        }
    }
}
