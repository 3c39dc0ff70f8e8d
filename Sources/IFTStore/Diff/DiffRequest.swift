import Foundation

/// One side of `iftdb diff` as written on the command line: a prompt version (`answers@2`)
/// or a saved dataset (`dataset:NAME`).
public enum DiffRef: Sendable, Hashable, CustomStringConvertible {
    case prompt(PromptRef)
    case dataset(String)

    public init(parsing text: String) throws {
        if text.hasPrefix("dataset:") {
            let name = String(text.dropFirst("dataset:".count))
            guard !name.isEmpty else {
                throw DiffError.noDatasetName(reference: text)
            }
            self = .dataset(name)
        } else {
            self = .prompt(try PromptRef(parsing: text))
        }
    }

    public var description: String {
        switch self {
        case .prompt(let ref): return ref.description
        case .dataset(let name): return "dataset:\(name)"
        }
    }
}

/// What one side of a filter-set diff adds to the shared filters (`--a-model X` …).
public struct DiffSideFilter: Sendable, Hashable {
    public var model: String?
    public var answerPrompt: PromptRef?
    public var questionPrompt: PromptRef?
    public var run: Int?

    public init(model: String? = nil, answerPrompt: PromptRef? = nil, questionPrompt: PromptRef? = nil, run: Int? = nil) {
        self.model = model
        self.answerPrompt = answerPrompt
        self.questionPrompt = questionPrompt
        self.run = run
    }

    public var isEmpty: Bool { model == nil && answerPrompt == nil && questionPrompt == nil && run == nil }

    /// `base` with this side's values in place of the shared ones.
    func applied(to base: PairFilter) -> PairFilter {
        var filter = base
        if let model { filter.model = model }
        if let answerPrompt { filter.answerPrompt = answerPrompt }
        if let questionPrompt { filter.questionPrompt = questionPrompt }
        if let run { filter.run = run }
        return filter
    }

    var label: String {
        var parts: [String] = []
        if let model { parts.append("model \(model)") }
        if let answerPrompt { parts.append("answers \(answerPrompt)") }
        if let questionPrompt { parts.append("questions \(questionPrompt)") }
        if let run { parts.append("run \(run)") }
        return parts.isEmpty ? "all" : parts.joined(separator: ", ")
    }
}

/// Everything `iftdb diff` was asked: two references, or two side filters, plus the shared
/// filters that narrow both sides.
public struct DiffRequest: Sendable, Hashable {
    public var a: DiffRef?
    public var b: DiffRef?
    public var aFilter: DiffSideFilter
    public var bFilter: DiffSideFilter
    public var filter: PairFilter
    /// Which answer sample an answer-prompt diff compares.
    public var sample: Int

    public init(a: DiffRef? = nil, b: DiffRef? = nil, aFilter: DiffSideFilter = .init(), bFilter: DiffSideFilter = .init(),
                filter: PairFilter = PairFilter(), sample: Int = 1) {
        self.a = a
        self.b = b
        self.aFilter = aFilter
        self.bFilter = bFilter
        self.filter = filter
        self.sample = sample
    }

    /// Throws `DiffError` for a request that cannot be made whatever the store holds (one
    /// reference, a sample below 1, references with side flags, nothing to compare).
    public func validate() throws { try DiffPlan.check(self) }
}

/// What a diff compares.
public enum DiffKind: String, Sendable, Hashable {
    /// Two answer prompt versions, question by question.
    case answers
    /// Two question prompt versions, chunk by chunk.
    case questions
    /// Two sets of pairs (saved datasets or filter sets), matched by content.
    case pairs
}

/// Which items `--show` lists.
public enum DiffShow: String, Sendable, Hashable, CaseIterable {
    case same, changed
    case onlyA = "only-a"
    case onlyB = "only-b"
    case intoIDK = "into-idk"
    case outOfIDK = "out-of-idk"
    case kept, added, dropped
    /// Matched pairs whose mean score from the diff's judge differs between the sides.
    case scoreChanged = "score-changed"

    public func applies(to kind: DiffKind) -> Bool {
        switch kind {
        case .answers: return [.same, .changed, .onlyA, .onlyB, .intoIDK, .outOfIDK, .scoreChanged].contains(self)
        case .questions: return [.kept, .added, .dropped].contains(self)
        case .pairs: return [.same, .changed, .onlyA, .onlyB, .scoreChanged].contains(self)
        }
    }

    public static func choices(for kind: DiffKind) -> [DiffShow] { allCases.filter { $0.applies(to: kind) } }
}

/// One side's totals: how many items, and for answers their "I don't know" count, length
/// and the tokens of the calls that made them.
public struct DiffSideStats: Sendable, Hashable {
    public let label: String
    /// Answers, questions or pairs on this side (after the filters).
    public let items: Int
    /// Chunks with at least one question on this side (question diffs).
    public let chunks: Int?
    public let idk: Int?
    public let answerChars: Int?
    public let promptTokens: Int?
    public let completionTokens: Int?
    /// Answers a built-in quality check flags (answer and pair diffs), judged with the
    /// side's `--min-support` and `--allow-flag`, or the defaults.
    public var flagged: Int?
    /// With a judge: the items it graded, and the sum of their mean scores (over samples).
    public var judged: Int? = nil
    public var scoreSum: Double? = nil

    public var flaggedRate: Double? { flagged.map { items == 0 ? 0 : Double($0) / Double(items) } }
    public var idkRate: Double? { idk.map { items == 0 ? 0 : Double($0) / Double(items) } }
    public var meanAnswerChars: Double? { answerChars.map { items == 0 ? 0 : Double($0) / Double(items) } }
    /// The mean of the graded items' mean scores; nil without a judge or when it graded none.
    public var meanScore: Double? {
        guard let judged, let scoreSum, judged > 0 else { return nil }
        return scoreSum / Double(judged)
    }

    /// The same totals with the judge's.
    func scored(judged: Int, scoreSum: Double) -> DiffSideStats {
        var stats = self
        stats.judged = judged
        stats.scoreSum = scoreSum
        return stats
    }
}

/// The numbers of a diff, in the order they are reported.
public struct DiffSummary: Sendable, Hashable {
    public struct Count: Sendable, Hashable {
        /// The JSON key, e.g. `only_a`.
        public let key: String
        /// The label for people, e.g. `only in A`.
        public let label: String
        public let value: Int
    }

    public let kind: DiffKind
    public let a: DiffSideStats
    public let b: DiffSideStats
    public let counts: [Count]
    /// The answer sample compared (answer-prompt diffs).
    public let sample: Int?
    /// The judge whose scores the sides and `score_changed` read (`judge@1 with llama`): the
    /// one the filters chose, else the one judge of the pairs they select; nil without one.
    public var judge: String? = nil

    public func value(_ key: String) -> Int? { counts.first { $0.key == key }?.value }

    /// Whether the sides differ (what `--exit-code` reports).
    public var differs: Bool {
        switch kind {
        case .answers, .pairs: return (value("changed") ?? 0) + (value("only_a") ?? 0) + (value("only_b") ?? 0) > 0
        case .questions: return (value("added") ?? 0) + (value("dropped") ?? 0) > 0
        }
    }
}

/// One listed item: where it is, the question(s) and the answers on each side.
public struct DiffItem: Sendable, Hashable {
    public let chunkID: Int64
    public let sourcePath: String
    /// The question as side A has it (nil when only B has it), and its id.
    public let questionA: String?
    public let questionAID: Int64?
    public let questionB: String?
    public let questionBID: Int64?
    public let answerA: String?
    public let answerAID: Int64?
    public let answerB: String?
    public let answerBID: Int64?
    /// With a judge: each side's mean score of its answer (nil where it has none, or none graded).
    public var scoreA: Double? = nil
    public var scoreB: Double? = nil
}
