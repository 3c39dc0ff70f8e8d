import Foundation
import TestSupport
import Testing

/// A one-line error: exit 2, a single `iftdb: error:` line on stderr, nothing on stdout.
func expectOneLineError(_ result: CommandResult, containing text: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.status == 2, "exit \(result.status), stderr: \(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stderrLines.count == 1, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stderr.hasPrefix("iftdb: error: "), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
    if let text { #expect(result.stderr.contains(text), "stderr: \(result.stderr)", sourceLocation: sourceLocation) }
}
