import Foundation
internal import IFTSQLite

/// Two sets of pairs (saved datasets or filter sets) matched by content: the chunk by its text
/// hash, the question by its normalised text on that chunk, the source path. Each side is read
/// in its own order and each pair looked up in the other side through indexes.
struct PairSetDiff: Comparison {
    /// A set of pairs: a dataset's answers or a filter's selection.
    struct PairSet {
        let label: String
        let query: PairQuery
        /// The side's `--exclude-flagged` (nil: none), for its flagged count.
        let quality: QualityFilter?
    }

    let db: Connection
    let a: PairSet
    let b: PairSet
    /// The judge whose scores the summary and the items carry (the same on both sides); nil for none.
    let judge: JudgeChoice?

    var kind: DiffKind { .pairs }

    func set(_ side: Side) -> PairSet { side == .a ? a : b }

    /// One side's pairs: how many, how many the other side has with the same or another
    /// answer, and the answers' "I don't know" count, length and tokens.
    struct Totals {
        let pairs: Int, same: Int, changed: Int, idk: Int, flagged: Int, chars: Int, promptTokens: Int, completionTokens: Int
        /// With a judge: pairs it graded, the sum of their mean scores, and matched pairs whose
        /// score differs from the other side's.
        let judged: Int, scoreSum: Double, scoreChanged: Int

        static func columns(_ quality: QualityFilter?) -> String {
            """
            count(*) AS pairs, coalesce(sum(m = 1), 0) AS same, coalesce(sum(m = 0), 0) AS changed,
            coalesce(sum(is_idk(p.text)), 0) AS idk, coalesce(sum(length(p.text)), 0) AS chars,
            coalesce(sum(\(QualityFilter.flaggedColumn(after: quality, answerID: "p.answer_id", question: "p.question", answer: "p.text", chunk: "p.chunk_text"))), 0) AS flagged,
            coalesce(sum(k.prompt_tokens), 0) AS prompt_tokens, coalesce(sum(k.completion_tokens), 0) AS completion_tokens,
            count(p.score) AS judged, coalesce(sum(p.score), 0.0) AS score_sum,
            coalesce(sum(m IS NOT NULL AND p.score <> p.other_score), 0) AS score_changed
            """
        }

        init(_ row: NamedColumns) {
            pairs = row.int("pairs"); same = row.int("same"); changed = row.int("changed"); idk = row.int("idk"); flagged = row.int("flagged")
            chars = row.int("chars"); promptTokens = row.int("prompt_tokens"); completionTokens = row.int("completion_tokens")
            judged = row.int("judged"); scoreSum = row.double("score_sum"); scoreChanged = row.int("score_changed")
        }

        func stats(_ label: String, scored: Bool) -> DiffSideStats {
            let stats = DiffSideStats(label: label, items: pairs, chunks: nil, idk: idk, answerChars: chars, promptTokens: promptTokens,
                                      completionTokens: completionTokens, flagged: flagged)
            return scored ? stats.scored(judged: judged, scoreSum: scoreSum) : stats
        }
    }

    /// A listed pair of the driving side, and one differing answer of the other side's.
    struct Row {
        let chunkID: Int64, path: String, questionID: Int64, question: String, answerID: Int64, answer: String, otherAnswer: String?
        let score: Double?, otherScore: Double?

        static let columns = """
            p.chunk_id AS chunk_id, p.path AS path, p.question_id AS question_id, p.question AS question, p.answer_id AS answer_id,
            p.text AS answer, p.other_text AS other_answer, p.score AS score, p.other_score AS other_score
            """

        init(_ row: NamedColumns) {
            chunkID = row.id("chunk_id"); path = row.string("path")
            questionID = row.id("question_id"); question = row.string("question")
            answerID = row.id("answer_id"); answer = row.string("answer"); otherAnswer = row.optionalString("other_answer")
            score = row.optionalDouble("score"); otherScore = row.optionalDouble("other_score")
        }
    }

    func summary() throws -> DiffSummary {
        guard let sideA = try db.firstRow(sideQuery(driving: .a, columns: Totals.columns(a.quality)), Totals.init),
              let sideB = try db.firstRow(sideQuery(driving: .b, columns: Totals.columns(b.quality)), Totals.init)
        else { throw InternalError("a counting query gave no row") }
        var counts: [DiffSummary.Count] = [
            .init(key: "same", label: "same", value: sideA.same),
            .init(key: "changed", label: "answer changed", value: sideA.changed),
            .init(key: "only_a", label: "only in A", value: sideA.pairs - sideA.same - sideA.changed),
            .init(key: "only_b", label: "only in B", value: sideB.pairs - sideB.same - sideB.changed),
        ]
        if judge != nil { counts.append(.init(key: "score_changed", label: "score changed", value: sideA.scoreChanged)) }
        var summary = DiffSummary(
            kind: .pairs, a: sideA.stats(a.label, scored: judge != nil), b: sideB.stats(b.label, scored: judge != nil), counts: counts, sample: nil)
        summary.judge = judge?.label
        return summary
    }

    func forEachItem(_ show: DiffShow, limit: Int?, _ body: (DiffItem) throws -> Void) throws {
        let (driving, condition): (Side, String) = switch show {
        case .same: (.a, "m = 1")
        case .changed: (.a, "m = 0")
        case .onlyA: (.a, "m IS NULL")
        case .scoreChanged: (.a, "m IS NOT NULL AND p.score <> p.other_score")
        default: (.b, "m IS NULL")
        }
        let matched = show == .same || show == .changed || show == .scoreChanged
        let query = sideQuery(driving: driving, columns: Row.columns, extra: "\nWHERE \(condition)", limit: limit, otherText: true)
        try db.forEachRow(query) { columns in
            let row = Row(columns)
            typealias Entry = (id: Int64?, text: String?)
            let question: Entry = (row.questionID, row.question), none: Entry = (nil, nil)
            let mine: Entry = (row.answerID, row.answer), theirs: Entry = (nil, matched ? row.otherAnswer : nil)
            let questions = driving.ordered(question, none), answers = driving.ordered(mine, theirs)
            let scores = driving.ordered(row.score, matched ? row.otherScore : nil)
            try body(DiffItem(
                chunkID: row.chunkID, sourcePath: row.path,
                questionA: questions.a.text, questionAID: questions.a.id, questionB: questions.b.text, questionBID: questions.b.id,
                answerA: answers.a.text, answerAID: answers.a.id, answerB: answers.b.text, answerBID: answers.b.id,
                scoreA: scores.a, scoreB: scores.b))
        }
    }

    func matchingQueries() -> [SQLFragment] {
        [sideQuery(driving: .a, columns: Totals.columns(a.quality)), sideQuery(driving: .b, columns: Totals.columns(b.quality))]
    }

    /// Side `driving`'s pairs in its own order (a dataset's positions, or the export order),
    /// each looked up in the other side by content. In the select list `m` is NULL when the
    /// other side has no pair with that key, 1 when one has the same answer text, 0 otherwise,
    /// and `other_text` is one of the other side's differing answers (else the driving answer).
    /// With a judge, `score` is the driving pair's mean score and `other_score` the mean of the
    /// judge's scores of the other side's pairs with that key.
    private func sideQuery(driving: Side, columns: String, extra: String = "", limit: Int? = nil, otherText: Bool = false) -> SQLFragment {
        let mine = set(driving).query, other = set(driving.other).query
        let member = SQLFragment.joined(other.membership(.lookup).map { SQLFragment(" AND " + $0.sql, $0.arguments) }, separator: "")
        let lookup = """
            \(PairQuery.lookupFrom(.lookup))
            WHERE s2.path = s.path AND c2.sha256 = c.sha256 AND q2.normalized = q.normalized\(member.sql)
            """
        let clause = mine.whereClause()
        // The lookup's values, once per use, in the order the uses are written.
        let lookups = 1 + (otherText ? 1 : 0) + (judge != nil ? 1 : 0)
        var arguments = Array(repeating: member.arguments, count: lookups).flatMap { $0 }
        arguments += clause.arguments
        let score = judge.map { $0.meanScore(of: "a.id") } ?? "NULL"
        let otherScore = judge.map {
            "(SELECT avg(jg.score) FROM judgments jg WHERE \($0.matches("jg")) AND jg.answer_id IN (SELECT a2.id \(lookup)))"
        } ?? "NULL"
        var sql = """
            SELECT \(columns) FROM (
            SELECT s.path AS path, c.id AS chunk_id, c.text AS chunk_text, q.id AS question_id, q.text AS question, a.id AS answer_id, a.text AS text, a.call_id AS call_id,
              (SELECT max(a2.text = a.text) \(lookup)) AS m,
              \(otherText ? "(SELECT a2.text \(lookup) AND a2.text <> a.text UNION ALL SELECT a.text LIMIT 1)" : "NULL") AS other_text,
              \(score) AS score, \(otherScore) AS other_score
            \(mine.from)
            \(clause.sql)
            \(mine.order)) p
            LEFT JOIN calls k ON k.id = p.call_id
            """
        sql += extra
        if let limit { sql += " LIMIT \(limit)" }
        return SQLFragment(sql, arguments)
    }
}
