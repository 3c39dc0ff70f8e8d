import Foundation
internal import IFTSQLite

/// One fault `iftdb check` found: which check, the row it is about, and one line for people.
public struct StoreProblem: Sendable, Hashable, Encodable {
    public enum Check: String, Sendable, Hashable, Encodable, CaseIterable {
        case migrations, integrity
        case foreignKeys = "foreign_keys"
        case chunkOffsets = "chunk_offsets"
        case questionSets = "question_sets"
        case answers
        case datasetItems = "dataset_items"
    }

    public let check: Check
    /// What the problem is about, as `show` names it (`chunk:12`), or `store`.
    public let subject: String
    /// One line, starting with the subject: `chunk:12 offsets do not slice source:a.md@2 …`.
    public let message: String
}

/// What `iftdb check` looked at.
public struct StoreCheckSummary: Sendable, Hashable, Encodable {
    public var migrations = 0
    public var sources = 0
    public var chunks = 0
    public var questions = 0
    public var answers = 0
    public var datasetItems = 0
    public var problems = 0
    /// Migrations of this build the store has not had yet (an older store: `iftdb init` upgrades it).
    public var pendingMigrations: [Int] = []
}

extension StoreReader {
    /// `iftdb check`: verifies the store without changing it, SQLite's own integrity and
    /// foreign-key checks, then what iftdb promises about its rows, handing each problem to
    /// `report` as it is found. Rows stream (one source's text at a time), so memory stays
    /// flat on large stores; everything is read in one snapshot. Open the store with
    /// `.reading(requiring: .inspection)`. Throws when there is no iftdb store to check.
    public func check(report: (StoreProblem) throws -> Void) throws -> StoreCheckSummary {
        var problems = 0
        func found(_ problem: StoreProblem) throws {
            problems += 1
            try report(problem)
        }
        if let unreadableSchema {
            // The schema itself cannot be read: that is the one thing to say.
            try found(StoreProblem(check: .integrity, subject: "store", message: "integrity: the schema cannot be read (\(unreadableSchema))"))
            return StoreCheckSummary(problems: problems)
        }
        return try guarded {
            let applied: [(id: Int, name: String)]
            do {
                applied = try StoreSchema.migrator().appliedMigrations(db)
            } catch let error as SQLiteError where error.primaryCode == .corrupt {
                // The migrations cannot be read, so neither can what they promise: say so, and
                // what SQLite's own check finds, and stop.
                try found(StoreProblem(check: .integrity, subject: "store", message: "integrity: the migrations table cannot be read (\(error.message))"))
                do {
                    try Checker(db: db, applied: []).integrity(found)
                } catch let error as SQLiteError where error.primaryCode == .corrupt {
                    try found(StoreProblem(check: .integrity, subject: "store", message: "integrity: could not be checked (\(error.message))"))
                }
                return StoreCheckSummary(problems: problems)
            }
            if applied.isEmpty { throw StoreError.notAnIFTDBStore(path: path) }

            let checker = Checker(db: db, applied: Set(applied.map(\.name)))
            try db.transaction(.deferred) {
                for check in StoreProblem.Check.allCases {
                    do {
                        try checker.run(check, report: found)
                    } catch let error as SQLiteError {
                        try found(StoreProblem(check: check, subject: "store", message: "\(check.rawValue): could not be checked (\(error.message))"))
                    }
                }
            }
            var summary = checker.summary
            summary.problems = problems
            return summary
        }
    }
}

/// The checks, one method each, sharing the connection and the counts.
private final class Checker {
    let db: Connection
    /// The names of the migrations the store records.
    let applied: Set<String>
    var summary = StoreCheckSummary()

    init(db: Connection, applied: Set<String>) {
        self.db = db
        self.applied = applied
    }

    /// Tables by the migration that makes them: a check of an older store skips what it lacks.
    var hasGenerationTables: Bool { SchemaRequirement.generation.isMet(byMigrationsNamed: applied) }

    func run(_ check: StoreProblem.Check, report: (StoreProblem) throws -> Void) throws {
        switch check {
        case .migrations: try migrations(report)
        case .integrity: try integrity(report)
        case .foreignKeys: try foreignKeys(report)
        case .chunkOffsets: try chunkOffsets(report)
        case .questionSets: if hasGenerationTables { try questionSets(report) }
        case .answers: if hasGenerationTables { try answers(report) }
        case .datasetItems: if hasGenerationTables { try datasetItems(report) }
        }
    }

    /// Every recorded migration is one this build knows, under the same name.
    func migrations(_ report: (StoreProblem) throws -> Void) throws {
        let known = Dictionary(StoreSchema.migrations.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let statement = try db.prepare("SELECT id, name FROM \(StoreSchema.migrationsTable) ORDER BY id")
        var recorded: Set<Int> = []
        while try statement.step() {
            let id = statement.int(0), name = statement.string(at: 1)
            recorded.insert(id)
            summary.migrations += 1
            guard let expected = known[id] else {
                try report(StoreProblem(check: .migrations, subject: "migration:\(id)", message: "migration:\(id) '\(name)' is not one this iftdb knows (a newer or different iftdb wrote the store)"))
                continue
            }
            if expected != name {
                try report(StoreProblem(check: .migrations, subject: "migration:\(id)", message: "migration:\(id) is recorded as '\(name)', but this iftdb's migration \(id) is '\(expected)'"))
            }
        }
        summary.pendingMigrations = known.keys.filter { !recorded.contains($0) }.sorted()
    }

    /// `PRAGMA integrity_check`: the file's structure, indexes, NOT NULL and CHECK constraints.
    func integrity(_ report: (StoreProblem) throws -> Void) throws {
        let statement = try db.prepare("PRAGMA integrity_check")
        while try statement.step() {
            let text = statement.string(at: 0)
            if text == "ok" { continue }
            for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("*** in database") {
                try report(StoreProblem(check: .integrity, subject: "store", message: "integrity: \(line)"))
            }
        }
    }

    /// `PRAGMA foreign_key_check`, each violation named by its row and the row it misses.
    /// A dataset item's missing answer is left to `datasetItems`, which names the dataset.
    func foreignKeys(_ report: (StoreProblem) throws -> Void) throws {
        let statement = try db.prepare("PRAGMA foreign_key_check")
        var columns: [String: [Int: (from: String, to: String?)]] = [:]
        var withoutRowID: [String: Int] = [:]
        var order: [String] = []
        while try statement.step() {
            let table = statement.string(at: 0), parent = statement.string(at: 2), key = statement.int(3)
            if table == "dataset_items" && parent == "answers" { continue }
            if columns[table] == nil { columns[table] = try foreignKeyColumns(of: table) }
            let column = columns[table]?[key]
            guard let rowid = statement.optionalInt(1) else {
                // A table without rowids: one line per foreign key, with a count.
                let label = "\(table).\(column?.from ?? "?") → \(parent)"
                if withoutRowID[label] == nil { order.append(label) }
                withoutRowID[label, default: 0] += 1
                continue
            }
            let subject = Self.reference(table, rowid)
            guard let column else {
                try report(StoreProblem(check: .foreignKeys, subject: subject, message: "\(subject) points at a row of \(parent) that does not exist"))
                continue
            }
            let value = try db.scalar("SELECT \(quoted(column.from)) FROM \(quoted(table)) WHERE rowid = ?", [rowid])
            let target: String
            switch value {
            case .integer(let id)? where column.to == nil || column.to == "id": target = Self.reference(parent, Int(id))
            case .integer(let number)?: target = "\(parent).\(column.to ?? "id") = \(number)"
            case .text(let text)?: target = "\(parent).\(column.to ?? "id") = '\(text)'"
            default: target = "a row of \(parent)"
            }
            try report(StoreProblem(check: .foreignKeys, subject: subject, message: "\(subject) points at \(target), which does not exist (\(column.from))"))
        }
        for label in order {
            let count = withoutRowID[label] ?? 0
            let table = String(label.prefix { $0 != "." })
            try report(StoreProblem(check: .foreignKeys, subject: table, message: "\(table): \(count) row\(count == 1 ? "" : "s") of \(label) point\(count == 1 ? "s" : "") at rows that do not exist"))
        }
    }

    private func foreignKeyColumns(of table: String) throws -> [Int: (from: String, to: String?)] {
        let statement = try db.prepare("SELECT id, \"from\", \"to\" FROM pragma_foreign_key_list(?)")
        try statement.bind([table])
        var columns: [Int: (from: String, to: String?)] = [:]
        while try statement.step() { columns[statement.int(0)] = (statement.string(at: 1), statement.optionalString(2)) }
        return columns
    }

    /// Every chunk's offsets (Unicode scalars) slice its source version's text into the
    /// chunk's text, byte for byte. One source's text is read at a time, in place; its chunks
    /// come in order of their start, so one walk through its UTF-8 serves them all.
    func chunkOffsets(_ report: (StoreProblem) throws -> Void) throws {
        let sources = try db.prepare("SELECT id, path, version, text FROM sources ORDER BY id")
        let chunks = try db.prepare("SELECT id, start, end, text FROM chunks WHERE source_id = ? ORDER BY start, id")
        while try sources.step() {
            summary.sources += 1
            let source = "source:\(sources.string(at: 1))@\(sources.int(2))"
            let hasText = !sources.isNull(3)
            try chunks.bind([sources.int(0)])
            // The text stays valid while `chunks` steps: only stepping `sources` moves it.
            try sources.withUTF8(3) { text in
                var cursor = 0, cursorOffset = 0  // the byte where scalar `cursorOffset` starts
                while try chunks.step() {
                    summary.chunks += 1
                    let chunk = "chunk:\(chunks.int(0))"
                    let start = chunks.int(1), end = chunks.int(2)
                    guard hasText else {
                        try report(StoreProblem(check: .chunkOffsets, subject: chunk, message: "\(chunk) belongs to \(source), which has no text (removed)"))
                        continue
                    }
                    guard start >= 0, start <= end, start >= cursorOffset,
                          let first = Self.advance(text, from: cursor, scalars: start - cursorOffset),
                          let last = Self.advance(text, from: first, scalars: end - start)
                    else {
                        let length = text.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
                        try report(StoreProblem(check: .chunkOffsets, subject: chunk, message: "\(chunk) offsets do not slice \(source) (\(start)..<\(end) is outside its \(length) characters)"))
                        continue
                    }
                    cursor = first
                    cursorOffset = start
                    let matches = chunks.withUTF8(3) { chunkText in
                        chunkText.count == last - first
                            && (chunkText.isEmpty || memcmp(text.baseAddress! + first, chunkText.baseAddress!, chunkText.count) == 0)
                    }
                    if !matches {
                        try report(StoreProblem(check: .chunkOffsets, subject: chunk, message: "\(chunk) offsets do not slice \(source) (\(start)..<\(end) holds other text than the chunk)"))
                    }
                }
            }
        }
    }

    /// The byte where the scalar `count` scalars after the one at byte `from` starts (a scalar
    /// starts at every byte that is not a UTF-8 continuation byte, as SQLite counts), or nil
    /// when the text ends first.
    static func advance(_ text: UnsafeBufferPointer<UInt8>, from: Int, scalars count: Int) -> Int? {
        var index = from, left = count
        while left > 0 {
            guard index < text.count else { return nil }
            index += 1
            while index < text.count && text[index] & 0xC0 == 0x80 { index += 1 }
            left -= 1
        }
        return index
    }

    /// One question set per (chunk, prompt, model, sample): the questions of one key come
    /// from one call and are numbered once each.
    func questionSets(_ report: (StoreProblem) throws -> Void) throws {
        summary.questions = try db.scalarInt("SELECT count(*) FROM questions") ?? 0
        let statement = try db.prepare("""
            SELECT q.chunk_id, p.name || '@' || p.version, q.model_id, m.name, q.sample,
                   count(DISTINCT q.call_id), group_concat(DISTINCT q.call_id), count(*), count(DISTINCT q.ordinal)
            FROM questions q LEFT JOIN prompts p ON p.id = q.prompt_id LEFT JOIN models m ON m.id = q.model_id
            GROUP BY q.chunk_id, q.prompt_id, q.model_id, q.sample
            HAVING count(DISTINCT q.call_id) > 1 OR count(*) > count(DISTINCT q.ordinal)
            """)
        while try statement.step() {
            let chunk = "chunk:\(statement.int(0))"
            let key = Self.key(prompt: statement.optionalString(1), modelID: statement.int(2), model: statement.optionalString(3), sample: statement.int(4))
            if statement.int(5) > 1 {
                let calls = statement.string(at: 6).split(separator: ",").map { "call:\($0)" }.joined(separator: ", ")
                try report(StoreProblem(check: .questionSets, subject: chunk, message: "\(chunk) has \(statement.int(5)) question sets (from \(calls)) for \(key); expected one"))
            } else {
                try report(StoreProblem(check: .questionSets, subject: chunk, message: "\(chunk) has \(statement.int(7)) questions but \(statement.int(8)) distinct numbers in its question set for \(key); expected one question per number"))
            }
        }
    }

    /// One answer per (question, prompt, model, sample).
    func answers(_ report: (StoreProblem) throws -> Void) throws {
        summary.answers = try db.scalarInt("SELECT count(*) FROM answers") ?? 0
        let statement = try db.prepare("""
            SELECT a.question_id, p.name || '@' || p.version, a.model_id, m.name, a.sample, count(*), group_concat(a.id)
            FROM answers a LEFT JOIN prompts p ON p.id = a.prompt_id LEFT JOIN models m ON m.id = a.model_id
            GROUP BY a.question_id, a.prompt_id, a.model_id, a.sample
            HAVING count(*) > 1
            """)
        while try statement.step() {
            let question = "question:\(statement.int(0))"
            let key = Self.key(prompt: statement.optionalString(1), modelID: statement.int(2), model: statement.optionalString(3), sample: statement.int(4))
            let ids = statement.string(at: 6).split(separator: ",").map { "answer:\($0)" }.joined(separator: ", ")
            try report(StoreProblem(check: .answers, subject: question, message: "\(question) has \(statement.int(5)) answers (\(ids)) for \(key); expected one"))
        }
    }

    /// Every dataset item points at an answer that exists.
    func datasetItems(_ report: (StoreProblem) throws -> Void) throws {
        summary.datasetItems = try db.scalarInt("SELECT count(*) FROM dataset_items") ?? 0
        let statement = try db.prepare("""
            SELECT coalesce('dataset:' || d.name, 'dataset id ' || i.dataset_id), i.position, i.answer_id
            FROM dataset_items i LEFT JOIN datasets d ON d.id = i.dataset_id
            WHERE NOT EXISTS (SELECT 1 FROM answers a WHERE a.id = i.answer_id)
            ORDER BY i.dataset_id, i.position
            """)
        while try statement.step() {
            let dataset = statement.string(at: 0)
            try report(StoreProblem(check: .datasetItems, subject: dataset, message: "\(dataset) item \(statement.int(1)) points at answer:\(statement.int(2)), which does not exist"))
        }
    }

    /// How `show` and the rest of iftdb name a row.
    static func reference(_ table: String, _ id: Int) -> String {
        let singular = ["sources": "source id", "chunks": "chunk:", "chunkings": "chunking:", "prompts": "prompt id", "models": "model id",
                        "runs": "run:", "calls": "call:", "questions": "question:", "answers": "answer:", "datasets": "dataset id",
                        "judgments": "judgment id"]
        guard let name = singular[table] else { return "\(table) row \(id)" }
        return name.hasSuffix(":") ? "\(name)\(id)" : "\(name) \(id)"
    }

    static func key(prompt: String?, modelID: Int, model: String?, sample: Int) -> String {
        "(\(prompt ?? "a missing prompt"), model \(modelID) \(model ?? "(missing)"), sample \(sample))"
    }

    private func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

@available(*, unavailable)
extension Checker: Sendable {}
