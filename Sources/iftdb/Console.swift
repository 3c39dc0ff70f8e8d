import Foundation
import IFTStore

/// People-facing output: everything here goes to stderr; data goes to stdout. Messages
/// pass through `TerminalText.escaped`, so a file name or a model text in one cannot drive
/// the terminal.
enum Console {
    static let stderrIsTerminal = isatty(STDERR_FILENO) != 0
    static let stdoutIsTerminal = isatty(STDOUT_FILENO) != 0

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
