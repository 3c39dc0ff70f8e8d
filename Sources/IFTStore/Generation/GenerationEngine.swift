import Foundation
internal import IFTSQLite

/// Sends a plan's items to the model with a bounded number in flight and writes results as
/// they arrive: all that arrived together in one short transaction (each item still all
/// or nothing, through a savepoint). Never an await inside a transaction.
public struct GenerationEngine {
    public let concurrency: Int
    public let maxCalls: Int?
    /// How often the run says it is alive (its claim's heartbeat).
    public let heartbeatInterval: Duration

    public init(concurrency: Int, maxCalls: Int? = nil, heartbeatInterval: Duration = ClaimHolder.heartbeatInterval) {
        self.concurrency = max(1, concurrency)
        self.maxCalls = maxCalls
        self.heartbeatInterval = heartbeatInterval
    }

    /// From this many calls in flight, a writer that took fewer than a quarter of them waits
    /// `gatherWindow` for more before it writes them all in one transaction.
    static let gatherFrom = 8
    static let gatherWindow = Duration.milliseconds(1)

    enum Reply: Sendable {
        case result(WorkItem, ItemResult)
        case cancelled
        /// Not a reply: wakes the writer when a second Ctrl-C asks to abandon the calls in flight.
        case wake
        /// Not a reply: time to refresh the claim's heartbeat.
        case heartbeat

        var failure: ModelFailure? {
            if case .result(_, let result) = self { return result.call.failure }
            return nil
        }
    }

    /// Asks for `run.plan.pending` and ends the run: `done`, `failed` (items failed, or a
    /// refusal every item would meet stopped it) or `interrupted`, letting go of its claim.
    public func run(
        writer: StoreWriter, run: StartedRun, client: ModelClient, stop: StopSignal,
        progress report: (GenerationProgress) -> Void
    ) async throws -> GenerationSummary {
        let plan = run.plan
        let started = Date()
        var progress = GenerationProgress(total: plan.pending.count)
        if plan.kind == .questions { progress.questionsAsked = plan.request.count }
        if plan.kind == .judgments { progress.scores = Array(repeating: 0, count: JudgmentParser.scores.count) }
        let budget = min(plan.pending.count, maxCalls ?? Int.max)
        var next = 0
        var writeError: Error?
        var refusal: ModelFailure?
        let mailbox = ReplyMailbox<Reply>()
        // A forced stop wakes the writer at once, however long the calls in flight take.
        stop.whenForced { mailbox.put(.wake) }
        defer { stop.whenForced(nil) }

        await withDiscardingTaskGroup { group in
            func send() -> Bool {
                guard next < budget, !stop.isRequested, writeError == nil, refusal == nil else { return false }
                let item = plan.pending[next]
                next += 1
                let messages: [ChatMessage]
                do {
                    messages = try writer.messages(for: item, in: plan)
                } catch {
                    writeError = error
                    return false
                }
                progress.sent += 1
                progress.inFlight += 1
                let (kind, count) = (plan.kind, plan.request.count)
                group.addTask {
                    let result = await ItemResult.ask(kind, of: client, messages: messages, count: count)
                    mailbox.put(Task.isCancelled ? .cancelled : .result(item, result))
                }
                return true
            }

            // Says every `heartbeatInterval` that the run is alive, through the writer (the
            // one owner of the store), so a run in another pid namespace can tell.
            let interval = heartbeatInterval
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    if Task.isCancelled { return }
                    mailbox.put(.heartbeat)
                }
            }
            defer { group.cancelAll() }

            while progress.inFlight < concurrency, send() {}
            while progress.inFlight > 0 {
                var heartbeat = false
                func arrived(_ batch: [Reply]) -> [Reply] {
                    let replies = batch.filter {
                        switch $0 {
                        case .wake: return false
                        case .heartbeat:
                            heartbeat = true
                            return false
                        default: return true
                        }
                    }
                    progress.inFlight -= replies.count
                    return replies
                }
                // Slots that came free get their next calls before the batch is written, so the
                // server works while the store does; not after a reply that refuses what every
                // call would ask (it is written first, and stops the run).
                var refusing = false
                func refill(after batch: [Reply]) {
                    refusing = refusing || batch.contains { $0.failure?.kind == .fatal }
                    guard !refusing, writeError == nil else { return }
                    while progress.inFlight < concurrency, send() {}
                }
                var replies = arrived(await mailbox.takeAll())
                refill(after: replies)
                // With many calls in flight, wait a moment for more replies to write together:
                // each commit writes its pages to the WAL, whatever it holds.
                if progress.inFlight >= Self.gatherFrom && replies.count < progress.inFlight / 4 && !stop.isForced {
                    try? await Task.sleep(for: Self.gatherWindow)
                    let more = arrived(mailbox.takeReady())
                    refill(after: more)
                    replies += more
                }
                // A failed refresh is not the run's failure: the next one may succeed.
                if heartbeat { try? writer.refreshClaim(of: run.id) }
                if stop.isForced {
                    group.cancelAll()
                    continue
                }
                guard writeError == nil, !replies.isEmpty else { continue }
                do {
                    let refused: ModelFailure?
                    (progress, refused) = try record(replies, counted: progress, writer: writer, run: run)
                    refusal = refusal ?? refused
                } catch {
                    writeError = error
                    group.cancelAll()
                }
                report(progress)
                while progress.inFlight < concurrency, send() {}
            }
        }

        let interrupted = stop.isRequested || writeError != nil
        let status: RunStatus = refusal != nil ? .failed : interrupted ? .interrupted : (progress.failed > 0 ? .failed : .done)
        try? writer.finishRun(run.id, status: status, error: refusal?.message ?? writeError.map { "\($0)" })
        if let writeError { throw (writeError as? SQLiteError).map(StoreError.init) ?? writeError }
        return GenerationSummary(
            runID: run.id, status: status, progress: progress, skippedAsPresent: plan.alreadyDone,
            notSent: plan.pending.count - progress.sent,
            stoppedByMaxCalls: !interrupted && refusal == nil && budget < plan.pending.count,
            seconds: Date().timeIntervalSince(started), refusal: refusal)
    }

    /// Writes every reply of a batch in one transaction, each item a savepoint (an item whose
    /// own write fails is counted failed and the others kept), and adds the batch to the run's
    /// counters with one update. Returns `counted` with the batch in it, and the first refusal
    /// every item would meet: its item's calls are kept, but it counts as neither done nor
    /// failed (it stays pending).
    private func record(
        _ replies: [Reply], counted: GenerationProgress, writer: StoreWriter, run: StartedRun
    ) throws -> (GenerationProgress, ModelFailure?) {
        var after = counted
        var refusal: ModelFailure?
        try writer.db.transaction {
            for reply in replies {
                guard case .result(let item, let result) = reply else { continue }
                let outcome: ItemOutcome
                do {
                    outcome = try writer.record(result, in: run, item: item)
                } catch {
                    outcome = .failed("could not store the result: \(error)")
                }
                let call = result.call
                if let failure = call.failure, failure.kind == .fatal, case .failed = outcome {
                    refusal = refusal ?? failure
                    after.promptTokens += call.promptTokens
                    after.completionTokens += call.completionTokens
                    continue
                }
                after.count(outcome, promptTokens: call.promptTokens, completionTokens: call.completionTokens, score: result.score)
            }
            try writer.addToRun(
                run.id, done: after.done - counted.done, failed: after.failed - counted.failed,
                skipped: after.alreadyPresent - counted.alreadyPresent,
                promptTokens: after.promptTokens - counted.promptTokens,
                completionTokens: after.completionTokens - counted.completionTokens)
        }
        return (after, refusal)
    }
}

/// What the model gave for one item, by kind.
enum ItemResult: Sendable {
    case questions(ModelResult<QuestionReply>)
    case answer(ModelResult<String>)
    case judgment(ModelResult<JudgmentReply>)

    /// Asks `client` for one item of `kind` (`count` questions, for questions).
    static func ask(_ kind: GenerationKind, of client: ModelClient, messages: [ChatMessage], count: Int) async -> ItemResult {
        switch kind {
        case .questions: .questions(await client.askQuestions(messages: messages, count: count))
        case .answers: .answer(await client.askAnswer(messages: messages))
        case .judgments: .judgment(await client.askJudgment(messages: messages))
        }
    }

    /// The attempts and the outcome, without the value: what every kind records alike.
    var call: ModelResult<Void> {
        switch self {
        case .questions(let result): result.withoutValue
        case .answer(let result): result.withoutValue
        case .judgment(let result): result.withoutValue
        }
    }

    /// The score a judgment gave, when it gave one.
    var score: Int? {
        if case .judgment(let result) = self { return result.value?.score }
        return nil
    }
}
