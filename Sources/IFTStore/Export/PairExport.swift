import Foundation
internal import IFTSQLite

/// What an export wrote: how many pairs, and what each filter removed on the way.
public struct ExportSummary: Sendable, Hashable {
    /// One split's file and how many pairs went to it.
    public struct SplitFile: Sendable, Hashable {
        public let name: String
        public let path: String
        public let pairs: Int
    }

    public let written: Int
    public let funnel: PairFunnel
    public let format: ExportFormat
    /// The file (or, with splits, the folder) written, or nil for standard output.
    public let destination: String?
    /// With `--split`: each split's file, in the spec's order.
    public var splits: [SplitFile] = []
    /// The dataset card written beside the data, if any.
    public var card: String?
    /// `--max-example-chars`, and how many examples it dropped.
    public var maxExampleChars: Int?
    public var droppedAsLong = 0
    /// Without `--max-example-chars`: examples written longer than 64,000 characters, and the longest.
    public var longExamples = 0
    public var longestExample = 0

    public init(written: Int, funnel: PairFunnel, format: ExportFormat, destination: String?, splits: [SplitFile] = []) {
        self.written = written
        self.funnel = funnel
        self.format = format
        self.destination = destination
        self.splits = splits
    }

    /// Lines for people (stderr): pairs written, then each filter and what it removed, then
    /// each split's share.
    public var lines: [String] {
        var out = ["wrote \(written) pair\(written == 1 ? "" : "s") as \(format.rawValue) to \(destination ?? "standard output") (\(funnel.total) in scope)"]
        for step in funnel.steps {
            let questions = step.questionsRemoved.map { " pair\(step.removed == 1 ? "" : "s") (\($0) question\($0 == 1 ? "" : "s"))" } ?? ""
            out.append("  \(step.label): removed \(step.removed)\(questions)")
        }
        if let maxExampleChars {
            out.append("  longer than \(maxExampleChars) characters (--max-example-chars): removed \(droppedAsLong)")
        }
        for split in splits {
            let share = written == 0 ? 0 : Double(split.pairs) / Double(written) * 100
            out.append("  \(split.name): \(split.pairs) pair\(split.pairs == 1 ? "" : "s") (\(String(format: "%.1f", share))%) to \(split.path)")
        }
        if let card { out.append("  dataset card (Hugging Face): \(card)") }
        return out
    }

    /// Warnings for people (stderr), such as examples too long for most fine-tuning jobs.
    public var warnings: [String] {
        guard longExamples > 0 else { return [] }
        return ["\(longExamples) example\(longExamples == 1 ? " is" : "s are") longer than \(ExampleLengthGuard.warningChars) characters (the longest \(longestExample)); most fine-tuning jobs refuse or truncate them: leave them out with --max-example-chars N"]
    }

    mutating func count(_ lengths: ExampleLengthGuard) throws {
        maxExampleChars = lengths.limit
        droppedAsLong = lengths.dropped
        longExamples = lengths.overWarning
        longestExample = lengths.longest
        if written == 0, let limit = lengths.limit {
            throw SelectionError.allTooLong(pairs: lengths.dropped, limit: limit)
        }
    }
}

/// `--split`: the parts, the seed and the unit kept together.
public struct ExportSplit: Sendable, Hashable {
    public let spec: SplitSpec
    public let seed: UInt64
    public let unit: SplitUnit

    public init(spec: SplitSpec, seed: UInt64 = 0, unit: SplitUnit = .chunk) {
        self.spec = spec
        self.seed = seed
        self.unit = unit
    }

    /// The flags that make this split.
    var flags: String {
        "--split " + spec.parts.map { "\($0.name)=\($0.ratio)" }.joined(separator: ",") + " --split-by \(unit.rawValue) --seed \(seed)"
    }
}

/// Refuses an output path that is the store itself or one of SQLite's files beside it, by
/// any name (`StoreFiles`): writing the export there would replace the store. The path is
/// resolved as `AtomicOutputFile` resolves it (its symlinks followed, its folder's real
/// path): a hard link to the store or to its `-wal` or `-shm`, or a link to a `-journal` or
/// `-wal` SQLite has not made yet, is refused.
func refuseStoreAsOutput(_ output: String, storePath: String) throws {
    guard let target = try? ResolvedPath(resolving: output) else { return }
    try StoreFiles(storePath: storePath).refuse(output, at: target)
}

extension StoreFiles {
    /// Throws when `target`, where `-o output` leads, is one of the store's files.
    func refuse(_ output: String, at target: ResolvedPath) throws {
        if contains(target) { throw OutputError.isTheStore(path: output) }
    }
}

/// What `StoreReader.export` does beside selecting: splits and the empty-selection error.
enum PairExport {
    static func writeSplits(
        _ selection: PairSelection, exporter: PairExporter, split: ExportSplit, folder: String, funnel: PairFunnel,
        storePath: String, card: DatasetCard.Request?
    ) throws -> ExportSummary {
        if card != nil { try DatasetCard.checkSplitNames(split.spec) }
        var isDirectory: ObjCBool = false
        var createdFolder = false
        let folderExists = FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory)
        if folderExists && !isDirectory.boolValue {
            throw OutputError.splitFolderIsAFile(folder: folder)
        }
        // Which pairs go where is known before anything is made or opened: a split that would
        // be empty writes nothing, and never waits for the reader of a FIFO.
        let planned = try exporter.splitCounts(selection, split: split.spec, seed: split.seed, unit: split.unit)
        if let empty = planned.firstIndex(of: 0) {
            throw SelectionError.emptySplit(name: split.spec.parts[empty].name, pairs: planned.reduce(0, +), unit: split.unit)
        }
        if !folderExists {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
                createdFolder = true
            } catch {
                throw OutputError.cannotCreateSplitFolder(folder: folder, reason: (error as NSError).localizedDescription)
            }
        }
        var files: [AtomicOutputFile] = []
        var committed = false
        // On any failure every temporary file goes, and a folder this export made goes too
        // (rmdir removes it only when empty).
        defer {
            if !committed {
                for file in files { file.discard() }
                if createdFolder { rmdir(folder) }
            }
        }
        let storeFiles = StoreFiles(storePath: storePath)
        let names = split.spec.parts.map { "\($0.name).\(exporter.options.format.fileExtension)" }
        for name in names {
            let target = ResolvedPath.join(folder, name)
            files.append(try AtomicOutputFile(path: target, checking: { try storeFiles.refuse(target, at: $0) }))
        }
        var cardFile: AtomicOutputFile?
        if card != nil {
            let target = ResolvedPath.join(folder, DatasetCard.fileName)
            let file = try AtomicOutputFile(path: target, checking: { try storeFiles.refuse(target, at: $0) })
            cardFile = file
            files.append(file)
        }
        let lengths = ExampleLengthGuard(options: exporter.options)
        let tally = card.map { _ in CardTally(quality: selection.filter.quality) }
        let counts = try exporter.write(
            selection, split: split.spec, seed: split.seed, unit: split.unit, to: files.prefix(names.count).map(\.sink), lengths: lengths, tally: tally)
        var summary = ExportSummary(written: counts.reduce(0, +), funnel: funnel, format: exporter.options.format, destination: folder)
        try summary.count(lengths)
        if let empty = counts.firstIndex(of: 0) {
            throw SelectionError.emptySplit(name: split.spec.parts[empty].name, pairs: counts.reduce(0, +), unit: split.unit)
        }
        if let card, let cardFile, let tally {
            let dataFiles = zip(split.spec.parts, zip(names, counts)).map { DatasetCard.DataFile(split: $0.name, path: $1.0, pairs: $1.1) }
            try writeCard(card, to: cardFile, files: dataFiles, tally: tally, selection: selection, format: exporter.options.format,
                          split: split, storePath: storePath)
            summary.card = cardFile.path
        }
        for file in files { try file.commit() }
        committed = true
        for (index, part) in split.spec.parts.enumerated() {
            summary.splits.append(ExportSummary.SplitFile(name: part.name, path: files[index].path, pairs: counts[index]))
        }
        return summary
    }

    /// The card of a single-file export at `request.path`, checked before any pair is
    /// written: not the store, not the data file itself.
    static func cardFile(_ request: DatasetCard.Request, for data: AtomicOutputFile, storePath: String) throws -> AtomicOutputFile {
        guard let path = request.path else { throw OutputError.cardNeedsAFile }
        let storeFiles = StoreFiles(storePath: storePath)
        let file = try AtomicOutputFile(path: path, checking: { target in
            try storeFiles.refuse(path, at: target)
            if target.path == data.targetPath { throw OutputError.cardIsTheOutput(path: path) }
        })
        return file
    }

    /// Writes the card of the pairs `tally` counted into `file` (committed by the caller).
    static func writeCard(
        _ request: DatasetCard.Request, to file: AtomicOutputFile, files: [DatasetCard.DataFile], tally: CardTally,
        selection: PairSelection, format: ExportFormat, split: ExportSplit?, storePath: String
    ) throws {
        for data in files where data.path.contains(where: { "*?[]".contains($0) }) {
            throw OutputError.dataFileIsAPattern(path: data.path)
        }
        let card = DatasetCard(
            generator: request.generator, store: storePath, format: format, filters: selection.filter.flags, splitFlags: split?.flags,
            excludedFlagged: selection.filter.quality != nil, files: files, groups: try tally.groups(db: selection.db))
        try file.sink.write(card.text)
    }

    static func emptySelection(_ funnel: PairFunnel, filter: PairFilter, action: SelectionAction = .export) -> SelectionError {
        if funnel.total == 0 {
            if let dataset = filter.dataset { return .empty(.emptyDataset(dataset), action: action) }
            return .empty(.noAnswers, action: action)
        }
        return .empty(.nothingMatches(total: funnel.total, removed: funnel.steps.filter { $0.removed > 0 }, flags: filter.flags), action: action)
    }
}

extension StoreReader {
    /// `iftdb export`: selects pairs with `filter` and writes them as
    /// `options.format` to `output` (atomically) or, when nil, to standard output. Counting,
    /// the ambiguity check and the rows all read one snapshot. An empty selection writes
    /// nothing and throws a one-line error naming the filters.
    ///
    /// With `split`, `output` is a folder (made when missing, its parent must exist) that gets
    /// one `NAME.EXT` per split, each written atomically; when any split would be empty,
    /// nothing is written and a one-line error names it.
    ///
    /// With `card`, a Hugging Face dataset card goes with the data: `README.md` in the split
    /// folder, or `card.path` beside a single file (not with standard output). It is written
    /// and committed with the data, and counts the pairs as they are written.
    public func export(
        filter: PairFilter, options: ExportOptions, output: String?, split: ExportSplit? = nil, card: DatasetCard.Request? = nil,
        standardOutput: @autoclosure () -> ByteSink = ByteSink.standardOutput()
    ) throws -> ExportSummary {
        if card != nil, let refusal = DatasetCard.refusal(for: options.format) {
            throw OutputError.noCardForFormat(reason: refusal)
        }
        return try guarded {
            try db.transaction(.deferred) {
                let selection = try PairSelection(filter, in: db)
                let funnel = try selection.funnel()
                guard funnel.selected > 0 else { throw PairExport.emptySelection(funnel, filter: filter) }
                try selection.checkUnambiguous()
                let exporter = PairExporter(options: options)
                if let split {
                    guard let output else {
                        throw OutputError.splitsNeedAFolder
                    }
                    return try PairExport.writeSplits(
                        selection, exporter: exporter, split: split, folder: output, funnel: funnel, storePath: path, card: card)
                }
                let lengths = ExampleLengthGuard(options: options)
                if let output {
                    let storeFiles = StoreFiles(storePath: path)
                    let file = try AtomicOutputFile(path: output, checking: { try storeFiles.refuse(output, at: $0) })
                    let cardFile = try card.map { try PairExport.cardFile($0, for: file, storePath: path) }
                    let tally = card.map { _ in CardTally(quality: filter.quality) }
                    var summary = ExportSummary(written: try exporter.write(selection, to: file.sink, lengths: lengths, tally: tally), funnel: funnel,
                                                format: options.format, destination: output)
                    try summary.count(lengths)
                    if let card, let cardFile, let tally {
                        let relative = DatasetCard.relativePath(from: ResolvedPath.split(cardFile.targetPath).folder, to: file.targetPath)
                        try PairExport.writeCard(
                            card, to: cardFile, files: [DatasetCard.DataFile(split: DatasetCard.singleSplit, path: relative, pairs: summary.written)],
                            tally: tally, selection: selection, format: options.format, split: nil, storePath: path)
                        summary.card = cardFile.path
                    }
                    try file.commit()
                    try cardFile?.commit()
                    return summary
                }
                if card != nil { throw OutputError.cardNeedsAFile }
                var summary = ExportSummary(written: try exporter.write(selection, to: standardOutput(), lengths: lengths), funnel: funnel,
                                            format: options.format, destination: nil)
                try summary.count(lengths)
                return summary
            }
        }
    }
}
