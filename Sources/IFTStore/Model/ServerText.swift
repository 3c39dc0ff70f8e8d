import Foundation

/// Reading what a server wrote.
enum ServerText {
    /// `text` on one line (each line trimmed, joined by a space), cut to `limit` characters.
    static func oneLine(_ text: String, limit: Int) -> String {
        let flat = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        return flat.count > limit ? String(flat.prefix(limit)) + "…" : flat
    }

    /// Whether an error message says the prompt did not fit the model's context.
    static func isContextTooLong(_ message: String) -> Bool {
        let lowered = message.lowercased()
        return ["context length", "context_length", "maximum context", "context window", "exceeds the context",
                "exceed_context", "too many tokens", "n_ctx", "prompt is too long", "input is too long",
                "exceeds the available context"].contains(where: lowered.contains)
    }
}
