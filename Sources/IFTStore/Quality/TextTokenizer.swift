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
        tokens(in: text, into: &list)
        return list
    }

    /// Fills `list` with the text's tokens, reusing its storage (`CheckScratch`).
    static func tokens(in text: UnsafeBufferPointer<UInt8>, into list: inout TokenList) {
        list.tokens.removeAll(keepingCapacity: true)
        list.texts.removeAll(keepingCapacity: true)
        list.tokens.reserveCapacity(text.count / 6 + 4)
        // Scratch for one token's folded text and its digits: in UTF-8, a lower-case mapping
        // is at most 1.5 times as long as the scalar it maps (İ, 2 bytes, to i̇, 3).
        // One temporary allocation for both (on the stack when small).
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: text.count * 4 + 16) { scratch in
            tokens(in: text, into: &list, folded: scratch.baseAddress!, digitsText: scratch.baseAddress! + text.count * 3 + 8)
        }
    }

    private static func tokens(
        in text: UnsafeBufferPointer<UInt8>, into list: inout TokenList, folded: UnsafeMutablePointer<UInt8>, digitsText: UnsafeMutablePointer<UInt8>
    ) {
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
