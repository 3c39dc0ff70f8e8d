import Foundation

/// Which (chunk, question, answer) pairs a command works on. Shared by `export`, `stats`,
/// `dataset save` and `diff`: build one from flags, then `PairSelection(filter, in: db)`
/// resolves it against a store. Every value reaches SQL as a bound parameter.
public struct PairFilter: Sendable, Hashable, Codable {
    /// Questions made by this prompt version (`NAME` = its latest version).
    public var questionPrompt: PromptRef?
    /// Answers made by this prompt version (`NAME` = its latest version).
    public var answerPrompt: PromptRef?
    /// Answers made by a model of this name (any parameters).
    public var model: String?
    /// Pairs whose question or answer came from this generation run.
    public var run: Int?
    /// Source paths matching this glob (SQLite GLOB: case-sensitive, `*` also crosses `/`).
    public var sourceGlob: String?
    /// Chunks of this chunking.
    public var chunking: Int?
    /// Answers created at or after this time (`YYYY-MM-DD` or an ISO 8601 timestamp).
    public var since: String?
    /// Answers created up to this time (a date includes its whole day, UTC).
    public var until: String?
    /// Leave out answers the IDK rule calls "I don't know".
    public var excludeIDK: Bool
    /// The rule `excludeIDK` and the `is_idk` column use (extra patterns from `--idk-pattern`).
    public var idkRule: IDKRule
    /// Leave out answers shorter than this many characters (Unicode scalars).
    public var minAnswerChars: Int?
    /// Include superseded source versions (by default only each path's current version).
    public var allVersions: Bool
    /// Take answers from several answer prompts or models for one question.
    public var allAnswers: Bool
    /// Only the answers frozen in this saved dataset, in its order (issue 8 writes datasets).
    /// The current-version default does not apply: a dataset is a frozen selection.
    public var dataset: String?
    /// Keep only the earliest question (smallest id) of each normalised question text
    /// (`questions.normalized`) in the selection, with its answers; applied after every other
    /// condition.
    public var dedupe: Bool
    /// `--exclude-flagged`: only pairs that pass the built-in quality checks (nil: no check).
    public var quality: QualityFilter?
    /// `--judge`, `--judge-model`, `--min-score`: only pairs a judge graded (well enough).
    public var judge: JudgeFilter?
    /// `--dedupe-near`: drop a question near one kept before it (smaller id) among the pairs
    /// every other condition keeps, `--dedupe` included; applied last (nil: off).
    public var near: NearFilter?

    public init(
        questionPrompt: PromptRef? = nil, answerPrompt: PromptRef? = nil, model: String? = nil,
        run: Int? = nil, sourceGlob: String? = nil, chunking: Int? = nil,
        since: String? = nil, until: String? = nil, excludeIDK: Bool = false,
        idkRule: IDKRule = .standard, minAnswerChars: Int? = nil, allVersions: Bool = false,
        allAnswers: Bool = false, dataset: String? = nil, dedupe: Bool = false, quality: QualityFilter? = nil,
        judge: JudgeFilter? = nil,
        near: NearFilter? = nil
    ) {
        self.questionPrompt = questionPrompt
        self.answerPrompt = answerPrompt
        self.model = model
        self.run = run
        self.sourceGlob = sourceGlob
        self.chunking = chunking
        self.since = since
        self.until = until
        self.excludeIDK = excludeIDK
        self.idkRule = idkRule
        self.minAnswerChars = minAnswerChars
        self.allVersions = allVersions
        self.allAnswers = allAnswers
        self.dataset = dataset
        self.dedupe = dedupe
        self.quality = quality
        self.judge = judge
        self.near = near
    }

    private enum CodingKeys: String, CodingKey {
        case questionPrompt, answerPrompt, model, run, sourceGlob, chunking, since, until, excludeIDK, idkRule,
             minAnswerChars, allVersions, allAnswers, dataset, dedupe, quality, judge, near
    }

    /// Reads a filter saved by any iftdb version: flags added later default to off.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            questionPrompt: try c.decodeIfPresent(PromptRef.self, forKey: .questionPrompt),
            answerPrompt: try c.decodeIfPresent(PromptRef.self, forKey: .answerPrompt),
            model: try c.decodeIfPresent(String.self, forKey: .model),
            run: try c.decodeIfPresent(Int.self, forKey: .run),
            sourceGlob: try c.decodeIfPresent(String.self, forKey: .sourceGlob),
            chunking: try c.decodeIfPresent(Int.self, forKey: .chunking),
            since: try c.decodeIfPresent(String.self, forKey: .since),
            until: try c.decodeIfPresent(String.self, forKey: .until),
            excludeIDK: try c.decodeIfPresent(Bool.self, forKey: .excludeIDK) ?? false,
            idkRule: try c.decodeIfPresent(IDKRule.self, forKey: .idkRule) ?? .standard,
            minAnswerChars: try c.decodeIfPresent(Int.self, forKey: .minAnswerChars),
            allVersions: try c.decodeIfPresent(Bool.self, forKey: .allVersions) ?? false,
            allAnswers: try c.decodeIfPresent(Bool.self, forKey: .allAnswers) ?? false,
            dataset: try c.decodeIfPresent(String.self, forKey: .dataset),
            dedupe: try c.decodeIfPresent(Bool.self, forKey: .dedupe) ?? false,
            quality: try c.decodeIfPresent(QualityFilter.self, forKey: .quality),
            judge: try c.decodeIfPresent(JudgeFilter.self, forKey: .judge),
            near: try c.decodeIfPresent(NearFilter.self, forKey: .near))
    }

    /// Checks what can be checked without a store (times, numbers); throws `SelectionError`.
    public func validate() throws {
        if let since { _ = try Self.timeRange(since, flag: "--since") }
        if let until { _ = try Self.timeRange(until, flag: "--until") }
        if let minAnswerChars, minAnswerChars < 0 {
            throw SelectionError.negativeMinAnswerChars(minAnswerChars)
        }
        try quality?.validate()
        try judge?.validate()
        try near?.validate()
    }

    /// The flags that reproduce this filter, e.g. `--answer-prompt answers@2 --exclude-idk`.
    public var flags: [String] {
        var out: [String] = []
        if let dataset { out.append("--dataset \(dataset)") }
        if let questionPrompt { out.append("--question-prompt \(questionPrompt)") }
        if let answerPrompt { out.append("--answer-prompt \(answerPrompt)") }
        if let model { out.append("--model \(model)") }
        if let run { out.append("--run \(run)") }
        if let sourceGlob { out.append("--source '\(sourceGlob)'") }
        if let chunking { out.append("--chunking \(chunking)") }
        if let since { out.append("--since \(since)") }
        if let until { out.append("--until \(until)") }
        if excludeIDK { out.append("--exclude-idk") }
        for pattern in idkRule.extraPatterns { out.append("--idk-pattern '\(pattern)'") }
        if let minAnswerChars { out.append("--min-answer-chars \(minAnswerChars)") }
        if allVersions { out.append("--all-versions") }
        if allAnswers { out.append("--all-answers") }
        if dedupe { out.append("--dedupe") }
        if let quality { out += quality.flags }
        if let judge { out += judge.flags }
        if let near { out += near.flags }
        return out
    }

    /// A `--since`/`--until` value in the stored timestamp format: a date is its whole UTC day
    /// (`start ..< upper`), a timestamp is that moment (`start ... upper`).
    static func timeRange(_ text: String, flag: String) throws -> (start: String, upper: String, upperIsInclusive: Bool) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.count == 10, let day = try? Date.ISO8601FormatStyle().year().month().day().parse(trimmed) {
            return (Timestamp.format(day), Timestamp.format(day.addingTimeInterval(86_400)), false)
        }
        var candidate = trimmed.replacingOccurrences(of: " ", with: "T")
        let hasZone = candidate.hasSuffix("Z") || candidate.range(of: #"[+-]\d\d:?\d\d$"#, options: .regularExpression) != nil
        if !hasZone { candidate += "Z" }
        let styles = [Date.ISO8601FormatStyle(includingFractionalSeconds: true), Date.ISO8601FormatStyle()]
        for style in styles {
            if let date = try? style.parse(candidate) {
                return (Timestamp.format(date), Timestamp.format(date), true)
            }
        }
        throw SelectionError.badTime(flag: flag, value: text)
    }
}
