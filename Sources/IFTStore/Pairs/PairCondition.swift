import Foundation
internal import IFTSQLite

/// The tables a pair is made of, in the order a pair query joins them.
enum PairTable: Sendable, Hashable {
    case source, chunk, question, answer
}

/// The names one query gives the four pair tables. `selection` is what `PairQuery` uses;
/// the diffs read a second copy of the tables (`lookup`) or a driving and an other answer.
struct PairAliases: Sendable, Hashable {
    let source: String
    let chunk: String
    let question: String
    let answer: String

    static let selection = PairAliases(source: "s", chunk: "c", question: "q", answer: "a")
    /// The other side of a pair-set diff, looked up beside the driving side.
    static let lookup = PairAliases(source: "s2", chunk: "c2", question: "q2", answer: "a2")

    /// The same aliases with the answer table under another name.
    func answer(_ alias: String) -> PairAliases { PairAliases(source: source, chunk: chunk, question: question, answer: alias) }

    /// The same aliases with the question table under another name.
    func question(_ alias: String) -> PairAliases { PairAliases(source: source, chunk: chunk, question: alias, answer: answer) }
}

/// An SQL text and the values its `?` take, in order.
struct SQLFragment: Sendable, Hashable {
    var sql: String
    var arguments: [SQLiteValue]

    init(_ sql: String = "", _ arguments: [SQLiteValue] = []) {
        self.sql = sql
        self.arguments = arguments
    }

    /// `(sql)`, to AND in beside others.
    var parenthesized: SQLFragment { SQLFragment("(\(sql))", arguments) }

    /// The fragments joined with `separator`, their values in the same order.
    static func joined(_ parts: [SQLFragment], separator: String) -> SQLFragment {
        SQLFragment(parts.map(\.sql).joined(separator: separator), parts.flatMap(\.arguments))
    }
}

/// One condition of a `PairFilter`, resolved against a store: which pairs it keeps, the table
/// it reads, and the label the summary gives it. It renders its own SQL for the aliases a
/// query gives the tables, so no reader ever rewrites SQL text.
enum PairCondition: Sendable, Hashable {
    /// Only each path's current source version.
    case currentVersion
    /// Questions made by this prompt (`ref` is `NAME@VERSION`).
    case questionPrompt(id: Int64, ref: String)
    /// Answers made by this prompt.
    case answerPrompt(id: Int64, ref: String)
    /// Answers made by a model of this name.
    case model(String)
    /// Pairs whose question (a questions run) or answer (an answers run) this run made.
    case run(Int, madeQuestions: Bool)
    case sourceGlob(String)
    case chunking(Int)
    /// Answers created at or after `start` (`given` is the flag's value).
    case since(given: String, start: String)
    /// Answers created before `upper` (up to and including it when `inclusive`).
    case until(given: String, upper: String, inclusive: Bool)
    case minAnswerChars(Int)
    case excludeIDK
    /// Pairs that pass every built-in quality check the filter enforces.
    case excludeFlagged(QualityFilter)
    /// Pairs whose answer this judge graded.
    case judged(JudgeChoice)
    /// Pairs whose mean score from this judge (over its samples) is at least `minimum`.
    case minScore(Double, JudgeChoice)
    /// The earliest question of each normalised text among the pairs `scope` keeps.
    indirect case dedupe(scope: PairQuery)
    /// The questions `--dedupe-near` keeps among those of its scope's pairs.
    case dedupeNear(NearDuplicates)

    /// The table the condition reads. A dedupe reads the question, but which question is
    /// earliest depends on the answers the other conditions keep: `readsPairs` says so.
    var table: PairTable {
        switch self {
        case .currentVersion, .sourceGlob: .source
        case .chunking: .chunk
        case .questionPrompt, .dedupe, .dedupeNear: .question
        case .run(_, let madeQuestions): madeQuestions ? .question : .answer
        case .answerPrompt, .model, .since, .until, .minAnswerChars, .excludeIDK, .excludeFlagged, .judged, .minScore: .answer
        }
    }

    /// Whether the condition depends on whole pairs (a question with its answers), not only
    /// on the row of its `table`.
    var readsPairs: Bool {
        switch self {
        case .dedupe, .dedupeNear: true
        default: false
        }
    }

    /// Whether the condition, though it judges its `table`'s row, reads the pair's question
    /// and chunk too (a query that reads only answers must join them for it).
    var readsQuestionAndChunk: Bool {
        if case .excludeFlagged = self { return true }
        return false
    }

    /// Whether the condition keeps only current versions (it can remove nothing in a store
    /// where no path has a second version).
    var isCurrentVersion: Bool { self == .currentVersion }

    /// The label the summary and the funnel use.
    var label: String {
        switch self {
        case .currentVersion: "superseded source versions (--all-versions keeps them)"
        case .questionPrompt(_, let ref): "--question-prompt \(ref)"
        case .answerPrompt(_, let ref): "--answer-prompt \(ref)"
        case .model(let name): "--model \(name)"
        case .run(let run, _): "--run \(run)"
        case .sourceGlob(let glob): "--source '\(glob)'"
        case .chunking(let chunking): "--chunking \(chunking)"
        case .since(let given, _): "--since \(given)"
        case .until(let given, _, _): "--until \(given)"
        case .minAnswerChars(let minimum): "--min-answer-chars \(minimum)"
        case .excludeIDK: "--exclude-idk"
        case .excludeFlagged(let quality): quality.flags.joined(separator: " ") + " (pairs a quality check flags)"
        case .judged(let judge): "pairs \(judge.label) has not graded"
        case .minScore(let minimum, let judge): "--min-score \(JudgeFilter.format(minimum)) (mean score from \(judge.label))"
        case .dedupe: "--dedupe (repeated questions)"
        case .dedupeNear(let near): near.filter.flags.joined(separator: " ") + " (questions near an earlier kept one)"
        }
    }

    /// The condition as SQL over the tables named by `aliases`, with its values.
    func sql(_ aliases: PairAliases) -> SQLFragment {
        let (s, c, q, a) = (aliases.source, aliases.chunk, aliases.question, aliases.answer)
        switch self {
        case .currentVersion:
            return SQLFragment("\(s).version = (SELECT max(x.version) FROM sources x WHERE x.path = \(s).path)")
        case .questionPrompt(let id, _):
            return SQLFragment("\(q).prompt_id = ?", [.integer(id)])
        case .answerPrompt(let id, _):
            return SQLFragment("\(a).prompt_id = ?", [.integer(id)])
        case .model(let name):
            return SQLFragment("\(a).model_id IN (SELECT id FROM models WHERE name = ?)", [.text(name)])
        case .run(let run, let madeQuestions):
            return SQLFragment("\(madeQuestions ? q : a).run_id = ?", [.integer(Int64(run))])
        case .sourceGlob(let glob):
            return SQLFragment("\(s).path GLOB ?", [.text(glob)])
        case .chunking(let chunking):
            return SQLFragment("\(c).chunking_id = ?", [.integer(Int64(chunking))])
        case .since(_, let start):
            return SQLFragment("\(a).created_at >= ?", [.text(start)])
        case .until(_, let upper, let inclusive):
            return SQLFragment(inclusive ? "\(a).created_at <= ?" : "\(a).created_at < ?", [.text(upper)])
        case .minAnswerChars(let minimum):
            return SQLFragment("length(\(a).text) >= ?", [.integer(Int64(minimum))])
        case .excludeIDK:
            return SQLFragment("NOT \(IDKRule.sqlFunctionName)(\(a).text)")
        case .excludeFlagged(let quality):
            // Reads the question and the chunk too; `table` names the answer, the row it judges.
            let mask = QualitySQL.maskSQL(
                answerID: "\(a).id", question: "\(q).text", answer: "\(a).text", chunk: "\(c).text", minSupport: quality.minSupport, stop: quality.enforced)
            return SQLFragment("(\(mask) & \(quality.enforced.rawValue)) = 0")
        case .judged(let judge):
            return SQLFragment(judge.graded("\(a).id"))
        case .minScore(let minimum, let judge):
            return SQLFragment("\(judge.meanScore(of: "\(a).id")) >= ?", [.real(minimum)])
        case .dedupe(let scope):
            // One grouping over the indexed `normalized` key, in its own aliases, computed
            // once by SQLite (a non-correlated subquery), so the rows still stream in order.
            let inner = scope.whereClause()
            return SQLFragment(
                "\(q).id IN (SELECT min(q.id) \(scope.from) \(inner.sql) GROUP BY q.normalized)", inner.arguments)
        case .dedupeNear(let near):
            // Worked out before the query runs (`NearDuplicates.scan`): a bit per question id.
            return SQLFragment("\(near.functionName)(\(q).id)")
        }
    }
}
