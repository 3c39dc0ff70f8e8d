import Foundation
internal import IFTSQLite

/// A Hugging Face dataset card (`README.md`) for an export. Its YAML `configs` map each data
/// file to its split, so `datasets.load_dataset(folder)` gives every split under its own name
/// (without them a split named `holdout` is dropped and `eval` becomes `test`); its text says
/// where the pairs came from: the store, the filters, the prompt versions and models, the
/// counts, and the shares of "I don't know" and flagged pairs.
public struct DatasetCard: Sendable, Hashable {
    /// What an export asks for.
    public struct Request: Sendable, Hashable {
        /// The card of a single-file export (`--card FILE`); nil with `--split`, whose card is
        /// `README.md` in the folder.
        public var path: String?
        /// The tool that wrote the export, named in the card (`iftdb 0.1.0 (1cb22aa)`).
        public var generator: String

        public init(path: String? = nil, generator: String) {
            self.path = path
            self.generator = generator
        }
    }

    /// One data file and the split it is.
    public struct DataFile: Sendable, Hashable {
        public let split: String
        /// Relative to the card's folder.
        public let path: String
        public let pairs: Int
    }

    /// The written pairs of one (question prompt, answer prompt, model).
    public struct Group: Sendable, Hashable {
        public let questionPrompt: String
        public let answerPrompt: String
        public let model: String
        /// The model row's generation parameters (JSON).
        public let modelParams: String
        public let pairs: Int
        public let idk: Int
        public let flagged: Int
    }

    /// The card's file name in a split folder.
    public static let fileName = "README.md"
    /// The split name of a single-file export's data.
    public static let singleSplit = "train"

    public let generator: String
    public let store: String
    public let format: ExportFormat
    /// The export's filters as flags (`PairFilter.flags`).
    public let filters: [String]
    /// `--split …`, `--split-by …`, `--seed …`; nil for a single file.
    public let splitFlags: String?
    /// Whether the flagged count is the selection's own `--exclude-flagged` (so 0).
    public let excludedFlagged: Bool
    public let files: [DataFile]
    public let groups: [Group]

    /// Why `format` gets no card, or nil when it gets one. Checked with `datasets` (the venv
    /// `scripts/test` makes): its JSON loader reads `json`'s arrays as one list column named
    /// `text` and `lamini`'s as columns named `0` and `1`, and older versions refuse both.
    public static func refusal(for format: ExportFormat) -> String? {
        switch format {
        case .json, .lamini:
            return "Hugging Face's JSON loader cannot turn \(format.rawValue)'s arrays of arrays into named columns "
                + "(it reads them as \(format == .json ? "one list column \"text\"" : "columns \"0\" and \"1\"")); "
                + "export csv, alpaca, openai, sharegpt or jsonl for a dataset card"
        case .csv, .openai, .alpaca, .sharegpt, .jsonl:
            return nil
        }
    }

    /// Whether Hugging Face accepts `name` as a split name: `^\w+(\.\w+)*$` as Python matches
    /// it, where a word character is a letter, a number or `_`.
    public static func acceptsSplitName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.allSatisfy { part in
            !part.isEmpty && part.unicodeScalars.allSatisfy { scalar in
                switch scalar.properties.generalCategory {
                case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: true
                default: scalar == "_" || scalar.properties.numericType != nil
                }
            }
        }
    }

    /// Throws `OutputError.splitNameRefusedByCard` for the first name Hugging Face refuses.
    public static func checkSplitNames(_ spec: SplitSpec) throws {
        if let bad = spec.parts.first(where: { !acceptsSplitName($0.name) }) {
            throw OutputError.splitNameRefusedByCard(name: bad.name)
        }
    }

    /// The card as a file: YAML front matter, then Markdown.
    public var text: String {
        var lines = ["---", "configs:", "- config_name: default", "  data_files:"]
        for file in files {
            lines.append("  - split: \(Self.yamlQuoted(file.split))")
            lines.append("    path: \(Self.yamlQuoted(file.path))")
        }
        lines += ["---", ""]
        lines.append("# Question/answer pairs from \(Self.markdown(Self.lastComponent(store)))")
        lines.append("")
        lines.append("Written by \(Self.markdown(generator)) as `\(format.rawValue)`: \(Self.formatDescription(format)). "
            + "`datasets.load_dataset(\"FOLDER\")` on the folder of this card loads "
            + (files.count == 1 ? "the data as the split `\(files[0].split)`." : "each split under its own name."))
        lines.append("")
        lines.append("## Provenance")
        lines.append("")
        lines.append("- Store: \(Self.code(store))")
        lines.append("- Filters: " + (filters.isEmpty ? "none (each source path's current version)" : Self.code(filters.joined(separator: " "))))
        if let splitFlags { lines.append("- Splits: \(Self.code(splitFlags))") }
        lines.append("- Question prompts: " + Self.list(Set(groups.map(\.questionPrompt))))
        lines.append("- Answer prompts: " + Self.list(Set(groups.map(\.answerPrompt))))
        let models = Set(groups.map { "\($0.model) \($0.modelParams)" })
        lines.append("- Models (name and parameters): " + Self.list(models))
        lines.append("")
        lines.append("## Counts")
        lines.append("")
        let total = files.reduce(0) { $0 + $1.pairs }
        lines.append("| split | file | pairs | share |")
        lines.append("|---|---|---:|---:|")
        for file in files {
            lines.append("| \(Self.cell(file.split)) | \(Self.cell(file.path)) | \(file.pairs) | \(Self.percent(file.pairs, of: total)) |")
        }
        lines.append("")
        lines.append("| question prompt | answer prompt | model | pairs | \"I don't know\" | flagged |")
        lines.append("|---|---|---|---:|---:|---:|")
        for group in groups {
            lines.append("| \(Self.cell(group.questionPrompt)) | \(Self.cell(group.answerPrompt)) | \(Self.cell(group.model)) | \(group.pairs) | "
                + "\(Self.share(group.idk, of: group.pairs)) | \(Self.share(group.flagged, of: group.pairs)) |")
        }
        let idk = groups.reduce(0) { $0 + $1.idk }, flagged = groups.reduce(0) { $0 + $1.flagged }
        lines.append("| all | | | \(total) | \(Self.share(idk, of: total)) | \(Self.share(flagged, of: total)) |")
        lines.append("")
        lines.append("\"I don't know\" is iftdb's rule for a reply that only says it does not know"
            + (filters.contains { $0.hasPrefix("--idk-pattern") } ? ", with the export's `--idk-pattern`s" : "") + ". "
            + (excludedFlagged
                ? "Flagged is 0: the export left out what iftdb's built-in quality checks flag (`--exclude-flagged`)."
                : "Flagged pairs fail at least one of iftdb's built-in quality checks at their defaults ("
                    + QualityCheck.allCases.map { "`\($0.rawValue)`" }.joined(separator: ", ") + ")."))
        lines.append("")
        return lines.joined(separator: "\n")
    }

    static func formatDescription(_ format: ExportFormat) -> String {
        switch format {
        case .csv: "CSV with the columns Data, Questions, Answers (chunk, question, answer)"
        case .json: "a JSON array of [chunk, question, answer]"
        case .lamini: "a JSON array of [{\"data\", \"question\"}, {\"answer\"}]"
        case .openai: "chat JSONL, {\"messages\": [system?, user, assistant]}"
        case .alpaca: "JSONL, {\"instruction\": question, \"input\": chunk, \"output\": answer}"
        case .sharegpt: "JSONL, {\"conversations\": [system?, human, gpt]}"
        case .jsonl: "JSONL with every provenance field of each pair"
        }
    }

    /// A YAML double-quoted scalar: printable ASCII as it is, everything else escaped.
    static func yamlQuoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case " "..."~": out.unicodeScalars.append(scalar)
            default:
                out += scalar.value > 0xFFFF ? String(format: "\\U%08X", scalar.value) : String(format: "\\u%04X", scalar.value)
            }
        }
        return out + "\""
    }

    /// Text inside a Markdown table cell: pipes escaped, line breaks as spaces.
    static func cell(_ text: String) -> String {
        markdown(text).replacingOccurrences(of: "|", with: "\\|")
    }

    static func markdown(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// An inline code span that holds any backticks in `text`.
    static func code(_ text: String) -> String {
        let flat = markdown(text)
        var longest = 0, run = 0
        for character in flat {
            run = character == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: longest + 1)
        let pad = flat.hasPrefix("`") || flat.hasSuffix("`") ? " " : ""
        return fence + pad + flat + pad + fence
    }

    static func list(_ items: Set<String>) -> String {
        items.sorted().map(code).joined(separator: ", ")
    }

    static func lastComponent(_ path: String) -> String {
        ResolvedPath.split(path).name
    }

    static func percent(_ part: Int, of whole: Int) -> String {
        whole == 0 ? "0.0%" : String(format: "%.1f%%", Double(part) / Double(whole) * 100)
    }

    static func share(_ part: Int, of whole: Int) -> String {
        "\(part) (\(percent(part, of: whole)))"
    }

    /// The path of `target` relative to the folder `from` (both real paths, no symlinks).
    static func relativePath(from folder: String, to target: String) -> String {
        let base = folder.split(separator: "/"), path = target.split(separator: "/")
        var common = 0
        while common < base.count && common < path.count - 1 && base[common] == path[common] { common += 1 }
        return (Array(repeating: "..", count: base.count - common) + path[common...].map(String.init)).joined(separator: "/")
    }
}

/// Counts, as an export writes its pairs, what a dataset card reports: per (question prompt,
/// answer prompt, model), the pairs, "I don't know" (by the selection's rule) and flagged.
final class CardTally {
    private struct Key: Hashable {
        let questionPrompt: Int
        let answerPrompt: Int
        let model: Int
    }

    private struct Counts {
        var pairs = 0
        var idk = 0
        var flagged = 0
    }

    private var counts: [Key: Counts] = [:]
    let columns: [PairColumn]

    /// `quality`: the selection's `--exclude-flagged`, which leaves nothing flagged to count.
    init(quality: QualityFilter?) {
        columns = [.questionPromptID, .answerPromptID, .answerModelID, .answerIsIDK, .pairFlagged(after: quality)]
    }

    /// Counts one written row whose `columns` start at `base`.
    func count(_ row: Statement, from base: Int) {
        let key = Key(questionPrompt: row.int(base), answerPrompt: row.int(base + 1), model: row.int(base + 2))
        counts[key, default: Counts()].pairs += 1
        if row.int(base + 3) != 0 { counts[key, default: Counts()].idk += 1 }
        if row.int(base + 4) != 0 { counts[key, default: Counts()].flagged += 1 }
    }

    /// The groups with their prompts' and model's names, in name order.
    func groups(db: Connection) throws -> [DatasetCard.Group] {
        let prompt = try db.prepare("SELECT name || '@' || version FROM prompts WHERE id = ?")
        let model = try db.prepare("SELECT name, params FROM models WHERE id = ?")
        func promptName(_ id: Int) throws -> String {
            defer { prompt.reset() }
            try prompt.bind([id])
            return try prompt.step() ? prompt.string(at: 0) : "prompt \(id)"
        }
        var groups: [DatasetCard.Group] = []
        for (key, counts) in counts {
            defer { model.reset() }
            try model.bind([key.model])
            let found = try model.step()
            groups.append(DatasetCard.Group(
                questionPrompt: try promptName(key.questionPrompt), answerPrompt: try promptName(key.answerPrompt),
                model: found ? model.string(at: 0) : "model \(key.model)", modelParams: found ? model.string(at: 1) : "{}",
                pairs: counts.pairs, idk: counts.idk, flagged: counts.flagged))
        }
        return groups.sorted { ($0.questionPrompt, $0.answerPrompt, $0.model, $0.modelParams) < ($1.questionPrompt, $1.answerPrompt, $1.model, $1.modelParams) }
    }
}

@available(*, unavailable)
extension CardTally: Sendable {}
