import Foundation

/// A column a reader of pairs selects (export, its splits, dataset save, the ambiguity
/// check); it writes its own SQL for the table names a query gives it, as `PairCondition`
/// does, so no caller hands the selection a select list of its own.
enum PairColumn: Sendable, Hashable {
    case sourceID, sourcePath, sourceVersion
    case chunkID, chunkingID, chunkOrdinal, chunkStart, chunkEnd, chunkText, chunkHash
    case questionID, questionText, questionPromptID, questionPrompt, questionModel, questionRunID, questionCallID, questionOrdinal
    case answerID, answerText, answerPromptID, answerModelID, answerPrompt, answerModel, answerModelParams
    case answerRunID, answerCallID, answerSample, answerCreatedAt
    /// Whether the answer is "I don't know" by the registered rule (0 or 1).
    case answerIsIDK
    /// The pair's failed quality checks, comma-separated ('' for none), judged with this
    /// `--min-support`: a checked number from 0 to 1, written as a literal (`%.17g` reads
    /// back exactly).
    case pairFlags(minSupport: Double)
    /// The answer's support by its chunk (NULL for "I don't know").
    case answerSupport
    /// 1 when a built-in check flags the pair, else 0: the default checks, or 0 for every pair
    /// when the selection's own `--exclude-flagged` (this filter) removed the flagged ones.
    case pairFlagged(after: QualityFilter?)

    func sql(_ aliases: PairAliases) -> String {
        let (s, c, q, a) = (aliases.source, aliases.chunk, aliases.question, aliases.answer)
        switch self {
        case .sourceID: return "\(s).id"
        case .sourcePath: return "\(s).path"
        case .sourceVersion: return "\(s).version"
        case .chunkID: return "\(c).id"
        case .chunkingID: return "\(c).chunking_id"
        case .chunkOrdinal: return "\(c).ordinal"
        case .chunkStart: return "\(c).start"
        case .chunkEnd: return "\(c).end"
        case .chunkText: return "\(c).text"
        case .chunkHash: return "\(c).sha256"
        case .questionID: return "\(q).id"
        case .questionText: return "\(q).text"
        case .questionPromptID: return "\(q).prompt_id"
        case .questionPrompt: return "(SELECT p.name || '@' || p.version FROM prompts p WHERE p.id = \(q).prompt_id)"
        case .questionModel: return "(SELECT m.name FROM models m WHERE m.id = \(q).model_id)"
        case .questionRunID: return "\(q).run_id"
        case .questionCallID: return "\(q).call_id"
        case .questionOrdinal: return "\(q).ordinal"
        case .answerID: return "\(a).id"
        case .answerText: return "\(a).text"
        case .answerPromptID: return "\(a).prompt_id"
        case .answerModelID: return "\(a).model_id"
        case .answerPrompt: return "(SELECT p.name || '@' || p.version FROM prompts p WHERE p.id = \(a).prompt_id)"
        case .answerModel: return "(SELECT m.name FROM models m WHERE m.id = \(a).model_id)"
        case .answerModelParams: return "(SELECT m.params FROM models m WHERE m.id = \(a).model_id)"
        case .answerRunID: return "\(a).run_id"
        case .answerCallID: return "\(a).call_id"
        case .answerSample: return "\(a).sample"
        case .answerCreatedAt: return "\(a).created_at"
        case .answerIsIDK: return "\(IDKRule.sqlFunctionName)(\(a).text)"
        case .pairFlags(let minSupport):
            return "coalesce(\(QualitySQL.pairFlags)(\(q).text, \(a).text, \(c).text, \(String(format: "%.17g", minSupport))), '')"
        case .answerSupport: return "\(QualitySQL.answerSupport)(\(a).text, \(c).text)"
        case .pairFlagged(let filter):
            return QualityFilter.flaggedColumn(after: filter, answerID: "\(a).id", question: "\(q).text", answer: "\(a).text", chunk: "\(c).text")
        }
    }
}
