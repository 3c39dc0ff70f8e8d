import Foundation

/// What `generate --json` prints: a dry run's estimate, nothing to do, or a finished run.
public enum GenerationReport: Encodable {
    case dryRun(calls: Int, alreadyDone: Int, estimatedPromptTokens: Int)
    case nothingToDo(alreadyPresent: Int)
    case finished(GenerationSummary)

    private enum Keys: String, CodingKey {
        case calls, alreadyDone = "already_done", estimatedPromptTokens = "estimated_prompt_tokens"
        case run, status, done, results, alreadyPresent = "already_present", failed, shortSets = "short_sets", scoreHistogram = "score_histogram"
        case notSent = "not_sent", promptTokens = "prompt_tokens", completionTokens = "completion_tokens", seconds
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case .dryRun(let calls, let alreadyDone, let tokens):
            try c.encode(calls, forKey: .calls)
            try c.encode(alreadyDone, forKey: .alreadyDone)
            try c.encode(tokens, forKey: .estimatedPromptTokens)
        case .nothingToDo(let alreadyPresent):
            try c.encodeNil(forKey: .run)
            try c.encode(0, forKey: .done)
            try c.encode(alreadyPresent, forKey: .alreadyPresent)
            try c.encode(0, forKey: .failed)
            try c.encode(0, forKey: .shortSets)
        case .finished(let summary):
            let p = summary.progress
            try c.encode(summary.runID, forKey: .run)
            try c.encode(summary.status.rawValue, forKey: .status)
            try c.encode(p.done, forKey: .done)
            try c.encode(p.results, forKey: .results)
            try c.encode(summary.skippedAsPresent + p.alreadyPresent, forKey: .alreadyPresent)
            try c.encode(p.failed, forKey: .failed)
            try c.encode(p.shortSets, forKey: .shortSets)
            try c.encodeIfPresent(p.scores, forKey: .scoreHistogram)
            try c.encode(summary.notSent, forKey: .notSent)
            try c.encode(p.promptTokens, forKey: .promptTokens)
            try c.encode(p.completionTokens, forKey: .completionTokens)
            try c.encode((summary.seconds * 1000).rounded() / 1000, forKey: .seconds)
        }
    }
}
