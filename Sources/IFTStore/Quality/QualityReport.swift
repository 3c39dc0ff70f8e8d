/// The built-in checks' verdict on one pair, as `show answer:ID --json` gives it.
public struct QualityReport: Sendable, Codable, Equatable {
    public let checksVersion: Int
    public let minSupport: Double
    /// False for an "I don't know" answer, which the checks do not judge.
    public let judged: Bool
    /// The failed checks' names, in table order.
    public let flags: [String]
    /// The share of the answer's content terms found in the chunk; nil when not judged.
    public let support: Double?
    /// The answer's content terms the chunk lacks, as written in the answer.
    public let unsupportedTerms: [String]
    /// The answer's numbers and dates the chunk lacks, folded (`2023-10-02`, `6000000`).
    public let unsupportedNumbers: [String]
    /// Where `unsupportedTerms` stand in the answer, for marking them (not in JSON).
    public let unsupportedRanges: [Range<String.Index>]

    private enum CodingKeys: String, CodingKey {
        case checksVersion, minSupport, judged, flags, support, unsupportedTerms, unsupportedNumbers
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        checksVersion = try c.decode(Int.self, forKey: .checksVersion)
        minSupport = try c.decode(Double.self, forKey: .minSupport)
        judged = try c.decode(Bool.self, forKey: .judged)
        flags = try c.decode([String].self, forKey: .flags)
        support = try c.decodeIfPresent(Double.self, forKey: .support)
        unsupportedTerms = try c.decode([String].self, forKey: .unsupportedTerms)
        unsupportedNumbers = try c.decode([String].self, forKey: .unsupportedNumbers)
        unsupportedRanges = []
    }

    public init(question: String, answer: String, chunk: String, minSupport: Double = QualityChecks.defaultMinSupport) {
        let verdict = PairChecker(minSupport: minSupport).check(question: question, answer: answer, chunk: chunk)
        checksVersion = QualityChecks.version
        self.minSupport = minSupport
        judged = verdict.support != nil
        flags = verdict.flags.checks.map(\.rawValue)
        support = verdict.support
        unsupportedTerms = verdict.unsupportedTerms.map { String(answer[$0]) }
        unsupportedNumbers = verdict.unsupportedNumbers
        unsupportedRanges = verdict.unsupportedTerms
    }
}
