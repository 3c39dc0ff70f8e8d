import Foundation
internal import IFTSQLite

/// What `generate --batch-file` wrote.
public struct BatchWriteSummary: Sendable, Encodable {
    public struct File: Sendable, Encodable {
        public let path: String
        public let requests: Int
    }

    public let runID: Int64
    public let requests: Int
    public let files: [File]
    /// Items that already had their result.
    public let alreadyDone: Int
    /// Items left out because another waiting batch run claims them.
    public let claimedByBatches: Int
    public let seconds: Double

    private enum CodingKeys: String, CodingKey {
        case runID = "run", status, requests, files, alreadyDone = "already_done", claimedByBatches = "claimed_by_batches", seconds
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(runID, forKey: .runID)
        try c.encode(RunStatus.waiting.rawValue, forKey: .status)
        try c.encode(requests, forKey: .requests)
        try c.encode(files, forKey: .files)
        try c.encode(alreadyDone, forKey: .alreadyDone)
        try c.encode(claimedByBatches, forKey: .claimedByBatches)
        try c.encode((seconds * 1000).rounded() / 1000, forKey: .seconds)
    }
}

/// How a `generate --batch-file` ended.
public enum BatchWriteOutcome {
    /// Every item already had its result, or is claimed by a waiting batch run: no run, no file.
    case nothingToDo(GenerationPlan)
    case written(BatchWriteSummary)
}

extension GenerationSession {
    /// Writes one OpenAI Batch request line per pending item into `batch`'s file(s) instead of
    /// asking the model: each body is the one a live call would send, each request is stored
    /// as a `calls` row without a response, and the run ends `waiting`, claiming its items
    /// until `ingest` brings their results. While it writes, the run holds its claim on the
    /// kind, prompt and model as a live run does (so nothing else asks for the same items),
    /// and commits about once a second. Stopped (`stop`) or failed, no file appears and the
    /// run ends `interrupted` or `failed`, its items pending.
    public func writeBatch(_ batch: BatchFile, stop: StopSignal, progress report: (GenerationEvent) -> Void) async throws -> BatchWriteOutcome {
        // The first file is opened (as a hidden temporary file) before the run plans, so a path
        // that cannot be written fails before any row is; it goes again if nothing is to do.
        // The run plans once, under its claim: a million pending items take 16 MB.
        let files = try BatchRequestFiles(batch, storePath: writer.path)
        let options = RunOptions(request: request, settings: settings, concurrency: nil, maxCalls: nil, batch: batch)
        let run: StartedRun
        switch try await start(optionsJSON: try options.encoded(), endpoint: batch.endpoint, report: report) {
        case .started(let started): run = started
        case .nothingToDo(let plan): return .nothingToDo(plan)
        }
        report(.started(run))
        let started = Date()
        do {
            try writeRequests(of: run, into: files, form: batch.form, stop: stop) { report(.progress($0)) }
            try files.commit()
            try writer.markWaiting(run.id)
        } catch {
            files.discard()
            let stopped = stop.isRequested
            try? writer.finishRun(run.id, status: stopped ? .interrupted : .failed, error: stopped ? nil : "the requests file was not written: \(error)")
            if stopped { throw BatchError.stopped(run: run.id) }
            throw error
        }
        return .written(BatchWriteSummary(
            runID: run.id, requests: run.plan.pending.count,
            files: zip(files.paths, files.lines).map { BatchWriteSummary.File(path: $0, requests: $1) },
            alreadyDone: run.plan.alreadyDone, claimedByBatches: run.plan.claimedByBatches, seconds: Date().timeIntervalSince(started)))
    }

    /// Renders, stores and writes every pending request of `run`, committing the rows about
    /// once a second (the files stay temporary until the caller commits them).
    private func writeRequests(
        of run: StartedRun, into files: BatchRequestFiles, form: RequestForm, stop: StopSignal, progress report: (GenerationProgress) -> Void
    ) throws {
        let plan = run.plan
        let uuid = try writer.storeUUID()
        var progress = GenerationProgress(total: plan.pending.count)
        var lastHeartbeat = ContinuousClock.now
        var index = 0
        while index < plan.pending.count {
            if stop.isRequested { throw BatchError.stopped(run: run.id) }
            if ContinuousClock.now - lastHeartbeat >= ClaimHolder.heartbeatInterval {
                try writer.refreshClaim(of: run.id)
                lastHeartbeat = ContinuousClock.now
            }
            try writer.guarded {
                try writer.db.transaction {
                    let sliceStarted = ContinuousClock.now
                    let now = Timestamp.now()
                    repeat {
                        let item = plan.pending[index]
                        let label = plan.label(item)
                        let customID = BatchCustomID(storeUUID: uuid, runID: run.id, item: label).text
                        guard customID.utf8.count <= BatchCustomID.maxLength else {
                            throw InternalError("the custom_id \(customID) is longer than \(BatchCustomID.maxLength) characters")
                        }
                        let body = try plan.kind.requestBody(messages: try writer.messages(for: item, in: plan), plan: plan, settings: settings, form: form)
                        try writer.insertBatchRequest(runID: run.id, item: label, body: body, startedAt: now)
                        try files.write(request: index, customID: customID, body: body)
                        index += 1
                    } while index < plan.pending.count && (index % 256 != 0 || ContinuousClock.now - sliceStarted < .seconds(1))
                }
            }
            progress.sent = index
            progress.done = index
            report(progress)
        }
    }
}

extension StoreWriter {
    /// Stores a request written to a batch file: a `calls` row with its body and no response
    /// yet. Until its result is ingested (a response or an error fills the row), it claims
    /// its item for the waiting run.
    func insertBatchRequest(runID: Int64, item: String, body: String, startedAt: String) throws {
        try db.run("INSERT INTO calls (run_id, item, attempt, request, started_at) VALUES (?, ?, 1, ?, ?)", [runID, item, body, startedAt])
    }

    /// The run's requests are written: it lets go of its claim on (kind, prompt, model) and
    /// waits for its results, claiming its items instead.
    func markWaiting(_ runID: Int64) throws {
        try guarded {
            try db.transaction {
                try db.run("UPDATE runs SET status = 'waiting' WHERE id = ?", [runID])
                try db.run("DELETE FROM claims WHERE run_id = ?", [runID])
            }
        }
    }
}
