import Foundation
internal import IFTSQLite

/// What `generate ingest` did.
public struct IngestReport: Sendable, Encodable {
    /// A line that was read but not ingested, named for the user.
    public struct Problem: Sendable, Encodable, Equatable {
        public enum Kind: String, Sendable, Encodable {
            /// A JSON object that is not a result line.
            case wrongShape = "wrong_shape"
            /// A custom_id of this store that names no request.
            case unknownID = "unknown_id"
            /// A custom_id of another store, or not iftdb's.
            case foreignID = "foreign_id"
            /// The last line has no newline and does not parse: the file was cut short.
            case truncated
        }

        public let path: String
        public let line: Int
        public let kind: Kind
        public let detail: String
    }

    /// A run whose every request now has a result or a failure.
    public struct ClosedRun: Sendable, Encodable, Equatable {
        public let run: Int64
        public let status: RunStatus
        public let items: Int
        public let failed: Int
    }

    /// A run still waiting for results after this ingest.
    public struct WaitingRun: Sendable, Encodable, Equatable {
        public let run: Int64
        public let awaiting: Int
    }

    /// Lines read (blank lines not counted).
    public internal(set) var lines = 0
    /// Items whose result was stored (question sets or answers), and the questions stored.
    public internal(set) var stored = 0
    public internal(set) var results = 0
    /// Items that already had a result from elsewhere: the call is recorded, the first result stays.
    public internal(set) var alreadyAnswered = 0
    /// Lines whose request already had its result from an earlier ingest: nothing written.
    public internal(set) var alreadyIngested = 0
    /// Items that failed: an error line, or a reply that does not parse.
    public internal(set) var failed = 0
    public internal(set) var wrongShape = 0
    public internal(set) var unknownIDs = 0
    public internal(set) var foreignIDs = 0
    public internal(set) var truncated = 0
    public internal(set) var promptTokens = 0
    public internal(set) var completionTokens = 0
    public internal(set) var lastFailure: String?
    /// The first `maxNamedProblems` problem lines; `problemsNotNamed` counts the rest.
    public internal(set) var problems: [Problem] = []
    public internal(set) var problemsNotNamed = 0
    public internal(set) var closedRuns: [ClosedRun] = []
    public internal(set) var waitingRuns: [WaitingRun] = []

    /// How many problem lines a report names.
    public static let maxNamedProblems = 100

    /// 1 when an item failed or a line could not be ingested (the command ran, not clean), else 0.
    public var exitStatus: Int32 { failed + wrongShape + unknownIDs + foreignIDs + truncated > 0 ? 1 : 0 }

    mutating func note(_ problem: Problem) {
        switch problem.kind {
        case .wrongShape: wrongShape += 1
        case .unknownID: unknownIDs += 1
        case .foreignID: foreignIDs += 1
        case .truncated: truncated += 1
        }
        if problems.count < Self.maxNamedProblems { problems.append(problem) } else { problemsNotNamed += 1 }
    }

    private enum CodingKeys: String, CodingKey {
        case lines, stored, results, alreadyAnswered = "already_answered", alreadyIngested = "already_ingested", failed
        case wrongShape = "wrong_shape", unknownIDs = "unknown_ids", foreignIDs = "foreign_ids", truncated
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", problems, problemsNotNamed = "problems_not_named"
        case closedRuns = "closed_runs", waitingRuns = "waiting_runs"
    }
}

/// How far an ingest is.
public struct IngestProgress: Sendable {
    public let path: String
    public let linesRead: Int
    public let linesInFile: Int
}

extension StoreWriter {
    /// `generate ingest`: reads batch results files (OpenAI Batch output, `vllm run-batch`
    /// output) and stores each result exactly once, into the `calls` row its request was
    /// stored as, with the same reading of the reply as a live call. Every file is checked
    /// first: a line that is not a JSON object refuses the whole command (nothing is
    /// written); a last line cut short is reported and the lines before it are ingested. A
    /// line of another shape, or whose custom_id is unknown or another store's, is counted and
    /// named, and nothing is written for it. A waiting run whose every request has its result
    /// (or failure) closes, `done` or `failed`. Rows are committed about once a second, so a
    /// killed ingest resumes when run again: a line already ingested adds nothing.
    public func ingestBatchResults(_ paths: [String], progress report: (IngestProgress) -> Void = { _ in }) throws -> IngestReport {
        let checked = try paths.map(BatchResultsCheck.init(path:))
        var ingest = BatchIngest(writer: self, storeUUID: try storeUUID())
        for file in checked {
            try ingest.ingest(file, progress: report)
            try ingest.closeFinishedRuns()
        }
        return ingest.report
    }
}

/// The first pass over a results file: every line is a JSON object, except perhaps a last
/// line cut short.
struct BatchResultsCheck {
    let path: String
    let lines: Int
    /// The number of the last line, when it has no newline and does not parse.
    let truncatedLine: Int?

    init(path: String) throws {
        let reader = try LineReader(path: path)
        var truncatedLine: Int?
        while try reader.next({ line in
            // A line too long to hold is counted and named when ingested.
            guard case .text(let bytes, let endsWithNewline) = line, !BatchResultLine.isBlank(bytes), !JSONScan.isObject(bytes) else { return }
            if !endsWithNewline && !JSONScan.isValue(bytes) {
                truncatedLine = reader.lineNumber
            } else {
                throw BatchError.notAnObject(path: path, line: reader.lineNumber)
            }
        }) {}
        self.path = path
        lines = reader.lineNumber
        self.truncatedLine = truncatedLine
    }
}

/// The second pass: each line's result into the store.
struct BatchIngest {
    let writer: StoreWriter
    let storeUUID: String
    var report = IngestReport()
    /// Runs the lines named, by id (nil: no such batch run of a kind this iftdb reads).
    private var runs: [Int64: BatchRun?] = [:]
    /// Counts of the slice being written, per run: added to the runs' rows in its transaction.
    private var tallies: [Int64: GenerationProgress] = [:]
    /// Runs a line of which was ingested, to close when they have every result.
    private var touched: Set<Int64> = []

    /// A batch run as the lines need it.
    struct BatchRun {
        let target: ResultTarget
        let kind: GenerationKind
        /// Questions asked per chunk (question runs).
        let count: Int
    }

    init(writer: StoreWriter, storeUUID: String) {
        self.writer = writer
        self.storeUUID = storeUUID
    }

    mutating func ingest(_ file: BatchResultsCheck, progress report: (IngestProgress) -> Void) throws {
        let reader = try LineReader(path: file.path)
        var more = true
        while more {
            try writer.guarded {
                try writer.db.transaction {
                    let sliceStarted = ContinuousClock.now
                    var handled = 0
                    repeat {
                        more = try reader.next { line in try handle(line, number: reader.lineNumber, of: file) }
                        handled += 1
                    } while more && (handled % 256 != 0 || ContinuousClock.now - sliceStarted < .seconds(1))
                    try addTalliesToRuns()
                }
            }
            report(IngestProgress(path: file.path, linesRead: reader.lineNumber, linesInFile: file.lines))
        }
    }

    private mutating func handle(_ line: LineReader.Line, number: Int, of file: BatchResultsCheck) throws {
        func problem(_ kind: IngestReport.Problem.Kind, _ detail: String) {
            report.note(IngestReport.Problem(path: file.path, line: number, kind: kind, detail: detail))
        }
        if number == file.truncatedLine {
            report.lines += 1
            return problem(.truncated, "the last line has no newline and does not parse: the file was cut short (the lines before it were ingested)")
        }
        guard case .text(let bytes, _) = line else {
            report.lines += 1
            return problem(.wrongShape, "longer than \(LineReader.maxLineBytes >> 20) MiB, the most iftdb reads")
        }
        let result: BatchResultLine
        switch BatchResultLine.read(bytes) {
        case .blank: return
        case .wrongShape(let why):
            report.lines += 1
            return problem(.wrongShape, why)
        case .result(let read):
            report.lines += 1
            result = read
        }
        // Only a line that is not ingested names its custom_id.
        var shownID: String { ServerText.oneLine(result.customID, limit: 200) }
        guard case .ours(let runID, let label) = BatchCustomID.read(result.customID, storeUUID: storeUUID) else {
            if case .foreign = BatchCustomID.read(result.customID, storeUUID: storeUUID) {
                return problem(.foreignID, "custom_id \(shownID) is not one of this store's requests (this store is \(storeUUID))")
            }
            return problem(.unknownID, "custom_id \(shownID) names no request of this store")
        }
        guard let run = try batchRun(runID) else { return problem(.unknownID, "custom_id \(shownID): run \(runID) is no batch run of this store") }
        guard let item = WorkItem(label: label, kind: run.kind), let found = try request(runID: runID, item: label) else {
            return problem(.unknownID, "custom_id \(shownID): run \(runID) wrote no request for \(label)")
        }
        let (callID, resolved) = found
        touched.insert(runID)
        if resolved {
            report.alreadyIngested += 1
            return
        }
        let (attempt, reading) = result.outcome(kind: run.kind, count: run.count)
        // The row and the result are written together: in the slice's transaction, which
        // an error rolls back whole (and a second ingest then writes again).
        try writer.fillBatchRequest(callID, with: attempt)
        let outcome: ItemOutcome
        switch reading {
        case .failure(let failure): outcome = .failed(failure.message)
        case .success(let value): outcome = try writer.storeResult(value, for: run.target, item: item, callID: callID)
        }
        let promptTokens = attempt.promptTokens ?? 0, completionTokens = attempt.completionTokens ?? 0
        tallies[runID, default: GenerationProgress(total: 0)].count(outcome, promptTokens: promptTokens, completionTokens: completionTokens)
        report.promptTokens += promptTokens
        report.completionTokens += completionTokens
        switch outcome {
        case .stored(let results):
            report.stored += 1
            report.results += results
        case .alreadyPresent: report.alreadyAnswered += 1
        case .failed(let message):
            report.failed += 1
            report.lastFailure = message
        }
    }

    /// The batch run `runID`, read once.
    private mutating func batchRun(_ runID: Int64) throws -> BatchRun? {
        if let known = runs[runID] { return known }
        let statement = try writer.db.cached("""
            SELECT kind, prompt_id, model_id, coalesce(json_extract(options, '$.count'), 0) FROM runs
            WHERE id = ? AND json_extract(options, '$.batch_file') IS NOT NULL
            """)
        defer { statement.reset() }
        try statement.bind([runID])
        var run: BatchRun?
        if try statement.step(), let kind = GenerationKind(rawValue: statement.string(at: 0)) {
            run = BatchRun(target: ResultTarget(runID: runID, promptID: Int64(statement.int(1)), modelID: Int64(statement.int(2))),
                           kind: kind, count: statement.int(3))
        }
        runs[runID] = run
        return run
    }

    /// The `calls` row of run `runID`'s request for `item`, and whether its result is in.
    private func request(runID: Int64, item: String) throws -> (Int64, Bool)? {
        let statement = try writer.db.cached("""
            SELECT id, response IS NOT NULL OR error IS NOT NULL FROM calls WHERE run_id = ? AND item = ? ORDER BY id LIMIT 1
            """)
        defer { statement.reset() }
        try statement.bind([runID, item])
        guard try statement.step() else { return nil }
        return (Int64(statement.int(0)), statement.int(1) != 0)
    }

    private mutating func addTalliesToRuns() throws {
        for (runID, tally) in tallies {
            try writer.addToRun(runID, done: tally.done, failed: tally.failed, skipped: tally.alreadyPresent,
                                promptTokens: tally.promptTokens, completionTokens: tally.completionTokens)
        }
        tallies.removeAll(keepingCapacity: true)
    }

    /// Closes each waiting run a line named whose every request now has its result or its
    /// failure: `failed` when any item failed, else `done`.
    mutating func closeFinishedRuns() throws {
        let runIDs = touched.sorted()
        touched.removeAll()
        try writer.guarded {
            try writer.db.transaction {
                for runID in runIDs {
                    let statement = try writer.db.cached("SELECT status, items_total, items_failed FROM runs WHERE id = ?")
                    try statement.bind([runID])
                    guard try statement.step(), statement.string(at: 0) == RunStatus.waiting.rawValue else {
                        statement.reset()
                        continue
                    }
                    let total = statement.int(1), failed = statement.int(2)
                    statement.reset()
                    let awaiting = try writer.db.scalarInt(
                        "SELECT count(*) FROM calls WHERE run_id = ? AND response IS NULL AND error IS NULL", [runID]) ?? 0
                    report.waitingRuns.removeAll { $0.run == runID }
                    guard awaiting == 0 else {
                        report.waitingRuns.append(IngestReport.WaitingRun(run: runID, awaiting: awaiting))
                        continue
                    }
                    let status: RunStatus = failed > 0 ? .failed : .done
                    try writer.db.run("UPDATE runs SET status = ?, ended_at = ? WHERE id = ?", [status.rawValue, Timestamp.now(), runID])
                    report.closedRuns.append(IngestReport.ClosedRun(run: runID, status: status, items: total, failed: failed))
                }
            }
        }
    }
}

extension StoreWriter {
    /// Fills a batch request's `calls` row with what its result line said.
    func fillBatchRequest(_ callID: Int64, with attempt: CallAttempt) throws {
        try db.run("""
            UPDATE calls SET response = ?, http_status = ?, finish_reason = ?, prompt_tokens = ?, completion_tokens = ?, error = ?
            WHERE id = ?
            """, [attempt.response, attempt.httpStatus, attempt.finishReason, attempt.promptTokens, attempt.completionTokens,
                  attempt.error, callID] as [any SQLiteBindable])
    }
}
