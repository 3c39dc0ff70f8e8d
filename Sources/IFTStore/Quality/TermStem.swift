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
