import Foundation
internal import IFTSQLite

/// `iftdb diff`: compares two answer prompt versions (`AnswerDiff`, question by question),
/// two question prompt versions (`QuestionDiff`, chunk by chunk) or two sets of pairs
/// (`PairSetDiff`: saved datasets or filter sets, matched by source path, chunk text hash and
/// normalised question). `DiffPlan` picks and checks which. Every count is one SQL pass that
/// drives one side through an index and looks the other side up by index, so neither side is
/// held in memory.
final class PairDiff {
    let db: Connection
    let request: DiffRequest
    private let comparison: any Comparison

    var kind: DiffKind { comparison.kind }

    init(_ request: DiffRequest, in db: Connection) throws {
        self.db = db
        self.request = request
        comparison = try DiffPlan.resolve(request, in: db)
    }

    func summary() throws -> DiffSummary { try comparison.summary() }

    /// Lists the items of one category in a stable order, at most `limit`.
    func forEachItem(_ show: DiffShow, limit: Int? = nil, _ body: (DiffItem) throws -> Void) throws {
        guard show.applies(to: kind) else {
            throw DiffError.showDoesNotApply(show, kind: kind)
        }
        try comparison.forEachItem(show, limit: limit, body)
    }

    /// The queries that match one side against the other, for checking their plans.
    func matchingQueries() -> [(sql: String, arguments: [SQLiteValue])] {
        comparison.matchingQueries().map { ($0.sql, $0.arguments) }
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
                if show == .scoreChanged && result.judge == nil { throw DiffError.noScores }
                try summary(result)
                if let show { try diff.forEachItem(show, limit: limit, item) }
                return result
            }
        }
    }
}
