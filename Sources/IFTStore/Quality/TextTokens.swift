import Synchronization

/// One word or number of a text, as the quality checks see it.
struct TextToken {
    enum Kind { case word, number, mixed }
    let kind: Kind
    /// Where the token is in the text it came from, as UTF-8 offsets.
    let bytes: Range<Int>
    /// The token's folded text (case folded, apostrophes dropped, digit separators dropped:
    /// "5,000" reads 5000), hashed: what the word lists are looked up by (`TermKey`).
    let key: UInt64
    /// The stem of the folded text (`TermStem`), hashed; for a number, its folded form.
    let stem: UInt64
    /// Where the folded text of a number or a mixed token ("5000", "1st") is in its
    /// `TokenList`'s `texts` (-1 for a word, whose lookups go through `key`): tokens stay
    /// plain data, copied without reference counting.
    let foldedIndex: Int32
    /// The text between the previous token (or the start) and this one.
    let gap: TokenGap
    let letterCount: Int
    let isCapitalised: Bool
    /// The number a `.number` token reads (commas dropped, one decimal point kept).
    let value: Double?
    /// The whole number a `.number` token of ASCII digits and no point reads, as `Int(folded)`
    /// gives it; nil otherwise.
    let integer: Int?
}

/// A text's tokens, and the folded texts of its numbers and mixed tokens.
struct TokenList: RandomAccessCollection {
    var tokens: [TextToken] = []
    var texts: [String] = []

    var startIndex: Int { 0 }
    var endIndex: Int { tokens.count }
    subscript(position: Int) -> TextToken { tokens[position] }

    /// The folded text of the token at `position` ("" for a word).
    func folded(_ position: Int) -> String {
        let index = tokens[position].foldedIndex
        return index < 0 ? "" : texts[Int(index)]
    }
}

/// The text between two tokens, as much as the checks ask of it: its length, its first byte,
/// and which of space, `.`, `,`, `:` and anything else it holds. Plain data: tokens copy freely.
struct TokenGap {
    let length: Int
    /// The first byte (0 when empty).
    let first: UInt8
    private let holds: UInt8

    private static let space: UInt8 = 1, point: UInt8 = 2, comma: UInt8 = 4, colon: UInt8 = 8, other: UInt8 = 16

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        length = bytes.count
        first = bytes.first ?? 0
        var holds: UInt8 = 0
        for byte in bytes { holds |= Self.kind(byte) }
        self.holds = holds
    }

    private static func kind(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: " "): space
        case UInt8(ascii: "."): point
        case UInt8(ascii: ","): comma
        case UInt8(ascii: ":"): colon
        default: other
        }
    }

    var isEmpty: Bool { length == 0 }

    /// Whether the gap is exactly this one ASCII character.
    func isOnly(_ character: Unicode.Scalar) -> Bool { length == 1 && first == UInt8(character.value) }

    /// Whether the gap starts with this ASCII character.
    func starts(with character: Unicode.Scalar) -> Bool { length > 0 && first == UInt8(character.value) }

    /// Whether the gap holds a space (`" "`) or a colon (`":"`); other characters are not tracked.
    func contains(_ character: Unicode.Scalar) -> Bool {
        precondition(character == " " || character == ":", "TokenGap tracks only spaces and colons")
        return holds & Self.kind(UInt8(character.value)) != 0
    }

    /// Whether every character of the gap is a space or one of `allowed` (of spaces, `.` and `,`).
    func isMade(of allowed: StaticString) -> Bool {
        var mask = Self.space
        for byte in UnsafeBufferPointer(start: allowed.utf8Start, count: allowed.utf8CodeUnitCount) {
            precondition(Self.kind(byte) & (Self.space | Self.point | Self.comma) != 0, "TokenGap tracks only spaces, points and commas")
            mask |= Self.kind(byte)
        }
        return holds & ~mask == 0
    }
}

/// A folded word or stem as a 64-bit FNV-1a hash: the checks compare words by these, with no
/// string made per word. Two different words meet by chance with odds of about 1 in 2^64.
enum TermKey {
    static let offset: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    static func of(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash = offset
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* prime }
        return hash
    }

    static func of(_ text: String) -> UInt64 { of(text.utf8) }
}

/// Splits text into words and numbers: a word is a run of letters (and marks), with an
/// apostrophe inside kept ("don't"); a number is a run of digits, with a `,` or `.` between
/// digits kept ("5,000,000", "3.5"); any other character separates. Works on the UTF-8 bytes,
/// decoding only what is not ASCII.
enum TextTokenizer {
    static func tokens(_ text: String) -> TokenList {
        var text = text
        return text.withUTF8 { tokens(in: $0) }
    }

    static func tokens(in text: UnsafeBufferPointer<UInt8>) -> TokenList {
        var list = TokenList()
        list.tokens.reserveCapacity(text.count / 6 + 4)
        // Scratch for one token's folded text and its digits: in UTF-8, a lower-case mapping
        // is at most 1.5 times as long as the scalar it maps (İ, 2 bytes, to i̇, 3).
        let folded = UnsafeMutablePointer<UInt8>.allocate(capacity: text.count * 3 + 8)
        let digitsText = UnsafeMutablePointer<UInt8>.allocate(capacity: text.count + 8)
        defer {
            folded.deallocate()
            digitsText.deallocate()
        }
        let end = text.count
        var index = 0, gapStart = 0
        while index < end {
            let (_, length, startClasses) = classified(text, at: index)
            guard startClasses.contains(.word) else {
                index += length
                continue
            }
            let start = index
            var foldedCount = 0, digitCount = 0
            var letters = 0, digits = 0
            var sawPoint = false, lastWasDigit = false
            while index < end {
                let (current, width, classes) = classified(text, at: index)
                if classes.contains(.word) {
                    lastWasDigit = classes.contains(.digit)
                    if lastWasDigit {
                        digits += 1
                        for offset in 0..<width {
                            digitsText[digitCount + offset] = text[index + offset]
                            folded[foldedCount + offset] = text[index + offset]
                        }
                        digitCount += width
                        foldedCount += width
                    } else if width == 1 {
                        letters += 1
                        let byte = text[index]
                        folded[foldedCount] = byte <= 0x5A ? byte | 0x20 : byte
                        foldedCount += 1
                    } else {
                        letters += classes.contains(.alphabetic) ? 1 : 0
                        if classes.contains(.changesWhenLowercased) {
                            for byte in current.properties.lowercaseMapping.utf8 {
                                folded[foldedCount] = byte
                                foldedCount += 1
                            }
                        } else {
                            for offset in 0..<width { folded[foldedCount + offset] = text[index + offset] }
                            foldedCount += width
                        }
                    }
                    index += width
                    continue
                }
                // A joiner kept only between two word characters of the right kind.
                let next = index + width
                guard next < end else { break }
                let byte = text[index]
                if byte == UInt8(ascii: ",") || byte == UInt8(ascii: ".") {
                    if digits > 0, letters == 0, lastWasDigit, classified(text, at: next).classes.contains(.digit) {
                        if byte == UInt8(ascii: ".") {
                            if sawPoint { break }
                            sawPoint = true
                            digitsText[digitCount] = byte
                            digitCount += 1
                            folded[foldedCount] = byte
                            foldedCount += 1
                        }
                        index = next
                        continue
                    }
                } else if letters > 0, isApostrophe(current), classified(text, at: next).classes.contains(.alphabetic) {
                    index = next
                    continue
                }
                break
            }
            let kind: TextToken.Kind = digits == 0 ? .word : (letters == 0 ? .number : .mixed)
            let foldedBytes = UnsafeBufferPointer(start: folded, count: foldedCount)
            let digitBytes = UnsafeBufferPointer(start: digitsText, count: digitCount)
            let foldedText: String = switch kind {
            case .word: ""
            case .number: canonicalNumber(digitBytes)
            case .mixed: String(decoding: foldedBytes, as: UTF8.self)
            }
            let (key, stem) = kind == .number ? { let key = TermKey.of(foldedText.utf8); return (key, key) }() : TermStem.keys(foldedBytes)
            var foldedIndex: Int32 = -1
            if kind != .word {
                foldedIndex = Int32(list.texts.count)
                list.texts.append(foldedText)
            }
            list.tokens.append(TextToken(
                kind: kind,
                bytes: start..<index,
                key: key,
                stem: stem,
                foldedIndex: foldedIndex,
                gap: TokenGap(UnsafeBufferPointer(rebasing: text[gapStart..<start])),
                letterCount: letters,
                isCapitalised: startClasses.contains(.uppercase),
                value: kind == .word || !startClasses.contains(.digit) ? nil : number(digitBytes),
                integer: kind == .number ? Int(foldedText) : nil))
            gapStart = index
        }
        return list
    }

    /// The scalar at `offset`, its length in bytes and its classes; ASCII without a lookup.
    @inline(__always)
    static func classified(_ text: UnsafeBufferPointer<UInt8>, at offset: Int) -> (scalar: Unicode.Scalar, length: Int, classes: ScalarClass) {
        let byte = text[offset]
        if byte < 0x80 {
            let classes: ScalarClass
            switch byte {
            case 0x30...0x39: classes = [.word, .digit]
            case 0x41...0x5A: classes = [.word, .alphabetic, .uppercase, .changesWhenLowercased]
            case 0x61...0x7A: classes = [.word, .alphabetic]
            default: classes = []
            }
            return (Unicode.Scalar(byte), 1, classes)
        }
        let (scalar, length) = decode(text, at: offset)
        return (scalar, length, ScalarClass.of(scalar))
    }

    /// The scalar at `offset` of valid UTF-8, and how many bytes it takes.
    @inline(__always)
    static func decode(_ text: UnsafeBufferPointer<UInt8>, at offset: Int) -> (scalar: Unicode.Scalar, length: Int) {
        let lead = UInt32(text[offset])
        if lead < 0x80 { return (Unicode.Scalar(UInt8(lead)), 1) }
        let value: UInt32, length: Int
        if lead < 0xE0 {
            value = (lead & 0x1F) << 6 | UInt32(text[offset + 1] & 0x3F)
            length = 2
        } else if lead < 0xF0 {
            value = (lead & 0x0F) << 12 | UInt32(text[offset + 1] & 0x3F) << 6 | UInt32(text[offset + 2] & 0x3F)
            length = 3
        } else {
            value = (lead & 0x07) << 18 | UInt32(text[offset + 1] & 0x3F) << 12 | UInt32(text[offset + 2] & 0x3F) << 6 | UInt32(text[offset + 3] & 0x3F)
            length = 4
        }
        return (Unicode.Scalar(value) ?? "\u{FFFD}", length)
    }

    static func isApostrophe(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "'" || scalar == "\u{2019}" || scalar == "\u{02BC}"
    }

    /// The number digits (and one point) read; nil when they are not ASCII.
    private static func number(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        if text.count <= 15, !text.contains(UInt8(ascii: ".")), text.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            return Double(text.reduce(Int64(0)) { $0 * 10 + Int64($1 - 0x30) })
        }
        return Double(String(decoding: text, as: UTF8.self))
    }

    /// "05" and "5" are one number; "5.50" and "5.5" too.
    static func canonicalNumber(_ text: UnsafeBufferPointer<UInt8>) -> String {
        if text.count <= 15, text.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            // Whole ASCII numbers: the digits without leading zeros, as Int64(Double(text)) gives.
            let digits = text.drop { $0 == UInt8(ascii: "0") }
            return digits.isEmpty ? "0" : String(decoding: digits, as: UTF8.self)
        }
        return canonicalNumber(String(decoding: text, as: UTF8.self))
    }

    static func canonicalNumber(_ text: String) -> String {
        guard let value = Double(text) else { return text }
        return canonical(value)
    }

    static func canonical(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}

/// The Unicode properties the tokenizer asks of a scalar. The Unicode data is slow to ask
/// (about a microsecond a scalar), so answers are kept in a table, filled 256 scalars at a
/// time as text needs them; ASCII never reaches it.
struct ScalarClass: OptionSet {
    let rawValue: UInt8
    /// A letter, a decimal digit or a mark: part of a word.
    static let word = ScalarClass(rawValue: 1)
    static let alphabetic = ScalarClass(rawValue: 2)
    /// A decimal digit.
    static let digit = ScalarClass(rawValue: 4)
    static let uppercase = ScalarClass(rawValue: 8)
    /// Its lower-case mapping is not itself.
    static let changesWhenLowercased = ScalarClass(rawValue: 16)
    /// Set on every entry of a filled block.
    private static let known = ScalarClass(rawValue: 128)

    @inline(__always)
    static func of(_ scalar: Unicode.Scalar) -> ScalarClass {
        scalar.isASCII ? ascii[Int(scalar.value)] : table.withLock { table in
            let index = Int(scalar.value)
            if table[index] == 0 {
                let block = index & ~0xFF
                for value in block..<block + 0x100 {
                    table[value] = (Unicode.Scalar(UInt32(value)).map(computed) ?? []).union(known).rawValue
                }
            }
            return ScalarClass(rawValue: table[index])
        }
    }

    private static let ascii: [ScalarClass] = (0..<128).map { computed(Unicode.Scalar(UInt8($0))) }
    private static let table = Mutex([UInt8](repeating: 0, count: 0x110000))

    private static func computed(_ scalar: Unicode.Scalar) -> ScalarClass {
        var classes = ScalarClass()
        if scalar.isASCII {
            let v = scalar.value
            if v >= 0x30 && v <= 0x39 { classes.formUnion([.word, .digit]) }
            if v >= 0x41 && v <= 0x5A { classes.formUnion([.word, .alphabetic, .uppercase, .changesWhenLowercased]) }
            if v >= 0x61 && v <= 0x7A { classes.formUnion([.word, .alphabetic]) }
            return classes
        }
        let properties = scalar.properties
        if properties.isAlphabetic { classes.insert(.alphabetic) }
        if properties.numericType == .decimal { classes.insert(.digit) }
        if properties.isAlphabetic || properties.numericType == .decimal
            || properties.generalCategory == .nonspacingMark || properties.generalCategory == .spacingMark {
            classes.insert(.word)
        }
        if properties.isUppercase { classes.insert(.uppercase) }
        // Changes_When_Lowercased is derived from the lower-case mapping: when it is false, the
        // mapping is the scalar itself, and the (costly) mapping need not be made.
        if properties.changesWhenLowercased {
            let lower = properties.lowercaseMapping.unicodeScalars
            if lower.count != 1 || lower.first != scalar { classes.insert(.changesWhenLowercased) }
        }
        return classes
    }
}

/// Terms compared after folding case and punctuation and stripping -s, -es, -ed and -ing.
enum TermStem {
    static func stem(_ folded: String) -> String {
        // Apostrophes inside a word are dropped by the tokenizer; any left go now.
        let word = Array(folded.utf8.filter { $0 != UInt8(ascii: "'") })
        let (count, y) = word.withUnsafeBufferPointer { cut($0) }
        return String(decoding: word[..<count] + (y ? [UInt8(ascii: "y")] : []), as: UTF8.self)
    }

    /// A tokenizer's folded bytes and their stem, hashed (`TermKey`) in one pass, with no copy made.
    static func keys(_ folded: UnsafeBufferPointer<UInt8>) -> (key: UInt64, stem: UInt64) {
        let (count, y) = cut(folded)
        var hash = TermKey.offset
        for byte in folded[..<count] { hash = (hash ^ UInt64(byte)) &* TermKey.prime }
        let stem = y ? (hash ^ UInt64(UInt8(ascii: "y"))) &* TermKey.prime : hash
        for byte in folded[count...] { hash = (hash ^ UInt64(byte)) &* TermKey.prime }
        return (hash, stem)
    }

    /// How much of `word` the stem keeps, and whether a `y` follows it (policies → policy).
    private static func cut(_ word: UnsafeBufferPointer<UInt8>) -> (count: Int, y: Bool) {
        var count = word.count
        @inline(__always) func at(_ back: Int) -> UInt8 { word[count - back] }
        let (s, e, i) = (UInt8(ascii: "s"), UInt8(ascii: "e"), UInt8(ascii: "i"))
        if count >= 6, at(3) == i, at(2) == UInt8(ascii: "n"), at(1) == UInt8(ascii: "g") {
            count -= 3
        } else if count >= 5, at(2) == e, at(1) == UInt8(ascii: "d") {
            count -= 2
        } else if count >= 5, at(2) == e, at(1) == s, "sxzhi".utf8.contains(at(3)) {
            count -= 2
            if at(1) == i {
                // "-ies" → "-y"; then only a doubled "yy" is cut (to one).
                count -= 1
                return (count, !(count + 1 >= 4 && at(1) == UInt8(ascii: "y")))
            }
        } else if count >= 4, at(1) == s, at(2) != s, at(2) != UInt8(ascii: "u"), at(2) != i {
            count -= 1
        }
        // "house"/"housing"/"housed" meet at "hous"; a doubled consonant left by -ed or
        // -ing is one ("planned" → "plan").
        if count >= 4, at(1) == e { count -= 1 }
        if count >= 4, at(2) == at(1), !"aeiouls".utf8.contains(at(1)) { count -= 1 }
        return (count, false)
    }
}
