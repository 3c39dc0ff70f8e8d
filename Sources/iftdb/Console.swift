import Foundation

/// People-facing output: everything here goes to stderr; data goes to stdout.
enum Console {
    static let stderrIsTerminal = isatty(STDERR_FILENO) != 0
    static let stdoutIsTerminal = isatty(STDOUT_FILENO) != 0

    static func error(_ message: String) {
        write("iftdb: error: \(message)\n")
    }

    static func warning(_ message: String) {
        write("iftdb: warning: \(message)\n")
    }

    static func info(_ message: String) {
        write(message + "\n")
    }

    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
