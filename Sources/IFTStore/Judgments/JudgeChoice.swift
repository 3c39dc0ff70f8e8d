import Foundation
internal import IFTSQLite

/// The judge whose scores a selection reads: one judge prompt version and one model name
/// (any parameters, as `--model` means for answers). A pair's score is the mean of this
/// judge's judgments of its answer, over samples.
struct JudgeChoice: Sendable, Hashable {
    let promptID: Int64
    let promptName: String
    let promptVersion: Int
    let model: String
    /// The rows of `models` with that name that judged.
    let modelIDs: [Int64]

    var prompt: String { "\(promptName)@\(promptVersion)" }

    /// `judge@1 with llama`, for people.
    var label: String { "\(prompt) with \(model)" }

    /// Whether the judgment row under alias `judgment` is this judge's. The ids come from the
    /// store, so they are written as literals: the SQL reads the same wherever it is put.
    func matches(_ judgment: String) -> String {
        "\(judgment).prompt_id = \(promptID) AND \(judgment).model_id IN (\(modelIDs.map(String.init).joined(separator: ", ")))"
    }

    /// This judge's mean score of the answer whose id is the SQL `answerID`; NULL when it has
    /// not graded it. One lookup in the judgments' unique index.
    func meanScore(of answerID: String) -> String {
        "(SELECT avg(jg.score) FROM judgments jg WHERE jg.answer_id = \(answerID) AND \(matches("jg")))"
    }

    /// Whether this judge graded the answer whose id is the SQL `answerID`.
    func graded(_ answerID: String) -> String {
        "EXISTS (SELECT 1 FROM judgments jg WHERE jg.answer_id = \(answerID) AND \(matches("jg")))"
    }

    /// The flags that name this judge.
    var filter: JudgeFilter { JudgeFilter(prompt: PromptRef(name: promptName, version: promptVersion), model: model) }

    /// `given` (the user's judge flags, if any) pinned to this judge, `--min-score` kept: what
    /// a saved or compared selection records so it reads this judge later.
    func pinning(_ given: JudgeFilter?) -> JudgeFilter {
        var pinned = filter
        pinned.minScore = given?.minScore
        return pinned
    }
}

/// Which judges graded a selection.
enum JudgeResolution: Sendable, Equatable {
    /// The store holds no judgment (or, read before its upgrade, no judgments table).
    case noJudgments
    /// Judgments exist, but none by a judge the flags name; `available` are the judges there are.
    case noneMatch(available: [JudgeChoice])
    /// The one judge: the only one in the store (as narrowed), or the only one that graded
    /// the selection.
    case one(JudgeChoice)
    /// Several judges graded the selection.
    case several([JudgeChoice])
    /// Several judges exist (as narrowed), and none graded the selection.
    case noneGraded([JudgeChoice])

    /// The judge a report (stats, diff) shows scores of, when there is exactly one.
    var choice: JudgeChoice? {
        if case .one(let choice) = self { return choice }
        return nil
    }

    /// Resolves `filter` (nil: any judge) over the pairs `scope` selects. The store's judges
    /// are listed from the judgments' index; only when several remain is the selection read
    /// to see which of them graded it. Throws for a `--judge` that names no judge prompt or a
    /// `--judge-model` that names no model.
    static func resolve(_ filter: JudgeFilter?, scope: PairQuery, in db: Connection) throws -> JudgeResolution {
        let hasTable = try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'judgments'") == 1
        guard hasTable, try db.scalarInt("SELECT EXISTS (SELECT 1 FROM judgments)") == 1 else { return .noJudgments }
        var narrowing: [SQLFragment] = []
        if let ref = filter?.prompt {
            let prompt = try ref.resolve(in: db, listingNames: false)
            guard prompt.role == .judge else { throw SelectionError.notAJudgePrompt(prompt.ref.description, role: prompt.role.rawValue) }
            narrowing.append(SQLFragment("jg.prompt_id = ?", [.integer(prompt.id)]))
        }
        if let model = filter?.model {
            guard (try db.scalarInt("SELECT count(*) FROM models WHERE name = ?", [model]) ?? 0) > 0 else {
                throw SelectionError.noModel(model)
            }
            narrowing.append(SQLFragment("jg.model_id IN (SELECT id FROM models WHERE name = ?)", [.text(model)]))
        }
        let candidates = try judges(from: "FROM judgments jg", where: narrowing, in: db)
        if candidates.isEmpty {
            return .noneMatch(available: try judges(from: "FROM judgments jg", where: [], in: db))
        }
        if candidates.count == 1 { return .one(candidates[0]) }
        let graded = try judges(
            from: "\(scope.from)\nCROSS JOIN judgments jg ON jg.answer_id = \(PairQuery.aliases.answer).id",
            where: scope.filters + narrowing, in: db)
        switch graded.count {
        case 0: return .noneGraded(candidates)
        case 1: return .one(graded[0])
        default: return .several(graded)
        }
    }

    /// The judges (prompt version, model name) of the judgments `from` and `conditions`
    /// select, by prompt name, version and model name.
    private static func judges(from: String, where conditions: [SQLFragment], in db: Connection) throws -> [JudgeChoice] {
        let clause = SQLFragment.joined(conditions.map(\.parenthesized), separator: " AND ")
        let statement = try db.prepare("""
            SELECT p.id, p.name, p.version, m.name, m.id
            FROM (SELECT DISTINCT jg.prompt_id AS prompt_id, jg.model_id AS model_id \(from) \(clause.sql.isEmpty ? "" : "WHERE " + clause.sql)) k
            JOIN prompts p ON p.id = k.prompt_id JOIN models m ON m.id = k.model_id
            ORDER BY p.name, p.version, m.name, m.id
            """)
        try statement.bind(clause.arguments)
        var choices: [JudgeChoice] = []
        while try statement.step() {
            let promptID = Int64(statement.int(0)), model = statement.string(at: 3), modelID = Int64(statement.int(4))
            if let last = choices.last, last.promptID == promptID, last.model == model {
                choices[choices.count - 1] = JudgeChoice(
                    promptID: promptID, promptName: last.promptName, promptVersion: last.promptVersion, model: model, modelIDs: last.modelIDs + [modelID])
            } else {
                choices.append(JudgeChoice(
                    promptID: promptID, promptName: statement.string(at: 1), promptVersion: statement.int(2), model: model, modelIDs: [modelID]))
            }
        }
        return choices
    }
}

extension JudgeChoice {
    /// The judge a filter asks for: exactly one, or a one-line error that says why not and
    /// which flag narrows it.
    static func chosen(for filter: JudgeFilter, scope: PairQuery, in db: Connection) throws -> JudgeChoice {
        switch try JudgeResolution.resolve(filter, scope: scope, in: db) {
        case .one(let choice):
            return choice
        case .noJudgments:
            throw SelectionError.noJudgments(flags: filter.flags)
        case .noneMatch(let available):
            throw SelectionError.noSuchJudge(flags: filter.flags.filter { !$0.hasPrefix("--min-score") }, available: available.map(\.label))
        case .noneGraded(let judges):
            throw SelectionError.notJudged(judges: judges.map(\.label))
        case .several(let judges):
            var narrowing: [String] = []
            if Set(judges.map(\.promptID)).count > 1 { narrowing.append("--judge") }
            if Set(judges.map(\.model)).count > 1 { narrowing.append("--judge-model") }
            throw SelectionError.severalJudges(judges: judges.map(\.label), narrowing: narrowing)
        }
    }
}
