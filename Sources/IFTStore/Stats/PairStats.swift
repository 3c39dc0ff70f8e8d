import Foundation
internal import IFTSQLite

/// What `iftdb stats` reports: the store's size, and for the selected pairs, one row per
/// (question prompt, answer prompt, model).
public struct PairStats: Sendable, Hashable, Codable {
    /// Whole-store counts, whatever the filters.
    public struct StoreCounts: Sendable, Hashable, Codable {
        /// Paths whose current version is not "removed".
        public let sources: Int
        /// Rows of `sources`: every version of every path, removed ones included.
        public let sourceVersions: Int
        public let chunks: Int
        public let questions: Int
        public let answers: Int
        /// Question sets stored with fewer questions than their run asked for (`ShortSets`).
        public var shortSets = 0
    }

    /// The selection the filters chose.
    public struct Selection: Sendable, Hashable, Codable {
        public let pairs: Int
        public let sources: Int
        public let chunks: Int
        public let questions: Int
        /// The filters as flags.
        public let filters: [String]
        /// The judge whose scores the groups show (`judge@1 with llama`): the one the filters
        /// chose, else the one judge that graded these pairs; nil when none did, or several.
        public var judge: String? = nil
        /// When several judges graded these pairs and the filters chose none: which (no scores then).
        public var severalJudges: [String] = []

        enum CodingKeys: String, CodingKey { case pairs, sources, chunks, questions, filters, judge, severalJudges }

        /// Every key is always present: no judge is `null`, not left out.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(pairs, forKey: .pairs)
            try c.encode(sources, forKey: .sources)
            try c.encode(chunks, forKey: .chunks)
            try c.encode(questions, forKey: .questions)
            try c.encode(filters, forKey: .filters)
            try c.encode(judge, forKey: .judge)
            try c.encode(severalJudges, forKey: .severalJudges)
        }
    }

    public struct Group: Sendable, Hashable, Codable {
        public let questionPrompt: String
        public let answerPrompt: String
        /// The model's name, with its parameters when another model row shares the name.
        public let model: String
        public let pairs: Int
        /// Pairs the "I don't know" rule (with the filter's extra patterns) matches.
        public let idk: Int
        public let idkRate: Double
        /// Questions in the group, and how many repeat an earlier one's normalised text
        /// (what `--dedupe` would drop within the group).
        public let questions: Int
        public let duplicateQuestions: Int
        public let duplicateQuestionRate: Double
        /// Mean answer length in characters (Unicode scalars).
        public let meanAnswerChars: Double
        /// Tokens of the calls that made these answers (prompt = in, completion = out).
        public let tokensIn: Int
        public let tokensOut: Int
        /// Calls with an error in the answer runs that made these answers.
        public let failedCalls: Int
        /// Latency of the calls that made these answers, nearest-rank percentiles; nil when no
        /// call recorded one.
        public let latencyMsP50: Double?
        public let latencyMsP95: Double?
        /// Pairs at least one built-in quality check flags ("I don't know" answers are not
        /// judged), their share, and the count per check (every check named, in table order).
        public var flagged = 0
        public var flaggedRate = 0.0
        public var flags: [String: Int] = [:]
        /// Questions in the group that are near an earlier question kept in the group (what
        /// `--dedupe-near` would drop within the group, at the filter's `--near-threshold` or
        /// the default), and their share of the group's questions.
        public var nearDuplicateQuestions = 0
        public var nearDuplicateRate = 0.0
        /// Pairs the selection's judge graded, the mean of their mean scores (over samples; nil
        /// when none was graded), and the judge's judgments (one per sample) by score, 1 to 5.
        public var judged = 0
        public var meanScore: Double? = nil
        public var scoreHistogram = [0, 0, 0, 0, 0]

        enum CodingKeys: String, CodingKey {
            case questionPrompt, answerPrompt, model, pairs, idk, idkRate, questions, duplicateQuestions, duplicateQuestionRate,
                 nearDuplicateQuestions, nearDuplicateRate, meanAnswerChars, tokensIn, tokensOut, failedCalls, latencyMsP50, latencyMsP95,
                 flagged, flaggedRate, flags, judged, meanScore, scoreHistogram
        }

        /// Every key is always present: a missing latency is `null`, not left out.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(questionPrompt, forKey: .questionPrompt)
            try c.encode(answerPrompt, forKey: .answerPrompt)
            try c.encode(model, forKey: .model)
            try c.encode(pairs, forKey: .pairs)
            try c.encode(idk, forKey: .idk)
            try c.encode(idkRate, forKey: .idkRate)
            try c.encode(questions, forKey: .questions)
            try c.encode(duplicateQuestions, forKey: .duplicateQuestions)
            try c.encode(duplicateQuestionRate, forKey: .duplicateQuestionRate)
            try c.encode(nearDuplicateQuestions, forKey: .nearDuplicateQuestions)
            try c.encode(nearDuplicateRate, forKey: .nearDuplicateRate)
            try c.encode(meanAnswerChars, forKey: .meanAnswerChars)
            try c.encode(tokensIn, forKey: .tokensIn)
            try c.encode(tokensOut, forKey: .tokensOut)
            try c.encode(failedCalls, forKey: .failedCalls)
            try c.encode(latencyMsP50, forKey: .latencyMsP50)
            try c.encode(latencyMsP95, forKey: .latencyMsP95)
            try c.encode(flagged, forKey: .flagged)
            try c.encode(flaggedRate, forKey: .flaggedRate)
            try c.encode(flags, forKey: .flags)
            try c.encode(judged, forKey: .judged)
            try c.encode(meanScore, forKey: .meanScore)
            try c.encode(scoreHistogram, forKey: .scoreHistogram)
        }
    }

    public let store: StoreCounts
    public let selection: Selection
    public let groups: [Group]
}

extension StoreReader {
    /// `iftdb stats` for `filter`, in one read snapshot. Every number is one SQL aggregate
    /// over the selection; percentiles come from window functions (SQLite has no percentile
    /// aggregate), so nothing is held in memory per pair.
    public func stats(filter: PairFilter) throws -> PairStats {
        try guarded {
            try db.transaction(.deferred) { try PairStats.compute(in: db, filter: filter) }
        }
    }
}

extension PairStats {

    static func compute(in db: Connection, filter: PairFilter) throws -> PairStats {
        let totals = try db.prepare("""
            SELECT (SELECT count(*) FROM current_sources WHERE status <> 'removed'), (SELECT count(*) FROM sources),
                   (SELECT count(*) FROM chunks), (SELECT count(*) FROM questions), (SELECT count(*) FROM answers),
                   (\(ShortSets.totalSQL))
            """)
        _ = try totals.step()
        var store = StoreCounts(sources: totals.int(0), sourceVersions: totals.int(1), chunks: totals.int(2), questions: totals.int(3), answers: totals.int(4))
        store.shortSets = totals.int(5)
        // Done with it: SQLite refuses to register a function again (the selection's `is_idk`)
        // while a statement is still running.
        totals.reset()

        let selection = try PairSelection(filter, in: db)
        let clause = selection.query.whereClause()
        let selected = "\(selection.query.from)\n\(clause.sql)"

        let summary = try db.prepare("SELECT count(*), count(DISTINCT s.path), count(DISTINCT c.id), count(DISTINCT q.id) \(selected)")
        try summary.bind(clause.arguments)
        _ = try summary.step()
        var chosen = Selection(pairs: summary.int(0), sources: summary.int(1), chunks: summary.int(2), questions: summary.int(3), filters: filter.flags)
        summary.reset()
        // Scores come from the judge the filters chose, else from the one judge of these pairs.
        var judge = selection.judge
        if judge == nil {
            switch try JudgeResolution.resolve(nil, scope: selection.query, in: db) {
            case .one(let only): judge = only
            case .several(let judges): chosen.severalJudges = judges.map(\.label)
            default: break
            }
        }
        chosen.judge = judge?.label
        // The judge's ids are literals (`JudgeChoice.matches`): no values to bind.
        let score = judge.map { $0.meanScore(of: "a.id") } ?? "NULL"
        let histogram = judge.map { judge in """
            hist AS (
                SELECT qp, ap, m, sum(jg.score = 1) AS h1, sum(jg.score = 2) AS h2, sum(jg.score = 3) AS h3,
                       sum(jg.score = 4) AS h4, sum(jg.score = 5) AS h5
                FROM pairs JOIN judgments jg ON jg.answer_id = pairs.answer_id AND \(judge.matches("jg"))
                GROUP BY 1, 2, 3
            ),
            """ } ?? "hist AS (SELECT NULL AS qp, NULL AS ap, NULL AS m, 0 AS h1, 0 AS h2, 0 AS h3, 0 AS h4, 0 AS h5 WHERE 0),"

        // The quality checks judge with the filter's --min-support, else the default, and work
        // every check out (the figures count each).
        let mask = QualitySQL.maskSQL(
            answerID: "a.id", question: "q.text", answer: "a.text", chunk: "c.text",
            minSupport: filter.quality?.minSupport ?? QualityChecks.defaultMinSupport, stop: [])

        // `pairs` is written (and its values bound) once; NOT MATERIALIZED has SQLite read it
        // in place at each use, as if each use spelled the selection out.
        let statement = try db.prepare("""
            WITH pairs AS NOT MATERIALIZED (
                SELECT q.prompt_id AS qp, a.prompt_id AS ap, a.model_id AS m, q.id AS question_id, q.normalized AS normalized,
                       a.text AS text, a.call_id AS call_id, a.run_id AS run_id, a.id AS answer_id,
                       \(mask) AS mask, \(score) AS score
                \(selected)
            ),
            g AS (
                SELECT qp, ap, m, count(*) AS pairs,
                       coalesce(sum(\(IDKRule.sqlFunctionName)(text)), 0) AS idk, count(DISTINCT question_id) AS questions,
                       count(DISTINCT normalized) AS keys, avg(length(text)) AS mean_chars,
                       coalesce(sum(mask <> 0), 0) AS flagged,
                       coalesce(sum(mask & 1 <> 0), 0) AS f0,
                       coalesce(sum(mask & 2 <> 0), 0) AS f1,
                       coalesce(sum(mask & 4 <> 0), 0) AS f2,
                       coalesce(sum(mask & 8 <> 0), 0) AS f3,
                       coalesce(sum(mask & 16 <> 0), 0) AS f4,
                       count(score) AS judged, avg(score) AS mean_score
                FROM pairs
                GROUP BY 1, 2, 3
            ),
            -- The selected pairs' distinct answer calls per group, for tokens and latency.
            calls_of AS (SELECT DISTINCT qp, ap, m, call_id FROM pairs),
            tokens AS (
                SELECT qp, ap, m, coalesce(sum(k.prompt_tokens), 0) AS tin, coalesce(sum(k.completion_tokens), 0) AS tout
                FROM calls_of JOIN calls k ON k.id = calls_of.call_id GROUP BY 1, 2, 3
            ),
            ranked AS (
                SELECT qp, ap, m, k.latency_ms AS latency,
                       row_number() OVER (PARTITION BY qp, ap, m ORDER BY k.latency_ms) AS r,
                       count(*) OVER (PARTITION BY qp, ap, m) AS n
                FROM calls_of JOIN calls k ON k.id = calls_of.call_id WHERE k.latency_ms IS NOT NULL
            ),
            percentiles AS (
                SELECT qp, ap, m,
                       max(CASE WHEN r = (n * 50 + 99) / 100 THEN latency END) AS p50,
                       max(CASE WHEN r = (n * 95 + 99) / 100 THEN latency END) AS p95
                FROM ranked GROUP BY 1, 2, 3
            ),
            runs_of AS (SELECT DISTINCT qp, ap, m, run_id FROM pairs),
            \(histogram)
            failures AS (
                SELECT qp, ap, m, count(k.id) AS failed
                FROM runs_of LEFT JOIN calls k ON k.run_id = runs_of.run_id AND k.error IS NOT NULL GROUP BY 1, 2, 3
            )
            SELECT pq.name || '@' || pq.version, pa.name || '@' || pa.version, md.name, md.params,
                   (SELECT count(*) FROM models x WHERE x.name = md.name),
                   g.pairs, g.idk, g.questions, g.keys, g.mean_chars,
                   coalesce(t.tin, 0), coalesce(t.tout, 0), coalesce(f.failed, 0), p.p50, p.p95,
                   g.flagged, g.f0, g.f1, g.f2, g.f3, g.f4,
                   g.judged, g.mean_score, coalesce(h.h1, 0), coalesce(h.h2, 0), coalesce(h.h3, 0), coalesce(h.h4, 0), coalesce(h.h5, 0),
                   g.qp, g.ap, g.m
            FROM g
            JOIN prompts pq ON pq.id = g.qp JOIN prompts pa ON pa.id = g.ap JOIN models md ON md.id = g.m
            LEFT JOIN tokens t ON t.qp = g.qp AND t.ap = g.ap AND t.m = g.m
            LEFT JOIN percentiles p ON p.qp = g.qp AND p.ap = g.ap AND p.m = g.m
            LEFT JOIN failures f ON f.qp = g.qp AND f.ap = g.ap AND f.m = g.m
            LEFT JOIN hist h ON h.qp = g.qp AND h.ap = g.ap AND h.m = g.m
            ORDER BY pq.name, pq.version, pa.name, pa.version, md.name, md.id
            """)
        try statement.bind(clause.arguments)
        var groups: [Group] = []
        var groupKeys: [[Int]] = []
        while try statement.step() {
            let pairs = statement.int(5), idk = statement.int(6), questions = statement.int(7), keys = statement.int(8)
            let model = statement.int(4) > 1 ? "\(statement.string(at: 2)) \(statement.string(at: 3))" : statement.string(at: 2)
            var group = Group(
                questionPrompt: statement.string(at: 0), answerPrompt: statement.string(at: 1), model: model,
                pairs: pairs, idk: idk, idkRate: Self.rate(idk, of: pairs),
                questions: questions, duplicateQuestions: questions - keys, duplicateQuestionRate: Self.rate(questions - keys, of: questions),
                meanAnswerChars: statement.double(9), tokensIn: statement.int(10), tokensOut: statement.int(11),
                failedCalls: statement.int(12), latencyMsP50: statement.optionalDouble(13), latencyMsP95: statement.optionalDouble(14))
            group.flagged = statement.int(15)
            group.flaggedRate = Self.rate(group.flagged, of: pairs)
            for (offset, check) in QualityCheck.allCases.enumerated() { group.flags[check.rawValue] = statement.int(16 + offset) }
            group.judged = statement.int(21)
            group.meanScore = statement.optionalDouble(22)
            group.scoreHistogram = (23...27).map { statement.int($0) }
            groups.append(group)
            groupKeys.append((28 ..< 31).map(statement.int))
        }
        // Near duplicates within each group: one scan of the group's questions (in the
        // snapshot the counts were read in).
        let near = filter.near ?? NearFilter()
        for (index, key) in groupKeys.enumerated() {
            let scan = try NearDuplicates.scan(selection.query, extra: [SQLFragment(
                "q.prompt_id = ? AND a.prompt_id = ? AND a.model_id = ?", key.map { .integer(Int64($0)) })], filter: near, in: db)
            groups[index].nearDuplicateQuestions = scan.questionsDropped
            groups[index].nearDuplicateRate = Self.rate(scan.questionsDropped, of: groups[index].questions)
        }
        return PairStats(store: store, selection: chosen, groups: groups)
    }

    static func rate(_ part: Int, of whole: Int) -> Double {
        whole == 0 ? 0 : Double(part) / Double(whole)
    }
}
