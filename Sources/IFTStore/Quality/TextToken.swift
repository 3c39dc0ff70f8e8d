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
