import ArgumentParser
import Foundation
import IFTStore

extension GenerationCommand {
    /// `generate questions|answers --batch-file FILE`: one session writes the requests, and
    /// what it says is printed for people on stderr (with --json, the summary on stdout).
    func writeBatch(_ file: BatchFile, session: GenerationSession, settings: ModelSettings) async throws {
        let stop = StopSignal()
        let events = GenerationEventPrinter(command: self, kind: session.request.kind, watch: { SignalWatch.stoppingBatch(stop) }) { run in
            let plan = run.plan
            return "run \(run.id): writing \(plan.pending.count) requests for \(plan.kind.subject)s to \(file.path)\(file.batchSize.map { " in files of at most \($0)" } ?? "") for \(settings.model) with \(plan.prompt.ref)\(skippedNote(plan))"
        }
        defer { events.finish() }
        let outcome = try await session.writeBatch(file, stop: stop, progress: events.print)
        events.finish()
        switch outcome {
        case .nothingToDo(let plan):
            try reportNothingToDo(plan, settings: settings)
        case .written(let summary):
            let destination = summary.files.count == 1
                ? summary.files[0].path
                : "\(summary.files.count) files, \(summary.files[0].path) … \(summary.files[summary.files.count - 1].path)"
            Console.info("run \(summary.runID) waiting: \(summary.requests) requests written to \(destination) in \(Format.seconds(summary.seconds)); no model was asked")
            let first = shellQuoted(summary.files[0].path)
            Console.info("  run them with the OpenAI Batch API, or: vllm run-batch -i \(first) -o results.jsonl --model \(shellQuoted(settings.model))")
            Console.info("  then store the results: iftdb generate ingest results.jsonl")
            if generation.json { try ByteSink.standardOutput().writeJSON(summary, .ordered) }
        }
    }
}

extension SignalWatch {
    /// Ctrl-C (or SIGTERM) while a requests file is written: stop at the next commit, leave
    /// no file, and mark the run interrupted.
    static func stoppingBatch(_ stop: StopSignal) -> SignalWatch {
        SignalWatch([SIGINT, SIGTERM]) { _ in
            stop.request()
            Console.write("\niftdb: stopping: the requests file will not be written\n")
        }
    }
}

extension IFTDB.Generate {
    struct Ingest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store the results of batch requests (written with --batch-file), exactly once.",
            discussion: """
                Reads results files in the format of the OpenAI Batch API's output and error \
                files and of `vllm run-batch -o`: one JSON object per line, {"id", "custom_id", \
                "response": {"status_code", "body"}, "error"}. Each result fills the `calls` row \
                its request was stored as and is read as a live reply is; an error line, or a \
                reply that does not parse, fails its item (the next generate asks for it again). \
                Ingesting a file again adds nothing. A result for an item that already has one \
                (answered elsewhere first) keeps the first and counts as already answered. A \
                batch run closes, done or failed, once every request has its result.

                A line that is not a JSON object refuses the whole command (exit 2, nothing \
                written); a last line cut short is reported and the lines before it are kept; a \
                line of another shape, or whose custom_id is unknown or another store's, is \
                counted and named, and nothing is written for it. Exit 1 when an item failed or \
                a line was not ingested.

                Examples:
                  iftdb generate ingest results.jsonl
                  iftdb generate ingest batch_output.jsonl batch_errors.jsonl --json
                """
        )

        @OptionGroup var store: StoreOptions
        @Argument(help: ArgumentHelp("Results files (JSONL).", valueName: "results")) var files: [String] = []
        @Flag(help: "No progress on stderr.") var quiet = false
        @Flag(help: "Print the summary as JSON on stdout.") var json = false

        func validate() throws {
            if files.isEmpty { throw ValidationError("give the results files to ingest, e.g. iftdb generate ingest results.jsonl") }
        }

        func run() async throws {
            let writer = try StoreFile.open(store.path, for: .writing)
            defer { writer.close() }
            let line = ProgressLine(quiet: quiet)
            defer { line.clear() }
            let report = try writer.ingestBatchResults(files) { progress in
                line.update("ingest: \(progress.path) \(progress.linesRead)/\(progress.linesInFile) lines")
            }
            line.clear()
            printSummary(report)
            if json { try ByteSink.standardOutput().writeJSON(report, .ordered) }
            if report.exitStatus != 0 { throw ExitCode(report.exitStatus) }
        }

        private func printSummary(_ report: IngestReport) {
            var counts = ["\(report.stored) stored", "\(report.alreadyAnswered) already answered", "\(report.alreadyIngested) already ingested", "\(report.failed) failed"]
            let skipped = report.wrongShape + report.unknownIDs + report.foreignIDs + report.truncated
            if skipped > 0 { counts.append("\(skipped) not ingested") }
            Console.info("read \(report.lines) lines from \(files.count == 1 ? files[0] : "\(files.count) files"): " + counts.joined(separator: " · ")
                + " · tokens \(report.promptTokens) in / \(report.completionTokens) out")
            let shown = 10
            for problem in report.problems.prefix(shown) {
                Console.warning("\(problem.path) line \(problem.line): \(problem.detail)")
            }
            let more = max(report.problems.count - shown, 0) + report.problemsNotNamed
            if more > 0 { Console.warning("… and \(more) more lines not ingested\(json ? "" : " (--json names the first \(IngestReport.maxNamedProblems))")") }
            if let failure = report.lastFailure, report.failed > 0 {
                Console.info("  last failure: \(failure)")
            }
            for run in report.closedRuns {
                if run.status == .failed {
                    Console.info("run \(run.run) failed: \(run.failed) of \(run.items) items failed; the same generate command asks for them again")
                } else {
                    Console.info("run \(run.run) done: \(run.items) items")
                }
            }
            for run in report.waitingRuns {
                Console.info("run \(run.run) still waiting for \(run.awaiting) results")
            }
        }
    }
}
