import Foundation

/// A word-level diff of two texts, for showing how an answer changed: the longest common
/// subsequence of words (whitespace kept with the word before it).
public enum WordDiff {
    public enum Piece: Sendable, Hashable {
        case same(String)
        case removed(String)
        case added(String)
    }

    /// Texts longer than this many words on both sides are shown as one replacement: the
    /// table is words × words, and answers are short.
    static let maxCells = 4_000_000

    public static func pieces(_ old: String, _ new: String) -> [Piece] {
        let a = words(old), b = words(new)
        let keysA = a.map(key), keysB = b.map(key)
        guard a.count * b.count <= maxCells else {
            return [.removed(old), .added(new)].filter { piece in
                if case .removed(let text) = piece { return !text.isEmpty }
                if case .added(let text) = piece { return !text.isEmpty }
                return true
            }
        }
        // lengths[i][j]: the LCS length of a[i...] and b[j...].
        var lengths = [[Int32]](repeating: [Int32](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lengths[i][j] = keysA[i] == keysB[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        var out: [Piece] = []
        func append(_ piece: Piece) {
            switch (out.last, piece) {
            case (.same(let x)?, .same(let y)): out[out.count - 1] = .same(x + y)
            case (.removed(let x)?, .removed(let y)): out[out.count - 1] = .removed(x + y)
            case (.added(let x)?, .added(let y)): out[out.count - 1] = .added(x + y)
            default: out.append(piece)
            }
        }
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, keysA[i] == keysB[j] {
                append(.same(b[j])); i += 1; j += 1
            } else if i < a.count, j == b.count || lengths[i + 1][j] >= lengths[i][j + 1] {
                append(.removed(a[i])); i += 1
            } else {
                append(.added(b[j])); j += 1
            }
        }
        return tidy(out)
    }

    /// A replacement whose two sides end in the same whitespace keeps it outside the
    /// markers: `a [-b-]{+x+} c`, not `a [-b -]{+x +}c`.
    static func tidy(_ pieces: [Piece]) -> [Piece] {
        var out: [Piece] = []
        var index = 0
        while index < pieces.count {
            if index + 1 < pieces.count, case .removed(let old) = pieces[index], case .added(let new) = pieces[index + 1] {
                let space = String(new.reversed().prefix { $0.isWhitespace }.reversed())
                if !space.isEmpty, old.hasSuffix(space), old.count > space.count, new.count > space.count {
                    out += [.removed(String(old.dropLast(space.count))), .added(String(new.dropLast(space.count)))]
                    if index + 2 < pieces.count, case .same(let next) = pieces[index + 2] {
                        out.append(.same(space + next))
                        index += 3
                    } else {
                        out.append(.same(space))
                        index += 2
                    }
                    continue
                }
            }
            out.append(pieces[index])
            index += 1
        }
        return out
    }

    /// Plain markers for a pipe: `[-old-]{+new+}`.
    public static func plain(_ old: String, _ new: String) -> String {
        pieces(old, new).map { piece in
            switch piece {
            case .same(let text): return text
            case .removed(let text): return "[-\(text)-]"
            case .added(let text): return "{+\(text)+}"
            }
        }.joined()
    }

    /// Colours for a terminal: removed words red and struck through, added words green. The
    /// words are escaped (`TerminalText`), so only these colours reach the terminal.
    public static func colored(_ old: String, _ new: String) -> String {
        pieces(old, new).map { piece in
            switch piece {
            case .same(let text): return TerminalText.escaped(text)
            case .removed(let text): return "\u{1B}[31;9m\(TerminalText.escaped(text))\u{1B}[0m"
            case .added(let text): return "\u{1B}[32m\(TerminalText.escaped(text))\u{1B}[0m"
            }
        }.joined()
    }

    /// Words with the whitespace that follows each (leading whitespace is its own piece).
    static func words(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        var inSpace = false
        for character in text {
            if character.isWhitespace {
                inSpace = true
            } else if inSpace {
                out.append(current)
                current = ""
                inSpace = false
            }
            current.append(character)
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    /// A word without its trailing whitespace: "logged " and "logged" are the same word.
    static func key(_ word: String) -> Substring {
        var end = word.endIndex
        while end > word.startIndex, word[word.index(before: end)].isWhitespace { end = word.index(before: end) }
        return end == word.startIndex ? Substring(word) : word[..<end]
    }
}
