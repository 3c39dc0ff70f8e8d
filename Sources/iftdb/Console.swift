import Foundation
import IFTStore

/// People-facing output: everything here goes to stderr; data goes to stdout. Messages
/// pass through `TerminalText.escaped`, so a file name or a model text in one cannot drive
/// the terminal.
enum Console {
    static let stderrIsTerminal = isatty(STDERR_FILENO) != 0
    static let stdoutIsTerminal = isatty(STDOUT_FILENO) != 0

    /// `--color`, set once at start-up before any output.
    nonisolated(unsafe) static var colorChoice: ColorChoice = .auto

    /// Whether standard output gets colour (SGR codes): `--color always`, or with `auto` a
    /// terminal while `NO_COLOR` is unset or empty (no-color.org). Only colour: the progress
    /// line on a terminal is not colour and stays.
    static var colorsOnStdout: Bool {
        switch colorChoice {
        case .always: true
        case .never: false
        case .auto: stdoutIsTerminal && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
        }
    }

    static func error(_ message: String) {
        write("iftdb: error: " + TerminalText.escaped(message, oneLine: true) + "\n")
    }

    static func warning(_ message: String) {
        write("iftdb: warning: " + TerminalText.escaped(message, oneLine: true) + "\n")
    }

    static func info(_ message: String) {
        write(TerminalText.escaped(message) + "\n")
    }

    /// Raw: only for the progress line's own control sequences.
    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// `--color auto|always|never`, given before or after the subcommand.
enum ColorChoice: String, CaseIterable {
    case auto, always, never
}
