import Foundation
import Synchronization

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
    public var promptTokens = 0
    public var completionTokens = 0
    public var lastFailure: String?
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
}

/// Sends a plan's items to the model with a bounded number in flight and writes each
/// result as it arrives, in its own short transaction: never an await inside one.
public struct GenerationEngine {
    public let concurrency: Int
    public let maxCalls: Int?

    public init(concurrency: Int, maxCalls: Int? = nil) {
        self.concurrency = max(1, concurrency)
        self.maxCalls = maxCalls
    }

    private enum Reply: Sendable {
        case questions(WorkItem, ModelResult<QuestionReply>)
        case answer(WorkItem, ModelResult<String>)
    }

    public func run(
        store: Store, plan: GenerationPlan, runID: Int64, client: ModelClient, stop: StopSignal,
        progress report: (GenerationProgress) -> Void
    ) async throws -> GenerationSummary {
        let started = Date()
        var progress = GenerationProgress(total: plan.pending.count)
        let budget = min(plan.pending.count, maxCalls ?? Int.max)
        var next = 0
        var writeError: Error?

        await withTaskGroup(of: Reply?.self) { group in
            func send() -> Bool {
                guard next < budget, !stop.isRequested, writeError == nil else { return false }
                let item = plan.pending[next]
                next += 1
                let messages: [ChatMessage]
                do {
                    messages = try store.messages(for: item, in: plan)
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
                        return Task.isCancelled ? nil : .questions(item, result)
                    }
                case .answers:
                    group.addTask {
                        let result = await client.askAnswer(messages: messages)
                        return Task.isCancelled ? nil : .answer(item, result)
                    }
                }
                return true
            }

            while progress.inFlight < concurrency, send() {}
            while let reply = await group.next() {
                progress.inFlight -= 1
                if stop.isForced {
                    group.cancelAll()
                    continue
                }
                guard let reply, writeError == nil else { continue }
                do {
                    let outcome: ItemOutcome
                    switch reply {
                    case .questions(let item, let result):
                        outcome = try store.recordQuestions(runID: runID, plan: plan, item: item, result: result)
                        progress.promptTokens += result.promptTokens
                        progress.completionTokens += result.completionTokens
                    case .answer(let item, let result):
                        outcome = try store.recordAnswer(runID: runID, plan: plan, item: item, result: result)
                        progress.promptTokens += result.promptTokens
                        progress.completionTokens += result.completionTokens
                    }
                    switch outcome {
                    case .stored(let results):
                        progress.done += 1
                        progress.results += results
                    case .alreadyPresent: progress.alreadyPresent += 1
                    case .failed(let message):
                        progress.failed += 1
                        progress.lastFailure = message
                    }
                } catch {
                    writeError = error
                    group.cancelAll()
                }
                report(progress)
                while progress.inFlight < concurrency, send() {}
            }
        }

        let interrupted = stop.isRequested || writeError != nil
        let status: RunStatus = interrupted ? .interrupted : (progress.failed > 0 ? .failed : .done)
        try? store.finishRun(runID, status: status)
        if let writeError { throw writeError }
        return GenerationSummary(
            runID: runID, status: status, progress: progress, skippedAsPresent: plan.alreadyDone,
            notSent: plan.pending.count - progress.sent, stoppedByMaxCalls: !interrupted && budget < plan.pending.count,
            seconds: Date().timeIntervalSince(started))
    }
}
