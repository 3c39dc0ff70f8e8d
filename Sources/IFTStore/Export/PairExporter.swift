import Foundation
internal import IFTSQLite

/// How pairs are written, beside the format.
public struct ExportOptions: Sendable, Hashable {
    public var format: ExportFormat
    /// A system message for `openai` and `sharegpt`.
    public var system: String?
    /// Put the chunk before the question in the user turn (`openai`, `sharegpt`).
    public var includeContext: Bool
    /// Drop examples longer than this many characters (`ExampleLengthGuard`).
    public var maxExampleChars: Int?
    /// `jsonl` only: add each pair's failed checks (`flags`) and `support`, judged with this
    /// `--min-support`, and its `judgments` (nil: leave them out, so the bytes stay as before).
    public var qualityMinSupport: Double?
    /// `json` and `lamini` only: lay the array out as Python's `json.dump(…, indent=N)` does,
    /// with no newline at the end (nil: one pair a line).
    public var indent: Int?
    /// `json` and `lamini` only: escape every character beyond ASCII as Python's `json.dump`
    /// does by default (`ensure_ascii=True`).
    public var ascii: Bool

    public init(
        format: ExportFormat, system: String? = nil, includeContext: Bool = false, maxExampleChars: Int? = nil, qualityMinSupport: Double? = nil,
        indent: Int? = nil, ascii: Bool = false
    ) {
        self.format = format
        self.system = system
        self.includeContext = includeContext
        self.maxExampleChars = maxExampleChars
        self.qualityMinSupport = qualityMinSupport
        self.indent = indent
        self.ascii = ascii
    }

    /// The most `indent` may be.
    public static let maxIndent = 16
}

/// Writes a selection's pairs in one format, streaming each row's bytes from SQLite to the
/// sink: no per-row strings, so memory stays flat however many rows go out.
struct PairExporter: Sendable {
    let options: ExportOptions

    /// The system message's UTF-8 bytes, made once.
    private let system: [UInt8]?

    /// The `jsonl` keys these options write.
    private let jsonlFields: [JSONLField]

    /// With `indent`: a line break and the indentation of each level of the `json` and
    /// `lamini` arrays (the pairs, a pair's items, an object's keys).
    private let levels: [[UInt8]]?

    init(options: ExportOptions) {
        self.options = options
        system = options.system.map { Array($0.utf8) }
        jsonlFields = JSONLField.fields(qualityMinSupport: options.qualityMinSupport)
        levels = options.indent.map { indent in (0...3).map { [10] + Array(repeating: UInt8(ascii: " "), count: indent * $0) } }
    }

    /// The select list for the options' format, over the aliases of `PairSelection`.
    static func columns(for options: ExportOptions) -> [PairColumn] {
        guard options.format == .jsonl else { return [.chunkText, .questionText, .answerText] }
        return JSONLField.fields(qualityMinSupport: options.qualityMinSupport).map(\.column)
    }

    /// Writes every selected pair `lengths` admits to `sink` and returns how many; flushes at
    /// the end. `tally`, when given, counts each written pair for a dataset card.
    @discardableResult
    func write(_ selection: PairSelection, to sink: ByteSink, lengths: ExampleLengthGuard, tally: CardTally? = nil) throws -> Int {
        try writeHeader(to: sink)
        var count = 0
        let judgments = try judgmentLister(selection)
        let columns = Self.columns(for: options)
        try selection.forEachRow(columns: columns + (tally?.columns ?? [])) { row in
            guard lengths.admit(row) else { return }
            try writeRow(row, to: sink, first: count == 0, judgments: judgments)
            tally?.count(row, from: columns.count)
            count += 1
        }
        try writeFooter(to: sink, count: count)
        return count
    }

    /// How many selected pairs each split (`split.parts` order) gets, as `write(_:split:…)`
    /// would send them, without writing.
    public func splitCounts(_ selection: PairSelection, split: SplitSpec, seed: UInt64, unit: SplitUnit) throws -> [Int] {
        var counts = Array(repeating: 0, count: split.parts.count)
        var lastUnit: [UInt8] = []
        var lastPart = -1
        // With a length limit the texts are read too, to leave out what the write drops.
        let limited = options.maxExampleChars != nil
        let lengths = ExampleLengthGuard(options: options)
        let unitIndex = limited ? Self.columns(for: options).count : 0
        try selection.forEachRow(columns: limited ? Self.columns(for: options) + [unit.column] : [unit.column]) { row in
            guard !limited || lengths.admit(row) else { return }
            let part = row.withUTF8(unitIndex) { bytes -> Int in
                if lastPart >= 0 && bytes.elementsEqual(lastUnit) { return lastPart }
                lastUnit = Array(bytes)
                lastPart = split.part(forUnit: bytes, seed: seed)
                return lastPart
            }
            counts[part] += 1
        }
        return counts
    }

    /// Writes every selected pair to the sink of its split (`split.parts` order) and returns
    /// how many went to each; flushes them all at the end. A pair's split is a hash of its
    /// unit and the seed (`SplitSpec.part(forUnit:seed:)`), computed once per run of equal units.
    /// `tally`, when given, counts each written pair for a dataset card.
    func write(
        _ selection: PairSelection, split: SplitSpec, seed: UInt64, unit: SplitUnit, to sinks: [ByteSink], lengths: ExampleLengthGuard,
        tally: CardTally? = nil
    ) throws -> [Int] {
        precondition(sinks.count == split.parts.count, "one sink per split")
        for sink in sinks { try writeHeader(to: sink) }
        var counts = Array(repeating: 0, count: sinks.count)
        var lastUnit: [UInt8] = []
        var lastPart = -1
        let columns = Self.columns(for: options)
        let unitIndex = columns.count
        let judgments = try judgmentLister(selection)
        try selection.forEachRow(columns: columns + [unit.column] + (tally?.columns ?? [])) { row in
            guard lengths.admit(row) else { return }
            let part = row.withUTF8(unitIndex) { bytes -> Int in
                if lastPart >= 0 && bytes.elementsEqual(lastUnit) { return lastPart }
                lastUnit = Array(bytes)
                lastPart = split.part(forUnit: bytes, seed: seed)
                return lastPart
            }
            try writeRow(row, to: sinks[part], first: counts[part] == 0, judgments: judgments)
            tally?.count(row, from: unitIndex + 1)
            counts[part] += 1
        }
        for (sink, count) in zip(sinks, counts) { try writeFooter(to: sink, count: count) }
        return counts
    }

    /// What lists each row's judgments, when the `jsonl` keys include them.
    private func judgmentLister(_ selection: PairSelection) throws -> JudgmentLister? {
        jsonlFields.contains { $0.kind == .judgments } ? try JudgmentLister(db: selection.db) : nil
    }

    private func writeHeader(to sink: ByteSink) throws {
        switch options.format {
        case .csv: try sink.write("Data,Questions,Answers\r\n")
        case .json, .lamini: try sink.write("[")
        default: break
        }
    }

    private func writeFooter(to sink: ByteSink, count: Int) throws {
        switch options.format {
        case .json, .lamini:
            if levels != nil {
                try sink.write(count == 0 ? "]" : "\n]")  // json.dump ends with no newline
            } else {
                try sink.write(count == 0 ? "]\n" : "\n]\n")
            }
        default: break
        }
        try sink.flush()
    }

    /// One pair in the format; `first` tells the JSON array formats to leave out the comma.
    private func writeRow(_ row: Statement, to sink: ByteSink, first: Bool, judgments: JudgmentLister?) throws {
        let format = options.format
        let includeContext = options.includeContext
        switch format {
        case .csv:
            try row.withUTF8(0) { try sink.writeCSVField($0) }
            try sink.write(byte: UInt8(ascii: ","))
            try row.withUTF8(1) { try sink.writeCSVField($0) }
            try sink.write(byte: UInt8(ascii: ","))
            try row.withUTF8(2) { try sink.writeCSVField($0) }
            try sink.write("\r\n" as StaticString)
        case .json:
            if let levels { return try writeIndentedJSONRow(row, to: sink, first: first, levels: levels) }
            let ascii = options.ascii
            try sink.write((first ? "\n[" : ",\n[") as StaticString)
            try row.withUTF8(0) { try sink.writeJSONString($0, ascii: ascii) }
            try sink.write(byte: UInt8(ascii: ","))
            try row.withUTF8(1) { try sink.writeJSONString($0, ascii: ascii) }
            try sink.write(byte: UInt8(ascii: ","))
            try row.withUTF8(2) { try sink.writeJSONString($0, ascii: ascii) }
            try sink.write(byte: UInt8(ascii: "]"))
        case .lamini:
            if let levels { return try writeIndentedLaminiRow(row, to: sink, first: first, levels: levels) }
            let ascii = options.ascii
            try sink.write((first ? "\n[{\"data\":" : ",\n[{\"data\":") as StaticString)
            try row.withUTF8(0) { try sink.writeJSONString($0, ascii: ascii) }
            try sink.write(",\"question\":" as StaticString)
            try row.withUTF8(1) { try sink.writeJSONString($0, ascii: ascii) }
            try sink.write("},{\"answer\":" as StaticString)
            try row.withUTF8(2) { try sink.writeJSONString($0, ascii: ascii) }
            try sink.write("}]" as StaticString)
        case .openai:
            try sink.write("{\"messages\":[" as StaticString)
            if let system {
                try sink.write("{\"role\":\"system\",\"content\":" as StaticString)
                try system.withUnsafeBufferPointer { try sink.writeJSONString($0) }
                try sink.write("}," as StaticString)
            }
            try sink.write("{\"role\":\"user\",\"content\":" as StaticString)
            try writeUserTurn(row, to: sink, includeContext: includeContext)
            try sink.write("},{\"role\":\"assistant\",\"content\":" as StaticString)
            try row.withUTF8(2) { try sink.writeJSONString($0) }
            try sink.write("}]}\n" as StaticString)
        case .alpaca:
            try sink.write("{\"instruction\":" as StaticString)
            try row.withUTF8(1) { try sink.writeJSONString($0) }
            try sink.write(",\"input\":" as StaticString)
            try row.withUTF8(0) { try sink.writeJSONString($0) }
            try sink.write(",\"output\":" as StaticString)
            try row.withUTF8(2) { try sink.writeJSONString($0) }
            try sink.write("}\n" as StaticString)
        case .sharegpt:
            try sink.write("{\"conversations\":[" as StaticString)
            if let system {
                try sink.write("{\"from\":\"system\",\"value\":" as StaticString)
                try system.withUnsafeBufferPointer { try sink.writeJSONString($0) }
                try sink.write("}," as StaticString)
            }
            try sink.write("{\"from\":\"human\",\"value\":" as StaticString)
            try writeUserTurn(row, to: sink, includeContext: includeContext)
            try sink.write("},{\"from\":\"gpt\",\"value\":" as StaticString)
            try row.withUTF8(2) { try sink.writeJSONString($0) }
            try sink.write("}]}\n" as StaticString)
        case .jsonl:
            try Self.writeJSONLObject(row, fields: jsonlFields, to: sink, judgments: judgments)
        }
    }

    /// `[chunk, question, answer]` as `json.dump(…, indent=N)` writes an item of the outer
    /// array: `levels[k]` is a line break and k levels of indentation.
    private func writeIndentedJSONRow(_ row: Statement, to sink: ByteSink, first: Bool, levels: [[UInt8]]) throws {
        if !first { try sink.write(byte: UInt8(ascii: ",")) }
        try sink.write(levels[1])
        try sink.write(byte: UInt8(ascii: "["))
        for column in 0..<3 {
            if column > 0 { try sink.write(byte: UInt8(ascii: ",")) }
            try sink.write(levels[2])
            try row.withUTF8(column) { try sink.writeJSONString($0, ascii: options.ascii) }
        }
        try sink.write(levels[1])
        try sink.write(byte: UInt8(ascii: "]"))
    }

    /// `[{"data": chunk, "question": q}, {"answer": a}]` as `json.dump(…, indent=N)` writes
    /// an item of the outer array (keys followed by ": ", items by ",").
    private func writeIndentedLaminiRow(_ row: Statement, to sink: ByteSink, first: Bool, levels: [[UInt8]]) throws {
        if !first { try sink.write(byte: UInt8(ascii: ",")) }
        try sink.write(levels[1])
        try sink.write(byte: UInt8(ascii: "["))
        try sink.write(levels[2])
        try sink.write(byte: UInt8(ascii: "{"))
        try sink.write(levels[3])
        try sink.write("\"data\": " as StaticString)
        try row.withUTF8(0) { try sink.writeJSONString($0, ascii: options.ascii) }
        try sink.write(byte: UInt8(ascii: ","))
        try sink.write(levels[3])
        try sink.write("\"question\": " as StaticString)
        try row.withUTF8(1) { try sink.writeJSONString($0, ascii: options.ascii) }
        try sink.write(levels[2])
        try sink.write("}," as StaticString)
        try sink.write(levels[2])
        try sink.write(byte: UInt8(ascii: "{"))
        try sink.write(levels[3])
        try sink.write("\"answer\": " as StaticString)
        try row.withUTF8(2) { try sink.writeJSONString($0, ascii: options.ascii) }
        try sink.write(levels[2])
        try sink.write(byte: UInt8(ascii: "}"))
        try sink.write(levels[1])
        try sink.write(byte: UInt8(ascii: "]"))
    }

    /// The question, or the chunk, a blank line and the question.
    private func writeUserTurn(_ row: Statement, to sink: ByteSink, includeContext: Bool) throws {
        guard includeContext else { return try row.withUTF8(1) { try sink.writeJSONString($0) } }
        try sink.write(byte: UInt8(ascii: "\""))
        try row.withUTF8(0) { try sink.writeJSONEscaped($0) }
        try sink.write("\\n\\n" as StaticString)
        try row.withUTF8(1) { try sink.writeJSONEscaped($0) }
        try sink.write(byte: UInt8(ascii: "\""))
    }

    private static func writeJSONLObject(_ row: Statement, fields: [JSONLField], to sink: ByteSink, judgments: JudgmentLister?) throws {
        try sink.write(byte: UInt8(ascii: "{"))
        for (index, field) in fields.enumerated() {
            if index > 0 { try sink.write(byte: UInt8(ascii: ",")) }
            try sink.write(field.key)
            if row.isNull(index) {
                try sink.write("null" as StaticString)
                continue
            }
            switch field.kind {
            case .text: try row.withUTF8(index) { try sink.writeJSONString($0) }
            case .integer: try row.withUTF8(index) { try sink.write($0) }  // SQLite's decimal text
            case .boolean: try sink.write(row.int(index) != 0 ? "true" as StaticString : "false")
            case .real: try row.withUTF8(index) { try sink.write($0) }  // SQLite's decimal text
            case .names:
                // "a,b" as ["a","b"]: the names hold no character JSON escapes.
                try sink.write(byte: UInt8(ascii: "["))
                try row.withUTF8(index) { bytes in
                    for (offset, name) in bytes.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: true).enumerated() {
                        if offset > 0 { try sink.write(byte: UInt8(ascii: ",")) }
                        try sink.write(byte: UInt8(ascii: "\""))
                        try sink.write(UnsafeBufferPointer(rebasing: name))
                        try sink.write(byte: UInt8(ascii: "\""))
                    }
                }
                try sink.write(byte: UInt8(ascii: "]"))
            case .judgments:
                try judgments?.write(answerID: Int64(row.int(index)), to: sink)
            }
        }
        try sink.write("}\n" as StaticString)
    }
}

/// The `jsonl` format's keys, in their fixed order, with the SQL that reads each.
struct JSONLField: Sendable {
    enum Kind: Sendable {
        case text, integer, boolean, real, names
        /// The answer's judgments, read by its id (the column): `[{"prompt", "model", "score", "reason"}]`.
        case judgments
    }
    /// `"key":`, ready to write.
    let key: StaticString
    let column: PairColumn
    let kind: Kind

    static let all: [JSONLField] = [
        JSONLField(key: "\"answer_id\":", column: .answerID, kind: .integer),
        JSONLField(key: "\"question_id\":", column: .questionID, kind: .integer),
        JSONLField(key: "\"chunk_id\":", column: .chunkID, kind: .integer),
        JSONLField(key: "\"source_id\":", column: .sourceID, kind: .integer),
        JSONLField(key: "\"source_path\":", column: .sourcePath, kind: .text),
        JSONLField(key: "\"source_version\":", column: .sourceVersion, kind: .integer),
        JSONLField(key: "\"chunking_id\":", column: .chunkingID, kind: .integer),
        JSONLField(key: "\"chunk_ordinal\":", column: .chunkOrdinal, kind: .integer),
        JSONLField(key: "\"chunk_start\":", column: .chunkStart, kind: .integer),
        JSONLField(key: "\"chunk_end\":", column: .chunkEnd, kind: .integer),
        JSONLField(key: "\"question_prompt\":", column: .questionPrompt, kind: .text),
        JSONLField(key: "\"question_model\":", column: .questionModel, kind: .text),
        JSONLField(key: "\"question_run_id\":", column: .questionRunID, kind: .integer),
        JSONLField(key: "\"question_call_id\":", column: .questionCallID, kind: .integer),
        JSONLField(key: "\"question_ordinal\":", column: .questionOrdinal, kind: .integer),
        JSONLField(key: "\"answer_prompt\":", column: .answerPrompt, kind: .text),
        JSONLField(key: "\"model\":", column: .answerModel, kind: .text),
        JSONLField(key: "\"model_params\":", column: .answerModelParams, kind: .text),
        JSONLField(key: "\"answer_run_id\":", column: .answerRunID, kind: .integer),
        JSONLField(key: "\"answer_call_id\":", column: .answerCallID, kind: .integer),
        JSONLField(key: "\"answer_sample\":", column: .answerSample, kind: .integer),
        JSONLField(key: "\"created_at\":", column: .answerCreatedAt, kind: .text),
        JSONLField(key: "\"is_idk\":", column: .answerIsIDK, kind: .boolean),
        JSONLField(key: "\"chunk\":", column: .chunkText, kind: .text),
        JSONLField(key: "\"question\":", column: .questionText, kind: .text),
        JSONLField(key: "\"answer\":", column: .answerText, kind: .text),
    ]

    /// `all`, then with `--with-quality` the pair's failed checks, its support and its
    /// judgments. The value is a checked number from 0 to 1 written as a literal (`%.17g`
    /// reads back exactly).
    static func fields(qualityMinSupport: Double?) -> [JSONLField] {
        guard let minSupport = qualityMinSupport else { return all }
        return all + [
            JSONLField(key: "\"flags\":", column: .pairFlags(minSupport: minSupport), kind: .names),
            JSONLField(key: "\"support\":", column: .answerSupport, kind: .real),
            JSONLField(key: "\"judgments\":", column: .answerID, kind: .judgments),
        ]
    }
}

/// Writes an answer's judgments as the `jsonl` export's `judgments` value, by judge prompt,
/// model and sample: one prepared statement, one index lookup per row. A store read before
/// its upgrade has no judgments table: every list is empty.
final class JudgmentLister {
    private let statement: Statement?

    init(db: Connection) throws {
        let hasTable = try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'judgments'") == 1
        statement = hasTable ? try db.prepare("""
            SELECT p.name || '@' || p.version, m.name, j.score, j.reason
            FROM judgments j JOIN prompts p ON p.id = j.prompt_id JOIN models m ON m.id = j.model_id
            WHERE j.answer_id = ?
            ORDER BY p.name, p.version, m.name, m.id, j.sample
            """) : nil
    }

    func write(answerID: Int64, to sink: ByteSink) throws {
        try sink.write(byte: UInt8(ascii: "["))
        if let statement {
            defer { statement.reset() }
            try statement.bind([answerID])
            var first = true
            while try statement.step() {
                try sink.write((first ? "{\"prompt\":" : ",{\"prompt\":") as StaticString)
                first = false
                try statement.withUTF8(0) { try sink.writeJSONString($0) }
                try sink.write(",\"model\":" as StaticString)
                try statement.withUTF8(1) { try sink.writeJSONString($0) }
                try sink.write(",\"score\":" as StaticString)
                try statement.withUTF8(2) { try sink.write($0) }  // SQLite's decimal text
                try sink.write(",\"reason\":" as StaticString)
                if statement.isNull(3) {
                    try sink.write("null" as StaticString)
                } else {
                    try statement.withUTF8(3) { try sink.writeJSONString($0) }
                }
                try sink.write(byte: UInt8(ascii: "}"))
            }
        }
        try sink.write(byte: UInt8(ascii: "]"))
    }
}

@available(*, unavailable)
extension JudgmentLister: Sendable {}
