import ArgumentParser
import Dispatch
import Foundation
import IFTStore

extension IFTDB {
    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask a model for questions about chunks, or answers to questions.",
            discussion: """
                Both steps remember what is done: the same command run again asks the model only \
                for what is missing (exactly one result per item, prompt version, model and \
                sample), so a run stopped by Ctrl-C, a crash or --max-calls resumes where it was. \
                Two runs for the same kind, prompt version and model do not ask at once: the \
                second exits 2 naming the first, or waits for it with --wait.

                The model is any OpenAI-compatible chat-completions server: --base-url (or \
                $IFTDB_BASE_URL), --model (or $IFTDB_MODEL), and an API key from $IFTDB_API_KEY or \
                $OPENAI_API_KEY (never a flag, never stored). The default is the local model that \
                `scripts/local-model start` runs at \(ModelSettings.defaultBaseURL).

                Typical use:
                  iftdb generate questions              # 3 questions per chunk, prompt questions@latest
                  iftdb generate answers                # one answer per question, prompt answers@latest
                """,
            subcommands: [Questions.self, Answers.self]
        )

        struct Questions: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Ask for questions about each chunk of the current source versions.",
                discussion: """
                    Uses the chunks of the most recently loaded chunking (or --chunking ID). Each \
                    chunk gets --count questions per sample, asked as structured JSON output and \
                    parsed leniently.

                    Examples:
                      iftdb generate questions --count 5 --source 'handbook/*'
                      iftdb generate questions --prompt questions@2 --samples 2 --dry-run
                    """
            )

            @OptionGroup var store: StoreOptions
            @Option(help: ArgumentHelp("The question prompt: NAME or NAME@VERSION.", valueName: "ref"), completion: StoreCompletion.prompts(.question)) var prompt = DefaultPrompts.questionsName
            @Option(help: "Questions to ask per chunk.") var count = 3
            @Option(help: ArgumentHelp(
                "A regular expression every question must match, sent as the JSON schema's `pattern` (servers with constrained decoding, such as llama.cpp, enforce it). E.g. '^(What|Who|When|Where|Which|How|Why)[^\"?]{8,200}[?]$'.",
                valueName: "regex")) var questionPattern: String?
            @Option(help: ArgumentHelp("Use this chunking's chunks (default: the most recently loaded).", valueName: "id")) var chunking: Int64?
            @OptionGroup var generation: GenerationOptions
            @OptionGroup var model: ModelOptions

            func validate() throws {
                try generation.check()
                try model.check()
                if count < 1 || count > 50 { throw ValidationError("--count must be between 1 and 50") }
                if let questionPattern, (try? NSRegularExpression(pattern: questionPattern)) == nil {
                    throw ValidationError("--question-pattern is not a valid regular expression")
                }
                _ = try parsePromptRef(prompt, flag: "--prompt")
            }

            func run() async throws {
                let request = GenerationRequest(
                    kind: .questions, prompt: try parsePromptRef(prompt, flag: "--prompt"), chunkingID: chunking,
                    sourceGlob: generation.source, limit: generation.limit, samples: generation.samples, count: count)
                try await GenerationCommand(store: store, generation: generation, model: model, defaultMaxTokens: 400, questionPattern: questionPattern).run(request)
            }
        }

        struct Answers: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Ask for the answer to each question, from its chunk alone.",
                discussion: """
                    Answers the questions that --questions (default: the latest version of \
                    `questions`) produced on current source versions, with the answer prompt, which \
                    tells the model to use only the chunk or reply "I don't know.".

                    Examples:
                      iftdb generate answers
                      iftdb generate answers --prompt answers@2 --questions questions@1 --concurrency 16
                    """
            )

            @OptionGroup var store: StoreOptions
            @Option(help: ArgumentHelp("The answer prompt: NAME or NAME@VERSION.", valueName: "ref"), completion: StoreCompletion.prompts(.answer)) var prompt = DefaultPrompts.answersName
            @Option(help: ArgumentHelp("Answer the questions of this question prompt.", valueName: "ref"), completion: StoreCompletion.prompts(.question)) var questions = DefaultPrompts.questionsName
            @Option(help: ArgumentHelp("Only questions on this chunking's chunks.", valueName: "id")) var chunking: Int64?
            @OptionGroup var generation: GenerationOptions
            @OptionGroup var model: ModelOptions

            func validate() throws {
                try generation.check()
                try model.check()
                _ = try parsePromptRef(prompt, flag: "--prompt")
                _ = try parsePromptRef(questions, flag: "--questions")
            }

            func run() async throws {
                let request = GenerationRequest(
                    kind: .answers, prompt: try parsePromptRef(prompt, flag: "--prompt"),
                    questionPrompt: try parsePromptRef(questions, flag: "--questions"), chunkingID: chunking,
                    sourceGlob: generation.source, limit: generation.limit, samples: generation.samples)
                try await GenerationCommand(store: store, generation: generation, model: model, defaultMaxTokens: 300).run(request)
            }
        }
    }
}

func parsePromptRef(_ text: String, flag: String) throws -> PromptRef {
    do {
        return try PromptRef(parsing: text)
    } catch {
        throw ValidationError("\(flag): \(error)")
    }
}

struct GenerationOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Only sources whose path matches GLOB ('*' crosses '/').", valueName: "glob")) var source: String?
    @Option(help: "At most N items this run (an item is one chunk or question, per sample).") var limit: Int?
    @Option(help: "Results wanted per item (ask several samples on purpose).") var samples = 1
    @Option(help: "Requests in flight at once.") var concurrency = 4
    @Option(help: "Stop cleanly after N requests; run again to continue.") var maxCalls: Int?
    @Flag(help: "Print how many calls the command would make and an estimate of prompt tokens; make none.") var dryRun = false
    @Flag(help: "When another run is asking for the same kind, prompt and model, wait for it to end instead of exiting 2.") var wait = false
    @Flag(help: "No progress on stderr.") var quiet = false
    @Flag(help: "Print the summary as JSON on stdout.") var json = false

    func check() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if samples < 1 || samples > 100 { throw ValidationError("--samples must be between 1 and 100") }
        if concurrency < 1 || concurrency > 1024 { throw ValidationError("--concurrency must be between 1 and 1024") }
        if let maxCalls, maxCalls < 1 { throw ValidationError("--max-calls must be at least 1") }
    }
}

struct ModelOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The server's OpenAI-compatible base URL (default: $IFTDB_BASE_URL, else \(ModelSettings.defaultBaseURL)).", valueName: "url"))
    var baseURL: String?
    @Option(help: ArgumentHelp("The model name to ask for (default: $IFTDB_MODEL, else \(ModelSettings.defaultModel)).", valueName: "name"))
    var model: String?
    @Option(help: "Sampling temperature (default: the server's).") var temperature: Double?
    @Option(help: "Most tokens per reply (default: 400 for questions, 300 for answers).") var maxTokens: Int?
    @Option(help: "Seed for servers that support one.") var seed: Int?
    @Option(help: "Retries per request after the first attempt (connection errors, timeouts, 429, 5xx).") var retries = 4
    @Option(help: "Seconds one attempt may take, reply included.") var timeout: Double = 120
    @Option(help: "Seconds to establish a connection.") var connectTimeout: Double = 5

    func check() throws {
        if let baseURL {
            guard let url = URL(string: baseURL), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                throw ValidationError("--base-url must be an http(s) URL such as http://127.0.0.1:8080/v1")
            }
        }
        if let temperature, !(0...2).contains(temperature) { throw ValidationError("--temperature must be between 0 and 2") }
        if let maxTokens, maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1") }
        if retries < 0 || retries > 20 { throw ValidationError("--retries must be between 0 and 20") }
        for (flag, value) in [("--timeout", timeout), ("--connect-timeout", connectTimeout)] where !(value > 0 && value <= 86_400) {
            throw ValidationError("\(flag) must be a number of seconds between 0 and 86400")
        }
    }

    func settings(defaultMaxTokens: Int) -> ModelSettings {
        var settings = ModelSettings.fromEnvironment()
        if let baseURL { settings.baseURL = baseURL }
        if let model { settings.model = model }
        settings.temperature = temperature
        settings.maxTokens = maxTokens ?? defaultMaxTokens
        settings.seed = seed
        settings.retries = retries
        settings.requestDeadline = .milliseconds(Int(timeout * 1000))
        settings.connectTimeout = .milliseconds(Int(connectTimeout * 1000))
        return settings
    }
}

/// The shared body of `generate questions` and `generate answers`.
struct GenerationCommand {
    let store: StoreOptions
    let generation: GenerationOptions
    let model: ModelOptions
    let defaultMaxTokens: Int
    var questionPattern: String? = nil

    func run(_ request: GenerationRequest) async throws {
        let writer = try StoreFile.open(store.path, for: .writing)
        defer { writer.close() }
        var settings = model.settings(defaultMaxTokens: defaultMaxTokens)
        settings.questionPattern = questionPattern
        let plan = try writer.planGeneration(request, modelName: settings.model, parametersJSON: settings.parametersJSON)
        let what = request.kind == .questions ? "chunks" : "questions"

        if generation.dryRun {
            var characters = 0
            for item in plan.pending { characters += try writer.messages(for: item, in: plan).reduce(0) { $0 + $1.content.count } }
            let calls = min(plan.pending.count, generation.maxCalls ?? Int.max)
            Console.info("dry run: \(calls) calls to \(settings.model) at \(settings.displayBaseURL) with \(plan.prompt.ref) (\(plan.alreadyDone) \(what) already done); about \(characters / 4) prompt tokens; nothing sent")
            if generation.json {
                try ByteSink.standardOutput().writeJSON(GenerationReport.dryRun(calls: calls, alreadyDone: plan.alreadyDone, estimatedPromptTokens: characters / 4), .ordered)
            }
            return
        }
        if plan.pending.isEmpty { return try reportNothingToDo(plan, settings: settings) }

        let bar = GenerationProgressView(quiet: generation.quiet, kind: request.kind)
        let summary: GenerationSummary? = try await ModelClient.withHTTPClient(
            concurrency: generation.concurrency, connectTimeout: settings.connectTimeout
        ) { http in
            let client = ModelClient(http: http, settings: settings)
            try await client.checkReachable()
            guard let run = try await claimRun(writer, request, settings: settings) else { return nil }
            let plan = run.plan
            Console.info("run \(run.id): \(plan.pending.count) \(what) to ask \(settings.model) with \(plan.prompt.ref)\(plan.alreadyDone > 0 ? " (\(plan.alreadyDone) already done)" : "")")
            reportUnchangedCount(plan)
            let stop = installStopHandlers()
            let started = Date()
            let engine = GenerationEngine(concurrency: generation.concurrency, maxCalls: generation.maxCalls)
            return try await engine.run(writer: writer, run: run, client: client, stop: stop) { progress in
                bar.update(progress, started: started)
            }
        }
        bar.finish()
        guard let summary else { return }
        if let refusal = summary.refusal {
            throw GenerationError.runStopped(run: summary.runID, reason: refusal.message)
        }
        report(summary, request: request)
        if summary.progress.failed > 0 { throw ExitCode(1) }
        if summary.status == .interrupted { throw ExitCode(1) }
    }

    /// Starts the run with its claim on (kind, prompt, model). Another live run holding it is
    /// an error, or with --wait a wait (said once) until it lets go. Nil when nothing is left
    /// to ask once the claim is ours.
    private func claimRun(_ writer: StoreWriter, _ request: GenerationRequest, settings: ModelSettings) async throws -> StartedRun? {
        var announced = false
        while true {
            switch try writer.startRun(request, modelName: settings.model, parametersJSON: settings.parametersJSON,
                                       endpoint: settings.displayBaseURL, optionsJSON: optionsJSON(request, settings: settings)) {
            case .started(let run):
                return run
            case .nothingToDo(let plan):
                try reportNothingToDo(plan, settings: settings)
                return nil
            case .held(let claim):
                guard generation.wait else {
                    throw GenerationError.runHeld(claim)
                }
                if !announced {
                    Console.info("waiting for run \(claim.runID) (\(claim.key.kind.rawValue) with \(claim.prompt) and \(claim.model)), running in process \(claim.process.pid), to end")
                    announced = true
                }
                // Poll without the write lock; try to start only once the claim looks free.
                repeat {
                    try await Task.sleep(for: .milliseconds(250))
                } while try writer.claim(claim.key) != nil
            }
        }
    }

    private func reportNothingToDo(_ plan: GenerationPlan, settings: ModelSettings) throws {
        Console.info("nothing to do: all \(plan.alreadyDone) items already have a result from \(plan.prompt.ref) and \(settings.model)")
        reportUnchangedCount(plan)
        if generation.json { try ByteSink.standardOutput().writeJSON(GenerationReport.nothingToDo(alreadyPresent: plan.alreadyDone), .ordered) }
    }

    /// A chunk's questions are one result per prompt version, model and sample, whatever
    /// --count asked: a re-run with another count adds nothing for chunks already done. Say so.
    private func reportUnchangedCount(_ plan: GenerationPlan) {
        let count = plan.request.count
        guard plan.kind == .questions, plan.alreadyDone > 0, !plan.earlierCounts.isEmpty, plan.earlierCounts != [count] else { return }
        let earlier = plan.earlierCounts.map { "--count \($0)" }.joined(separator: " or ")
        Console.info("--count \(count) changes nothing for the \(plan.alreadyDone) items that already have questions from \(plan.prompt.ref) (asked with \(earlier)): for more questions per chunk ask for more samples (--samples \(plan.request.samples + 1)), or add a new version of the prompt (iftdb prompts add \(plan.prompt.name) …) and generate with it")
    }

    private func report(_ summary: GenerationSummary, request: GenerationRequest) {
        let p = summary.progress
        let noun = request.kind == .questions
            ? "question sets (\(p.results) questions\(p.shortSets > 0 ? "; \(p.shortSets) short: fewer questions than --count \(request.count)" : ""))" : "answers"
        Console.info("run \(summary.runID) \(summary.status.rawValue) in \(Format.seconds(summary.seconds)): \(p.done) \(noun) stored · \(summary.skippedAsPresent + p.alreadyPresent) skipped as already present · \(p.failed) failed · tokens \(p.promptTokens) in / \(p.completionTokens) out")
        if let failure = p.lastFailure, p.failed > 0 {
            Console.info("  last failure: \(failure)")
            Console.info("  the failed items are retried by running the same command again; each attempt is in `calls` (iftdb sql \"SELECT item, http_status, error FROM calls WHERE run_id = \(summary.runID) AND error IS NOT NULL\")")
        }
        if summary.status == .interrupted || summary.stoppedByMaxCalls {
            let why = summary.stoppedByMaxCalls ? "stopped after --max-calls" : "interrupted"
            let remaining = p.total - p.done - p.failed - p.alreadyPresent
            Console.info("  \(why) with \(remaining) items still to do; resume with: \(resumeCommand())")
        }
        if generation.json {
try? ByteSink.standardOutput().writeJSON(GenerationReport.finished(summary), .ordered)
        }
    }

    private func optionsJSON(_ request: GenerationRequest, settings: ModelSettings) -> String {
        var fields: [(String, JSONValue)] = [
            ("samples", .int(request.samples)), ("concurrency", .int(generation.concurrency)),
            ("retries", .int(settings.retries)),
        ]
        if request.kind == .questions { fields.append(("count", .int(request.count))) }
        if let questionPrompt = request.questionPrompt { fields.append(("questions", .string(questionPrompt.description))) }
        if let chunking = request.chunkingID { fields.append(("chunking", .int(Int(chunking)))) }
        if let source = request.sourceGlob { fields.append(("source", .string(source))) }
        if let limit = request.limit { fields.append(("limit", .int(limit))) }
        if let maxCalls = generation.maxCalls { fields.append(("max_calls", .int(maxCalls))) }
        if let pattern = settings.questionPattern { fields.append(("question_pattern", .string(pattern))) }
        return JSONValue.object(fields).text
    }

    private func resumeCommand() -> String {
        let arguments = CommandLine.arguments.dropFirst().filter { $0 != "--dry-run" }
        return (["iftdb"] + arguments.map(shellQuoted)).joined(separator: " ")
    }

    /// Ctrl-C (or SIGTERM) once: stop sending and let calls in flight finish; twice: abandon
    /// them. A plain signal handler sets the stop flag (an atomic add, safe in a handler) and
    /// writes a fixed message.
    private func installStopHandlers() -> StopSignal {
        let stop = processStopSignal
        for number in [SIGINT, SIGTERM] {
            signal(number) { _ in
                processStopSignal.request()
                let message: StaticString = processStopSignal.isForced
                    ? "\niftdb: abandoning the calls in flight\n"
                    : "\niftdb: stopping: no new requests; waiting for the ones in flight (Ctrl-C again to abandon them)\n"
                _ = write(STDERR_FILENO, message.utf8Start, message.utf8CodeUnitCount)
            }
        }
        return stop
    }
}

/// The process's one stop flag, set from the signal handler.
let processStopSignal = StopSignal()

func shellQuoted(_ text: String) -> String {
    let safe = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_./@=:,+%"))
    if !text.isEmpty && text.unicodeScalars.allSatisfy(safe.contains) { return text }
    return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// The progress of a generation run on stderr: a bar on a terminal, a line every few
/// seconds in a pipe.
final class GenerationProgressView {
    private let line: ProgressLine
    private let kind: GenerationKind

    init(quiet: Bool, kind: GenerationKind) {
        line = ProgressLine(quiet: quiet)
        self.kind = kind
    }

    func update(_ p: GenerationProgress, started: Date) {
        line.update({
            let finished = p.done + p.failed + p.alreadyPresent
            let elapsed = max(Date().timeIntervalSince(started), 0.001)
            let rate = Double(finished) / elapsed
            let remaining = rate > 0 ? Double(p.total - finished) / rate : 0
            var text = ""
            if Console.stderrIsTerminal {
                let width = 24
                let filled = p.total > 0 ? min(width, width * finished / p.total) : width
                text += "[" + String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled) + "] "
            } else {
                text += "\(kind.rawValue): "
            }
            text += "\(finished)/\(p.total) · \(String(format: "%.1f", rate))/s · \(p.failed) failed · ETA \(Format.seconds(remaining))"
            return text
        }())
    }

    func finish() { line.clear() }
}
