import Foundation
import IFTStore

/// Progress on stderr: a line rewritten in place on a terminal, a line every few seconds in
/// a pipe, nothing with --quiet. It is not colour: NO_COLOR and --color never keep it.
final class ProgressLine {
    private let quiet: Bool
    private let interval: TimeInterval
    private var last: Date
    private var shown = false

    init(quiet: Bool) {
        self.quiet = quiet
        self.interval = Console.stderrIsTerminal ? 0.1 : 5
        // On a terminal the first update shows at once; in a pipe the first line waits.
        self.last = Console.stderrIsTerminal ? .distantPast : Date()
    }

    func update(_ text: @autoclosure () -> String) {
        guard !quiet else { return }
        let now = Date()
        guard now.timeIntervalSince(last) >= interval else { return }
        last = now
        if Console.stderrIsTerminal {
            Console.write("\r\u{1B}[2K" + TerminalText.escaped(text()))
            shown = true
        } else {
            Console.info(text())
        }
    }

    /// Clears the in-place line before other output.
    func clear() {
        if shown {
            Console.write("\r\u{1B}[2K")
            shown = false
        }
    }
}

enum Format {
    static func bytes(_ count: Int) -> String {
        let units = ["B", "KB", "MB", "GB"]
        var value = Double(count), unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }

    static func seconds(_ value: TimeInterval) -> String {
        value < 60 ? String(format: "%.1f s", value) : String(format: "%dm%02ds", Int(value) / 60, Int(value) % 60)
    }
}

/// The progress of a generation run on stderr: a bar on a terminal, a line every few
/// seconds in a pipe.
final class GenerationProgressView {
    private let line: ProgressLine
    private let kind: GenerationKind

    init(quiet: Bool, kind: GenerationKind) {
        line = ProgressLine(quiet: quiet)
        self.kind = kind
    }

    func update(_ p: GenerationProgress, started: Date) {
        line.update({
            let finished = p.done + p.failed + p.alreadyPresent
            let elapsed = max(Date().timeIntervalSince(started), 0.001)
            let rate = Double(finished) / elapsed
            let remaining = rate > 0 ? Double(p.total - finished) / rate : 0
            var text = ""
            if Console.stderrIsTerminal {
                let width = 24
                let filled = p.total > 0 ? min(width, width * finished / p.total) : width
                text += "[" + String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled) + "] "
            } else {
                text += "\(kind.rawValue): "
            }
            text += "\(finished)/\(p.total) · \(String(format: "%.1f", rate))/s · \(p.failed) failed · ETA \(Format.seconds(remaining))"
            return text
        }())
    }

    func finish() { line.clear() }
}
