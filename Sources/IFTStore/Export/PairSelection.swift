import Foundation
internal import IFTSQLite

/// A `PairFilter` resolved against one store: prompt references, model, run, chunking and
/// dataset checked, `is_idk` registered, and the filter turned into SQL conditions with bound
/// values. Every reader of pairs (export, stats, dataset save, diff) goes through this.
///
/// Tables are aliased `s` (sources), `c` (chunks), `q` (questions), `a` (answers), so callers
/// choose columns with `rows(columns:)`. Rows come in a stable order: source path and version,
/// chunking, chunk ordinal, question prompt/model/sample/ordinal, answer prompt/model/sample
/// (or dataset position). The loops are joined in that order so SQLite reads the indexes in
/// order and never sorts: output streams with flat memory.
final class PairSelection {
    let filter: PairFilter
    let db: Connection
    /// The filter's conditions in the order the summary reports them.
    let conditions: [PairCondition]
    private let datasetID: Int64?

    init(_ filter: PairFilter, in db: Connection) throws {
        try filter.validate()
        self.filter = filter
        self.db = db
        try filter.idkRule.register(on: db)
        var conditions: [PairCondition] = []
        var datasetID: Int64?
        if let name = filter.dataset {
            guard let id = try db.scalarInt("SELECT id FROM datasets WHERE name = ?", [name]) else {
                throw SelectionError.noDataset(name)
            }
            datasetID = Int64(id)
        } else if !filter.allVersions {
            conditions.append(PairCondition(
                label: "superseded source versions (--all-versions keeps them)",
                sql: "s.version = (SELECT max(x.version) FROM sources x WHERE x.path = s.path)", arguments: []))
        }
        if let ref = filter.questionPrompt {
            let prompt = try ref.resolve(in: db)
            guard prompt.role == "question" else {
                throw SelectionError.notAQuestionPrompt(prompt.ref)
            }
            conditions.append(PairCondition(label: "--question-prompt \(prompt.ref)", sql: "q.prompt_id = ?", arguments: [.integer(prompt.id)]))
        }
        if let ref = filter.answerPrompt {
            let prompt = try ref.resolve(in: db)
            guard prompt.role == "answer" else {
                throw SelectionError.notAnAnswerPrompt(prompt.ref)
            }
            conditions.append(PairCondition(label: "--answer-prompt \(prompt.ref)", sql: "a.prompt_id = ?", arguments: [.integer(prompt.id)]))
        }
        if let model = filter.model {
            guard (try db.scalarInt("SELECT count(*) FROM models WHERE name = ?", [model]) ?? 0) > 0 else {
                throw SelectionError.noModel(model)
            }
            conditions.append(PairCondition(label: "--model \(model)", sql: "a.model_id IN (SELECT id FROM models WHERE name = ?)", arguments: [.text(model)]))
        }
        if let run = filter.run {
            guard case .text(let kind)? = try db.scalar("SELECT kind FROM runs WHERE id = ?", [run]) else {
                throw SelectionError.noRun(run)
            }
            let column = kind == "questions" ? "q.run_id" : "a.run_id"
            conditions.append(PairCondition(label: "--run \(run)", sql: "\(column) = ?", arguments: [.integer(Int64(run))]))
        }
        if let glob = filter.sourceGlob {
            conditions.append(PairCondition(label: "--source '\(glob)'", sql: "s.path GLOB ?", arguments: [.text(glob)]))
        }
        if let chunking = filter.chunking {
            guard (try db.scalarInt("SELECT count(*) FROM chunkings WHERE id = ?", [chunking]) ?? 0) > 0 else {
                throw SelectionError.noChunking(chunking)
            }
            conditions.append(PairCondition(label: "--chunking \(chunking)", sql: "c.chunking_id = ?", arguments: [.integer(Int64(chunking))]))
        }
        if let since = filter.since {
            let range = try PairFilter.timeRange(since, flag: "--since")
            conditions.append(PairCondition(label: "--since \(since)", sql: "a.created_at >= ?", arguments: [.text(range.start)]))
        }
        if let until = filter.until {
            let range = try PairFilter.timeRange(until, flag: "--until")
            conditions.append(PairCondition(
                label: "--until \(until)", sql: range.upperIsInclusive ? "a.created_at <= ?" : "a.created_at < ?",
                arguments: [.text(range.upper)]))
        }
        if let minimum = filter.minAnswerChars {
            conditions.append(PairCondition(label: "--min-answer-chars \(minimum)", sql: "length(a.text) >= ?", arguments: [.integer(Int64(minimum))]))
        }
        if filter.excludeIDK {
            conditions.append(PairCondition(label: "--exclude-idk", sql: "NOT \(IDKRule.sqlFunctionName)(a.text)", arguments: []))
        }
        self.datasetID = datasetID
        if filter.dedupe {
            // The earliest question of each normalised text among the pairs the other conditions
            // keep: one grouping over the indexed `normalized` key, computed once by SQLite
            // (a non-correlated subquery), so the rows themselves still stream in order.
            let inner = Self.whereClause(datasetID: datasetID, conditions: conditions)
            conditions.append(PairCondition(
                label: "--dedupe (repeated questions)",
                sql: "q.id IN (SELECT min(q.id) \(Self.fromClause(dataset: datasetID != nil)) \(inner.sql) GROUP BY q.normalized)",
                arguments: inner.arguments))
        }
        self.conditions = conditions
    }

    /// The joined tables, in the order SQLite must loop over them (CROSS JOIN fixes the order).
    var fromClause: String { Self.fromClause(dataset: datasetID != nil) }

    static func fromClause(dataset: Bool) -> String {
        if dataset {
            return """
                FROM dataset_items d
                CROSS JOIN answers a ON a.id = d.answer_id
                CROSS JOIN questions q ON q.id = a.question_id
                CROSS JOIN chunks c ON c.id = q.chunk_id
                CROSS JOIN sources s ON s.id = c.source_id
                """
        }
        return """
            FROM sources s
            CROSS JOIN chunks c ON c.source_id = s.id
            CROSS JOIN questions q ON q.chunk_id = c.id
            CROSS JOIN answers a ON a.question_id = q.id
            """
    }

    var orderClause: String {
        datasetID != nil
            ? "ORDER BY d.position"
            : "ORDER BY s.path, s.version, c.chunking_id, c.ordinal, q.prompt_id, q.model_id, q.sample, q.ordinal, a.prompt_id, a.model_id, a.sample"
    }

    /// The WHERE clause and its values for the first `count` conditions (all by default).
    func whereClause(upTo count: Int? = nil) -> (sql: String, arguments: [SQLiteValue]) {
        Self.whereClause(datasetID: datasetID, conditions: Array(conditions.prefix(count ?? conditions.count)))
    }

    static func whereClause(datasetID: Int64?, conditions: [PairCondition]) -> (sql: String, arguments: [SQLiteValue]) {
        var parts: [String] = []
        var arguments: [SQLiteValue] = []
        if let datasetID {
            parts.append("d.dataset_id = ?")
            arguments.append(.integer(datasetID))
        }
        for condition in conditions {
            parts.append("(\(condition.sql))")
            arguments += condition.arguments
        }
        return (parts.isEmpty ? "" : "WHERE " + parts.joined(separator: " AND "), arguments)
    }

    /// The full query for `columns` (an SQL select list over `s`, `c`, `q`, `a`).
    func query(columns: String) -> (sql: String, arguments: [SQLiteValue]) {
        let (clause, arguments) = whereClause()
        return ("SELECT \(columns)\n\(fromClause)\n\(clause)\n\(orderClause)", arguments)
    }

    /// Steps through the selected rows in order; `body` reads the statement's columns (valid
    /// only during the call). Returns the number of rows.
    @discardableResult
    func forEachRow(columns: String, _ body: (Statement) throws -> Void) throws -> Int {
        let (sql, arguments) = query(columns: columns)
        let statement = try db.prepare(sql)
        try statement.bind(arguments)
        var count = 0
        while try statement.step() {
            try body(statement)
            count += 1
        }
        return count
    }

    /// The selected answer ids in order (what `dataset save` freezes).
    func answerIDs() throws -> [Int64] {
        var ids: [Int64] = []
        try forEachRow(columns: "a.id") { ids.append(Int64($0.int(0))) }
        return ids
    }

    /// How many pairs the store holds in scope (all answers, or the dataset's) and how many
    /// each condition removed, applied in order, in one counting query.
    func funnel() throws -> PairFunnel {
        var columns = ["count(*)"]
        var arguments: [SQLiteValue] = []
        var cumulative: [String] = []
        var cumulativeArguments: [SQLiteValue] = []
        for condition in conditions {
            cumulative.append("(\(condition.sql))")
            cumulativeArguments += condition.arguments
            columns.append("coalesce(sum(\(cumulative.joined(separator: " AND "))), 0)")
            arguments += cumulativeArguments
        }
        var base: [String] = []
        if let datasetID {
            base.append("d.dataset_id = ?")
            arguments.append(.integer(datasetID))
        }
        let sql = "SELECT \(columns.joined(separator: ", "))\n\(fromClause)\n" + (base.isEmpty ? "" : "WHERE " + base.joined(separator: " AND "))
        let statement = try db.prepare(sql)
        try statement.bind(arguments)
        guard try statement.step() else { return PairFunnel(total: 0, steps: []) }
        let total = statement.int(0)
        var previous = total
        var steps: [PairFunnel.Step] = []
        for (index, condition) in conditions.enumerated() {
            let remaining = statement.int(index + 1)
            steps.append(PairFunnel.Step(label: condition.label, removed: previous - remaining, remaining: remaining))
            previous = remaining
        }
        return PairFunnel(total: total, steps: steps)
    }

    /// Throws when one question in the selection has answers from more than one answer prompt
    /// version or model (DESIGN.md: such an export is ambiguous), unless `allAnswers`.
    /// Several samples of one prompt and model are fine. One ordered pass: a question's answers
    /// are adjacent in the selection order, so no sort or grouping is needed.
    /// A saved dataset was checked when it was saved (or saved with --all-answers on purpose):
    /// it is frozen, so its export never depends on this check.
    func checkUnambiguous() throws {
        guard !filter.allAnswers, datasetID == nil else { return }
        var currentQuestion = -1
        var first: (prompt: Int, model: Int) = (0, 0)
        var mixedQuestions = 0
        var exampleQuestion: Int?
        var lastMixedQuestion = -1
        var mixedCombinations = Set<[Int]>()
        try forEachRow(columns: "q.id, a.prompt_id, a.model_id") { row in
            let question = row.int(0), prompt = row.int(1), model = row.int(2)
            if question != currentQuestion {
                currentQuestion = question
                first = (prompt, model)
                return
            }
            if prompt != first.prompt || model != first.model {
                if lastMixedQuestion != question {
                    mixedQuestions += 1
                    lastMixedQuestion = question
                }
                if exampleQuestion == nil { exampleQuestion = question }
                if mixedCombinations.count < 64 {
                    mixedCombinations.insert([first.prompt, first.model])
                    mixedCombinations.insert([prompt, model])
                }
            }
        }
        guard let exampleQuestion else { return }
        let prompts = try describe(ids: Set(mixedCombinations.map { $0[0] }), sql: "SELECT name || '@' || version FROM prompts WHERE id = ?")
        let (models, modelNames) = try describeModels(ids: Set(mixedCombinations.map { $0[1] }))
        var narrowing: [String] = []
        if prompts.count > 1 { narrowing.append("--answer-prompt") }
        // One name with different parameters: --model cannot tell them apart, --run can.
        if models.count > 1 { narrowing.append(modelNames.count > 1 ? "--model" : "--run") }
        throw SelectionError.ambiguous(
            questions: mixedQuestions, example: exampleQuestion, answerPrompts: prompts, models: models, narrowing: narrowing)
    }

    private func describe(ids: Set<Int>, sql: String) throws -> [String] {
        try ids.sorted().map { id in
            if case .text(let text)? = try db.scalar(sql, [id]) { return text }
            return "#\(id)"
        }
    }

    /// Model names, with their parameters when two rows share a name (then --model cannot
    /// tell them apart; --run can).
    private func describeModels(ids: Set<Int>) throws -> (labels: [String], names: Set<String>) {
        var rows: [(name: String, params: String)] = []
        for id in ids.sorted() {
            let statement = try db.prepare("SELECT name, params FROM models WHERE id = ?")
            try statement.bind([id])
            if try statement.step() { rows.append((statement.string(at: 0), statement.string(at: 1))) }
        }
        let names = rows.map(\.name)
        let labels = rows.map { row in names.filter { $0 == row.name }.count > 1 ? "\(row.name) \(row.params)" : row.name }
        return (labels, Set(names))
    }
}

@available(*, unavailable)
extension PairSelection: Sendable {}

/// One SQL condition of a filter, with the label the summary uses.
struct PairCondition: Sendable, Hashable {
    let label: String
    let sql: String
    let arguments: [SQLiteValue]
}

/// How many pairs were in scope and what each filter removed, in order.
public struct PairFunnel: Sendable, Hashable {
    public struct Step: Sendable, Hashable {
        public let label: String
        public let removed: Int
        public let remaining: Int
    }

    public let total: Int
    public let steps: [Step]

    public var selected: Int { steps.last?.remaining ?? total }
}
