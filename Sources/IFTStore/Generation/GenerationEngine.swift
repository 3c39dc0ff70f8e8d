import Foundation
import Synchronization
internal import IFTSQLite

/// Asks to stop a run: the first request stops sending and lets calls in flight finish;
/// the second abandons them.
public final class StopSignal: Sendable {
    private let requests = Atomic<Int>(0)

    public init() {}

    public func request() { requests.add(1, ordering: .relaxed) }
    public var isRequested: Bool { requests.load(ordering: .relaxed) > 0 }
    public var isForced: Bool { requests.load(ordering: .relaxed) > 1 }
}

public struct GenerationProgress: Sendable {
    public var total: Int
    public var done = 0
    public var failed = 0
    public var alreadyPresent = 0
    public var inFlight = 0
    public var sent = 0
    public var results = 0
    /// Question sets stored with fewer questions than asked (`--count`).
    public var shortSets = 0
    /// Questions asked per item (question runs), to count short sets.
    var questionsAsked: Int?
    public var promptTokens = 0
    public var completionTokens = 0
    public var lastFailure: String?

    mutating func count(_ outcome: ItemOutcome, promptTokens: Int, completionTokens: Int) {
        self.promptTokens += promptTokens
        self.completionTokens += completionTokens
        switch outcome {
        case .stored(let results):
            done += 1
            self.results += results
            if let questionsAsked, results < questionsAsked { shortSets += 1 }
        case .alreadyPresent: alreadyPresent += 1
        case .failed(let message):
            failed += 1
            lastFailure = message
        }
    }
}

public struct GenerationSummary: Sendable {
    public var runID: Int64
    public var status: RunStatus
    public var progress: GenerationProgress
    /// Items skipped before starting because their result was already stored.
    public var skippedAsPresent: Int
    /// Items never sent (a stop, --max-calls, or --limit).
    public var notSent: Int
    public var stoppedByMaxCalls: Bool
    public var seconds: Double
    /// The refusal that ended the run, when the server refused in a way every item would
    /// meet (HTTP 401, 403, 404, an unknown model); the run is `failed` and its items pending.
    public var refusal: ModelFailure?
}

/// Replies handed from the request tasks to the writer. The writer takes everything that
/// has arrived at once, so results that come faster than one commit each share a commit.
final class ReplyMailbox<Reply: Sendable>: Sendable {
    private struct State {
        var replies: [Reply] = []
        var waiter: CheckedContinuation<[Reply], Never>?
    }

    private let state = Mutex(State())

    func put(_ reply: Reply) {
        let waiter: CheckedContinuation<[Reply], Never>? = state.withLock { state in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.replies.append(reply)
            return nil
        }
        waiter?.resume(returning: [reply])
    }

    /// Every reply that has arrived, waiting for the first one when none has.
    func takeAll() async -> [Reply] {
        await withCheckedContinuation { continuation in
            let ready: [Reply]? = state.withLock { state in
                if state.replies.isEmpty {
                    state.waiter = continuation
                    return nil
                }
                defer { state.replies.removeAll(keepingCapacity: true) }
                return state.replies
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}

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

    enum Reply: Sendable {
        case questions(WorkItem, ModelResult<QuestionReply>)
        case answer(WorkItem, ModelResult<String>)
        case cancelled
        /// Not a reply: wakes the writer when a second Ctrl-C asks to abandon the calls in flight.
        case wake
        /// Not a reply: time to refresh the claim's heartbeat.
        case heartbeat

        var failure: ModelFailure? {
            switch self {
            case .questions(_, let result): result.failure
            case .answer(_, let result): result.failure
            case .cancelled, .wake, .heartbeat: nil
            }
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
        let budget = min(plan.pending.count, maxCalls ?? Int.max)
        var next = 0
        var writeError: Error?
        var refusal: ModelFailure?
        let mailbox = ReplyMailbox<Reply>()

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
                let count = plan.request.count
                switch plan.kind {
                case .questions:
                    group.addTask {
                        let result = await client.askQuestions(messages: messages, count: count)
                        mailbox.put(Task.isCancelled ? .cancelled : .questions(item, result))
                    }
                case .answers:
                    group.addTask {
                        let result = await client.askAnswer(messages: messages)
                        mailbox.put(Task.isCancelled ? .cancelled : .answer(item, result))
                    }
                }
                return true
            }

            // Watches for a forced stop (set from a signal handler) and wakes the writer.
            group.addTask {
                while !Task.isCancelled {
                    if stop.isForced {
                        mailbox.put(.wake)
                        return
                    }
                    try? await Task.sleep(for: .milliseconds(100))
                }
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
                let replies = await mailbox.takeAll().filter {
                    switch $0 {
                    case .wake: return false
                    case .heartbeat:
                        heartbeat = true
                        return false
                    default: return true
                    }
                }
                // A failed refresh is not the run's failure: the next one may succeed.
                if heartbeat { try? writer.refreshClaim(of: run.id) }
                progress.inFlight -= replies.count
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
                let outcome: ItemOutcome
                var promptTokens = 0, completionTokens = 0
                do {
                    switch reply {
                    case .questions(let item, let result):
                        outcome = try writer.recordQuestions(in: run, item: item, result: result)
                        (promptTokens, completionTokens) = (result.promptTokens, result.completionTokens)
                    case .answer(let item, let result):
                        outcome = try writer.recordAnswer(in: run, item: item, result: result)
                        (promptTokens, completionTokens) = (result.promptTokens, result.completionTokens)
                    case .cancelled, .wake, .heartbeat:
                        continue
                    }
                } catch {
                    outcome = .failed("could not store the result: \(error)")
                }
                if let failure = reply.failure, failure.kind == .fatal, case .failed = outcome {
                    refusal = refusal ?? failure
                    after.promptTokens += promptTokens
                    after.completionTokens += completionTokens
                    continue
                }
                after.count(outcome, promptTokens: promptTokens, completionTokens: completionTokens)
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
