import Foundation

/// Replies to hold two implementations of the "I don't know" rule to each other: iftdb's
/// `is_idk()` and the plain-SQL `is_idk` column of the `pairs` view.
public enum IDKReplies {
    /// The rule's known forms, as `IDKRule.knownForms` lists them.
    public static let knownForms: [String] = {
        var forms = ["unknown"]
        for verb in ["i don't know", "i do not know", "i dont know"] {
            forms += [verb, verb + " the answer"] + ["this", "that", "the"].map { verb + " the answer to \($0) question" }
        }
        return forms
    }()

    /// Every phrase: the known forms, other apostrophes, and replies that hold the words but
    /// are answers.
    public static let phrases = knownForms + [
        "i don\u{2019}t know", "i don\u{02BC}t know the answer",
        "i don't know why", "i know", "unknown soldier", "i don't know the answers",
    ]
    /// Opening and closing quotes; parentheses are not quotes.
    public static let quotes: [(open: String, close: String)] = [
        ("", ""), ("\"", "\""), ("'", "'"), ("\u{201C}", "\u{201D}"), ("\u{00AB} ", " \u{00BB}"), ("(", ")"),
    ]
    public static let emphases = ["", "*", "**", "_"]
    /// None, and every trailing punctuation mark of the rule (U+037E is the Greek question
    /// mark, the same character as ";").
    public static let punctuation = ["", ".", "!", "?", "\u{2026}", ",", ";", ":", "\u{3002}", "\u{037E}"]
    public enum Case: CaseIterable, Sendable { case lower, upper, title }
    /// Between the words, and around the reply: U+00A0 among them, and a space with a
    /// combining mark, which is text, not whitespace.
    public static let whitespace: [(between: String, around: String)] = [
        (" ", ""), ("  ", " \n "), ("\t", "\r\n"), ("\u{00A0}", "\u{00A0}"), ("\u{3000}\u{2009}", "\u{0085}\u{2028}"), (" \u{0301}", ""),
    ]

    /// Every phrase × quote style × emphasis × trailing punctuation × case × whitespace. The
    /// punctuation goes inside the emphasis for half the combinations, outside the quotes for
    /// the other half.
    public static let generated: [String] = {
        var replies: [String] = []
        for phrase in phrases {
            for (quoteIndex, quote) in quotes.enumerated() {
                for (emphasisIndex, emphasis) in emphases.enumerated() {
                    for mark in punctuation {
                        for letterCase in Case.allCases {
                            for space in whitespace {
                                let words = cased(phrase, letterCase).split(separator: " ", omittingEmptySubsequences: false)
                                    .joined(separator: space.between)
                                let inside = (quoteIndex + emphasisIndex) % 2 == 0
                                let emphasised = emphasis + words + (inside ? mark : "") + emphasis
                                replies.append(space.around + quote.open + emphasised + quote.close + (inside ? "" : mark) + space.around)
                            }
                        }
                    }
                }
            }
        }
        return replies
    }()

    static func cased(_ phrase: String, _ letterCase: Case) -> String {
        switch letterCase {
        case .lower: phrase
        case .upper: phrase.uppercased()
        case .title: phrase.split(separator: " ").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
        }
    }

    /// `count` replies made from the real replies of a small model
    /// (`Tests/Fixtures/quality/heldout-smollm2.jsonl`) and the known forms, each changed a
    /// few times at random (seeded, so the same every run): quotes, emphasis, punctuation,
    /// case, the Kelvin sign, any Unicode whitespace, zero-width and combining characters,
    /// words added or cut, and padding past the rule's 160 bytes.
    public static func fixtureAnswers(count: Int, seed: UInt64 = 22) throws -> [String] {
        let url = packageRoot.appending(path: "Tests/Fixtures/quality/heldout-smollm2.jsonl")
        let real = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").compactMap { line -> String? in
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return object?["answer"] as? String
        }
        precondition(real.count >= 100, "the held-out replies are missing")
        var random = SplitMix64(seed: seed)
        let bases = real + knownForms + phrases.map { cased($0, .title) + "." }
        let spaces: [String] = ["\t", "\n", "\u{0B}", "\u{0C}", "\r", " ", "\u{85}", "\u{A0}", "\u{1680}"]
            + (0x2000...0x200A).map { String(UnicodeScalar($0)!) } + ["\u{2028}", "\u{2029}", "\u{202F}", "\u{205F}", "\u{3000}"]
        let oddities = ["\u{200B}", "\u{0301}", "\u{FEFF}", "\u{1FEF}", "\u{212A}", "\u{0130}", "-", ")", "\u{0000}"]
        let marks = punctuation + ["...", "?!", "\u{2026}.", " .", "-"]
        var answers: [String] = []
        while answers.count < count {
            var text = bases[random.below(bases.count)]
            for _ in 0..<(1 + random.below(4)) {
                switch random.below(11) {
                case 0: let quote = quotes[random.below(quotes.count)]; text = quote.open + text + quote.close
                case 1: let emphasis = emphases[random.below(emphases.count)]; text = emphasis + text + emphasis
                case 2: text += marks[random.below(marks.count)]
                case 3: text = text.uppercased()
                case 4: text = text.lowercased()
                case 5: text = text.replacingOccurrences(of: random.below(2) == 0 ? "k" : "K", with: "\u{212A}")
                case 6:  // one space becomes other whitespace, or a run of it
                    if let space = text.firstRange(of: " ") {
                        text.replaceSubrange(space, with: (0...random.below(3)).map { _ in spaces[random.below(spaces.count)] }.joined())
                    }
                case 7: text = spaces[random.below(spaces.count)] + text + spaces[random.below(spaces.count)]
                case 8:
                    let oddity = oddities[random.below(oddities.count)]
                    text = random.below(2) == 0 ? oddity + text : text + oddity
                case 9:  // words cut or added
                    var words = text.split(separator: " ").map(String.init)
                    if words.count > 2 && random.below(2) == 0 { words.removeLast() } else { words.append(["why", "it", "the answer", "here"][random.below(4)]) }
                    text = words.joined(separator: " ")
                default: text += String(repeating: " ", count: 140 + random.below(30))  // past 160 bytes, or just under
                }
            }
            answers.append(text)
        }
        return answers
    }
}

/// A small seeded generator (SplitMix64): the same numbers on every machine and run.
public struct SplitMix64: Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in 0..<bound.
    public mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
