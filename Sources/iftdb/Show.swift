import ArgumentParser
import Foundation
import IFTStore

extension IFTDB {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one item of the store with where it came from.",
            discussion: """
                References:
                  source:PATH[@V]   a source version (the current one without @V), with its text
                  chunk:ID          a chunk in place in its source, with its offsets
                  question:ID       a question with its chunk, source version, prompt, model, run and call
                  answer:ID         an answer with its question and all of the above, its own prompt, model, run and call,
                                    the quality checks' verdict and its judgments

                Examples:
                  iftdb show source:notes/roadmap.md@2
                  iftdb show chunk:12 --json
                  iftdb show answer:340
                """
        )

        @OptionGroup var store: StoreOptions
        @Argument(help: "What to show: source:PATH[@V], chunk:ID, question:ID or answer:ID.", completion: StoreCompletion.showReferences) var reference: String
        @Flag(help: "Print JSON on stdout.") var json = false
        @Option(help: "Characters of context shown around a chunk.") var context = 200

        func validate() throws {
            _ = try parsedReference()
        }

        enum Reference {
            case source(path: String, version: Int?)
            case chunk(Int64)
            case question(Int64)
            case answer(Int64)
        }

        func parsedReference() throws -> Reference {
            if reference.hasPrefix("source:") {
                var path = String(reference.dropFirst("source:".count))
                var version: Int?
                if let at = path.lastIndex(of: "@"), let number = Int(path[path.index(after: at)...]), number > 0 {
                    version = number
                    path = String(path[..<at])
                }
                guard !path.isEmpty else { throw ValidationError("source: needs a path, e.g. source:notes/a.md@2") }
                return .source(path: path, version: version)
            }
            if reference.hasPrefix("chunk:"), let id = Int64(reference.dropFirst("chunk:".count)) {
                return .chunk(id)
            }
            if reference.hasPrefix("question:"), let id = Int64(reference.dropFirst("question:".count)) {
                return .question(id)
            }
            if reference.hasPrefix("answer:"), let id = Int64(reference.dropFirst("answer:".count)) {
                return .answer(id)
            }
            throw ValidationError("cannot read the reference '\(reference)'; use source:PATH[@V], chunk:ID, question:ID or answer:ID")
        }

        func run() async throws {
            let reader = try StoreFile.open(store.path, for: .reading)
            defer { reader.close() }
            let sink = ByteSink.standardOutput()
            switch try parsedReference() {
            case .source(let path, let version):
                let source = try reader.sourceVersion(path: path, version: version)
                if json {
                    try sink.writeJSON(source, .sortedKeys(pretty: true))
                } else {
                    let current = source.version == source.latestVersion ? "current" : "superseded (latest is \(source.latestVersion))"
                    Console.info("source \(source.path)@\(source.version) · \(source.status), \(current) · \(source.chars) characters, \(source.bytes) bytes · \(source.chunks) chunks · loaded \(source.loadedAt)\(source.root.map { " from \($0)" } ?? "")")
                    try sink.write(TerminalText.escaped(source.text ?? ""))
                    if let text = source.text, !text.hasSuffix("\n") { try sink.write("\n") }
                }
            case .chunk(let id):
                let chunk = try reader.chunk(id: id)
                if json {
                    try sink.writeJSON(chunk, .sortedKeys(pretty: true))
                } else {
                    let (before, after) = try reader.chunkContext(chunk, context: context)
                    Console.info("chunk \(chunk.id) · source:\(chunk.path)@\(chunk.version) · \(chunk.chunking) · #\(chunk.ordinal) · characters \(chunk.start)..<\(chunk.end) (\(chunk.end - chunk.start))")
                    let (open, close, dimOpen, dimClose) = Console.colorsOnStdout
                        ? ("\u{1B}[1;7m", "\u{1B}[0m", "\u{1B}[2m", "\u{1B}[0m") : ("⟦", "⟧", "", "")
                    let lead = chunk.start > before.unicodeScalars.count ? "…" : ""
                    let (shownBefore, shownChunk, shownAfter) = (TerminalText.escaped(before), TerminalText.escaped(chunk.text), TerminalText.escaped(after))
                    try sink.write(dimOpen + lead + shownBefore + dimClose + open + shownChunk + close + dimOpen + shownAfter + (after.isEmpty ? "" : "…") + dimClose + "\n")
                }
            case .question(let id):
                try printLineage(try reader.questionLineage(id: id), to: sink)
            case .answer(let id):
                try printLineage(try reader.answerLineage(id: id), to: sink)
            }
            try sink.flush()
        }

        private func printLineage(_ lineage: Lineage, to sink: ByteSink) throws {
            if json {
                try sink.writeJSON(lineage, .sortedKeys(pretty: true))
                return
            }
            func generated(_ title: String, _ g: Lineage.Generated) -> String {
                let call = "call \(g.callID) (attempt \(g.callAttempt), HTTP \(g.callHTTPStatus.map(String.init) ?? "-"), finish \(g.callFinishReason ?? "-"), tokens \(g.callPromptTokens ?? 0)/\(g.callCompletionTokens ?? 0), \(g.callLatencyMs.map { String(format: "%.0f ms", $0) } ?? "-"))"
                return """
                    \(title) \(g.id)\(g.ordinal.map { " (#\($0), sample \(g.sample))" } ?? " (sample \(g.sample))")
                      \(g.text)
                      prompt \(g.prompt) · model \(g.model) \(g.modelParams) · run \(g.runID) (\(g.runStatus)) at \(g.endpoint)
                      \(call) · created \(g.createdAt)

                    """
            }
            let s = lineage.source, c = lineage.chunk
            var text = """
                source \(s.path)@\(s.version)\(s.isCurrent ? "" : " (superseded)") · chunk \(c.id) (#\(c.ordinal), \(c.chunking), characters \(c.start)..<\(c.end))
                  \(c.text.replacingOccurrences(of: "\n", with: "\n  "))

                """
            text += generated("question", lineage.question)
            if let answer = lineage.answer { text += generated("answer", answer) }
            try sink.write(TerminalText.escaped(text))
            if let answer = lineage.answer, let quality = lineage.quality {
                try sink.write(Self.qualityReport(quality, answer: answer.text))
            }
            if let judgments = lineage.judgments { try sink.write(TerminalText.escaped(Self.judgmentList(judgments))) }
        }

        /// Each judgment of the answer: judge prompt, model, sample, score and reason, with its run and call.
        static func judgmentList(_ judgments: [Judgment]) -> String {
            guard !judgments.isEmpty else { return "judgments: none\n" }
            var lines = ["judgments (score 1 to 5)"]
            for j in judgments {
                lines.append("  \(j.prompt) with \(j.model), sample \(j.sample): \(j.score) · \(j.reason ?? "(no reason given)") · run \(j.runID), call \(j.callID), \(j.createdAt)")
            }
            return lines.joined(separator: "\n") + "\n"
        }

        /// Each built-in check's verdict on the pair, the support score, and the answer with
        /// the terms its chunk lacks marked: reverse video on a terminal, ⟦ ⟧ in a pipe.
        static func qualityReport(_ quality: QualityReport, answer: String) -> String {
            var lines = ["quality (checks v\(quality.checksVersion), --min-support \(quality.minSupport); English only)"]
            guard let support = quality.support else {
                lines.append("  not judged: the answer is \"I don't know\" (--exclude-idk drops it)")
                return lines.joined(separator: "\n") + "\n"
            }
            let width = QualityCheck.allCases.map(\.rawValue.count).max() ?? 0
            for check in QualityCheck.allCases {
                var line = "  " + check.rawValue.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + (quality.flags.contains(check.rawValue) ? "FLAGGED" : "pass")
                if check == .answerSupported { line += String(format: " · support %.2f", support) }
                if check == .answerNumbers, !quality.unsupportedNumbers.isEmpty {
                    line += " · not in the chunk: " + quality.unsupportedNumbers.joined(separator: ", ")
                }
                lines.append(line)
            }
            let (open, close) = Console.colorsOnStdout ? ("\u{1B}[7m", "\u{1B}[0m") : ("⟦", "⟧")
            var marked = "", position = answer.startIndex
            for range in quality.unsupportedRanges {
                marked += TerminalText.escaped(String(answer[position..<range.lowerBound])) + open + TerminalText.escaped(String(answer[range])) + close
                position = range.upperBound
            }
            marked += TerminalText.escaped(String(answer[position...]))
            lines.append(quality.unsupportedRanges.isEmpty
                ? "  every content term of the answer is in the chunk"
                : "  terms the chunk lacks: " + marked.replacingOccurrences(of: "\n", with: "\n  "))
            return lines.joined(separator: "\n") + "\n"
        }
    }
}
