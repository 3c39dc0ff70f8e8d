/// What a chunk offers the checks, worked out once per chunk: rows arrive grouped by chunk.
/// A class, so handing it to each of the chunk's pairs costs one reference, not one per table.
public final class ChunkTerms: Sendable {
    /// The stem of every word and number in the chunk (`TermKey`s).
    let stems: KeySet
    let numbers: NumberMentions

    public convenience init(_ chunk: String) {
        self.init(tokens: TextTokenizer.tokens(chunk))
    }

    private init(tokens: TokenList) {
        stems = KeySet(tokens.map(\.stem))
        numbers = NumberMentions(tokens, forChunk: true)
    }

    func holds(_ term: PairChecker.Term, exactly: Bool = false) -> Bool {
        switch term.key {
        case .word(let stem): return stems.contains(stem)
        case .mention(let mention): return exactly ? numbers.mentions(mention) : numbers.holds(mention)
        }
    }
}
