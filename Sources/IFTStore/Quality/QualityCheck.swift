/// The built-in checks on a question/answer pair, in table order. Each has a stable name,
/// used by `--allow-flag`, by `pair_flags()` in `iftdb sql`, and in `stats --json`.
///
/// The checks are deterministic, English-only, and applied when querying, never stored in
/// rows: a better rule applies to old answers too. `QualityChecks.version` names the rule
/// set a saved dataset was filtered with.
public enum QualityCheck: String, CaseIterable, Sendable, Codable, Hashable {
    /// The question is one question: ends in "?", has at least 3 words, holds no second
    /// question, no markup or JSON debris, no "Question 1:" prefix, no file name.
    case questionForm = "question-form"
    /// The question shares at least one content term with the chunk.
    case questionGrounded = "question-grounded"
    /// At least `minSupport` of the answer's content terms occur in the chunk.
    case answerSupported = "answer-supported"
    /// Every number, amount, percentage and date in the answer occurs in the chunk.
    case answerNumbers = "answer-numbers"
    /// The answer is an answer: no assistant boilerplate, no code or JSON, no question back.
    case answerForm = "answer-form"

    var bit: UInt8 { UInt8(1) << UInt8(Self.allCases.firstIndex(of: self)!) }

    /// The names, comma-separated, for messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// A set of checks (failed ones, or allowed ones), in table order.
public struct QualityFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public init(_ checks: some Sequence<QualityCheck>) {
        self.init(rawValue: checks.reduce(0) { $0 | $1.bit })
    }

    public func contains(_ check: QualityCheck) -> Bool { rawValue & check.bit != 0 }
    public mutating func insert(_ check: QualityCheck) { self.formUnion(QualityFlags(rawValue: check.bit)) }

    /// The checks in the set, in table order.
    public var checks: [QualityCheck] { QualityCheck.allCases.filter(contains) }

    /// `question-form,answer-supported`; nil for an empty set (a clean pair).
    public var names: String? { isEmpty ? nil : checks.map(\.rawValue).joined(separator: ",") }
}

/// The checks' settings and their version.
public enum QualityChecks {
    /// Bumped whenever a rule changes what it flags; recorded in a saved dataset's filter
    /// (`checks_version`), so a dataset says which rules kept it.
    public static let version = 1
    /// The default share of an answer's content terms that must occur in its chunk. Chosen
    /// on the rule table (`Tests/Fixtures/quality/rule-table.json`), before the held-out set
    /// was scored.
    public static let defaultMinSupport = 0.6
}
