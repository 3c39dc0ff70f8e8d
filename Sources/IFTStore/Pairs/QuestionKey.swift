import Foundation

/// The folded form of a question used for dedup and diff: Unicode compatibility
/// normalisation (NFKC), case folded, punctuation and symbols dropped, whitespace runs
/// folded to one space. "What is  RAG?" and "what is rag" share a key.
public enum QuestionKey {
    public static func normalize(_ text: String) -> String {
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
