import ArgumentParser
import Foundation
import IFTStore

extension IFTDB {
    struct Runs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List generation runs: kind, prompt, model, status, done/failed, tokens, started, took.",
            discussion: "A run left `running` by a process that no longer exists shows as interrupted."
        )

        @OptionGroup var store: StoreOptions
        @Option(help: "Show at most N runs, newest first.") var limit: Int?
        @Flag(help: "Print JSON on stdout.") var json = false

        func run() async throws {
            let reader = try StoreFile.open(store.path, for: .reading)
            defer { reader.close() }
            let runs = try reader.runs(limit: limit)
            let sink = ByteSink.standardOutput()
            if json {
                try sink.writeJSON(runs)
            } else {
                var table = TextTable(["id", "kind", "prompt", "model", "status", "done/failed/total", "tokens in/out", "started", "took"])
                for run in runs {
                    table.append([
                        String(run.id), run.kind, run.prompt, run.model, run.status.rawValue,
                        "\(run.itemsDone)/\(run.itemsFailed)/\(run.itemsTotal)", "\(run.promptTokens)/\(run.completionTokens)",
                        run.startedAt, run.seconds.map(Format.seconds) ?? "-",
                    ])
                }
                try sink.write(table.render())
                if runs.isEmpty { Console.info("no runs yet; start one with `iftdb generate questions`") }
            }
            try sink.flush()
        }
    }
}
