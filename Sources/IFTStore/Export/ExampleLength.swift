internal import IFTSQLite

/// `export --max-example-chars`: an example's length is the Unicode scalars of the text it
/// carries in its format: the question and the answer, the chunk where the format writes it
/// (every format but openai and sharegpt without --include-context), and the system message
/// where one is written. Examples over the limit are dropped and counted; without a limit,
/// those over `warningChars` are counted for a warning.
final class ExampleLengthGuard {
    /// Beyond this many characters an example is likely past a fine-tuning context window.
    static let warningChars = 64_000

    let limit: Int?
    private let systemChars: Int
    private let carriesChunk: Bool
    private let textColumns: (chunk: Int, question: Int, answer: Int)
    /// Examples dropped for being longer than `limit`.
    private(set) var dropped = 0
    /// Without a limit: examples longer than `warningChars`, and the longest of them.
    private(set) var overWarning = 0
    private(set) var longest = 0

    init(options: ExportOptions) {
        limit = options.maxExampleChars
        let writesSystem = [.openai, .sharegpt].contains(options.format)
        systemChars = writesSystem ? options.system?.unicodeScalars.count ?? 0 : 0
        carriesChunk = !writesSystem || options.includeContext
        let base = options.format == .jsonl ? JSONLField.all.count - 3 : 0  // chunk, question, answer end `all`
        textColumns = (base, base + 1, base + 2)
    }

    /// Whether the row's example goes out; counts it when it does not, or when it is long.
    func admit(_ row: Statement) -> Bool {
        let bound = limit ?? Self.warningChars
        var bytes = systemChars + row.withUTF8(textColumns.question) { $0.count } + row.withUTF8(textColumns.answer) { $0.count }
        if carriesChunk { bytes += row.withUTF8(textColumns.chunk) { $0.count } }
        // A scalar is one to four UTF-8 bytes: within the bound in bytes is within it in scalars.
        if bytes <= bound { return true }
        var chars = systemChars + Self.scalars(row, textColumns.question) + Self.scalars(row, textColumns.answer)
        if carriesChunk { chars += Self.scalars(row, textColumns.chunk) }
        guard chars > bound else { return true }
        if limit != nil {
            dropped += 1
            return false
        }
        overWarning += 1
        longest = max(longest, chars)
        return true
    }

    /// Unicode scalars of a text column: its UTF-8 bytes that start a scalar.
    private static func scalars(_ row: Statement, _ column: Int) -> Int {
        row.withUTF8(column) { bytes in bytes.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) } }
    }
}
