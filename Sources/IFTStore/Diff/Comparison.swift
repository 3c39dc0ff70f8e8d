import Foundation

/// One kind of diff, resolved against a store: its numbers, its items, and the queries that
/// match one side against the other (for checking their plans).
protocol Comparison {
    var kind: DiffKind { get }
    func summary() throws -> DiffSummary
    /// Lists the items of one category in a stable order, at most `limit`.
    func forEachItem(_ show: DiffShow, limit: Int?, _ body: (DiffItem) throws -> Void) throws
    func matchingQueries() -> [SQLFragment]
}
