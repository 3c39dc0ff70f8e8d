/// `--exclude-flagged`: keep only pairs that pass every built-in check but the allowed ones.
/// Saved in a dataset's filter JSON with the version of the checks that applied.
public struct QualityFilter: Sendable, Hashable, Codable {
    /// Checks to ignore (`--allow-flag`), in table order.
    public var allowed: [QualityCheck]
    /// `--min-support`, from 0 to 1.
    public var minSupport: Double
    /// `QualityChecks.version` when the filter was made.
    public var checksVersion: Int

    public init(allowed: [QualityCheck] = [], minSupport: Double = QualityChecks.defaultMinSupport) {
        self.allowed = QualityCheck.allCases.filter(allowed.contains)
        self.minSupport = minSupport
        checksVersion = QualityChecks.version
    }

    private enum CodingKeys: String, CodingKey {
        case allowed
        case minSupport = "min_support"
        case checksVersion = "checks_version"
    }

    /// The checks that remove a pair.
    var enforced: QualityFlags { QualityFlags(QualityCheck.allCases.filter { !allowed.contains($0) }) }

    /// Throws `SelectionError.badMinSupport` outside 0…1.
    func validate() throws {
        guard minSupport.isFinite, (0...1).contains(minSupport) else { throw SelectionError.badMinSupport(minSupport) }
    }

    /// An SQL expression, 1 when the pair of these column expressions fails a check this
    /// filter enforces, else 0 (for "I don't know" answers and NULLs too). The numbers are
    /// written in: they are validated numbers, and callers need no argument order.
    private func flaggedSQL(answerID: String, question: String, answer: String, chunk: String) -> String {
        let mask = QualitySQL.maskSQL(answerID: answerID, question: question, answer: answer, chunk: chunk, minSupport: minSupport, stop: enforced)
        return "((\(mask) & \(enforced.rawValue)) <> 0)"
    }

    /// The SQL a summary counts flagged pairs with, over a selection made with `filter` (the
    /// selection's `--exclude-flagged`, nil for none): the default checks, or, when the
    /// selection already removed every flagged pair, the constant 0 with no check run again.
    static func flaggedColumn(after filter: QualityFilter?, answerID: String, question: String, answer: String, chunk: String) -> String {
        filter == nil ? QualityFilter().flaggedSQL(answerID: answerID, question: question, answer: answer, chunk: chunk) : "0"
    }

    /// The flags that reproduce this filter.
    var flags: [String] {
        var out = ["--exclude-flagged"]
        out += allowed.map { "--allow-flag \($0.rawValue)" }
        if minSupport != QualityChecks.defaultMinSupport { out.append("--min-support \(minSupport)") }
        return out
    }
}
