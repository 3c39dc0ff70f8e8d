import Foundation

/// What an export wrote: how many pairs, and what each filter removed on the way.
public struct ExportSummary: Sendable, Hashable {
    public let written: Int
    public let funnel: PairFunnel
    public let format: ExportFormat
    /// The file written, or nil for standard output.
    public let destination: String?

    /// Lines for people (stderr): pairs written, then each filter and what it removed.
    public var lines: [String] {
        var out = ["wrote \(written) pair\(written == 1 ? "" : "s") as \(format.rawValue) to \(destination ?? "standard output") (\(funnel.total) in scope)"]
        for step in funnel.steps {
            out.append("  \(step.label): removed \(step.removed)")
        }
        return out
    }
}

extension Store {
    /// Opens a store read-only for a command that only reads pairs (export, stats, diff): no
    /// migration runs, and a store from a newer iftdb or without the generation tables is
    /// refused with a one-line error.
    public static func openForReading(at path: String) throws -> Connection {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw StoreError.noStore(path: path)
        }
        if isDirectory.boolValue {
            throw StoreError.invalidInput("\(path) is a folder; --db takes the path of a store file")
        }
        let db: Connection
        do {
            db = try Connection(path: path, mode: .readOnly)
            let migrator = Migrator()
            try migrator.checkNotNewer(db, path: path)
            let applied = try migrator.appliedIDs(db)
            if applied.isEmpty { throw StoreError.notAnIFTDBStore(path: path) }
            guard applied.contains(2) else {
                throw StoreError.invalidInput("the store \(path) has no answers tables yet (an older schema); run `iftdb init --db \(path)` to upgrade it")
            }
        } catch let error as SQLiteError {
            throw mapOpenError(error, path: path)
        }
        return db
    }
}

/// `iftdb export` as one domain call.
public enum PairExport {
    /// Selects pairs with `filter` from the store at `storePath` and writes them as
    /// `options.format` to `output` (atomically) or, when nil, to standard output. Counting,
    /// the ambiguity check and the rows all read one snapshot. An empty selection writes
    /// nothing and throws a one-line error naming the filters.
    public static func run(
        storePath: String, filter: PairFilter, options: ExportOptions, output: String?,
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
            let written: Int
            if let output {
                let file = try AtomicOutputFile(path: output)
                written = try exporter.write(selection, to: file.sink)
                try file.commit()
            } else {
                written = try exporter.write(selection, to: standardOutput())
            }
            return ExportSummary(written: written, funnel: funnel, format: options.format, destination: output)
        }
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
