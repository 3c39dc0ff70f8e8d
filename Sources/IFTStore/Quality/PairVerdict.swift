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
