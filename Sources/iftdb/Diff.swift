import ArgumentParser
import Foundation
import IFTStore

extension DiffShow: ExpressibleByArgument {}

extension IFTDB {
    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what changed between two prompt versions, two datasets or two filter sets.",
            discussion: """
                iftdb diff answers@1 answers@2: on the questions both versions answered (sample 1 \
                unless --sample), how many answers are the same, changed, only in A, only in B; \
                per side the "I don't know" rate, the answers a quality check flags (judged with \
                --min-support and --allow-flag when --exclude-flagged is given), mean answer \
                length and tokens; and how many answers moved into or out of "I don't know".

                iftdb diff questions@1 questions@2: chunk by chunk, the chunks each version \
                covered and the questions kept (same normalised text), added and dropped.

                iftdb diff dataset:a dataset:b, or two filter sets (--a-model X --b-model Y, \
                --a-answer-prompt, --a-question-prompt, --a-run and their --b- twins): pairs \
                matched by content (source path, chunk text hash, normalised question), so sets \
                from different runs line up: same, answer changed, only in A, only in B; per \
                side the same rates as for answers.

                With judgments, answer and pair diffs give each side's mean score from the judge \
                (the one --judge, --judge-model or --min-score chose, else the one judge of the \
                selected pairs) and how many matched pairs' scores changed (--show score-changed \
                lists them).

                The shared filters narrow both sides. The summary goes to standard output; \
                --show lists one kind of item (a word diff of the answers: coloured on a \
                terminal, [-old-]{+new+} in a pipe); --json prints the summary and the listed \
                items as one document. Exit 0 whatever differs; with --exit-code, 1 when the \
                sides differ. Errors exit 2.
                """
        )

        @OptionGroup var store: StoreOptions

        @Argument(help: ArgumentHelp("Side A: answers@1, questions@1 or dataset:NAME (omit with --a-… flags).", valueName: "a"), completion: StoreCompletion.diffSides)
        var a: String?

        @Argument(help: ArgumentHelp("Side B, of the same kind as A.", valueName: "b"), completion: StoreCompletion.diffSides)
        var b: String?

        @OptionGroup var filters: PairFilterOptions

        @Option(help: ArgumentHelp("Side A: answers made by this model.", valueName: "name")) var aModel: String?
        @Option(help: ArgumentHelp("Side B: answers made by this model.", valueName: "name")) var bModel: String?
        @Option(help: ArgumentHelp("Side A: answers made by this prompt.", valueName: "ref")) var aAnswerPrompt: String?
        @Option(help: ArgumentHelp("Side B: answers made by this prompt.", valueName: "ref")) var bAnswerPrompt: String?
        @Option(help: ArgumentHelp("Side A: questions made by this prompt.", valueName: "ref")) var aQuestionPrompt: String?
        @Option(help: ArgumentHelp("Side B: questions made by this prompt.", valueName: "ref")) var bQuestionPrompt: String?
        @Option(help: ArgumentHelp("Side A: pairs this generation run made.", valueName: "id")) var aRun: Int?
        @Option(help: ArgumentHelp("Side B: pairs this generation run made.", valueName: "id")) var bRun: Int?

        @Option(help: "Compare this answer sample (answer-prompt diffs).") var sample = 1

        @Option(help: ArgumentHelp(
            "List these items: same, changed, only-a, only-b, into-idk, out-of-idk, score-changed (answers; datasets and filter sets: same, changed, only-a, only-b, score-changed); kept, added, dropped (questions).",
            valueName: "which"))
        var show: DiffShow?

        @Option(help: "List at most N items.") var limit: Int?
        @Flag(help: "Print the summary and the listed items as one JSON document.") var json = false
        @Flag(help: "Exit 1 when the sides differ, 0 when they do not.") var exitCode = false

        func validate() throws {
            do {
                try request().validate()
            } catch let error as any UserFacingError {
                throw ValidationError(error.message)
            }
            if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more") }
            if limit != nil && show == nil { throw ValidationError("--limit caps the items --show lists; add --show") }
        }

        func request() throws -> DiffRequest {
            func ref(_ text: String?) throws -> PromptRef? { try text.map(PromptRef.init(parsing:)) }
            return DiffRequest(
                a: try a.map(DiffRef.init(parsing:)), b: try b.map(DiffRef.init(parsing:)),
                aFilter: DiffSideFilter(model: aModel, answerPrompt: try ref(aAnswerPrompt), questionPrompt: try ref(aQuestionPrompt), run: aRun),
                bFilter: DiffSideFilter(model: bModel, answerPrompt: try ref(bAnswerPrompt), questionPrompt: try ref(bQuestionPrompt), run: bRun),
                filter: try filters.pairFilter(), sample: sample)
        }

        func run() async throws {
            let sink = ByteSink.standardOutput()
            let printer = DiffPrinter(sink: sink, json: json, colored: Console.colorsOnStdout, show: show)
            let diffRequest = try request()
            let reader = try StoreFile.open(store.path, for: .reading)
            defer { reader.close() }
            let summary = try reader.diff(diffRequest, show: show, limit: limit, summary: printer.summary, item: printer.item)
            try printer.finish()
            try sink.flush()
            if exitCode && summary.differs { throw ExitCode(1) }
        }
    }
}

/// Prints a diff as people read it (a table, then the items) or as one JSON document whose
/// items stream out as they come.
final class DiffPrinter {
    let sink: ByteSink
    let json: Bool
    let colored: Bool
    let show: DiffShow?
    private var kind: DiffKind = .answers
    /// Whether the diff has a judge: its items carry scores.
    private var scored = false
    private var items = 0

    init(sink: ByteSink, json: Bool, colored: Bool, show: DiffShow?) {
        self.sink = sink
        self.json = json
        self.colored = colored
        self.show = show
    }

    func summary(_ summary: DiffSummary) throws {
        kind = summary.kind
        scored = summary.judge != nil
        if json { return try jsonSummary(summary) }
        let what = summary.kind == .questions ? "questions" : summary.kind == .answers ? "answers" : "pairs"
        let title = "diff of \(what): A = \(summary.a.label), B = \(summary.b.label)" + (summary.sample.map { " (sample \($0))" } ?? "")
        var table = TextTable(["", "A", "B"], style: .init(indent: "  ", alignments: [.left, .right, .right]))
        table.append([what, "\(summary.a.items)", "\(summary.b.items)"])
        if let a = summary.a.chunks, let b = summary.b.chunks { table.append(["chunks covered", "\(a)", "\(b)"]) }
        if let a = summary.a.idk, let b = summary.b.idk {
            table.append(["\"I don't know\"", "\(a) (\(percent(summary.a.idkRate)))", "\(b) (\(percent(summary.b.idkRate)))"])
        }
        if let a = summary.a.flagged, let b = summary.b.flagged {
            table.append(["flagged (quality checks)", "\(a) (\(percent(summary.a.flaggedRate)))", "\(b) (\(percent(summary.b.flaggedRate)))"])
        }
        if let a = summary.a.meanAnswerChars, let b = summary.b.meanAnswerChars {
            table.append(["mean answer chars", String(format: "%.1f", a), String(format: "%.1f", b)])
        }
        if let a = summary.a.promptTokens, let b = summary.b.promptTokens { table.append(["prompt tokens", "\(a)", "\(b)"]) }
        if let a = summary.a.completionTokens, let b = summary.b.completionTokens { table.append(["completion tokens", "\(a)", "\(b)"]) }
        if let judge = summary.judge, let a = summary.a.judged, let b = summary.b.judged {
            table.append(["graded by \(judge)", "\(a)", "\(b)"])
            table.append(["mean score", score(summary.a.meanScore), score(summary.b.meanScore)])
        }
        // The counts below the table line up with its first two columns.
        let widths = table.widths(alsoFitting: summary.counts.map { [$0.label] })
        var text = TerminalText.escaped(title) + "\n" + table.headerLines(widths: widths) + table.rows.map { table.line($0, widths: widths) }.joined() + "\n"
        for count in summary.counts { text += table.line([count.label, "\(count.value)"], widths: widths) }
        try sink.write(text)
    }

    func item(_ item: DiffItem) throws {
        items += 1
        if json { return try jsonItem(item) }
        var lines: [String] = []
        func add(_ line: String) { lines.append(TerminalText.escaped(line)) }
        add("")
        add("\(show?.rawValue ?? "item") · chunk:\(item.chunkID) (\(item.sourcePath))")
        switch kind {
        case .questions:
            if let q = item.questionA { add("  A question:\(item.questionAID ?? 0): \(q)") }
            if let q = item.questionB { add("  B question:\(item.questionBID ?? 0): \(q)") }
        case .answers, .pairs:
            let question = item.questionA ?? item.questionB ?? ""
            add("  question:\(item.questionAID ?? item.questionBID ?? 0): \(question)")
            let (refA, refB) = (ref(item.answerAID, item.scoreA), ref(item.answerBID, item.scoreB))
            switch (item.answerA, item.answerB) {
            case (let a?, let b?) where a != b:
                add("  A\(refA): \(a)")
                add("  B\(refB): \(b)")
                // The colours are ours; WordDiff escapes the words between them.
                lines.append(colored ? "  diff: " + WordDiff.colored(a, b) : TerminalText.escaped("  diff: " + WordDiff.plain(a, b)))
            case (let a?, _):
                add("  A\(refA): \(a)")
                if item.answerB != nil { add("  B\(refB): (the same)") }
            case (nil, let b?):
                add("  B\(refB): \(b)")
            case (nil, nil): break
            }
        }
        try sink.write(lines.joined(separator: "\n") + "\n")
    }

    func finish() throws {
        if json { try sink.write(show == nil ? "}\n" : "]}\n") }
    }

    /// ` answer:ID`, and with a judge ` (score S)`.
    private func ref(_ id: Int64?, _ score: Double?) -> String {
        (id.map { " answer:\($0)" } ?? "") + (scored ? " (score \(self.score(score)))" : "")
    }

    private func score(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "-" }
    private func percent(_ rate: Double?) -> String { String(format: "%.1f%%", (rate ?? 0) * 100) }

    private func jsonSummary(_ summary: DiffSummary) throws {
        try sink.writeJSONOpening(DiffReport(summary, show: show))
        guard show != nil else { return }
        try sink.write(",")
        try sink.writeJSONKey("items")
        try sink.write("[")
    }

    private func jsonItem(_ item: DiffItem) throws {
        try sink.write(items == 1 ? "\n" : ",\n")
        try sink.writeJSON(DiffReportItem(item, kind: kind, scored: scored), .ordered, newline: false)
    }
}
