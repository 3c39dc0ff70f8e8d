import Foundation

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
            out.append("  \(step.label): removed \(step.removed)")
        }
        for split in splits {
            let share = written == 0 ? 0 : Double(split.pairs) / Double(written) * 100
            out.append("  \(split.name): \(split.pairs) pair\(split.pairs == 1 ? "" : "s") (\(String(format: "%.1f", share))%) to \(split.path)")
        }
        return out
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
}

extension Store {
    /// Opens a store read-only (through `readOnlyConnection`) for a command that reads its
    /// tables: no migration runs, and a store from a newer iftdb or without the generation
    /// tables is refused with a one-line error.
    public static func openForReading(at path: String) throws -> Connection {
        let db = try readOnlyConnection(at: path)
        do {
            let migrator = Migrator()
            try migrator.checkNotNewer(db, path: path)
            let applied = try migrator.appliedIDs(db)
            if applied.isEmpty { throw StoreError.notAnIFTDBStore(path: path) }
            guard applied.contains(2) else {
                throw StoreError.invalidInput("the store \(path) has no answers tables yet (an older schema); run `iftdb init --db \(path)` to upgrade it")
            }
        } catch let error as SQLiteError {
            throw mapReadOpenError(error, path: path)
        }
        return db
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
        if contains(target) {
            throw StoreError.invalidInput("-o \(output) is the store itself; write the export to another file")
        }
    }
}

/// `iftdb export` as one domain call.
public enum PairExport {
    /// Selects pairs with `filter` from the store at `storePath` and writes them as
    /// `options.format` to `output` (atomically) or, when nil, to standard output. Counting,
    /// the ambiguity check and the rows all read one snapshot. An empty selection writes
    /// nothing and throws a one-line error naming the filters.
    ///
    /// With `split`, `output` is a folder (made when missing, its parent must exist) that gets
    /// one `NAME.EXT` per split, each written atomically; when any split would be empty,
    /// nothing is written and a one-line error names it.
    public static func run(
        storePath: String, filter: PairFilter, options: ExportOptions, output: String?, split: ExportSplit? = nil,
        standardOutput: @autoclosure () -> ByteSink = ByteSink.standardOutput()
    ) throws -> ExportSummary {
        let db = try Store.openForReading(at: storePath)
        defer { db.close() }
        return try db.transaction(.deferred) {
            let selection = try PairSelection(filter, in: db)
            let funnel = try selection.funnel()
            guard funnel.selected > 0 else { throw emptySelection(funnel, filter: filter) }
            try selection.checkUnambiguous()
            let exporter = PairExporter(options: options)
            if let split {
                guard let output else {
                    throw StoreError.invalidInput("--split writes one file per split; give -o a folder")
                }
                return try writeSplits(selection, exporter: exporter, split: split, folder: output, funnel: funnel, storePath: storePath)
            }
            let written: Int
            if let output {
                let storeFiles = StoreFiles(storePath: storePath)
                let file = try AtomicOutputFile(path: output, checking: { try storeFiles.refuse(output, at: $0) })
                written = try exporter.write(selection, to: file.sink)
                try file.commit()
            } else {
                written = try exporter.write(selection, to: standardOutput())
            }
            return ExportSummary(written: written, funnel: funnel, format: options.format, destination: output)
        }
    }

    private static func writeSplits(
        _ selection: PairSelection, exporter: PairExporter, split: ExportSplit, folder: String, funnel: PairFunnel,
        storePath: String
    ) throws -> ExportSummary {
        var isDirectory: ObjCBool = false
        var createdFolder = false
        let folderExists = FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory)
        if folderExists && !isDirectory.boolValue {
            throw StoreError.invalidInput("cannot write splits into \(folder): it is a file; with --split, -o names a folder")
        }
        // Which pairs go where is known before anything is made or opened: a split that would
        // be empty writes nothing, and never waits for the reader of a FIFO.
        let planned = try exporter.splitCounts(selection, split: split.spec, seed: split.seed, unit: split.unit)
        if let empty = planned.firstIndex(of: 0) { throw emptySplit(empty, counts: planned, split: split) }
        if !folderExists {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
                createdFolder = true
            } catch {
                throw StoreError.invalidInput("cannot create the folder \(folder) for the splits (\((error as NSError).localizedDescription)); create it or its parent first")
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
        for part in split.spec.parts {
            let target = (folder as NSString).appendingPathComponent("\(part.name).\(exporter.options.format.fileExtension)")
            files.append(try AtomicOutputFile(path: target, checking: { try storeFiles.refuse(target, at: $0) }))
        }
        let counts = try exporter.write(selection, split: split.spec, seed: split.seed, unit: split.unit, to: files.map(\.sink))
        if let empty = counts.firstIndex(of: 0) { throw emptySplit(empty, counts: counts, split: split) }
        for file in files { try file.commit() }
        committed = true
        var splits: [ExportSummary.SplitFile] = []
        for (index, part) in split.spec.parts.enumerated() {
            splits.append(ExportSummary.SplitFile(name: part.name, path: files[index].path, pairs: counts[index]))
        }
        return ExportSummary(written: counts.reduce(0, +), funnel: funnel, format: exporter.options.format, destination: folder, splits: splits)
    }

    private static func emptySplit(_ index: Int, counts: [Int], split: ExportSplit) -> StoreError {
        let units = split.unit == .pair ? "pairs" : "\(split.unit.rawValue)s"
        return .invalidInput(
            "split '\(split.spec.parts[index].name)' would be empty (\(counts.reduce(0, +)) pairs, kept together by \(units)); "
                + "use a larger ratio, another --seed, or a finer --split-by; nothing written")
    }

    static func emptySelection(_ funnel: PairFunnel, filter: PairFilter, nothing: String = "nothing written") -> StoreError {
        if funnel.total == 0 {
            if let dataset = filter.dataset {
                return .notFound("dataset '\(dataset)' holds no answers; \(nothing)")
            }
            return .notFound("no pairs to export: the store has no answers yet; make some with `iftdb generate answers`; \(nothing)")
        }
        let removers = funnel.steps.filter { $0.removed > 0 }.map { "\($0.label) removed \($0.removed)" }
        return .notFound("no pairs match the filters (of \(funnel.total) pairs: \(removers.joined(separator: ", "))); loosen \(filter.flags.isEmpty ? "them" : filter.flags.joined(separator: " ")); \(nothing)")
    }
}
