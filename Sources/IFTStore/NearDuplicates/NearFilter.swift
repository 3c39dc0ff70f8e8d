import Foundation

/// `--dedupe-near [--near-threshold T]`: drop a question whose estimated similarity to a
/// question kept before it (smaller id) is at least `threshold`. Saved in a dataset's filter
/// JSON with the signature version that applied.
public struct NearFilter: Sendable, Hashable, Codable {
    /// The default `--near-threshold`, chosen on the labelled pairs
    /// (`Tests/Fixtures/near/pairs.json`; figures in the README).
    public static let defaultThreshold = 0.7
    /// Names the shingles, hash constants and LSH bands: another choice drops other questions.
    public static let currentSignatureVersion = 1

    /// The estimated Jaccard index from which two questions are near, in (0, 1].
    public var threshold: Double
    /// `currentSignatureVersion` when the filter was made.
    public var signatureVersion: Int

    public init(threshold: Double = NearFilter.defaultThreshold) {
        self.threshold = threshold
        signatureVersion = Self.currentSignatureVersion
    }

    private enum CodingKeys: String, CodingKey {
        case threshold
        case signatureVersion = "signature_version"
    }

    /// Throws `SelectionError.badNearThreshold` outside (0, 1].
    func validate() throws {
        guard threshold.isFinite, threshold > 0, threshold <= 1 else { throw SelectionError.badNearThreshold(threshold) }
    }

    /// The flags that reproduce this filter.
    var flags: [String] {
        threshold == Self.defaultThreshold ? ["--dedupe-near"] : ["--dedupe-near", "--near-threshold \(threshold)"]
    }

    /// How many of the 128 lanes two packed signatures must agree on. A lane's 4 stored bits
    /// agree by chance 1 time in 16 when the lanes differ, so agreeing on a share `m` of the
    /// lanes estimates the Jaccard index as (m - 1/16) / (15/16); that is at least the
    /// threshold from this many lanes on.
    var requiredAgreement: Int {
        let lanes = Double(QuestionSignature.lanes)
        return min(QuestionSignature.lanes, Int((lanes / 16 + lanes * 15 / 16 * threshold - 1e-9).rounded(.up)))
    }

    /// LSH bands over the lanes: two questions are compared only when all `rows` lanes of one
    /// of `count` bands agree, which a pair of similarity s does with chance
    /// 1 - (1 - s^rows)^count. Always 16 bands (so memory does not depend on the threshold),
    /// of the most rows (the fewest chance pairs compared) that still give a pair at the
    /// threshold a chance of at least `candidateChanceAtThreshold`: 9 rows at 0.7, where a
    /// pair at 0.7 is compared with chance 0.48, at 0.8 with 0.86, at 0.9 with 1.00.
    var bands: (count: Int, rows: Int) {
        let count = Self.bandCount
        var rows = 4
        for candidate in 4...16 where Self.candidateChance(similarity: threshold, bands: count, rows: candidate) >= Self.candidateChanceAtThreshold {
            rows = candidate
        }
        return (count, rows)
    }

    static let bandCount = 16

    /// How likely a pair at exactly the threshold must be to be compared at all. Lower is
    /// faster (fewer pairs compared by chance), higher misses fewer pairs just above the
    /// threshold; 0.45 keeps 1,000,000 questions within 3x the time of a plain export
    /// (`scripts/bench-export`).
    static let candidateChanceAtThreshold = 0.45

    static func candidateChance(similarity: Double, bands: Int, rows: Int) -> Double {
        1 - pow(1 - pow(similarity, Double(rows)), Double(bands))
    }
}
