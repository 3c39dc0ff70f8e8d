/// The form checks: `question-form` (one question, no debris) and `answer-form` (an answer,
/// not boilerplate, code or a question back), on UTF-8 bytes.
extension PairChecker {
    // MARK: - question-form

    static let fileExtensions = KeySet([
        "pdf", "doc", "docx", "txt", "md", "html", "htm", "csv", "json", "jsonl", "xls", "xlsx",
        "ppt", "pptx", "xml", "yaml", "yml", "zip", "png", "jpg", "jpeg", "py", "swift", "js",
    ].map(TermKey.of))
    static let questionLabels = KeySet(["question", "questions", "q"].map(TermKey.of))

    static func isOneQuestion(_ question: UnsafeBufferPointer<UInt8>, _ tokens: TokenList) -> Bool {
        let trimmed = trimmingWhitespace(question)
        guard endsWithQuestionMark(trimmed), tokens.count >= 3 else { return false }
        var questionMarks = 0
        for byte in trimmed {
            switch byte {
            case UInt8(ascii: "?"): questionMarks += 1
            case UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "`"), UInt8(ascii: "<"),
                 UInt8(ascii: ">"), UInt8(ascii: "|"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"), UInt8(ascii: "_"),
                 UInt8(ascii: "\\"):
                return false
            default: break
            }
        }
        guard questionMarks == 1 else { return false }
        // "Question 1: …", "Q: …", "1. What …"
        if questionLabels.contains(tokens[0].key), tokens.count > 1, tokens[1].gap.contains(":") || tokens[1].kind == .number { return false }
        if tokens[0].kind == .number, tokens[0].gap.isEmpty, tokens[1].gap.starts(with: ".") || tokens[1].gap.starts(with: ")") { return false }
        if Self.holdsLink(trimmed) { return false }
        for (index, token) in tokens.enumerated().dropFirst() {
            // A file name: "report.pdf"
            if token.gap.isOnly("."), fileExtensions.contains(token.key) { return false }
            // Debris glued with hyphens: "The-Art-Research-and-Development-Theme"
            if token.gap.isOnly("-"), index >= 2, tokens[index - 1].gap.isOnly("-") { return false }
        }
        return true
    }

    /// Whether the text holds "://" or "www." (any case), read in place.
    static func holdsLink(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard text.count >= 3 else { return false }
        for index in 0..<text.count - 2 {
            switch text[index] {
            case UInt8(ascii: ":"):
                if text[index + 1] == UInt8(ascii: "/"), text[index + 2] == UInt8(ascii: "/") { return true }
            case UInt8(ascii: "w"), UInt8(ascii: "W"):
                if index + 3 < text.count, text[index + 1] | 0x20 == UInt8(ascii: "w"), text[index + 2] | 0x20 == UInt8(ascii: "w"),
                   text[index + 3] == UInt8(ascii: ".") { return true }
            default: break
            }
        }
        return false
    }

    // MARK: - answer-form

    static let boilerplate = PhraseSet([
        "i'm ready to help", "i am ready to help", "ready to help you", "ready to assist",
        "here is a possible answer", "here's a possible answer", "here is an answer", "here's an answer",
        "here is the answer", "here's the answer", "here is my answer", "here's my answer",
        "as an ai", "as a language model", "i'm an ai", "i am an ai", "ai language model",
        "what's your question", "what is your question", "your question is",
        "happy to help", "glad to help", "how can i help", "how can i assist", "can i help you",
        "let me know if", "feel free to ask", "hope this helps", "is there anything else",
        "please provide", "i'm sorry", "i am sorry", "i apologize",
        // Code or JSON
        "```", "\":", "{\"", "</",
    ])

    static func isAnAnswer(_ answer: UnsafeBufferPointer<UInt8>) -> Bool {
        let trimmed = trimmingWhitespace(answer)
        guard !trimmed.isEmpty, !endsWithQuestionMark(trimmed) else { return false }
        return withFoldedBytes(trimmed) { folded in
            if boilerplate.occurs(in: folded) { return false }
            if folded.hasPrefix("sure!") || folded.hasPrefix("certainly!") || folded.hasPrefix("of course!") { return false }
            // Code or JSON
            if folded.first == UInt8(ascii: "{") || folded.first == UInt8(ascii: "[") { return false }
            if folded.contains("def ") && folded.contains("):") { return false }
            return true
        }
    }

    /// Whether the text's last character is "?" (not "?" with a mark on it): the last byte
    /// tells, unless a non-ASCII scalar precedes it, which may join it into one character.
    static func endsWithQuestionMark(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let last = text.last, last == UInt8(ascii: "?") else { return false }
        if text.count == 1 || text[text.count - 2] < 0x80 { return true }
        return String(decoding: text, as: UTF8.self).hasSuffix("?")
    }

    /// The text without its leading and trailing white space (Unicode's White_Space).
    static func trimmingWhitespace(_ text: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
            scalar.isASCII ? scalar == " " || (0x09...0x0D).contains(scalar.value) : scalar.properties.isWhitespace
        }
        var start = 0, end = text.count
        while start < end {
            let (scalar, length) = TextTokenizer.decode(text, at: start)
            guard isWhitespace(scalar) else { break }
            start += length
        }
        while end > start {
            var last = end - 1
            while last > start && text[last] & 0xC0 == 0x80 { last -= 1 }
            guard isWhitespace(TextTokenizer.decode(text, at: last).scalar) else { break }
            end = last
        }
        return UnsafeBufferPointer(rebasing: text[start..<end])
    }

    /// Calls `body` with the text's UTF-8 bytes, ASCII letters lower-cased and a curly
    /// apostrophe (U+2019) made straight: what the phrase lists are compared with.
    static func withFoldedBytes<Result>(_ text: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: text.count) { buffer in
            var count = 0, index = 0
            while index < text.count {
                let byte = text[index]
                if byte == 0xE2, index + 2 < text.count, text[index + 1] == 0x80, text[index + 2] == 0x99 {
                    buffer[count] = UInt8(ascii: "'")
                    index += 3
                } else {
                    buffer[count] = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
                    index += 1
                }
                count += 1
            }
            return body(UnsafeBufferPointer(rebasing: buffer[..<count]))
        }
    }
}
