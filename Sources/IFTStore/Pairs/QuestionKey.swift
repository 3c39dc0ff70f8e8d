import Foundation

/// The folded form of a question used for dedup and diff: Unicode compatibility
/// normalisation (NFKC), case folded, punctuation and symbols dropped, whitespace runs
/// folded to one space. "What is  RAG?" and "what is rag" share a key.
public enum QuestionKey {
    public static func normalize(_ text: String) -> String {
        text.utf8.allSatisfy { $0 < 0x80 } ? normalizeASCII(text) : normalizeUnicode(text)
    }

    /// `normalizeUnicode` for ASCII text, on its bytes: NFKC changes no ASCII, case folding
    /// lowercases it, and every ASCII byte is a letter, a digit, white space, or punctuation,
    /// a symbol or a control. Generation stores a key per question, so this is per call.
    static func normalizeASCII(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for byte in text.utf8 {
            switch byte {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A:
                if pendingSpace { out.append(0x20) }
                pendingSpace = false
                out.append((0x41...0x5A).contains(byte) ? byte | 0x20 : byte)
            case UInt8(ascii: "'"), UInt8(ascii: "-"):
                continue
            default:
                // White space, punctuation, symbols and controls all part words.
                pendingSpace = !out.isEmpty
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func normalizeUnicode(_ text: String) -> String {
        let folded = text.precomposedStringWithCompatibilityMapping
            .folding(options: [.caseInsensitive, .widthInsensitive], locale: nil)
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in folded.unicodeScalars {
            let properties = scalar.properties
            if properties.isWhitespace {
                pendingSpace = !out.isEmpty
                continue
            }
            switch properties.generalCategory {
            case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
                 .initialPunctuation, .finalPunctuation, .otherPunctuation,
                 .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol,
                 .control, .format, .nonspacingMark:
                // Apostrophes and hyphens inside words vanish; others act like spaces.
                if scalar == "'" || scalar == "’" || scalar == "-" || properties.generalCategory == .nonspacingMark
                    || properties.generalCategory == .format {
                    continue
                }
                pendingSpace = !out.isEmpty
            default:
                if pendingSpace { out.append(" ") }
                pendingSpace = false
                out.append(scalar)
            }
        }
        return String(out)
    }
}
