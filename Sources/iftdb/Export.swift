import ArgumentParser
import Foundation
import IFTStore

extension ExportFormat: ExpressibleByArgument {}
extension SplitUnit: ExpressibleByArgument {}

extension IFTDB {
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the selected question/answer pairs in a fine-tuning format.",
            discussion: """
                Formats: csv (Data,Questions,Answers), json ([chunk, question, answer]), lamini \
                ([{"data","question"},{"answer"}]), openai (chat JSONL), alpaca and sharegpt \
                (JSONL), jsonl (one object per pair with every provenance field).

                By default only each source path's current version counts. A selection where \
                one question has answers from several answer prompt versions or models is \
                refused: narrow it with --answer-prompt or --model, or pass --all-answers.

                Rows stream to standard output, or to -o FILE, which appears only when complete \
                and keeps an existing file's permissions; a symlink is followed, a FIFO or \
                character device is written into, and the store (by any name) is refused. \
                A summary (pairs written, what each filter removed) goes to stderr. An empty \
                selection writes nothing and exits 2.

                --dedupe keeps the earliest of questions that read the same once case, spacing, \
                punctuation and Unicode form are folded, and reports how many pairs it dropped. \
                --dedupe-near drops a question near one kept before it (similar character \
                pairs, --near-threshold, default 0.7) and reports how many questions it dropped.

                --split train=0.9,valid=0.1 writes train.EXT and valid.EXT into the folder -o, \
                and a Hugging Face dataset card, README.md, whose configs give each file its \
                split name (names must match ^\\w+(\\.\\w+)*$; --no-card leaves it out; json and \
                lamini get none). A pair's split is a hash of its unit (--split-by: source path, \
                chunk text, or answer id) and --seed, so adding data never moves a pair. A split \
                that would be empty writes nothing and exits 2. --card FILE writes the same card \
                for a single file -o.

                --indent N and --ascii (json, lamini) write what Python's json.dump(..., indent=N) \
                writes with its default ensure_ascii=True: the tutorial's files, byte for byte.

                --max-example-chars N leaves out examples longer than N characters and counts \
                them in the summary. Without it, the summary warns when any example is longer \
                than 64,000 characters (the exit stays 0).
                """
        )

        @OptionGroup var store: StoreOptions
        @OptionGroup var filters: PairFilterOptions

        @Option(help: ArgumentHelp("The output format.", valueName: "format"))
        var format: ExportFormat

        @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Write to this file instead of standard output ('-' is standard output).", valueName: "file"))
        var output: String?

        @Option(help: ArgumentHelp("A system message for openai and sharegpt.", valueName: "text"))
        var system: String?

        @Flag(help: "Put the chunk before the question in the user turn (openai, sharegpt).")
        var includeContext = false

        @Option(help: ArgumentHelp("Write one file per split into the folder -o: NAME=RATIO,… summing to 1, e.g. train=0.9,valid=0.1.", valueName: "spec"))
        var split: String?

        @Option(help: ArgumentHelp(
            "Leave out examples longer than N characters (Unicode scalars of the question, answer, and the chunk and system message where the format writes them); the summary counts them.",
            valueName: "n"))
        var maxExampleChars: Int?

        @Flag(help: "jsonl only: add each pair's failed quality checks (\"flags\": [names]) and \"support\" (0 to 1, null for \"I don't know\"), judged with --min-support when given, and its \"judgments\" ([{prompt, model, score, reason}], every judge's).")
        var withQuality = false

        @Flag(help: "With --split: write no dataset card (README.md) into the folder.")
        var noCard = false

        @Option(help: ArgumentHelp("Write a Hugging Face dataset card for the file -o to this path (its data_files path is relative to the card).", valueName: "file"))
        var card: String?

        @Option(help: ArgumentHelp("json and lamini: lay the array out as Python's json.dump(..., indent=N), with no newline at the end (0 to \(ExportOptions.maxIndent)).", valueName: "n"))
        var indent: Int?

        @Flag(help: "json and lamini: escape every character beyond ASCII as \\uXXXX, as Python's json.dump does by default.")
        var ascii = false

        @Option(help: ArgumentHelp("With --split: the seed of the split's hash (default 0).", valueName: "n"))
        var seed: UInt64?

        @Option(help: ArgumentHelp("With --split: what stays together in one split: source (its path), chunk (its text; the default) or pair.", valueName: "unit"))
        var splitBy: SplitUnit?

        func validate() throws {
            if system != nil && ![.openai, .sharegpt].contains(format) {
                throw ValidationError("--system applies to --format openai and sharegpt only")
            }
            if includeContext && ![.openai, .sharegpt].contains(format) {
                throw ValidationError("--include-context applies to --format openai and sharegpt only (the other formats carry the chunk already)")
            }
            if let system, system.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw ValidationError("--system is empty; give it some text or leave it out")
            }
            if let maxExampleChars, maxExampleChars < 1 {
                throw ValidationError("--max-example-chars must be 1 or more (it is the longest example kept, in characters)")
            }
            if withQuality && format != .jsonl {
                throw ValidationError("--with-quality applies to --format jsonl only (the training formats carry no quality fields)")
            }
            if output?.isEmpty == true { throw ValidationError("-o needs a file path") }
            if output == "-" && split != nil {
                throw ValidationError("-o - is standard output, but --split writes one file per split; give -o a folder, e.g. -o splits/")
            }
            if (indent != nil || ascii) && ![.json, .lamini].contains(format) {
                throw ValidationError("\(indent != nil ? "--indent" : "--ascii") applies to --format json and lamini only (the other formats write one JSON object a line)")
            }
            if let indent, !(0...ExportOptions.maxIndent).contains(indent) {
                throw ValidationError("--indent must be between 0 and \(ExportOptions.maxIndent) (spaces per level)")
            }
            if let split {
                let spec: SplitSpec
                do {
                    spec = try SplitSpec(parsing: split)
                } catch let error as SelectionError {
                    throw ValidationError(error.message)
                }
                if output == nil { throw ValidationError("--split writes one file per split; give -o a folder, e.g. -o splits/") }
                if card != nil { throw ValidationError("--split writes its dataset card as README.md into the folder; leave out --card") }
                if !noCard && DatasetCard.refusal(for: format) == nil {
                    do {
                        try DatasetCard.checkSplitNames(spec)
                    } catch let error as OutputError {
                        throw ValidationError(error.message)
                    }
                }
            } else if seed != nil || splitBy != nil || noCard {
                throw ValidationError("\(seed != nil ? "--seed" : splitBy != nil ? "--split-by" : "--no-card") applies to --split only")
            }
            if let card {
                if card.isEmpty { throw ValidationError("--card needs a file path, e.g. --card README.md") }
                if output == nil || output == "-" {
                    throw ValidationError("--card describes the file -o writes; give -o a file, e.g. -o data/train.jsonl --card README.md")
                }
                if let refusal = DatasetCard.refusal(for: format) { throw ValidationError("no dataset card for --format \(format.rawValue): \(refusal)") }
                if card == output { throw ValidationError(OutputError.cardIsTheOutput(path: card).message) }
            }
        }

        func run() async throws {
            let output = self.output == "-" ? nil : self.output
            let interrupts = output == nil ? nil : SignalWatch.removingTemporaryFiles()
            defer { interrupts?.cancel() }
            let filter = try filters.pairFilter()
            let splitting = try split.map { ExportSplit(spec: try SplitSpec(parsing: $0), seed: seed ?? 0, unit: splitBy ?? .chunk) }
            // A split folder gets a card unless --no-card, or the format cannot have one (said below).
            let cardRefusal = DatasetCard.refusal(for: format)
            let cardRequest = splitting != nil
                ? (noCard || cardRefusal != nil ? nil : DatasetCard.Request(generator: IFTDBVersion.line))
                : card.map { DatasetCard.Request(path: $0, generator: IFTDBVersion.line) }
            let reader = try StoreFile.open(store.path, for: .reading)
            defer { reader.close() }
            let summary = try reader.export(
                filter: filter, options: ExportOptions(
                    format: format, system: system, includeContext: includeContext, maxExampleChars: maxExampleChars,
                    qualityMinSupport: withQuality ? filter.quality?.minSupport ?? QualityChecks.defaultMinSupport : nil,
                    indent: indent, ascii: ascii),
                output: output, split: splitting, card: cardRequest)
            for line in summary.lines { Console.info(line) }
            if splitting != nil && !noCard, let cardRefusal {
                Console.info("  no dataset card (README.md): \(cardRefusal)")
            }
            for warning in summary.warnings { Console.warning(warning) }
        }
    }
}
