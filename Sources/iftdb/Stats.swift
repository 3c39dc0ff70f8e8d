import ArgumentParser
import Foundation
import IFTStore

extension IFTDB {
    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Count what the store holds, and what each prompt version and model produced.",
            discussion: """
                The first lines count the whole store. The table covers the pairs the filters \
                select (by default each source path's current version), one row per question \
                prompt, answer prompt and model: pairs, "I don't know" rate, duplicate-question \
                rate (questions whose normalised text repeats an earlier one), near-duplicate rate \
                (questions --dedupe-near would drop within the row, at --near-threshold when \
                given), mean answer length \
                in characters, tokens in/out and latency p50/p95 of the calls that made the \
                answers, failed calls in the runs that made them, and the share of pairs a \
                built-in quality check flags, with a count per check (form/grounded/supported/\
                numbers/answer-form; see the README's Quality section). With judgments: the pairs \
                the judge graded, their mean score (each pair's mean over samples) and the \
                judge's judgments by score, 1 to 5. The judge is the one --judge, --judge-model or \
                --min-score chose, else the one judge that graded the selected pairs; when \
                several did, choose one to see scores.
                """
        )

        @OptionGroup var store: StoreOptions
        @OptionGroup var filters: PairFilterOptions
        @Flag(help: "Print JSON on stdout.") var json = false

        func run() async throws {
            let filter = try filters.pairFilter()
            let reader = try StoreFile.open(store.path, for: .reading)
            defer { reader.close() }
            let stats = try reader.stats(filter: filter)
            let sink = ByteSink.standardOutput()
            if json {
                try sink.writeJSON(stats)
                try sink.flush()
                return
            }
            let counts = stats.store, selection = stats.selection
            var text = """
                store      \(counts.sources) sources (\(counts.sourceVersions) versions), \(counts.chunks) chunks, \(counts.questions) questions, \(counts.answers) answers\(counts.shortSets > 0 ? " (\(counts.shortSets) short question sets: fewer questions than asked)" : "")
                selected   \(selection.pairs) pairs from \(selection.sources) sources, \(selection.chunks) chunks, \(selection.questions) questions\(selection.filters.isEmpty ? "" : " (\(selection.filters.joined(separator: " ")))")

                """
            if let judge = selection.judge {
                text += "scores     from \(judge)\n"
            } else if !selection.severalJudges.isEmpty {
                text += "scores     none shown: several judges graded these pairs (\(selection.severalJudges.joined(separator: ", "))); choose one with --judge or --judge-model\n"
            }
            text += "\n"
            let scored = selection.judge != nil
            var table = TextTable(["question prompt", "answer prompt", "model", "pairs", "idk", "dup questions", "near dups", "mean chars", "tokens in/out", "failed calls", "latency p50/p95", "flagged", "f/g/s/n/a"]
                + (scored ? ["judged", "mean score", "scores 1/2/3/4/5"] : []))
            for group in stats.groups {
                let scores = scored ? [
                    String(group.judged), group.meanScore.map { String(format: "%.2f", $0) } ?? "-",
                    group.scoreHistogram.map(String.init).joined(separator: "/"),
                ] : []
                table.append([
                    group.questionPrompt, group.answerPrompt, group.model, String(group.pairs),
                    Self.percent(group.idkRate), Self.percent(group.duplicateQuestionRate), Self.percent(group.nearDuplicateRate),
                    String(format: "%.1f", group.meanAnswerChars), "\(group.tokensIn)/\(group.tokensOut)", String(group.failedCalls),
                    "\(Self.milliseconds(group.latencyMsP50))/\(Self.milliseconds(group.latencyMsP95))",
                    Self.percent(group.flaggedRate),
                    QualityCheck.allCases.map { String(group.flags[$0.rawValue] ?? 0) }.joined(separator: "/"),
                ] + scores)
            }
            text += table.render()
            try sink.write(TerminalText.escaped(text))
            try sink.flush()
        }

        static func percent(_ rate: Double) -> String { String(format: "%.1f%%", rate * 100) }
        static func milliseconds(_ value: Double?) -> String { value.map { String(format: "%.0fms", $0) } ?? "-" }
    }
}
