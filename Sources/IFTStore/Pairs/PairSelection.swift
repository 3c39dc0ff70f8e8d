import Foundation
internal import IFTSQLite

/// A `PairFilter` resolved against one store: prompt references, model, run, chunking and
/// dataset checked, `is_idk` registered, and the filter turned into a `PairQuery` of typed
/// conditions. Every reader of pairs (export, stats, dataset save, diff) goes through this.
///
/// Callers choose `PairColumn`s with `forEachRow(columns:)`; rows come in
/// the query's stable order.
final class PairSelection {
    let filter: PairFilter
    let db: Connection
    /// The scope and the filter's conditions, in the order the summary reports them.
    let query: PairQuery

    /// The filter's conditions in the order the summary reports them.
    var conditions: [PairCondition] { query.conditions }
    /// The judge the filter chose (`--judge`, `--judge-model`, `--min-score`), if any.
    let judge: JudgeChoice?

    init(_ filter: PairFilter, in db: Connection) throws {
        try filter.validate()
        self.filter = filter
        self.db = db
        try filter.idkRule.register(on: db)
        try QualitySQL.register(on: db)
        var conditions: [PairCondition] = []
        var datasetID: Int64?
        if let name = filter.dataset {
            guard let id = try db.scalarInt("SELECT id FROM datasets WHERE name = ?", [name]) else {
                throw SelectionError.noDataset(name)
            }
            datasetID = Int64(id)
        } else if !filter.allVersions {
            conditions.append(.currentVersion)
        }
        if let ref = filter.questionPrompt {
            let prompt = try ref.resolve(in: db, listingNames: false)
            guard prompt.role == .question else {
                throw SelectionError.notAQuestionPrompt(prompt.ref.description)
            }
            conditions.append(.questionPrompt(id: prompt.id, ref: prompt.ref.description))
        }
        if let ref = filter.answerPrompt {
            let prompt = try ref.resolve(in: db, listingNames: false)
            guard prompt.role == .answer else {
                throw SelectionError.notAnAnswerPrompt(prompt.ref.description)
            }
            conditions.append(.answerPrompt(id: prompt.id, ref: prompt.ref.description))
        }
        if let model = filter.model {
            guard (try db.scalarInt("SELECT count(*) FROM models WHERE name = ?", [model]) ?? 0) > 0 else {
                throw SelectionError.noModel(model)
            }
            conditions.append(.model(model))
        }
        if let run = filter.run {
            guard case .text(let kind)? = try db.scalar("SELECT kind FROM runs WHERE id = ?", [run]) else {
                throw SelectionError.noRun(run)
            }
            conditions.append(.run(run, madeQuestions: kind == "questions"))
        }
        if let glob = filter.sourceGlob {
            conditions.append(.sourceGlob(glob))
        }
        if let chunking = filter.chunking {
            guard (try db.scalarInt("SELECT count(*) FROM chunkings WHERE id = ?", [chunking]) ?? 0) > 0 else {
                throw SelectionError.noChunking(chunking)
            }
            conditions.append(.chunking(chunking))
        }
        if let since = filter.since {
            conditions.append(.since(given: since, start: try PairFilter.timeRange(since, flag: "--since").start))
        }
        if let until = filter.until {
            let range = try PairFilter.timeRange(until, flag: "--until")
            conditions.append(.until(given: until, upper: range.upper, inclusive: range.upperIsInclusive))
        }
        if let minimum = filter.minAnswerChars {
            conditions.append(.minAnswerChars(minimum))
        }
        if filter.excludeIDK {
            conditions.append(.excludeIDK)
        }
        if let quality = filter.quality {
            conditions.append(.excludeFlagged(quality))
        }
        if let judgeFilter = filter.judge {
            // Chosen among the judges that graded what the other conditions keep.
            let judge = try JudgeChoice.chosen(for: judgeFilter, scope: PairQuery(datasetID: datasetID, conditions: conditions), in: db)
            conditions.append(.judged(judge))
            if let minimum = judgeFilter.minScore { conditions.append(.minScore(minimum, judge)) }
            self.judge = judge
        } else {
            judge = nil
        }
        var query = PairQuery(datasetID: datasetID, conditions: conditions)
        if filter.dedupe {
            // Among the pairs every other condition keeps: applied last.
            query = query.adding(.dedupe(scope: query))
        }
        if let near = filter.near {
            // After --dedupe too: its exact repeats would be near anyway.
            let duplicates = try NearDuplicates.scan(query, filter: near, in: db)
            try duplicates.register(on: db)
            query = query.adding(.dedupeNear(duplicates))
        }
        self.query = query
    }

    /// Steps through the selected rows in order; `body` reads the statement's columns (valid
    /// only during the call). Returns the number of rows.
    @discardableResult
    func forEachRow(columns: [PairColumn], _ body: (Statement) throws -> Void) throws -> Int {
        let select = query.select(columns)
        let statement = try db.prepare(select.sql)
        try statement.bind(select.arguments)
        var count = 0
        while try statement.step() {
            try body(statement)
            count += 1
        }
        return count
    }

    /// The full query for `columns`, for checking its plan.
    func query(columns: [PairColumn]) -> (sql: String, arguments: [SQLiteValue]) {
        let select = query.select(columns)
        return (select.sql, select.arguments)
    }

    /// The selected answer ids in order (what `dataset save` freezes).
    func answerIDs() throws -> [Int64] {
        var ids: [Int64] = []
        try forEachRow(columns: [.answerID]) { ids.append(Int64($0.int(0))) }
        return ids
    }

    /// How many pairs the store holds in scope (all answers, or the dataset's) and how many
    /// each condition removed, applied in order, in one counting query.
    func funnel() throws -> PairFunnel {
        var columns = ["count(*)"]
        var arguments: [SQLiteValue] = []
        var cumulative: [SQLFragment] = []
        for condition in conditions {
            cumulative.append(condition.sql(PairQuery.aliases).parenthesized)
            let all = SQLFragment.joined(cumulative, separator: " AND ")
            columns.append("coalesce(sum(\(all.sql)), 0)")
            arguments += all.arguments
        }
        let scope = SQLFragment.joined(query.scope, separator: " AND ")
        arguments += scope.arguments
        let sql = "SELECT \(columns.joined(separator: ", "))\n\(query.from)\n" + (scope.sql.isEmpty ? "" : "WHERE " + scope.sql)
        let statement = try db.prepare(sql)
        try statement.bind(arguments)
        guard try statement.step() else { return PairFunnel(total: 0, steps: []) }
        let total = statement.int(0)
        var previous = total
        var steps: [PairFunnel.Step] = []
        for (index, condition) in conditions.enumerated() {
            let remaining = statement.int(index + 1)
            var step = PairFunnel.Step(label: condition.label, removed: previous - remaining, remaining: remaining)
            if case .dedupeNear(let near) = condition { step.questionsRemoved = near.questionsDropped }
            steps.append(step)
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
        guard !filter.allAnswers, query.datasetID == nil else { return }
        var currentQuestion = -1
        var first: (prompt: Int, model: Int) = (0, 0)
        var mixedQuestions = 0
        var exampleQuestion: Int?
        var lastMixedQuestion = -1
        var mixedCombinations = Set<[Int]>()
        try forEachRow(columns: [.questionID, .answerPromptID, .answerModelID]) { row in
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
