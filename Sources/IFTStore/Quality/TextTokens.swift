/// One word or number of a text, as the quality checks see it.
struct TextToken {
    enum Kind { case word, number, mixed }
    let kind: Kind
    /// Where the token is in the text it came from.
    let range: Range<String.Index>
    /// The token's text: case folded, apostrophes dropped, digit separators dropped from
    /// numbers ("5,000" reads 5000).
    let folded: String
    /// The token's text between the previous token (or the start) and this one.
    let gap: Substring
    let letterCount: Int
    let isCapitalised: Bool
    /// The number a `.number` token reads (commas dropped, one decimal point kept).
    let value: Double?
}

/// Splits text into words and numbers: a word is a run of letters (and marks), with an
/// apostrophe inside kept ("don't"); a number is a run of digits, with a `,` or `.` between
/// digits kept ("5,000,000", "3.5"); any other character separates.
enum TextTokenizer {
    static func tokens(_ text: String) -> [TextToken] {
        var tokens: [TextToken] = []
        let scalars = text.unicodeScalars
        var index = scalars.startIndex
        var gapStart = index
        while index < scalars.endIndex {
            let scalar = scalars[index]
            guard isWordScalar(scalar) else {
                index = scalars.index(after: index)
                continue
            }
            let start = index
            var folded = String.UnicodeScalarView()
            var letters = 0, digits = 0
            var numberText = ""
            var sawPoint = false
            while index < scalars.endIndex {
                let current = scalars[index]
                if isWordScalar(current) {
                    if isDigit(current) {
                        digits += 1
                        numberText.unicodeScalars.append(current)
                        folded.append(current)
                    } else if current.isASCII {
                        letters += 1
                        folded.append(current.value <= 0x5A ? Unicode.Scalar(UInt8(current.value) | 0x20) : current)
                    } else {
                        letters += current.properties.isAlphabetic ? 1 : 0
                        folded.append(contentsOf: current.properties.lowercaseMapping.unicodeScalars)
                    }
                    index = scalars.index(after: index)
                    continue
                }
                // A joiner kept only between two word characters of the right kind.
                let next = scalars.index(after: index)
                guard next < scalars.endIndex else { break }
                let following = scalars[next]
                if isApostrophe(current), letters > 0, following.properties.isAlphabetic {
                    index = next
                    continue
                }
                if (current == "," || current == "."), digits > 0, letters == 0, isDigit(following), isDigit(scalars[scalars.index(before: index)]) {
                    if current == "." {
                        if sawPoint { break }
                        sawPoint = true
                        numberText.unicodeScalars.append(".")
                        folded.append(".")
                    }
                    index = next
                    continue
                }
                break
            }
            let range = start..<index
            let kind: TextToken.Kind = digits == 0 ? .word : (letters == 0 ? .number : .mixed)
            let first = scalars[start]
            tokens.append(TextToken(
                kind: kind,
                range: range,
                folded: kind == .number ? canonicalNumber(numberText) : String(folded),
                gap: Substring(text.unicodeScalars[gapStart..<start]),
                letterCount: letters,
                isCapitalised: first.isASCII ? (first.value >= 0x41 && first.value <= 0x5A) : first.properties.isUppercase,
                value: kind == .word || !isDigit(first) ? nil : Double(numberText)))
            gapStart = index
        }
        return tokens
    }

    static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let v = scalar.value
            return (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A)
        }
        let properties = scalar.properties
        return properties.isAlphabetic || properties.numericType == .decimal
            || properties.generalCategory == .nonspacingMark || properties.generalCategory == .spacingMark
    }

    static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII ? (scalar.value >= 0x30 && scalar.value <= 0x39) : scalar.properties.numericType == .decimal
    }

    static func isApostrophe(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "'" || scalar == "\u{2019}" || scalar == "\u{02BC}"
    }

    /// "05" and "5" are one number; "5.50" and "5.5" too.
    static func canonicalNumber(_ text: String) -> String {
        guard let value = Double(text) else { return text }
        return canonical(value)
    }

    static func canonical(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}

/// Terms compared after folding case and punctuation and stripping -s, -es, -ed and -ing.
enum TermStem {
    static func stem(_ folded: String) -> String {
        var word = Array(folded.utf8)
        // Apostrophes were dropped by the tokenizer only when not inside; "don't" is "don't"
        // here, so drop them now.
        word.removeAll { $0 == UInt8(ascii: "'") }
        let count = word.count
        func ends(_ suffix: String) -> Bool {
            let s = Array(suffix.utf8)
            return count >= s.count && Array(word[(count - s.count)...]) == s
        }
        if ends("ing"), count - 3 >= 3 {
            word.removeLast(3)
        } else if ends("ed"), count - 2 >= 3 {
            word.removeLast(2)
        } else if ends("es"), count - 2 >= 3, ["s", "x", "z", "h", "i"].map({ UInt8(ascii: $0) }).contains(word[count - 3]) {
            word.removeLast(2)
            if word.last == UInt8(ascii: "i") { word[word.count - 1] = UInt8(ascii: "y") }  // policies → policy
        } else if ends("s"), !ends("ss"), !ends("us"), !ends("is"), count - 1 >= 3 {
            word.removeLast(1)
        }
        // "house"/"housing"/"housed" meet at "hous"; a doubled consonant left by -ed or
        // -ing is one ("planned" → "plan").
        if word.count >= 4, word.last == UInt8(ascii: "e") { word.removeLast() }
        if word.count >= 4, let last = word.last, word[word.count - 2] == last, !"aeiouls".utf8.contains(last) { word.removeLast() }
        return String(decoding: word, as: UTF8.self)
    }
}
