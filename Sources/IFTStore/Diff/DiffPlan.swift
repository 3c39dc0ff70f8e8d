import Foundation
internal import IFTSQLite

/// What a `DiffRequest` compares, resolved against a store: the references looked up, the
/// filters turned into conditions and split by the table they read. The one place a diff
/// request is checked; `check(_:)` holds what can be checked without a store.
enum DiffPlan {
    /// The checks that need no store (the command runs them before it opens one).
    static func check(_ request: DiffRequest) throws {
        if (request.a == nil) != (request.b == nil) { throw DiffError.needsTwoReferences }
        guard request.sample >= 1 else { throw DiffError.badSample }
        let noSides = request.aFilter.isEmpty && request.bFilter.isEmpty
        if request.a != nil && !noSides { throw DiffError.referencesAndSides }
        if request.a == nil && noSides { throw DiffError.nothingToCompare }
    }

    /// The comparison `request` asks for, in `db`.
    static func resolve(_ request: DiffRequest, in db: Connection) throws -> any Comparison {
        try check(request)
        try request.filter.idkRule.register(on: db)
        if request.filter.dataset != nil {
            throw DiffError.datasetFilter
        }
        guard let a = request.a, let b = request.b else {
            let (base, judge) = try pinnedJudge(request.filter, in: db)
            return PairSetDiff(
                db: db,
                a: try filterSet(request.aFilter, base: base, in: db),
                b: try filterSet(request.bFilter, base: base, in: db), judge: judge)
        }
        switch (a, b) {
        case (.dataset(let nameA), .dataset(let nameB)):
            let (base, judge) = try pinnedJudge(request.filter, in: db)
            return PairSetDiff(
                db: db, a: try datasetSet(nameA, base: base, in: db), b: try datasetSet(nameB, base: base, in: db), judge: judge)
        case (.prompt(let refA), .prompt(let refB)):
            let promptA = try refA.resolve(in: db, listingNames: false), promptB = try refB.resolve(in: db, listingNames: false)
            if let judge = [promptA, promptB].first(where: { $0.role == .judge }) {
                throw DiffError.judgePrompt(judge.ref.description)
            }
            guard promptA.role == promptB.role else {
                let (answer, question) = promptA.role == .answer ? (promptA, promptB) : (promptB, promptA)
                throw DiffError.mixedPromptKinds(answerPrompt: answer.ref.description, questionPrompt: question.ref.description)
            }
            return promptA.role == .answer
                ? try answerDiff(promptA, promptB, request: request, in: db)
                : try questionDiff(promptA, promptB, request: request, in: db)
        default:
            throw DiffError.incomparable(a: a.description, b: b.description)
        }
    }

    private static func answerDiff(_ a: Prompt, _ b: Prompt, request: DiffRequest, in db: Connection) throws -> AnswerDiff {
        if request.filter.answerPrompt != nil {
            throw DiffError.comparedPromptFilter(flag: "--answer-prompt", a: a.ref.description, b: b.ref.description, kind: .answer)
        }
        let selection = try PairSelection(request.filter, in: db)
        let conditions = try pruned(selection.query, in: db).conditions
        for prompt in [a, b] { try checkOneModel(prompt, filter: request.filter, in: db) }
        return AnswerDiff(
            db: db, a: a, b: b, common: conditions.filter { $0.table != .answer }, answer: conditions.filter { $0.table == .answer },
            sample: request.sample, quality: request.filter.quality, judge: try scoringJudge(selection, in: db))
    }

    /// The judge a diff reads scores from: the one the shared filters chose, else the one
    /// judge of the pairs they select; nil when none graded them, or several did.
    private static func scoringJudge(_ selection: PairSelection, in db: Connection) throws -> JudgeChoice? {
        if let judge = selection.judge { return judge }
        return try JudgeResolution.resolve(nil, scope: selection.query, in: db).choice
    }

    /// The shared filters with their judge pinned, so both sides of a pair-set diff read one
    /// judge (each side alone could choose another), and that judge.
    private static func pinnedJudge(_ filter: PairFilter, in db: Connection) throws -> (PairFilter, JudgeChoice?) {
        let judge = try scoringJudge(try PairSelection(filter, in: db), in: db)
        guard let judge, let given = filter.judge else { return (filter, judge) }
        var pinned = filter
        pinned.judge = judge.pinning(given)
        return (pinned, judge)
    }

    private static func questionDiff(_ a: Prompt, _ b: Prompt, request: DiffRequest, in db: Connection) throws -> QuestionDiff {
        if request.filter.questionPrompt != nil {
            throw DiffError.comparedPromptFilter(flag: "--question-prompt", a: a.ref.description, b: b.ref.description, kind: .question)
        }
        // Refused below like --dedupe; said before its scan of every question is made.
        if let near = request.filter.near {
            throw DiffError.answerFilterOnQuestions(label: near.flags.joined(separator: " "))
        }
        let conditions = try pruned(PairSelection(request.filter, in: db).query, in: db).conditions
        if let answerLevel = conditions.first(where: { $0.table == .answer || $0.readsPairs }) {
            throw DiffError.answerFilterOnQuestions(label: answerLevel.label)
        }
        return QuestionDiff(
            db: db, a: a, b: b, chunk: conditions.filter { $0.table != .question }, question: conditions.filter { $0.table == .question })
    }

    /// Drops the current-version condition when no path has a second version: it can remove
    /// nothing then, and costs a lookup per row.
    private static func pruned(_ query: PairQuery, in db: Connection) throws -> PairQuery {
        let superseded = try db.scalarInt("SELECT EXISTS (SELECT 1 FROM sources WHERE version > 1)") ?? 1
        guard superseded == 0 else { return query }
        return query.filter { !$0.isCurrentVersion }
    }

    /// Answers are matched by question and sample: one side with answers from several models
    /// would match one question twice, so it must be narrowed first.
    private static func checkOneModel(_ prompt: Prompt, filter: PairFilter, in db: Connection) throws {
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
        throw DiffError.severalModels(prompt: prompt.ref.description, models: listed, narrowing: names.count > 1 ? "--model" : "--run")
    }

    private static func datasetSet(_ name: String, base: PairFilter, in db: Connection) throws -> PairSetDiff.PairSet {
        guard try db.scalarInt("SELECT id FROM datasets WHERE name = ?", [name]) != nil else {
            throw SelectionError.noDataset(name)
        }
        var filter = base
        filter.dataset = name
        return PairSetDiff.PairSet(
            label: "dataset:\(name)", query: try pruned(PairSelection(filter, in: db).query, in: db), quality: filter.quality)
    }

    private static func filterSet(_ side: DiffSideFilter, base: PairFilter, in db: Connection) throws -> PairSetDiff.PairSet {
        let filter = side.applied(to: base)
        return PairSetDiff.PairSet(label: side.label, query: try pruned(PairSelection(filter, in: db).query, in: db), quality: filter.quality)
    }
}
