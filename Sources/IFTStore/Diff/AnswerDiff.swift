import Foundation
internal import IFTSQLite

/// Two answer prompt versions compared question by question, on one answer sample. One pass
/// over side A gives A's numbers and those of B's answers that match; a second over B adds
/// the B answers nothing in A matches (one model a side: at most one match).
struct AnswerDiff: Comparison {
    let db: Connection
    let a: Prompt
    let b: Prompt
    /// Conditions on the source, chunk or question: both answers of a question share them.
    let common: [PairCondition]
    /// Conditions on the answer: each side's answer must meet them.
    let answer: [PairCondition]
    let sample: Int
    /// The selection's `--exclude-flagged` (nil: none), for the flagged counts.
    let quality: QualityFilter?
    /// The judge whose scores the summary and the items carry; nil for none.
    let judge: JudgeChoice?

    var kind: DiffKind { .answers }

    func prompt(_ side: Side) -> Prompt { side == .a ? a : b }

    /// One side's answers against the other's (`other_…` are the other side's, over matches).
    struct Totals {
        let items: Int, matched: Int, same: Int, idk: Int, flagged: Int, chars: Int, intoIDK: Int, outOfIDK: Int
        let promptTokens: Int, completionTokens: Int
        let otherIDK: Int, otherFlagged: Int, otherChars: Int, otherPromptTokens: Int, otherCompletionTokens: Int
        /// With a judge: graded answers and the sum of their mean scores, on each side, and the
        /// matched answers whose scores differ.
        let judged: Int, scoreSum: Double, otherJudged: Int, otherScoreSum: Double, scoreChanged: Int

        init(_ row: NamedColumns) {
            items = row.int("items"); matched = row.int("matched"); same = row.int("same")
            idk = row.int("idk"); flagged = row.int("flagged"); chars = row.int("chars")
            intoIDK = row.int("into_idk"); outOfIDK = row.int("out_of_idk")
            promptTokens = row.int("prompt_tokens"); completionTokens = row.int("completion_tokens")
            otherIDK = row.int("other_idk"); otherFlagged = row.int("other_flagged"); otherChars = row.int("other_chars")
            otherPromptTokens = row.int("other_prompt_tokens"); otherCompletionTokens = row.int("other_completion_tokens")
            judged = row.int("judged"); scoreSum = row.double("score_sum")
            otherJudged = row.int("other_judged"); otherScoreSum = row.double("other_score_sum")
            scoreChanged = row.int("score_changed")
        }
    }

    /// A listed answer, its question and chunk, and the other side's answer when there is one.
    struct Row {
        let chunkID: Int64, path: String, questionID: Int64, question: String
        let answerID: Int64, answer: String, otherID: Int64?, otherAnswer: String?
        let score: Double?, otherScore: Double?

        static func columns(scores: (mine: String, other: String)) -> String {
            """
            c.id AS chunk_id, s.path AS path, q.id AS question_id, q.text AS question,
            d.id AS answer_id, d.text AS answer, o.id AS other_id, o.text AS other_answer,
            \(scores.mine) AS score, \(scores.other) AS other_score
            """
        }

        init(_ row: NamedColumns) {
            chunkID = row.id("chunk_id"); path = row.string("path")
            questionID = row.id("question_id"); question = row.string("question")
            answerID = row.id("answer_id"); answer = row.string("answer")
            otherID = row.optionalID("other_id"); otherAnswer = row.optionalString("other_answer")
            score = row.optionalDouble("score"); otherScore = row.optionalDouble("other_score")
        }
    }

    /// The driving (`d`) and other (`o`) answers' mean scores from the judge, as SQL; NULL without one.
    var scores: (mine: String, other: String) {
        guard let judge else { return ("NULL", "NULL") }
        return (judge.meanScore(of: "d.id"), judge.meanScore(of: "o.id"))
    }

    func summary() throws -> DiffSummary {
        guard let sideA = try db.firstRow(totalsQuery(driving: .a), Totals.init),
              let onlyB = try db.firstRow(totalsQuery(driving: .b, unmatchedOnly: true), Totals.init)
        else { throw InternalError("a counting query gave no row") }
        var statsA = DiffSideStats(label: a.ref.description, items: sideA.items, chunks: nil, idk: sideA.idk, answerChars: sideA.chars,
                                   promptTokens: sideA.promptTokens, completionTokens: sideA.completionTokens, flagged: sideA.flagged)
        var statsB = DiffSideStats(label: b.ref.description, items: sideA.matched + onlyB.items, chunks: nil, idk: sideA.otherIDK + onlyB.idk,
                                   answerChars: sideA.otherChars + onlyB.chars, promptTokens: sideA.otherPromptTokens + onlyB.promptTokens,
                                   completionTokens: sideA.otherCompletionTokens + onlyB.completionTokens, flagged: sideA.otherFlagged + onlyB.flagged)
        var counts: [DiffSummary.Count] = [
            .init(key: "same", label: "same", value: sideA.same),
            .init(key: "changed", label: "changed", value: sideA.matched - sideA.same),
            .init(key: "only_a", label: "only in A", value: sideA.items - sideA.matched),
            .init(key: "only_b", label: "only in B", value: onlyB.items),
            .init(key: "into_idk", label: "into \"I don't know\"", value: sideA.intoIDK),
            .init(key: "out_of_idk", label: "out of \"I don't know\"", value: sideA.outOfIDK),
        ]
        if judge != nil {
            statsA = statsA.scored(judged: sideA.judged, scoreSum: sideA.scoreSum)
            statsB = statsB.scored(judged: sideA.otherJudged + onlyB.judged, scoreSum: sideA.otherScoreSum + onlyB.scoreSum)
            counts.append(.init(key: "score_changed", label: "score changed", value: sideA.scoreChanged))
        }
        var summary = DiffSummary(kind: .answers, a: statsA, b: statsB, counts: counts, sample: sample)
        summary.judge = judge?.label
        return summary
    }

    func forEachItem(_ show: DiffShow, limit: Int?, _ body: (DiffItem) throws -> Void) throws {
        let (driving, condition): (Side, String) = switch show {
        case .same: (.a, "o.id IS NOT NULL AND o.text = d.text")
        case .changed: (.a, "o.id IS NOT NULL AND o.text <> d.text")
        case .onlyA: (.a, "o.id IS NULL")
        case .onlyB: (.b, "o.id IS NULL")
        case .intoIDK: (.a, "o.id IS NOT NULL AND NOT is_idk(d.text) AND is_idk(o.text)")
        case .scoreChanged: (.a, "o.id IS NOT NULL AND \(scores.mine) <> \(scores.other)")
        default: (.a, "o.id IS NOT NULL AND is_idk(d.text) AND NOT is_idk(o.text)")
        }
        try db.forEachRow(sideQuery(driving: driving, columns: Row.columns(scores: scores), extra: " AND \(condition)", limit: limit)) { columns in
            let row = Row(columns)
            let mine: (id: Int64?, text: String?) = (row.answerID, row.answer)
            let theirs: (id: Int64?, text: String?) = (row.otherID, row.otherAnswer)
            let answers = driving.ordered(mine, theirs)
            let scores = driving.ordered(row.score, row.otherScore)
            try body(DiffItem(
                chunkID: row.chunkID, sourcePath: row.path,
                questionA: row.question, questionAID: row.questionID, questionB: row.question, questionBID: row.questionID,
                answerA: answers.a.text, answerAID: answers.a.id, answerB: answers.b.text, answerBID: answers.b.id,
                scoreA: scores.a, scoreB: scores.b))
        }
    }

    func matchingQueries() -> [SQLFragment] {
        [totalsQuery(driving: .a), totalsQuery(driving: .b, unmatchedOnly: true)]
    }

    /// The totals of side `driving` (see `Totals`). The rule runs once per text: the inner
    /// select's LIMIT keeps SQLite from flattening it and repeating `is_idk` per use.
    private func totalsQuery(driving: Side, unmatchedOnly: Bool = false) -> SQLFragment {
        let q = PairQuery.aliases.question, c = PairQuery.aliases.chunk
        let side = sideQuery(driving: driving, columns: """
            o.id AS oid, o.text = d.text AS same, is_idk(d.text) AS di, is_idk(o.text) AS oi, length(d.text) AS chars,
            \(QualityFilter.flaggedColumn(after: quality, answerID: "d.id", question: "\(q).text", answer: "d.text", chunk: "\(c).text")) AS df,
            \(QualityFilter.flaggedColumn(after: quality, answerID: "o.id", question: "\(q).text", answer: "o.text", chunk: "\(c).text")) AS of,
            k.prompt_tokens AS pt, k.completion_tokens AS ct,
            length(o.text) AS ochars, ko.prompt_tokens AS opt, ko.completion_tokens AS oct,
            \(scores.mine) AS ds, \(scores.other) AS os
            """, unmatchedOnly: unmatchedOnly, readsQuestionAndChunk: true)
        return SQLFragment("""
            SELECT count(*) AS items, count(oid) AS matched, coalesce(sum(same), 0) AS same, coalesce(sum(di), 0) AS idk,
              coalesce(sum(df), 0) AS flagged, coalesce(sum(of), 0) AS other_flagged,
              coalesce(sum(chars), 0) AS chars,
              coalesce(sum(oid IS NOT NULL AND NOT di AND oi), 0) AS into_idk, coalesce(sum(oid IS NOT NULL AND di AND NOT oi), 0) AS out_of_idk,
              coalesce(sum(pt), 0) AS prompt_tokens, coalesce(sum(ct), 0) AS completion_tokens,
              coalesce(sum(oi), 0) AS other_idk, coalesce(sum(ochars), 0) AS other_chars,
              coalesce(sum(opt), 0) AS other_prompt_tokens, coalesce(sum(oct), 0) AS other_completion_tokens,
              count(ds) AS judged, coalesce(sum(ds), 0.0) AS score_sum, count(os) AS other_judged, coalesce(sum(os), 0.0) AS other_score_sum,
              coalesce(sum(oid IS NOT NULL AND ds <> os), 0) AS score_changed
            FROM (\(side.sql) LIMIT -1)
            """, side.arguments)
    }

    /// Side `driving` through `answers_by_prompt`, each answer's counterpart on the other side
    /// looked up by (question, prompt) in the answers' unique index. In the select list `d` is
    /// the driving answer and `o` the other (NULL when missing).
    private func sideQuery(
        driving: Side, columns: String, extra: String = "", limit: Int? = nil, unmatchedOnly: Bool = false, readsQuestionAndChunk: Bool = false
    ) -> SQLFragment {
        let mine = prompt(driving), other = prompt(driving.other)
        let sampleValue = SQLiteValue.integer(Int64(sample))
        var arguments: [SQLiteValue] = [.integer(other.id), sampleValue]
        let aliases = PairQuery.aliases
        // The question, chunk and source are joined only when something reads them.
        let context = readsQuestionAndChunk || !common.isEmpty || !extra.isEmpty || answer.contains(where: \.readsQuestionAndChunk) ? """

            CROSS JOIN questions \(aliases.question) ON \(aliases.question).id = d.question_id
            CROSS JOIN chunks \(aliases.chunk) ON \(aliases.chunk).id = \(aliases.question).chunk_id
            CROSS JOIN sources \(aliases.source) ON \(aliases.source).id = \(aliases.chunk).source_id
            """ : ""
        var sql = """
            SELECT \(columns)
            FROM answers d\(context)
            LEFT JOIN calls k ON k.id = d.call_id
            LEFT JOIN answers o ON o.question_id = d.question_id AND o.prompt_id = ? AND o.sample = ?
            """
        for condition in answer.map({ $0.sql(aliases.answer("o")) }) {
            sql += " AND (\(condition.sql))"
            arguments += condition.arguments
        }
        sql += "\nLEFT JOIN calls ko ON ko.id = o.call_id"
        sql += "\nWHERE d.prompt_id = ? AND d.sample = ?" + (unmatchedOnly ? " AND o.id IS NULL" : "")
        arguments += [.integer(mine.id), sampleValue]
        for condition in (common + answer).map({ $0.sql(aliases.answer("d")) }) {
            sql += " AND (\(condition.sql))"
            arguments += condition.arguments
        }
        sql += extra
        if limit != nil || !extra.isEmpty { sql += "\nORDER BY d.model_id, d.question_id" }
        if let limit { sql += " LIMIT \(limit)" }
        return SQLFragment(sql, arguments)
    }
}
