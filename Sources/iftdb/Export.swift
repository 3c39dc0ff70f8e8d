import ArgumentParser
import Foundation
import IFTStore

extension ExportFormat: ExpressibleByArgument {}

extension IFTDB {
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the selected question/answer pairs in a fine-tuning format.",
            discussion: """
                Formats: csv (Data,Questions,Answers), json ([chunk, question, answer]), lamini \
                ([{"data","question"},{"answer"}]), openai (chat JSONL), alpaca and sharegpt \
                (JSONL), jsonl (one object per pair with every provenance field).

                By default only each source path's current version counts. A selection where \
                one question has answers from several answer prompt versions or models is \
                refused: narrow it with --answer-prompt or --model, or pass --all-answers.

                Rows stream to standard output, or to -o FILE, which appears only when complete. \
                A summary (pairs written, what each filter removed) goes to stderr. An empty \
                selection writes nothing and exits 2.

                --dedupe keeps the earliest of questions that read the same once case, spacing, \
                punctuation and Unicode form are folded, and reports how many pairs it dropped.
                """
        )

        @OptionGroup var store: StoreOptions
        @OptionGroup var filters: PairFilterOptions

        @Option(help: ArgumentHelp("The output format.", valueName: "format"))
        var format: ExportFormat

        @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
        var output: String?

        @Option(help: ArgumentHelp("A system message for openai and sharegpt.", valueName: "text"))
        var system: String?

        @Flag(help: "Put the chunk before the question in the user turn (openai, sharegpt).")
        var includeContext = false

        func validate() throws {
            if system != nil && ![.openai, .sharegpt].contains(format) {
                throw ValidationError("--system applies to --format openai and sharegpt only")
            }
            if includeContext && ![.openai, .sharegpt].contains(format) {
                throw ValidationError("--include-context applies to --format openai and sharegpt only (the other formats carry the chunk already)")
            }
            if let system, system.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw ValidationError("--system is empty; give it some text or leave it out")
            }
            if output?.isEmpty == true { throw ValidationError("-o needs a file path") }
        }

        func run() async throws {
            let interrupts = output == nil ? [] : Self.removeTemporaryFileOnInterrupt()
            defer { interrupts.forEach { $0.cancel() } }
            let summary = try PairExport.run(
                storePath: store.path, filter: try filters.pairFilter(),
                options: ExportOptions(format: format, system: system, includeContext: includeContext),
                output: output)
            for line in summary.lines { Console.info(line) }
        }

        /// Ctrl-C or a kill while -o is being written: remove the temporary file, then exit
        /// as the signal would (128 + n), so no half-written file is left behind.
        static func removeTemporaryFileOnInterrupt() -> [DispatchSourceSignal] {
            [SIGINT, SIGTERM, SIGHUP].map { number in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler {
                    AtomicOutputFile.discardAllPending()
                    Console.error("interrupted; nothing written")
                    Foundation.exit(128 + number)
                }
                source.resume()
                return source
            }
        }
    }
}
