import ArgumentParser
import IFTStore

/// The options every `generate` subcommand takes: what to ask for, how many at once, how to report.
struct GenerationOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Only sources whose path matches GLOB ('*' crosses '/').", valueName: "glob")) var source: String?
    @Option(help: "At most N items this run (an item is one chunk, question or answer, per sample).") var limit: Int?
    @Option(help: "Results wanted per item (ask several samples on purpose).") var samples = 1
    @Option(help: "Requests in flight at once (default 4).") var concurrency: Int?
    @Option(help: "Stop cleanly after N requests; run again to continue.") var maxCalls: Int?
    @Flag(help: "Print how many calls the command would make and an estimate of prompt tokens; make none.") var dryRun = false
    @Flag(help: "When another run is asking for the same kind, prompt and model, wait for it to end instead of exiting 2.") var wait = false
    @Flag(help: "No progress on stderr.") var quiet = false
    @Flag(help: "Print the summary as JSON on stdout.") var json = false

    /// Requests in flight at once.
    var requestsInFlight: Int { concurrency ?? 4 }

    /// Checks these flags, `model`'s and the `--prompt` reference every `generate` subcommand takes.
    func check(model: ModelOptions, prompt: String) throws {
        try check()
        try model.check()
        _ = try parsePromptRef(prompt, flag: "--prompt")
    }

    func check() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if samples < 1 || samples > 100 { throw ValidationError("--samples must be between 1 and 100") }
        if let concurrency, concurrency < 1 || concurrency > 1024 { throw ValidationError("--concurrency must be between 1 and 1024") }
        if let maxCalls, maxCalls < 1 { throw ValidationError("--max-calls must be at least 1") }
    }
}
