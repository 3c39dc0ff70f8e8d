import Foundation
internal import IFTSQLite

extension PairCondition {
    /// The condition over other table aliases (`["a": "b"]` makes `a.text` read `b.text`);
    /// other names (`x.path`, `models`) are left alone. Conditions hold no literals.
    func renaming(_ aliases: [Character: String]) -> PairCondition {
        var out = ""
        var previous: Character = " "
        let characters = Array(sql)
        for (index, character) in characters.enumerated() {
            let startsWord = !(previous.isLetter || previous.isNumber || previous == "_" || previous == ".")
            if startsWord, let alias = aliases[character], index + 1 < characters.count, characters[index + 1] == "." {
                out += alias
            } else {
                out.append(character)
            }
            previous = character
        }
        return PairCondition(label: label, sql: out, arguments: arguments)
    }

    /// Whether the condition reads the answer row (`a.`), not only source, chunk and question.
    var readsAnswer: Bool { renaming(["a": "\u{1}"]).sql.contains("\u{1}") }
}

/// `iftdb diff`: compares two answer prompt versions (question by question), two question
/// prompt versions (chunk by chunk) or two sets of pairs (saved datasets or filter sets,
/// matched by source path, chunk text hash and normalised question). Every count is one SQL
/// pass that drives one side through an index and looks the other side up by index, so
/// neither side is held in memory.
final class PairDiff {
    let kind: DiffKind
    let db: Connection
    let request: DiffRequest
    private let plan: Plan

    /// One side of an answer or question diff: a prompt; of a pair diff: a selection.
    private enum Plan {
        case answers(a: ResolvedPrompt, b: ResolvedPrompt, common: [PairCondition], answer: [PairCondition])
        case questions(a: ResolvedPrompt, b: ResolvedPrompt, chunk: [PairCondition], question: [PairCondition])
        case pairs(a: PairSide, b: PairSide)
    }

    /// A set of pairs: a dataset's answers or a filter's selection, narrowed by conditions.
    struct PairSide {
        let label: String
        let datasetID: Int64?
        let conditions: [PairCondition]
    }

    init(_ request: DiffRequest, in db: Connection) throws {
        self.db = db
        self.request = request
        try request.filter.idkRule.register(on: db)
        guard request.sample >= 1 else { throw DiffError.badSample(request.sample) }
        if request.filter.dataset != nil {
            throw DiffError.datasetFilter
        }
        switch (request.a, request.b) {
        case (nil, nil):
            guard !(request.aFilter.isEmpty && request.bFilter.isEmpty) else {
                throw DiffError.nothingToCompare
            }
            kind = .pairs
            plan = .pairs(
                a: try Self.filterSide(request.aFilter, base: request.filter, in: db),
                b: try Self.filterSide(request.bFilter, base: request.filter, in: db))
        case (let a?, let b?):
            guard request.aFilter.isEmpty && request.bFilter.isEmpty else {
                throw DiffError.referencesAndSides(a: a.description, b: b.description)
            }
            switch (a, b) {
            case (.dataset(let nameA), .dataset(let nameB)):
                kind = .pairs
                plan = .pairs(
                    a: try Self.datasetSide(nameA, base: request.filter, in: db),
                    b: try Self.datasetSide(nameB, base: request.filter, in: db))
            case (.prompt(let refA), .prompt(let refB)):
                let promptA = try refA.resolve(in: db), promptB = try refB.resolve(in: db)
                guard promptA.role == promptB.role else {
                    let (answer, question) = promptA.role == "answer" ? (promptA, promptB) : (promptB, promptA)
                    throw DiffError.mixedPromptKinds(answerPrompt: answer.ref, questionPrompt: question.ref)
                }
                if promptA.role == "answer" {
                    kind = .answers
                    plan = try Self.answerPlan(promptA, promptB, request: request, in: db)
                } else {
                    kind = .questions
                    plan = try Self.questionPlan(promptA, promptB, request: request, in: db)
                }
            default:
                throw DiffError.incomparable(a: a.description, b: b.description)
            }
        default:
            throw DiffError.needsTwoReferences
        }
    }

    // MARK: - Plans

    private static func answerPlan(_ a: ResolvedPrompt, _ b: ResolvedPrompt, request: DiffRequest, in db: Connection) throws -> Plan {
        if request.filter.answerPrompt != nil {
            throw DiffError.comparedPromptFilter(flag: "--answer-prompt", a: a.ref, b: b.ref, kind: .answer)
        }
        let conditions = try pruned(PairSelection(request.filter, in: db).conditions, in: db)
        for prompt in [a, b] { try checkOneModel(prompt, filter: request.filter, in: db) }
        return .answers(a: a, b: b, common: conditions.filter { !$0.readsAnswer }, answer: conditions.filter(\.readsAnswer))
    }

    /// Drops the current-version condition when no path has a second version: it can remove
    /// nothing then, and costs a lookup per row.
    private static func pruned(_ conditions: [PairCondition], in db: Connection) throws -> [PairCondition] {
        let superseded = try db.scalarInt("SELECT EXISTS (SELECT 1 FROM sources WHERE version > 1)") ?? 1
        guard superseded == 0 else { return conditions }
        return conditions.filter { !$0.sql.hasPrefix("s.version = (SELECT max(x.version)") }
    }

    /// Answers are matched by question and sample: one side with answers from several models
    /// would match one question twice, so it must be narrowed first.
    private static func checkOneModel(_ prompt: ResolvedPrompt, filter: PairFilter, in db: Connection) throws {
        // An answers run has one model: --run of one narrows every side it touches.
        if let run = filter.run, case .text("answers")? = try db.scalar("SELECT kind FROM runs WHERE id = ?", [run]) { return }
        var sql = "SELECT DISTINCT m.name, m.params FROM answers a JOIN models m ON m.id = a.model_id WHERE a.prompt_id = ?"
        var arguments: [any SQLiteBindable] = [prompt.id]
        if let model = filter.model {
            sql += " AND m.name = ?"
            arguments.append(model)
        }
        let statement = try db.prepare(sql + " LIMIT 3")
        try statement.bind(arguments)
        var models: [(String, String)] = []
        while try statement.step() { models.append((statement.string(at: 0), statement.string(at: 1))) }
        guard models.count > 1 else { return }
        let names = Set(models.map(\.0))
        let listed = names.count > 1 ? names.sorted() : models.map { "\($0.0) \($0.1)" }
        throw DiffError.severalModels(prompt: prompt.ref, models: listed, narrowing: names.count > 1 ? "--model" : "--run")
    }

    private static func questionPlan(_ a: ResolvedPrompt, _ b: ResolvedPrompt, request: DiffRequest, in db: Connection) throws -> Plan {
        if request.filter.questionPrompt != nil {
            throw DiffError.comparedPromptFilter(flag: "--question-prompt", a: a.ref, b: b.ref, kind: .question)
        }
        let conditions = try pruned(PairSelection(request.filter, in: db).conditions, in: db)
        if let answerLevel = conditions.first(where: \.readsAnswer) {
            throw DiffError.answerFilterOnQuestions(label: answerLevel.label)
        }
        let questionLevel = conditions.filter { $0.renaming(["q": "\u{1}"]).sql.contains("\u{1}") }
        return .questions(a: a, b: b, chunk: conditions.filter { !questionLevel.contains($0) }, question: questionLevel)
    }

    private static func datasetSide(_ name: String, base: PairFilter, in db: Connection) throws -> PairSide {
        guard let id = try db.scalarInt("SELECT id FROM datasets WHERE name = ?", [name]) else {
            throw SelectionError.noDataset(name)
        }
        var filter = base
        filter.dataset = name
        return PairSide(label: "dataset:\(name)", datasetID: Int64(id), conditions: try pruned(PairSelection(filter, in: db).conditions, in: db))
    }

    private static func filterSide(_ side: DiffSideFilter, base: PairFilter, in db: Connection) throws -> PairSide {
        PairSide(label: side.label, datasetID: nil, conditions: try pruned(PairSelection(side.applied(to: base), in: db).conditions, in: db))
    }

    // MARK: - Summary

    func summary() throws -> DiffSummary {
        switch plan {
        case .answers(let a, let b, _, _):
            // One pass over A gives A's numbers and those of B's answers that match; a second
            // over B adds the B answers nothing in A matches (one model a side: at most one match).
            let sideA = try row(Self.answerSummary(answerSideQuery(driving: "a", columns: Self.answerSummaryColumns)))
            let onlyB = try row(Self.answerSummary(answerSideQuery(driving: "b", columns: Self.answerSummaryColumns, unmatchedOnly: true)))
            let matched = sideA[1], same = sideA[2]
            return DiffSummary(
                kind: .answers,
                a: DiffSideStats(label: a.ref, items: sideA[0], chunks: nil, idk: sideA[3], answerChars: sideA[4], promptTokens: sideA[7], completionTokens: sideA[8]),
                b: DiffSideStats(label: b.ref, items: matched + onlyB[0], chunks: nil, idk: sideA[9] + onlyB[3], answerChars: sideA[10] + onlyB[4],
                                 promptTokens: sideA[11] + onlyB[7], completionTokens: sideA[12] + onlyB[8]),
                counts: [
                    .init(key: "same", label: "same", value: same),
                    .init(key: "changed", label: "changed", value: matched - same),
                    .init(key: "only_a", label: "only in A", value: sideA[0] - matched),
                    .init(key: "only_b", label: "only in B", value: onlyB[0]),
                    .init(key: "into_idk", label: "into \"I don't know\"", value: sideA[5]),
                    .init(key: "out_of_idk", label: "out of \"I don't know\"", value: sideA[6]),
                ],
                sample: request.sample)
        case .questions(let a, let b, _, _):
            let sideA = try row(questionSideQuery(driving: "a", columns: "count(*), coalesce(sum(m.id IS NOT NULL), 0)"))
            let sideB = try row(questionSideQuery(driving: "b", columns: "count(*), coalesce(sum(m.id IS NOT NULL), 0)"))
            let chunks = try row(chunkCoverageQuery())
            return DiffSummary(
                kind: .questions,
                a: DiffSideStats(label: a.ref, items: sideA[0], chunks: chunks[0], idk: nil, answerChars: nil, promptTokens: nil, completionTokens: nil),
                b: DiffSideStats(label: b.ref, items: sideB[0], chunks: chunks[1], idk: nil, answerChars: nil, promptTokens: nil, completionTokens: nil),
                counts: [
                    .init(key: "chunks_both", label: "chunks covered by both", value: chunks[2]),
                    .init(key: "kept", label: "kept", value: sideA[1]),
                    .init(key: "dropped", label: "dropped", value: sideA[0] - sideA[1]),
                    .init(key: "added", label: "added", value: sideB[0] - sideB[1]),
                ],
                sample: nil)
        case .pairs(let a, let b):
            let sideA = try row(pairSideQuery(driving: a, other: b, columns: Self.pairSummaryColumns))
            let sideB = try row(pairSideQuery(driving: b, other: a, columns: Self.pairSummaryColumns))
            return DiffSummary(
                kind: .pairs,
                a: DiffSideStats(label: a.label, items: sideA[0], chunks: nil, idk: sideA[3], answerChars: sideA[4], promptTokens: sideA[5], completionTokens: sideA[6]),
                b: DiffSideStats(label: b.label, items: sideB[0], chunks: nil, idk: sideB[3], answerChars: sideB[4], promptTokens: sideB[5], completionTokens: sideB[6]),
                counts: [
                    .init(key: "same", label: "same", value: sideA[1]),
                    .init(key: "changed", label: "answer changed", value: sideA[2]),
                    .init(key: "only_a", label: "only in A", value: sideA[0] - sideA[1] - sideA[2]),
                    .init(key: "only_b", label: "only in B", value: sideB[0] - sideB[1] - sideB[2]),
                ],
                sample: nil)
        }
    }

    private func row(_ query: (sql: String, arguments: [SQLiteValue])) throws -> [Int] {
        let statement = try db.prepare(query.sql)
        try statement.bind(query.arguments)
        guard try statement.step() else { return [] }
        return (0..<statement.columnCount).map { statement.int($0) }
    }

    // MARK: - Answer prompt diff

    /// total, matched, same, idk, chars, into idk, out of idk, prompt tokens, completion tokens
    /// (for the driving side `d` against the other side `o`). The rule runs once per text: the
    /// inner select's LIMIT keeps SQLite from flattening it and repeating `is_idk` per use.
    private static func answerSummary(_ query: (sql: String, arguments: [SQLiteValue])) -> (sql: String, arguments: [SQLiteValue]) {
        ("""
            SELECT count(*), count(oid), coalesce(sum(same), 0), coalesce(sum(di), 0), coalesce(sum(chars), 0),
              coalesce(sum(oid IS NOT NULL AND NOT di AND oi), 0), coalesce(sum(oid IS NOT NULL AND di AND NOT oi), 0),
              coalesce(sum(pt), 0), coalesce(sum(ct), 0),
              coalesce(sum(oi), 0), coalesce(sum(ochars), 0), coalesce(sum(opt), 0), coalesce(sum(oct), 0)
            FROM (\(query.sql) LIMIT -1)
            """, query.arguments)
    }

    private static let answerSummaryColumns = """
        o.id AS oid, o.text = d.text AS same, is_idk(d.text) AS di, is_idk(o.text) AS oi, length(d.text) AS chars,
        k.prompt_tokens AS pt, k.completion_tokens AS ct,
        length(o.text) AS ochars, ko.prompt_tokens AS opt, ko.completion_tokens AS oct
        """

    /// Side `driving` ("a" or "b") through `answers_by_prompt`, each answer's counterpart on
    /// the other side looked up by (question, prompt) in the answers' unique index. In the
    /// select list `d` is the driving answer and `o` the other (NULL when missing).
    func answerSideQuery(driving: String, columns: String, extra: String = "", limit: Int? = nil, unmatchedOnly: Bool = false) -> (sql: String, arguments: [SQLiteValue]) {
        guard case .answers(let a, let b, let common, let answer) = plan else { return ("", []) }
        let (mine, other) = driving == "a" ? (a, b) : (b, a)
        let sample = SQLiteValue.integer(Int64(request.sample))
        var arguments: [SQLiteValue] = [.integer(other.id), sample]
        let otherConditions = answer.map { $0.renaming(["a": "o"]) }
        let driveConditions = answer.map { $0.renaming(["a": "d"]) }
        // The question, chunk and source are joined only when something reads them.
        let context = !common.isEmpty || !extra.isEmpty ? """

            CROSS JOIN questions q ON q.id = d.question_id
            CROSS JOIN chunks c ON c.id = q.chunk_id
            CROSS JOIN sources s ON s.id = c.source_id
            """ : ""
        var sql = """
            SELECT \(columns)
            FROM answers d\(context)
            LEFT JOIN calls k ON k.id = d.call_id
            LEFT JOIN answers o ON o.question_id = d.question_id AND o.prompt_id = ? AND o.sample = ?
            """
        for condition in otherConditions {
            sql += " AND (\(condition.sql))"
            arguments += condition.arguments
        }
        sql += "\nLEFT JOIN calls ko ON ko.id = o.call_id"
        sql += "\nWHERE d.prompt_id = ? AND d.sample = ?" + (unmatchedOnly ? " AND o.id IS NULL" : "")
        arguments += [.integer(mine.id), sample]
        for condition in common + driveConditions {
            sql += " AND (\(condition.sql))"
            arguments += condition.arguments
        }
        sql += extra
        if limit != nil || !extra.isEmpty { sql += "\nORDER BY d.model_id, d.question_id" }
        if let limit { sql += " LIMIT \(limit)" }
        return (sql, arguments)
    }

    // MARK: - Question prompt diff

    /// Side `driving`'s questions through `questions_by_prompt`, each looked up on the other
    /// side by (chunk, normalised text). `d` is the driving question, `m` its first match.
    func questionSideQuery(driving: String, columns: String, extra: String = "", limit: Int? = nil) -> (sql: String, arguments: [SQLiteValue]) {
        guard case .questions(let a, let b, let chunk, let question) = plan else { return ("", []) }
        let (mine, other) = driving == "a" ? (a, b) : (b, a)
        var arguments: [SQLiteValue] = [.integer(other.id)]
        var match = "SELECT o.id FROM questions o WHERE o.chunk_id = d.chunk_id AND o.normalized = d.normalized AND o.prompt_id = ?"
        for condition in question.map({ $0.renaming(["q": "o"]) }) {
            match += " AND (\(condition.sql))"
            arguments += condition.arguments
        }
        var sql = """
            SELECT \(columns)
            FROM questions d
            CROSS JOIN chunks c ON c.id = d.chunk_id
            CROSS JOIN sources s ON s.id = c.source_id
            LEFT JOIN questions m ON m.id = (\(match) ORDER BY o.id LIMIT 1)
            WHERE d.prompt_id = ?
            """
        arguments.append(.integer(mine.id))
        for condition in chunk + question.map({ $0.renaming(["q": "d"]) }) {
            sql += " AND (\(condition.sql))"
            arguments += condition.arguments
        }
        sql += extra
        if limit != nil || !extra.isEmpty { sql += "\nORDER BY d.model_id, d.chunk_id, d.sample, d.ordinal" }
        if let limit { sql += " LIMIT \(limit)" }
        return (sql, arguments)
    }

    /// Chunks with questions on side A, on side B, and on both: one pass over the chunks in
    /// scope, each side probed through the questions' (chunk, prompt) index.
    func chunkCoverageQuery() -> (sql: String, arguments: [SQLiteValue]) {
        guard case .questions(let a, let b, let chunk, let question) = plan else { return ("", []) }
        var arguments: [SQLiteValue] = []
        func exists(_ prompt: ResolvedPrompt) -> String {
            var sql = "EXISTS (SELECT 1 FROM questions q WHERE q.chunk_id = c.id AND q.prompt_id = ?"
            arguments.append(.integer(prompt.id))
            for condition in question {
                sql += " AND (\(condition.sql))"
                arguments += condition.arguments
            }
            return sql + ")"
        }
        let hasA = exists(a), hasB = exists(b)
        var sql = """
            SELECT coalesce(sum(ea), 0), coalesce(sum(eb), 0), coalesce(sum(ea AND eb), 0) FROM (
            SELECT \(hasA) AS ea, \(hasB) AS eb
            FROM sources s CROSS JOIN chunks c ON c.source_id = s.id
            """
        let conditions = chunk
        if !conditions.isEmpty {
            sql += "\nWHERE " + conditions.map { "(\($0.sql))" }.joined(separator: " AND ")
            for condition in conditions { arguments += condition.arguments }
        }
        return (sql + ")", arguments)
    }

    // MARK: - Pair diff (datasets, filter sets)

    /// total, same, changed, idk, chars, prompt tokens, completion tokens.
    private static let pairSummaryColumns = """
        count(*), coalesce(sum(m = 1), 0), coalesce(sum(m = 0), 0),
        coalesce(sum(is_idk(p.text)), 0), coalesce(sum(length(p.text)), 0),
        coalesce(sum(k.prompt_tokens), 0), coalesce(sum(k.completion_tokens), 0)
        """

    /// `side`'s conditions and membership over the aliases s2, c2, q2, a2.
    private func membership(_ side: PairSide) -> (sql: String, arguments: [SQLiteValue]) {
        var parts: [String] = []
        var arguments: [SQLiteValue] = []
        if let id = side.datasetID {
            parts.append("EXISTS (SELECT 1 FROM dataset_items d2 WHERE d2.answer_id = a2.id AND d2.dataset_id = ?)")
            arguments.append(.integer(id))
        }
        for condition in side.conditions.map({ $0.renaming(["s": "s2", "c": "c2", "q": "q2", "a": "a2"]) }) {
            parts.append("(\(condition.sql))")
            arguments += condition.arguments
        }
        return (parts.map { " AND " + $0 }.joined(), arguments)
    }

    /// `driving`'s pairs in its own order (a dataset's positions, or the export order), each
    /// looked up in `other` by content: the chunk by its text hash, the question by its
    /// normalised text on that chunk, the source path. In the select list `m` is NULL when
    /// `other` has no pair with that key, 1 when one has the same answer text, 0 otherwise,
    /// and `other_text` is one of `other`'s differing answers (else the driving answer itself).
    func pairSideQuery(driving: PairSide, other: PairSide, columns: String, extra: String = "", limit: Int? = nil, otherText: Bool = false) -> (sql: String, arguments: [SQLiteValue]) {
        let (member, memberArguments) = membership(other)
        let lookup = """
            FROM chunks c2
            CROSS JOIN questions q2 ON q2.chunk_id = c2.id
            CROSS JOIN sources s2 ON s2.id = c2.source_id
            CROSS JOIN answers a2 ON a2.question_id = q2.id
            WHERE c2.sha256 = c.sha256 AND q2.normalized = q.normalized AND s2.path = s.path\(member)
            """
        var arguments = otherText ? memberArguments + memberArguments : memberArguments
        let from: String
        var whereParts: [String] = []
        if let id = driving.datasetID {
            from = """
                FROM dataset_items d
                CROSS JOIN answers a ON a.id = d.answer_id
                CROSS JOIN questions q ON q.id = a.question_id
                CROSS JOIN chunks c ON c.id = q.chunk_id
                CROSS JOIN sources s ON s.id = c.source_id
                """
            whereParts.append("d.dataset_id = ?")
            arguments.append(.integer(id))
        } else {
            from = """
                FROM sources s
                CROSS JOIN chunks c ON c.source_id = s.id
                CROSS JOIN questions q ON q.chunk_id = c.id
                CROSS JOIN answers a ON a.question_id = q.id
                """
        }
        for condition in driving.conditions {
            whereParts.append("(\(condition.sql))")
            arguments += condition.arguments
        }
        let order = driving.datasetID != nil
            ? "d.position"
            : "s.path, s.version, c.chunking_id, c.ordinal, q.prompt_id, q.model_id, q.sample, q.ordinal, a.prompt_id, a.model_id, a.sample"
        var sql = """
            SELECT \(columns) FROM (
            SELECT s.path AS path, c.id AS chunk_id, q.id AS question_id, q.text AS question, a.id AS answer_id, a.text AS text, a.call_id AS call_id,
              (SELECT max(a2.text = a.text) \(lookup)) AS m,
              \(otherText ? "(SELECT a2.text \(lookup) AND a2.text <> a.text UNION ALL SELECT a.text LIMIT 1)" : "NULL") AS other_text
            \(from)
            \(whereParts.isEmpty ? "" : "WHERE " + whereParts.joined(separator: " AND "))
            ORDER BY \(order)) p
            LEFT JOIN calls k ON k.id = p.call_id
            """
        sql += extra
        if let limit { sql += " LIMIT \(limit)" }
        return (sql, arguments)
    }

    // MARK: - Items

    /// Lists the items of one category in a stable order, at most `limit`.
    func forEachItem(_ show: DiffShow, limit: Int? = nil, _ body: (DiffItem) throws -> Void) throws {
        guard show.applies(to: kind) else {
            throw DiffError.showDoesNotApply(show, kind: kind)
        }
        switch plan {
        case .answers:
            let columns = "c.id, s.path, q.id, q.text, d.id, d.text, o.id, o.text"
            let (driving, condition): (String, String) = switch show {
            case .same: ("a", "o.id IS NOT NULL AND o.text = d.text")
            case .changed: ("a", "o.id IS NOT NULL AND o.text <> d.text")
            case .onlyA: ("a", "o.id IS NULL")
            case .onlyB: ("b", "o.id IS NULL")
            case .intoIDK: ("a", "o.id IS NOT NULL AND NOT is_idk(d.text) AND is_idk(o.text)")
            default: ("a", "o.id IS NOT NULL AND is_idk(d.text) AND NOT is_idk(o.text)")
            }
            try each(answerSideQuery(driving: driving, columns: columns, extra: " AND \(condition)", limit: limit)) { row in
                let mine = (Int64(row.int(4)), row.string(at: 5)), theirs = row.isNull(6) ? nil : (Int64(row.int(6)), row.string(at: 7))
                let (a, b) = driving == "a" ? (Optional(mine), theirs) : (theirs, Optional(mine))
                let question = (Int64(row.int(2)), row.string(at: 3))
                try body(DiffItem(
                    chunkID: Int64(row.int(0)), sourcePath: row.string(at: 1),
                    questionA: question.1, questionAID: question.0, questionB: question.1, questionBID: question.0,
                    answerA: a?.1, answerAID: a?.0, answerB: b?.1, answerBID: b?.0))
            }
        case .questions:
            let columns = "c.id, s.path, d.id, d.text, m.id, m.text"
            let (driving, condition) = switch show {
            case .kept: ("a", "m.id IS NOT NULL")
            case .dropped: ("a", "m.id IS NULL")
            default: ("b", "m.id IS NULL")
            }
            try each(questionSideQuery(driving: driving, columns: columns, extra: " AND \(condition)", limit: limit)) { row in
                let mine = (Int64(row.int(2)), row.string(at: 3)), theirs = row.isNull(4) ? nil : (Int64(row.int(4)), row.string(at: 5))
                let (a, b) = driving == "a" ? (Optional(mine), theirs) : (theirs, Optional(mine))
                try body(DiffItem(
                    chunkID: Int64(row.int(0)), sourcePath: row.string(at: 1),
                    questionA: a?.1, questionAID: a?.0, questionB: b?.1, questionBID: b?.0,
                    answerA: nil, answerAID: nil, answerB: nil, answerBID: nil))
            }
        case .pairs(let sideA, let sideB):
            let (driving, other, condition) = switch show {
            case .same: (sideA, sideB, "m = 1")
            case .changed: (sideA, sideB, "m = 0")
            case .onlyA: (sideA, sideB, "m IS NULL")
            default: (sideB, sideA, "m IS NULL")
            }
            let columns = "p.chunk_id, p.path, p.question_id, p.question, p.answer_id, p.text, p.other_text"
            try each(pairSideQuery(driving: driving, other: other, columns: columns, extra: "\nWHERE \(condition)", limit: limit, otherText: true)) { row in
                let question = (Int64(row.int(2)), row.string(at: 3))
                let mine = (Optional(Int64(row.int(4))), row.string(at: 5))
                let theirs = show == .same || show == .changed ? row.optionalString(6) : nil
                let isA = show != .onlyB
                try body(DiffItem(
                    chunkID: Int64(row.int(0)), sourcePath: row.string(at: 1),
                    questionA: isA ? question.1 : nil, questionAID: isA ? question.0 : nil,
                    questionB: isA ? nil : question.1, questionBID: isA ? nil : question.0,
                    answerA: isA ? mine.1 : theirs, answerAID: isA ? mine.0 : nil,
                    answerB: isA ? theirs : mine.1, answerBID: isA ? nil : mine.0))
            }
        }
    }

    private func each(_ query: (sql: String, arguments: [SQLiteValue]), _ body: (Statement) throws -> Void) throws {
        let statement = try db.prepare(query.sql)
        try statement.bind(query.arguments)
        while try statement.step() { try body(statement) }
    }

    /// The queries that match one side against the other, for checking their plans.
    func matchingQueries() -> [(sql: String, arguments: [SQLiteValue])] {
        switch plan {
        case .answers:
            return [Self.answerSummary(answerSideQuery(driving: "a", columns: Self.answerSummaryColumns)),
                    Self.answerSummary(answerSideQuery(driving: "b", columns: Self.answerSummaryColumns, unmatchedOnly: true))]
        case .questions:
            let columns = "count(*), coalesce(sum(m.id IS NOT NULL), 0)"
            return [questionSideQuery(driving: "a", columns: columns), questionSideQuery(driving: "b", columns: columns), chunkCoverageQuery()]
        case .pairs(let a, let b):
            return [pairSideQuery(driving: a, other: b, columns: Self.pairSummaryColumns), pairSideQuery(driving: b, other: a, columns: Self.pairSummaryColumns)]
        }
    }
}

@available(*, unavailable)
extension PairDiff: Sendable {}

extension StoreReader {
    /// `iftdb diff` in one read snapshot: `summary` gets the numbers, then `item` each
    /// listed item when `show` is given.
    public func diff(
        _ request: DiffRequest, show: DiffShow?, limit: Int?,
        summary: (DiffSummary) throws -> Void, item: (DiffItem) throws -> Void
    ) throws -> DiffSummary {
        try guarded {
            try db.transaction(.deferred) {
                let diff = try PairDiff(request, in: db)
                if let show, !show.applies(to: diff.kind) {
                    throw DiffError.showDoesNotApply(show, kind: diff.kind)
                }
                let result = try diff.summary()
                try summary(result)
                if let show { try diff.forEachItem(show, limit: limit, item) }
                return result
            }
        }
    }
}
