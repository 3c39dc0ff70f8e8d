import ArgumentParser
import IFTStore

/// `--response-format`: the `response_format` a question request carries in a batch file.
enum ResponseFormatChoice: String, CaseIterable, ExpressibleByArgument {
    case jsonSchema = "json_schema"
    case jsonObject = "json_object"
    case none

    var format: RequestForm.ResponseFormat {
        switch self {
        case .jsonSchema: .jsonSchema
        case .jsonObject: .jsonObject
        case .none: .none
        }
    }
}

/// `--max-tokens-field`: the name of the token limit in a batch file's requests.
enum MaxTokensFieldChoice: String, CaseIterable, ExpressibleByArgument {
    case maxTokens = "max_tokens"
    case maxCompletionTokens = "max_completion_tokens"
}

/// The options of `generate questions|answers` for large runs: write the requests to a file
/// (`--batch-file`) instead of sending them, and `--rebatch`.
struct BatchFileOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Write one request per pending item to FILE (the OpenAI Batch input format, which `vllm run-batch` reads too) instead of asking the model; the run waits for `iftdb generate ingest RESULTS…`.",
        valueName: "file"))
    var batchFile: String?
    @Option(help: ArgumentHelp(
        "With --batch-file: at most N requests per file, written as FILE-0001.jsonl, FILE-0002.jsonl … (the OpenAI Batch API takes at most 50,000 per file).",
        valueName: "n"))
    var batchSize: Int?
    @Option(help: ArgumentHelp("With --batch-file: the response_format of question requests (default json_schema).", valueName: "format"))
    var responseFormat: ResponseFormatChoice?
    @Option(help: ArgumentHelp("With --batch-file: the name of the token limit (default max_completion_tokens).", valueName: "name"))
    var maxTokensField: MaxTokensFieldChoice?
    @Flag(help: "Ask also for the items a waiting batch run has claimed (by default they are left to it); a result that comes later for one counts as already answered.")
    var rebatch = false

    func check(_ generation: GenerationOptions) throws {
        guard let batchFile else {
            for (flag, given) in [("--batch-size", batchSize != nil), ("--response-format", responseFormat != nil), ("--max-tokens-field", maxTokensField != nil)] where given {
                throw ValidationError("\(flag) applies to --batch-file only")
            }
            return
        }
        if batchFile.isEmpty || batchFile == "-" {
            throw ValidationError("--batch-file needs a file path (the file appears only once every request is in it)")
        }
        if generation.dryRun {
            throw ValidationError("--batch-file writes the requests instead of sending them; leave out --dry-run")
        }
        if generation.maxCalls != nil {
            throw ValidationError("--max-calls does not apply to --batch-file, which sends nothing; use --limit N to write fewer requests")
        }
        if generation.concurrency != nil {
            throw ValidationError("--concurrency does not apply to --batch-file, which sends nothing")
        }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
    }

    /// The batch file asked for, or nil for a live run.
    var batch: BatchFile? {
        batchFile.map {
            BatchFile(path: $0, batchSize: batchSize, responseFormat: (responseFormat ?? .jsonSchema).format,
                      maxTokensField: (maxTokensField ?? .maxCompletionTokens).rawValue)
        }
    }
}
