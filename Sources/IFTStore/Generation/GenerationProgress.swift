import Foundation

/// How far a run is: items sent, finished, failed, and the tokens spent.
public struct GenerationProgress: Sendable {
    public var total: Int
    public var done = 0
    public var failed = 0
    public var alreadyPresent = 0
    public var inFlight = 0
    public var sent = 0
    public var results = 0
    /// Question sets stored with fewer questions than asked (`--count`).
    public var shortSets = 0
    /// Questions asked per item (question runs), to count short sets.
    var questionsAsked: Int?
    /// Judgment runs: the stored judgments by score, `[n1, n2, n3, n4, n5]`; nil for other kinds.
    public var scores: [Int]?
    public var promptTokens = 0
    public var completionTokens = 0
    public var lastFailure: String?

    /// Adds one item's outcome and tokens; `score` is the judgment's, for a judgment.
    mutating func count(_ outcome: ItemOutcome, promptTokens: Int, completionTokens: Int, score: Int? = nil) {
        self.promptTokens += promptTokens
        self.completionTokens += completionTokens
        switch outcome {
        case .stored(let results):
            done += 1
            self.results += results
            if let questionsAsked, results < questionsAsked { shortSets += 1 }
            if let score, scores != nil, JudgmentParser.scores.contains(score) { scores?[score - JudgmentParser.scores.lowerBound] += 1 }
        case .alreadyPresent: alreadyPresent += 1
        case .failed(let message):
            failed += 1
            lastFailure = message
        }
    }
}

public struct GenerationSummary: Sendable {
    public var runID: Int64
    public var status: RunStatus
    public var progress: GenerationProgress
    /// Items skipped before starting because their result was already stored.
    public var skippedAsPresent: Int
    /// Items never sent (a stop, --max-calls, or --limit).
    public var notSent: Int
    public var stoppedByMaxCalls: Bool
    public var seconds: Double
    /// The refusal that ended the run, when the server refused in a way every item would
    /// meet (HTTP 401, 403, 404, an unknown model); the run is `failed` and its items pending.
    public var refusal: ModelFailure?
}
