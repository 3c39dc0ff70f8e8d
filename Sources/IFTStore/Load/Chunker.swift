/// A span of a text in Unicode scalars: `text[start ..< end]`.
public struct ChunkSpan: Sendable, Equatable {
    public let start: Int
    public let end: Int
    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }
    public var length: Int { end - start }
}

/// How a source's text is cut into chunks. Sizes count Unicode scalars.
public enum ChunkingMethod: String, Sendable, CaseIterable {
    /// The classic loader: a chunk starts at every multiple of `step` below the length.
    case window
    /// Paragraph, then sentence, then word boundaries; never cuts a word.
    case boundary
}

public struct ChunkingConfig: Sendable, Equatable, CustomStringConvertible {
    public let method: ChunkingMethod
    public let size: Int
    /// The window step; 0 for `boundary`, which has none.
    public let step: Int

    public init(method: ChunkingMethod, size: Int, step: Int? = nil) {
        self.method = method
        self.size = size
        self.step = method == .window ? (step ?? size) : 0
    }

    public static let `default` = ChunkingConfig(method: .boundary, size: 512)

    public var description: String {
        method == .window ? "window \(size)/\(step)" : "\(method.rawValue) \(size)"
    }

    public func spans(_ scalars: [Unicode.Scalar]) -> [ChunkSpan] {
        switch method {
        case .window: return Chunker.window(length: scalars.count, size: size, step: step)
        case .boundary: return Chunker.boundary(scalars, size: size)
        }
    }
}

public enum Chunker {
    /// The classic loader exactly: `text[start ..< min(start + size, length)]` for every
    /// `start` that is a multiple of `step` below `length`. Step < size gives shorter tails;
    /// step > size leaves gaps.
    public static func window(length: Int, size: Int, step: Int) -> [ChunkSpan] {
        precondition(size > 0 && step > 0, "size and step are validated by the caller")
        return stride(from: 0, to: length, by: step).map { ChunkSpan(start: $0, end: min($0 + size, length)) }
    }

    /// Greedy chunks of at most `size` scalars that end at the last paragraph break in
    /// reach, else the last sentence end, else the last space. A word longer than `size`
    /// becomes a chunk of its own, longer than `size`. Chunks are trimmed of surrounding
    /// whitespace; together they cover every non-whitespace scalar, in order.
    public static func boundary(_ text: [Unicode.Scalar], size: Int) -> [ChunkSpan] {
        precondition(size > 0, "size is validated by the caller")
        var spans: [ChunkSpan] = []
        let count = text.count
        var position = skipWhitespace(text, from: 0)
        while position < count {
            let limit = position + size
            var end: Int
            let breaks: (paragraph: Int?, sentence: Int?, space: Int?) = limit < count ? bestBreaks(text, from: position, limit: limit) : (nil, nil, nil)
            if limit >= count {
                end = count
            } else if let strong = breaks.paragraph ?? breaks.sentence {
                end = strong
            } else if isWhitespace(text[limit]) {
                end = limit  // the window ends exactly at a word's end
            } else if let space = breaks.space {
                end = space
            } else {
                // One word longer than the size: keep it whole.
                end = limit
                while end < count && !isWhitespace(text[end]) { end += 1 }
            }
            var trimmedEnd = end
            while trimmedEnd > position && isWhitespace(text[trimmedEnd - 1]) { trimmedEnd -= 1 }
            if trimmedEnd > position { spans.append(ChunkSpan(start: position, end: trimmedEnd)) }
            position = skipWhitespace(text, from: end)
        }
        return spans
    }

    /// The last paragraph break, sentence end and space in `text[from ..< limit]`, each as
    /// the index where the chunk would end (its whitespace left after it). Paragraph and
    /// sentence breaks in the first quarter of the window are passed over, so chunks do not
    /// come out tiny.
    static func bestBreaks(_ text: [Unicode.Scalar], from start: Int, limit: Int) -> (paragraph: Int?, sentence: Int?, space: Int?) {
        let minimum = start + max(1, (limit - start) / 4)
        var paragraph: Int?, sentence: Int?, space: Int?
        var index = limit
        // Walk back from the limit over whitespace runs; `index` is the first scalar after a run.
        while index > start {
            if isWhitespace(text[index - 1]) {
                var runStart = index - 1
                var newlines = text[index - 1] == "\n" ? 1 : 0
                while runStart > start && isWhitespace(text[runStart - 1]) {
                    runStart -= 1
                    if text[runStart] == "\n" { newlines += 1 }
                }
                // A break at `runStart` keeps the chunk's end on a word.
                if runStart > start {
                    if space == nil { space = runStart }
                    if newlines >= 2, paragraph == nil, runStart >= minimum { paragraph = runStart; break }
                    if sentence == nil, runStart >= minimum, endsSentence(text, at: runStart, from: start) { sentence = runStart }
                }
                index = runStart
            } else {
                index -= 1
            }
        }
        return (paragraph, sentence, space)
    }

    /// Whether the text just before `end` closes a sentence: . ! ? or … optionally followed
    /// by closing quotes or brackets.
    static func endsSentence(_ text: [Unicode.Scalar], at end: Int, from start: Int) -> Bool {
        var i = end - 1
        while i > start, "\"')]»”’".unicodeScalars.contains(text[i]) { i -= 1 }
        return ".!?…。！？".unicodeScalars.contains(text[i])
    }

    @inline(__always)
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D: return true
        case 0..<0x80: return false
        default: return scalar.properties.isWhitespace
        }
    }

    static func skipWhitespace(_ text: [Unicode.Scalar], from index: Int) -> Int {
        var i = index
        while i < text.count && isWhitespace(text[i]) { i += 1 }
        return i
    }
}
