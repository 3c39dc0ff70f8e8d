import Foundation
internal import IFTSQLite

/// A named, frozen selection of answers: the ids a filter chose when it was saved, in export
/// order, with that filter. Exporting it later reads exactly those rows in that order.
public struct SavedDataset: Sendable, Hashable, Codable {
    public let name: String
    public let pairs: Int
    public let createdAt: String
    /// The filter that chose the answers, as saved.
    public let filter: PairFilter
    /// The same filter as command-line flags (`--answer-prompt answers@2 --exclude-idk`).
    public var flags: String { filter.flags.joined(separator: " ") }

    enum CodingKeys: String, CodingKey { case name, pairs, createdAt, filter, flags }

    public init(name: String, pairs: Int, createdAt: String, filter: PairFilter) {
        self.name = name
        self.pairs = pairs
        self.createdAt = createdAt
        self.filter = filter
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: try c.decode(String.self, forKey: .name), pairs: try c.decode(Int.self, forKey: .pairs),
                  createdAt: try c.decode(String.self, forKey: .createdAt), filter: try c.decode(PairFilter.self, forKey: .filter))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(pairs, forKey: .pairs)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(filter, forKey: .filter)
        try c.encode(flags, forKey: .flags)
    }

    /// Letters, digits, `.`, `_` and `-`, starting with a letter or digit: safe in
    /// `dataset:NAME`, in a shell and in a file name.
    public static func checkName(_ name: String) throws {
        let allowed = name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }
        guard !name.isEmpty, name.count <= 100, allowed, let first = name.unicodeScalars.first, CharacterSet.alphanumerics.contains(first) else {
            throw SelectionError.badDatasetName(name)
        }
    }

    /// `dataset:NAME` or `NAME` → `NAME`.
    public static func name(fromReference text: String) -> String {
        text.hasPrefix("dataset:") ? String(text.dropFirst("dataset:".count)) : text
    }
}

/// What a dataset holds, for `dataset show`: the saved row plus a breakdown of its pairs.
public struct DatasetDetail: Sendable, Hashable, Codable {
    public struct Group: Sendable, Hashable, Codable {
        public let questionPrompt: String
        public let answerPrompt: String
        public let model: String
        public let pairs: Int
    }

    public let dataset: SavedDataset
    public let sources: Int
    public let sourceVersions: Int
    public let chunks: Int
    public let questions: Int
    public let firstAnswerID: Int?
    public let lastAnswerID: Int?
    public let groups: [Group]
}

extension StoreWriter {
    /// Freezes the answers `filter` selects, in export order, as dataset `name`, recording the
    /// filter with prompt references pinned to the versions they meant. Refuses an
    /// existing name unless `replace`, an empty selection, and an ambiguous one (as export
    /// does). One write transaction: a reader sees the old dataset or the new one, whole.
    @discardableResult
    public func saveDataset(name: String, filter given: PairFilter, replace: Bool) throws -> SavedDataset {
        try SavedDataset.checkName(name)
        return try guarded {
            try db.transaction(.immediate) {
                // The record says which versions "latest" meant when the dataset was saved.
                var filter = given
                filter.questionPrompt = try filter.questionPrompt.map { PromptRef(name: $0.name, version: try $0.resolve(in: db, listingNames: false).version) }
                filter.answerPrompt = try filter.answerPrompt.map { PromptRef(name: $0.name, version: try $0.resolve(in: db, listingNames: false).version) }
                let existing = try db.scalarInt("SELECT id FROM datasets WHERE name = ?", [name])
                if existing != nil && !replace {
                    throw SelectionError.datasetExists(name)
                }
                let selection = try PairSelection(filter, in: db)
                // And which judge: the one the selection chose, whether or not the flags named it.
                if let judge = selection.judge {
                    filter.judge = judge.pinning(filter.judge)
                }
                let filterJSON = try Self.encodeFilter(filter)
                let ids = try selection.answerIDs()
                guard !ids.isEmpty else {
                    throw PairExport.emptySelection(try selection.funnel(), filter: filter, action: .datasetSave)
                }
                try selection.checkUnambiguous()
                if let existing {
                    try db.run("DELETE FROM dataset_items WHERE dataset_id = ?", [existing])
                    try db.run("DELETE FROM datasets WHERE id = ?", [existing])
                }
                let createdAt = Timestamp.now()
                try db.run("INSERT INTO datasets (name, filter, pairs, created_at) VALUES (?, ?, ?, ?)", [name, filterJSON, ids.count, createdAt])
                let datasetID = db.lastInsertRowID
                let insert = try db.prepare("INSERT INTO dataset_items (dataset_id, position, answer_id) VALUES (?, ?, ?)")
                for (position, id) in ids.enumerated() {
                    try insert.bind([datasetID, Int64(position + 1), id])
                    try insert.runToCompletion()
                }
                return SavedDataset(name: name, pairs: ids.count, createdAt: createdAt, filter: filter)
            }
        }
    }

    /// The filter as canonical JSON (sorted keys), as `datasets.filter` keeps it.
    static func encodeFilter(_ filter: PairFilter) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(filter), as: UTF8.self)
    }
}

extension StoreReader {
    /// Every saved dataset, by name (`dataset list`).
    public func datasets() throws -> [SavedDataset] {
        try guarded { try DatasetQueries.list(in: db) }
    }

    /// One saved dataset and what its pairs are made of (`dataset show`).
    public func dataset(named name: String) throws -> DatasetDetail {
        try guarded { try DatasetQueries.detail(name: name, in: db) }
    }
}

/// Reading saved datasets (`dataset list`, `dataset show`).
enum DatasetQueries {
    static func list(in db: Connection) throws -> [SavedDataset] {
        let statement = try db.prepare("SELECT name, pairs, created_at, filter FROM datasets ORDER BY name")
        var out: [SavedDataset] = []
        while try statement.step() {
            out.append(try row(statement))
        }
        return out
    }

    static func detail(name: String, in db: Connection) throws -> DatasetDetail {
        let statement = try db.prepare("SELECT name, pairs, created_at, filter, id FROM datasets WHERE name = ?")
        try statement.bind([name])
        guard try statement.step() else {
            throw SelectionError.noDataset(name)
        }
        let dataset = try row(statement)
        let id = statement.int(4)
        let counts = try db.prepare("""
            SELECT count(DISTINCT s.path), count(DISTINCT s.id), count(DISTINCT c.id), count(DISTINCT q.id), min(d.answer_id), max(d.answer_id)
            FROM dataset_items d JOIN answers a ON a.id = d.answer_id JOIN questions q ON q.id = a.question_id
            JOIN chunks c ON c.id = q.chunk_id JOIN sources s ON s.id = c.source_id
            WHERE d.dataset_id = ?
            """)
        try counts.bind([id])
        _ = try counts.step()
        let groups = try db.prepare("""
            SELECT pq.name || '@' || pq.version, pa.name || '@' || pa.version, m.name, count(*)
            FROM dataset_items d JOIN answers a ON a.id = d.answer_id JOIN questions q ON q.id = a.question_id
            JOIN prompts pq ON pq.id = q.prompt_id JOIN prompts pa ON pa.id = a.prompt_id JOIN models m ON m.id = a.model_id
            WHERE d.dataset_id = ?
            GROUP BY q.prompt_id, a.prompt_id, m.name ORDER BY 1, 2, 3
            """)
        try groups.bind([id])
        var groupRows: [DatasetDetail.Group] = []
        while try groups.step() {
            groupRows.append(.init(questionPrompt: groups.string(at: 0), answerPrompt: groups.string(at: 1), model: groups.string(at: 2), pairs: groups.int(3)))
        }
        return DatasetDetail(
            dataset: dataset, sources: counts.int(0), sourceVersions: counts.int(1), chunks: counts.int(2), questions: counts.int(3),
            firstAnswerID: counts.optionalInt(4), lastAnswerID: counts.optionalInt(5), groups: groupRows)
    }

    private static func row(_ statement: Statement) throws -> SavedDataset {
        let name = statement.string(at: 0)
        let filter: PairFilter
        do {
            filter = try JSONDecoder().decode(PairFilter.self, from: Data(statement.string(at: 3).utf8))
        } catch {
            throw SelectionError.unreadableDatasetFilter(dataset: name, reason: "\(error)")
        }
        return SavedDataset(name: name, pairs: statement.int(1), createdAt: statement.string(at: 2), filter: filter)
    }
}
