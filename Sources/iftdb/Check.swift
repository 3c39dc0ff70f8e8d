import ArgumentParser
import Foundation
import IFTStore

extension IFTDB {
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a store without changing it; one line per problem.",
            discussion: """
                Opens the store read-only and checks: SQLite's integrity_check and \
                foreign_key_check; that every chunk's offsets slice its source version's text \
                into the chunk's text; one question set per (chunk, prompt, model, sample) and one \
                answer per (question, prompt, model, sample); that every dataset item points at an \
                answer; that every recorded migration is one this iftdb knows.

                Exit codes: 0 clean; 1 problems found (one line each on stdout); 2 no store.
                """
        )

        @OptionGroup var store: StoreOptions
        @Flag(help: "Print one JSON document: problems, store, summary.") var json = false

        func run() async throws {
            let sink = ByteSink.standardOutput()
            var first = true
            let reader = try StoreFile.open(store.path, for: .reading(requiring: .inspection))
            defer { reader.close() }
            let summary = try reader.check { problem in
                if json {
                    if first { try openProblems(sink) } else { try sink.write(",") }
                    try sink.writeJSON(problem)
                } else {
                    // A path or text inside a message never drives the terminal.
                    try sink.write(TerminalText.escaped(problem.message, oneLine: true) + "\n")
                }
                first = false
            }
            if json {
                if first { try openProblems(sink) }
                try sink.write("],")
                try sink.writeJSONKey("store")
                try sink.writeJSON(store.path, .ordered, newline: false)
                try sink.write(",")
                try sink.writeJSONKey("summary")
                try sink.writeJSON(summary)
                try sink.write("}\n")
            }
            try sink.flush()
            Console.info(Self.describe(summary, path: store.path))
            if summary.problems > 0 { throw ExitCode(1) }
        }

        /// `{"problems":[`: the problems stream out as the checks find them.
        private func openProblems(_ sink: ByteSink) throws {
            try sink.write("{")
            try sink.writeJSONKey("problems")
            try sink.write("[")
        }

        static func describe(_ summary: StoreCheckSummary, path: String) -> String {
            func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
            var line = "checked \(path): " + [
                count(summary.migrations, "migration"), count(summary.sources, "source version"), count(summary.chunks, "chunk"),
                count(summary.questions, "question"), count(summary.answers, "answer"), count(summary.datasetItems, "dataset item"),
            ].joined(separator: ", ")
            line += summary.problems == 0 ? ": no problems" : ": \(count(summary.problems, "problem"))"
            if !summary.pendingMigrations.isEmpty {
                let list = summary.pendingMigrations.map(String.init).joined(separator: ", ")
                line += "\n(the store lacks migration \(list) of this iftdb, so what they add was not checked; `iftdb init --db \(path)` upgrades it)"
            }
            return line
        }
    }
}
