import Foundation
internal import IFTSQLite

/// Two question prompt versions compared chunk by chunk: a question is kept when the other
/// side asked one with the same normalised text of the same chunk.
struct QuestionDiff: Comparison {
    let db: Connection
    let a: Prompt
    let b: Prompt
    /// Conditions on the source or chunk.
    let chunk: [PairCondition]
    /// Conditions on the question: each side's question must meet them.
    let question: [PairCondition]

    var kind: DiffKind { .questions }

    func prompt(_ side: Side) -> Prompt { side == .a ? a : b }

    /// A listed question, and its match on the other side when there is one.
    struct Row {
        let chunkID: Int64, path: String, questionID: Int64, question: String, matchID: Int64?, match: String?

        static let columns = "c.id AS chunk_id, s.path AS path, d.id AS question_id, d.text AS question, m.id AS match_id, m.text AS match"

        init(_ row: NamedColumns) {
            chunkID = row.id("chunk_id"); path = row.string("path")
            questionID = row.id("question_id"); question = row.string("question")
            matchID = row.optionalID("match_id"); match = row.optionalString("match")
        }
    }

    /// One side's questions, and how many of them the other side also asked.
    struct Totals {
        let questions: Int, matched: Int

        static let columns = "count(*) AS questions, coalesce(sum(m.id IS NOT NULL), 0) AS matched"

        init(_ row: NamedColumns) {
            questions = row.int("questions"); matched = row.int("matched")
        }
    }

    /// Chunks with questions on side A, on side B, and on both.
    struct Coverage {
        let a: Int, b: Int, both: Int

        init(_ row: NamedColumns) {
            a = row.int("a"); b = row.int("b"); both = row.int("both")
        }
    }

    func summary() throws -> DiffSummary {
        guard let sideA = try db.firstRow(sideQuery(driving: .a, columns: Totals.columns), Totals.init),
              let sideB = try db.firstRow(sideQuery(driving: .b, columns: Totals.columns), Totals.init),
              let chunks = try db.firstRow(coverageQuery(), Coverage.init)
        else { throw InternalError("a counting query gave no row") }
        return DiffSummary(
            kind: .questions,
            a: DiffSideStats(label: a.ref.description, items: sideA.questions, chunks: chunks.a, idk: nil, answerChars: nil, promptTokens: nil, completionTokens: nil),
            b: DiffSideStats(label: b.ref.description, items: sideB.questions, chunks: chunks.b, idk: nil, answerChars: nil, promptTokens: nil, completionTokens: nil),
            counts: [
                .init(key: "chunks_both", label: "chunks covered by both", value: chunks.both),
                .init(key: "kept", label: "kept", value: sideA.matched),
                .init(key: "dropped", label: "dropped", value: sideA.questions - sideA.matched),
                .init(key: "added", label: "added", value: sideB.questions - sideB.matched),
            ],
            sample: nil)
    }

    func forEachItem(_ show: DiffShow, limit: Int?, _ body: (DiffItem) throws -> Void) throws {
        let (driving, condition): (Side, String) = switch show {
        case .kept: (.a, "m.id IS NOT NULL")
        case .dropped: (.a, "m.id IS NULL")
        default: (.b, "m.id IS NULL")
        }
        try db.forEachRow(sideQuery(driving: driving, columns: Row.columns, extra: " AND \(condition)", limit: limit)) { columns in
            let row = Row(columns)
            let mine: (id: Int64?, text: String?) = (row.questionID, row.question)
            let theirs: (id: Int64?, text: String?) = (row.matchID, row.match)
            let questions = driving.ordered(mine, theirs)
            try body(DiffItem(
                chunkID: row.chunkID, sourcePath: row.path,
                questionA: questions.a.text, questionAID: questions.a.id, questionB: questions.b.text, questionBID: questions.b.id,
                answerA: nil, answerAID: nil, answerB: nil, answerBID: nil))
        }
    }

    func matchingQueries() -> [SQLFragment] {
        [sideQuery(driving: .a, columns: Totals.columns), sideQuery(driving: .b, columns: Totals.columns), coverageQuery()]
    }

    /// Side `driving`'s questions through `questions_by_prompt`, each looked up on the other
    /// side by (chunk, normalised text). `d` is the driving question, `m` its first match.
    private func sideQuery(driving: Side, columns: String, extra: String = "", limit: Int? = nil) -> SQLFragment {
        let aliases = PairQuery.aliases
        var arguments: [SQLiteValue] = [.integer(prompt(driving.other).id)]
        var match = "SELECT o.id FROM questions o WHERE o.chunk_id = d.chunk_id AND o.normalized = d.normalized AND o.prompt_id = ?"
        for condition in question.map({ $0.sql(aliases.question("o")) }) {
            match += " AND (\(condition.sql))"
            arguments += condition.arguments
        }
        var sql = """
            SELECT \(columns)
            FROM questions d
            CROSS JOIN chunks \(aliases.chunk) ON \(aliases.chunk).id = d.chunk_id
            CROSS JOIN sources \(aliases.source) ON \(aliases.source).id = \(aliases.chunk).source_id
            LEFT JOIN questions m ON m.id = (\(match) ORDER BY o.id LIMIT 1)
            WHERE d.prompt_id = ?
            """
        arguments.append(.integer(prompt(driving).id))
        for condition in (chunk + question).map({ $0.sql(aliases.question("d")) }) {
            sql += " AND (\(condition.sql))"
            arguments += condition.arguments
        }
        sql += extra
        if limit != nil || !extra.isEmpty { sql += "\nORDER BY d.model_id, d.chunk_id, d.sample, d.ordinal" }
        if let limit { sql += " LIMIT \(limit)" }
        return SQLFragment(sql, arguments)
    }

    /// One pass over the chunks in scope, each side probed through the questions'
    /// (chunk, prompt) index.
    private func coverageQuery() -> SQLFragment {
        let aliases = PairQuery.aliases
        var arguments: [SQLiteValue] = []
        func exists(_ side: Side) -> String {
            var sql = "EXISTS (SELECT 1 FROM questions \(aliases.question) WHERE \(aliases.question).chunk_id = \(aliases.chunk).id AND \(aliases.question).prompt_id = ?"
            arguments.append(.integer(prompt(side).id))
            for condition in question.map({ $0.sql(aliases) }) {
                sql += " AND (\(condition.sql))"
                arguments += condition.arguments
            }
            return sql + ")"
        }
        let hasA = exists(.a), hasB = exists(.b)
        var sql = """
            SELECT coalesce(sum(ea), 0) AS a, coalesce(sum(eb), 0) AS b, coalesce(sum(ea AND eb), 0) AS both FROM (
            SELECT \(hasA) AS ea, \(hasB) AS eb
            FROM sources \(aliases.source) CROSS JOIN chunks \(aliases.chunk) ON \(aliases.chunk).source_id = \(aliases.source).id
            """
        if !chunk.isEmpty {
            let conditions = SQLFragment.joined(chunk.map { $0.sql(aliases).parenthesized }, separator: " AND ")
            sql += "\nWHERE " + conditions.sql
            arguments += conditions.arguments
        }
        return SQLFragment(sql + ")", arguments)
    }
}
