import Foundation
internal import IFTSQLite

/// The pairs in scope (every answer, or one saved dataset's) narrowed by conditions: the one
/// place the pair tables are joined and ordered. Selection, stats and the diffs all build their
/// SQL from it.
///
/// Tables are aliased as `PairAliases.selection` (`s` sources, `c` chunks, `q` questions,
/// `a` answers, and `d` the dataset's items). Rows come in a stable order: source path and
/// version, chunking, chunk ordinal, question prompt/model/sample/ordinal, answer
/// prompt/model/sample (or dataset position). The loops are joined in that order so SQLite
/// reads the indexes in order and never sorts: output streams with flat memory.
struct PairQuery: Sendable, Hashable {
    /// The saved dataset whose items are in scope; nil for every answer.
    let datasetID: Int64?
    let conditions: [PairCondition]

    static let aliases = PairAliases.selection

    /// The joined tables, in the order SQLite must loop over them (CROSS JOIN fixes the order).
    var from: String {
        if datasetID != nil {
            return """
                FROM dataset_items d
                CROSS JOIN answers a ON a.id = d.answer_id
                CROSS JOIN questions q ON q.id = a.question_id
                CROSS JOIN chunks c ON c.id = q.chunk_id
                CROSS JOIN sources s ON s.id = c.source_id
                """
        }
        return """
            FROM sources s
            CROSS JOIN chunks c ON c.source_id = s.id
            CROSS JOIN questions q ON q.chunk_id = c.id
            CROSS JOIN answers a ON a.question_id = q.id
            """
    }

    /// The pair tables under `aliases`, driven by the source (what a lookup by source path,
    /// chunk text hash and normalised question reads: the path's versions, then each one's
    /// chunk by `chunks_by_source_sha256`). The caller's WHERE ties them to the driving row.
    static func lookupFrom(_ aliases: PairAliases) -> String {
        let (s, c, q, a) = (aliases.source, aliases.chunk, aliases.question, aliases.answer)
        return """
            FROM sources \(s)
            CROSS JOIN chunks \(c) ON \(c).source_id = \(s).id
            CROSS JOIN questions \(q) ON \(q).chunk_id = \(c).id
            CROSS JOIN answers \(a) ON \(a).question_id = \(q).id
            """
    }

    var order: String {
        datasetID != nil
            ? "ORDER BY d.position"
            : "ORDER BY s.path, s.version, c.chunking_id, c.ordinal, q.prompt_id, q.model_id, q.sample, q.ordinal, a.prompt_id, a.model_id, a.sample"
    }

    /// The scope alone: the dataset condition, when there is a dataset.
    var scope: [SQLFragment] {
        datasetID.map { [SQLFragment("d.dataset_id = ?", [.integer($0)])] } ?? []
    }

    /// The scope and each condition, as fragments to AND together.
    var filters: [SQLFragment] { scope + conditions.map { $0.sql(Self.aliases).parenthesized } }

    /// The WHERE clause (scope, conditions and `extra`) and its values; empty when there is none.
    func whereClause(adding extra: [SQLFragment] = []) -> SQLFragment {
        let parts = filters + extra.map(\.parenthesized)
        guard !parts.isEmpty else { return SQLFragment() }
        let joined = SQLFragment.joined(parts, separator: " AND ")
        return SQLFragment("WHERE " + joined.sql, joined.arguments)
    }

    /// The full query for `columns`, in order.
    func select(_ columns: [PairColumn]) -> SQLFragment {
        let clause = whereClause()
        let list = columns.map { $0.sql(Self.aliases) }.joined(separator: ", ")
        return SQLFragment("SELECT \(list)\n\(from)\n\(clause.sql)\n\(order)", clause.arguments)
    }

    /// The same scope with `condition` after the others.
    func adding(_ condition: PairCondition) -> PairQuery {
        PairQuery(datasetID: datasetID, conditions: conditions + [condition])
    }

    /// The same scope with only the conditions `keep` accepts.
    func filter(_ keep: (PairCondition) -> Bool) -> PairQuery {
        PairQuery(datasetID: datasetID, conditions: conditions.filter(keep))
    }

    /// Membership of a pair named by `aliases` in this query: the dataset (through its
    /// items' answer index) and every condition, each as one fragment to AND in.
    func membership(_ aliases: PairAliases) -> [SQLFragment] {
        var parts: [SQLFragment] = []
        if let datasetID {
            parts.append(SQLFragment(
                "EXISTS (SELECT 1 FROM dataset_items d2 WHERE d2.answer_id = \(aliases.answer).id AND d2.dataset_id = ?)",
                [.integer(datasetID)]))
        }
        return parts + conditions.map { $0.sql(aliases).parenthesized }
    }
}
