import Foundation

/// One `generate` command from start to end: it opens the store, plans what is missing,
/// estimates a dry run, checks that a server answers, starts the run under its claim (taking
/// over claims whose process is gone, waiting for a live one when asked), drives the engine,
/// records the run's options, and says how the command should exit. Printing is the
/// caller's: it hears the session through `GenerationEvent`s and the outcome.
///
/// Every kind of result goes through the same session; what differs per kind lives in the
/// request, the plan and the engine.
public final class GenerationSession {
    public let request: GenerationRequest
    public let settings: ModelSettings
    /// When another run holds the claim: wait for it to end (true) or fail at once.
    public let waitsForClaim: Bool
    let writer: StoreWriter

    /// Opens the store at `storePath` for writing (it must exist).
    public init(storePath: String, request: GenerationRequest, settings: ModelSettings, waitsForClaim: Bool = false) throws {
        writer = try StoreFile.open(storePath, for: .writing)
        self.request = request
        self.settings = settings
        self.waitsForClaim = waitsForClaim
    }

    /// Closes the store.
    public func close() { writer.close() }

    /// What a run would ask now, with an estimate of the prompt tokens (characters / 4 of
    /// every pending item's messages); writes nothing and sends nothing.
    public func dryRun(maxCalls: Int? = nil) throws -> GenerationEstimate {
        let plan = try plan()
        var characters = 0
        for item in plan.pending { characters += try writer.messages(for: item, in: plan).reduce(0) { $0 + $1.content.count } }
        return GenerationEstimate(plan: plan, calls: min(plan.pending.count, maxCalls ?? Int.max), estimatedPromptTokens: characters / 4)
    }

    /// Asks the model for every pending item, `concurrency` at a time, and at most `maxCalls`
    /// items. A refusal every item would meet (a bad key, an unknown model) throws
    /// `GenerationError.runStopped` once the run has ended.
    public func run(
        concurrency: Int, maxCalls: Int? = nil, stop: StopSignal, progress report: (GenerationEvent) -> Void
    ) async throws -> GenerationOutcome {
        let plan = try plan()
        if plan.pending.isEmpty { return .nothingToDo(plan) }
        let options = RunOptions(request: request, settings: settings, concurrency: concurrency, maxCalls: maxCalls)
        let outcome: GenerationOutcome = try await ModelClient.withHTTPClient(
            concurrency: concurrency, connectTimeout: settings.connectTimeout
        ) { http in
            let client = ModelClient(http: http, settings: settings)
            try await client.checkReachable()
            let run: StartedRun
            switch try await start(optionsJSON: try options.encoded(), endpoint: settings.displayBaseURL, report: report) {
            case .started(let started): run = started
            case .nothingToDo(let plan): return .nothingToDo(plan)
            }
            report(.started(run))
            let engine = GenerationEngine(concurrency: concurrency, maxCalls: maxCalls)
            return .finished(try await engine.run(writer: writer, run: run, client: client, stop: stop) { report(.progress($0)) })
        }
        if case .finished(let summary) = outcome, let refusal = summary.refusal {
            throw GenerationError.runStopped(run: summary.runID, reason: refusal.message)
        }
        return outcome
    }

    private func plan() throws -> GenerationPlan {
        try writer.planGeneration(request, modelName: settings.model, parametersJSON: settings.parametersJSON)
    }

    enum Start {
        case started(StartedRun)
        case nothingToDo(GenerationPlan)
    }

    /// Starts the run with its claim on (kind, prompt, model), recording `endpoint` as where
    /// it asks. Another live run holding it is an error, or with `waitsForClaim` a wait
    /// (reported once) until it lets go.
    func start(optionsJSON: String, endpoint: String, report: (GenerationEvent) -> Void) async throws -> Start {
        var announced = false
        while true {
            switch try writer.startRun(request, modelName: settings.model, parametersJSON: settings.parametersJSON,
                                       endpoint: endpoint, optionsJSON: optionsJSON) {
            case .started(let run):
                return .started(run)
            case .nothingToDo(let plan):
                return .nothingToDo(plan)
            case .held(let claim):
                guard waitsForClaim else { throw GenerationError.runHeld(claim) }
                if !announced {
                    report(.waiting(claim))
                    announced = true
                }
                // Poll without the write lock; try to start only once the claim looks free.
                repeat {
                    try await Task.sleep(for: .milliseconds(250))
                } while try writer.claim(claim.key) != nil
            }
        }
    }
}

/// What a session says while it runs.
public enum GenerationEvent {
    /// Another live run holds the claim and the session waits for it to end (said once).
    case waiting(RunClaim)
    /// The run is recorded and holds its claim; the engine starts asking.
    case started(StartedRun)
    /// Items finished since the last event.
    case progress(GenerationProgress)
}

/// How a session ended.
public enum GenerationOutcome {
    /// Every item already had its result; no run was recorded.
    case nothingToDo(GenerationPlan)
    case finished(GenerationSummary)

    /// The command's exit status: 1 when items failed or the run was interrupted (it ran, but
    /// not clean), else 0.
    public var exitStatus: Int32 {
        guard case .finished(let summary) = self else { return 0 }
        return summary.progress.failed > 0 || summary.status == .interrupted ? 1 : 0
    }
}

/// A dry run's answer.
public struct GenerationEstimate: Sendable {
    public let plan: GenerationPlan
    /// Requests a run would make now (`--max-calls` applied).
    public let calls: Int
    /// Characters of every pending item's messages, over 4.
    public let estimatedPromptTokens: Int
}
