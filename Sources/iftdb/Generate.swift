import ArgumentParser
import Foundation
import IFTStore

extension IFTDB {
    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask a model for questions about chunks, answers to questions, or judgments of answers.",
            discussion: """
                Every step remembers what is done: the same command run again asks the model only \
                for what is missing (exactly one result per item, prompt version, model and \
                sample), so a run stopped by Ctrl-C, a crash or --max-calls resumes where it was. \
                Two runs for the same kind, prompt version and model do not ask at once: the \
                second exits 2 naming the first, or waits for it with --wait.

                The model is any OpenAI-compatible chat-completions server: --base-url (or \
                $IFTDB_BASE_URL), --model (or $IFTDB_MODEL), and an API key from $IFTDB_API_KEY, \
                else $OPENAI_API_KEY, or $LAMINI_API_KEY for Lamini's endpoint (a base URL ending \
                in \(ModelSettings.laminiPath)); never a flag, never stored. The default is the local model that \
                `scripts/local-model start` runs at \(ModelSettings.defaultBaseURL).

                For large runs, --batch-file FILE writes the requests to a file in the OpenAI \
                Batch format (which `vllm run-batch` reads too) instead of sending them, and \
                `iftdb generate ingest RESULTS…` stores the results, exactly once.

                Typical use:
                  iftdb generate questions              # 3 questions per chunk, prompt questions@latest
                  iftdb generate answers                # one answer per question, prompt answers@latest
                  iftdb generate judgments              # a 1-5 score and a reason per pair, prompt judge@latest
                  iftdb generate answers --batch-file requests.jsonl   # then: generate ingest results.jsonl
                """,
            subcommands: [Questions.self, Answers.self, Judgments.self, Ingest.self]
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
            @OptionGroup var batch: BatchFileOptions
            @OptionGroup var model: ModelOptions

            func validate() throws {
                try generation.check(model: model, prompt: prompt)
                try batch.check(generation)
                if count < 1 || count > 50 { throw ValidationError("--count must be between 1 and 50") }
                if let questionPattern, (try? NSRegularExpression(pattern: questionPattern)) == nil {
                    throw ValidationError("--question-pattern is not a valid regular expression")
                }
            }

            func run() async throws {
                var request = GenerationRequest(
                    kind: .questions, prompt: try parsePromptRef(prompt, flag: "--prompt"), chunkingID: chunking,
                    sourceGlob: generation.source, limit: generation.limit, samples: generation.samples, count: count)
                request.rebatch = batch.rebatch
                try await GenerationCommand(store: store, generation: generation, batch: batch, model: model, defaultMaxTokens: 400, questionPattern: questionPattern).run(request)
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
            @OptionGroup var batch: BatchFileOptions
            @OptionGroup var model: ModelOptions

            func validate() throws {
                try generation.check(model: model, prompt: prompt)
                try batch.check(generation)
                _ = try parsePromptRef(questions, flag: "--questions")
            }

            func run() async throws {
                var request = GenerationRequest(
                    kind: .answers, prompt: try parsePromptRef(prompt, flag: "--prompt"),
                    questionPrompt: try parsePromptRef(questions, flag: "--questions"), chunkingID: chunking,
                    sourceGlob: generation.source, limit: generation.limit, samples: generation.samples)
                request.rebatch = batch.rebatch
                try await GenerationCommand(store: store, generation: generation, batch: batch, model: model, defaultMaxTokens: 300).run(request)
            }
        }
    }
}

extension IFTDB.Generate {
    struct Judgments: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask a model to grade each selected pair: a score from 1 to 5 and a one-sentence reason.",
            discussion: """
                Grades the answers the filters select, as `export` selects them: by default \
                every answer on the current source versions (a question's answers from several \
                prompts or models are all graded, each on its own). The judge prompt (--prompt, \
                default: the latest version of `judge`) gets the chunk, the question and the \
                answer, and is asked for JSON {"score": 1-5, "reason": "…"} (structured output, \
                read leniently). A reply without a whole score from 1 to 5 is asked again, up to \
                --retries times; then the pair counts as failed and the next run asks again.

                The judge is the prompt version and the model: --model (or $IFTDB_MODEL) names \
                the model that grades (so the answers' model has no filter here: narrow with \
                --run or --dataset). --judge, --judge-model and --min-score are filters on \
                grades already stored, as in `export`: for instance, grade with a larger model \
                only the pairs a small judge scored 4 or more. Each judgment is stored once per \
                answer, judge prompt version, model and sample; `--min-score N` on export, \
                stats, dataset save and diff reads them.

                Examples:
                  iftdb generate judgments
                  iftdb generate judgments --answers answers@2 --exclude-idk --model qwen2.5
                  iftdb generate judgments --samples 3 --temperature 0.7 --dry-run
                  iftdb stats                  # mean score and scores 1-5, per row
                  iftdb export --format openai --min-score 4 -o train.jsonl
                """
        )

        @OptionGroup var store: StoreOptions
        @Option(help: ArgumentHelp("The judge prompt: NAME or NAME@VERSION.", valueName: "ref"), completion: StoreCompletion.prompts(.judge)) var prompt = DefaultPrompts.judgeName
        @Option(name: [.customLong("answers"), .customLong("answer-prompt")], help: ArgumentHelp(
            "Grade only the answers of this answer prompt: NAME@V, or NAME for its latest version (default: every answer the filters select).",
            valueName: "ref"), completion: StoreCompletion.prompts(.answer)) var answers: String?
        @Option(name: [.customLong("questions"), .customLong("question-prompt")], help: ArgumentHelp(
            "Grade only answers to the questions of this question prompt.", valueName: "ref"), completion: StoreCompletion.prompts(.question)) var questions: String?
        @Option(name: .customLong("run"), help: ArgumentHelp("Grade only pairs whose questions or answers this generation run made.", valueName: "id")) var runID: Int?
        @Option(help: ArgumentHelp("Only pairs on this chunking's chunks.", valueName: "id")) var chunking: Int?
        @OptionGroup var pairs: PairConditionOptions
        @OptionGroup var generation: GenerationOptions
        @OptionGroup var model: ModelOptions

        func validate() throws {
            try generation.check(model: model, prompt: prompt)
            try PairConditionOptions.asUsageError { _ = try pairFilter() }
        }

        /// The pairs to grade: --answers, --questions, --run, --source, --chunking and the conditions.
        func pairFilter() throws -> PairFilter {
            try pairs.pairFilter(PairFilter(
                questionPrompt: try questions.map { try parsePromptRef($0, flag: "--questions") },
                answerPrompt: try answers.map { try parsePromptRef($0, flag: "--answers") },
                run: runID, sourceGlob: generation.source, chunking: chunking))
        }

        func run() async throws {
            let request = GenerationRequest(
                kind: .judgments, prompt: try parsePromptRef(prompt, flag: "--prompt"), pairs: try pairFilter(),
                limit: generation.limit, samples: generation.samples)
            try await GenerationCommand(store: store, generation: generation, model: model, defaultMaxTokens: 200).run(request)
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

/// The shared body of every `generate` subcommand: one session, and what it
/// says printed for people on stderr (and with --json, the summary on stdout).
struct GenerationCommand {
    let store: StoreOptions
    let generation: GenerationOptions
    /// nil for a kind that is not written to batch files (judgments).
    var batch: BatchFileOptions? = nil
    let model: ModelOptions
    let defaultMaxTokens: Int
    var questionPattern: String? = nil

    func run(_ request: GenerationRequest) async throws {
        var settings = model.settings(defaultMaxTokens: defaultMaxTokens)
        settings.questionPattern = questionPattern
        let session = try GenerationSession(storePath: store.path, request: request, settings: settings, waitsForClaim: generation.wait)
        defer { session.close() }
        if let file = batch?.batch { return try await writeBatch(file, session: session, settings: settings) }
        if generation.dryRun { return try reportDryRun(try session.dryRun(maxCalls: generation.maxCalls), settings: settings) }

        let stop = StopSignal()
        let events = GenerationEventPrinter(command: self, kind: request.kind, watch: { SignalWatch.stopping(stop) }) { run in
            let plan = run.plan
            return "run \(run.id): \(plan.pending.count) \(plan.kind.subject)s to ask \(settings.model) with \(plan.prompt.ref)\(skippedNote(plan))"
        }
        defer { events.finish() }
        let outcome = try await session.run(concurrency: generation.requestsInFlight, maxCalls: generation.maxCalls, stop: stop, progress: events.print)
        events.finish()
        switch outcome {
        case .nothingToDo(let plan): try reportNothingToDo(plan, settings: settings)
        case .finished(let summary): report(summary, request: request)
        }
        if outcome.exitStatus != 0 { throw ExitCode(outcome.exitStatus) }
    }

    private func reportDryRun(_ estimate: GenerationEstimate, settings: ModelSettings) throws {
        let plan = estimate.plan
        Console.info("dry run: \(estimate.calls) calls to \(settings.model) at \(settings.displayBaseURL) with \(plan.prompt.ref) (\(plan.alreadyDone) \(plan.kind.subject)s already done); about \(estimate.estimatedPromptTokens) prompt tokens; nothing sent")
        if generation.json {
            try ByteSink.standardOutput().writeJSON(
                GenerationReport.dryRun(calls: estimate.calls, alreadyDone: plan.alreadyDone, estimatedPromptTokens: estimate.estimatedPromptTokens), .ordered)
        }
    }

    /// " (3 already done, 5 claimed by waiting batch runs)", or nothing.
    func skippedNote(_ plan: GenerationPlan) -> String {
        var parts: [String] = []
        if plan.alreadyDone > 0 { parts.append("\(plan.alreadyDone) already done") }
        if plan.claimedByBatches > 0 { parts.append("\(plan.claimedByBatches) claimed by waiting batch runs") }
        return parts.isEmpty ? "" : " (" + parts.joined(separator: ", ") + ")"
    }

    func reportNothingToDo(_ plan: GenerationPlan, settings: ModelSettings) throws {
        let claimed = plan.claimedByBatches
        if claimed > 0 {
            Console.info("nothing to do: \(plan.alreadyDone) items already have a result from \(plan.prompt.ref) and \(settings.model), and \(claimed) are claimed by waiting batch runs (ingest their results with `iftdb generate ingest`, or ask for them again with --rebatch)")
        } else {
            Console.info("nothing to do: all \(plan.alreadyDone) items already have a result from \(plan.prompt.ref) and \(settings.model)")
        }
        reportUnchangedCount(plan)
        if generation.json { try ByteSink.standardOutput().writeJSON(GenerationReport.nothingToDo(alreadyPresent: plan.alreadyDone), .ordered) }
    }

    /// A chunk's questions are one result per prompt version, model and sample, whatever
    /// --count asked: a re-run with another count adds nothing for chunks already done. Say so.
    func reportUnchangedCount(_ plan: GenerationPlan) {
        let count = plan.request.count
        guard plan.kind == .questions, plan.alreadyDone > 0, !plan.earlierCounts.isEmpty, plan.earlierCounts != [count] else { return }
        let earlier = plan.earlierCounts.map { "--count \($0)" }.joined(separator: " or ")
        Console.info("--count \(count) changes nothing for the \(plan.alreadyDone) items that already have questions from \(plan.prompt.ref) (asked with \(earlier)): for more questions per chunk ask for more samples (--samples \(plan.request.samples + 1)), or add a new version of the prompt (iftdb prompts add \(plan.prompt.name) …) and generate with it")
    }

    private func report(_ summary: GenerationSummary, request: GenerationRequest) {
        let p = summary.progress
        let noun = switch request.kind {
        case .questions: "question sets (\(p.results) questions\(p.shortSets > 0 ? "; \(p.shortSets) short: fewer questions than --count \(request.count)" : ""))"
        case .answers: "answers"
        case .judgments: "judgments" + (p.scores.map { " (scores 1/2/3/4/5: \($0.map(String.init).joined(separator: "/")))" } ?? "")
        }
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

    private func resumeCommand() -> String {
        let arguments = CommandLine.arguments.dropFirst().filter { $0 != "--dry-run" }
        return (["iftdb"] + arguments.map(shellQuoted)).joined(separator: " ")
    }
}

/// What a `generate` prints while its session runs: that it waits for another run, its start
/// line (and, from then on, a stop on Ctrl-C), and its progress.
final class GenerationEventPrinter {
    private let command: GenerationCommand
    private let bar: GenerationProgressView
    private let watch: () -> SignalWatch
    private let startLine: (StartedRun) -> String
    private var started = Date()
    private var stopWatch: SignalWatch?

    init(command: GenerationCommand, kind: GenerationKind, watch: @escaping () -> SignalWatch, startLine: @escaping (StartedRun) -> String) {
        self.command = command
        bar = GenerationProgressView(quiet: command.generation.quiet, kind: kind)
        self.watch = watch
        self.startLine = startLine
    }

    func print(_ event: GenerationEvent) {
        switch event {
        case .waiting(let claim):
            Console.info("waiting for run \(claim.runID) (\(claim.key.kind.rawValue) with \(claim.prompt) and \(claim.model)), running in process \(claim.process.pid), to end")
        case .started(let run):
            Console.info(startLine(run))
            command.reportUnchangedCount(run.plan)
            stopWatch = watch()
            started = Date()
        case .progress(let progress):
            bar.update(progress, started: started)
        }
    }

    /// Clears the progress line and stops listening for Ctrl-C.
    func finish() {
        bar.finish()
        stopWatch?.cancel()
        stopWatch = nil
    }
}

func shellQuoted(_ text: String) -> String {
    let safe = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_./@=:,+%"))
    if !text.isEmpty && text.unicodeScalars.allSatisfy(safe.contains) { return text }
    return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
