import Foundation

/// `--judge`, `--judge-model` and `--min-score`: keep the pairs one judge graded, and with
/// `minScore` only those whose mean score (over the judge's samples) is at least that.
/// Saved in a dataset's filter JSON with the judge pinned to the one that was used.
public struct JudgeFilter: Sendable, Hashable, Codable {
    /// `--min-score`, from 1 to 5.
    public var minScore: Double?
    /// `--judge`: a judge prompt version (`NAME` = its latest).
    public var prompt: PromptRef?
    /// `--judge-model`: a model name (any parameters).
    public var model: String?

    public init(minScore: Double? = nil, prompt: PromptRef? = nil, model: String? = nil) {
        self.minScore = minScore
        self.prompt = prompt
        self.model = model
    }

    private enum CodingKeys: String, CodingKey {
        case minScore = "min_score"
        case prompt, model
    }

    /// Throws `SelectionError.badMinScore` outside 1…5.
    func validate() throws {
        if let minScore, !(minScore.isFinite && (1...5).contains(minScore)) { throw SelectionError.badMinScore(minScore) }
    }

    /// The flags that reproduce this filter.
    var flags: [String] {
        var out: [String] = []
        if let prompt { out.append("--judge \(prompt)") }
        if let model { out.append("--judge-model \(model)") }
        if let minScore { out.append("--min-score \(Self.format(minScore))") }
        return out
    }

    /// A score as people write it: `4`, `3.5`.
    static func format(_ score: Double) -> String {
        score == score.rounded() && abs(score) < 1e15 ? String(Int(score)) : String(score)
    }
}
