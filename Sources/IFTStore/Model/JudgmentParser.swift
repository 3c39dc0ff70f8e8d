import Foundation

/// A judge's grade of one answer, read from its reply.
public struct JudgmentReply: Sendable, Equatable {
    /// From 1 (bad) to 5 (good).
    public var score: Int
    /// The judge's one sentence, spaces folded; nil when the reply gave none.
    public var reason: String?

    public init(score: Int, reason: String? = nil) {
        self.score = score
        self.reason = reason
    }
}

/// Reads a judgment out of whatever a judge replied: `{"score": 4, "reason": "…"}` with or
/// without code fences or a preamble, a score written as a string ("4") or as 4.0, a reply
/// cut after its score, or `score: 4` in prose. A score that is missing, not a whole number,
/// or outside 1 to 5 is no judgment: the reply fails with a reason (and is asked again).
public enum JudgmentParser {
    public static let scores = 1...5

    /// The judgment in `content`; `finishReason: "length"` means the reply was cut.
    public static func parse(_ content: String, finishReason: String? = nil) -> Result<JudgmentReply, ModelFailure> {
        let body = QuestionParser.unfenced(content)
        guard let (score, reason) = fromJSON(body) ?? fromText(body) else {
            let why = finishReason == "length" ? " (it was cut by the token limit; raise --max-tokens)" : ""
            return .failure(ModelFailure(.unusableReply, "the judge's reply held no score\(why)"))
        }
        guard score == score.rounded(), let whole = Int(exactly: score), scores.contains(whole) else {
            let shown = score.isFinite ? JudgeFilter.format(score) : "\(score)"
            let problem = score == score.rounded() ? "is outside 1 to 5" : "is not a whole number from 1 to 5"
            return .failure(ModelFailure(.unusableReply, "the judge's score \(shown) \(problem)"))
        }
        return .success(JudgmentReply(score: whole, reason: reason.flatMap(folded)))
    }

    /// The score and reason of the JSON object in `text`, or nil when it holds none with a score.
    static func fromJSON(_ text: String) -> (Double, String?)? {
        guard let start = text.firstIndex(of: "{"), let end = text.lastIndex(of: "}"), start < end,
              let object = try? JSONDecoder().decode(JudgmentObject.self, from: Data(text[start...end].utf8)),
              let score = object.score else { return nil }
        return (score, object.reason)
    }

    /// `score: 4` (quoted or not, `=` too) anywhere, or a reply that is only a number
    /// (`4`, `4/5`); the reason when a `reason: "…"` follows.
    static func fromText(_ text: String) -> (Double, String?)? {
        let score = Patterns.scoreKey.firstCapture(in: text) ?? Patterns.bareScore.firstCapture(in: text)
        guard let score, let value = Double(score) else { return nil }
        let reason = Patterns.reasonKey.firstCapture(in: text).flatMap { literal in
            try? JSONDecoder().decode(String.self, from: Data("\"\(literal)\"".utf8))
        }
        return (value, reason)
    }

    /// One line: runs of white space become one space; nil when nothing is left.
    static func folded(_ reason: String) -> String? {
        let text = QuestionParser.Patterns.whitespaceRun.replacingMatches(in: reason, with: " ").trimmingCharacters(in: .whitespaces)
        return text.isEmpty ? nil : text
    }

    enum Patterns {
        static let scoreKey = CompiledPattern(#"["']?\b(?:score|grade|rating)["']?\s*[:=]\s*["']?(-?[0-9]+(?:\.[0-9]+)?)"#, caseInsensitive: true)
        static let bareScore = CompiledPattern(#"^\s*\**(-?[0-9]+(?:\.[0-9]+)?)\**\s*(?:/\s*5)?\s*\.?\s*$"#)
        static let reasonKey = CompiledPattern(#"["']?\breason["']?\s*[:=]\s*"((?:[^"\\]|\\.)*)""#, caseInsensitive: true)
    }
}

/// A judgment as JSON: the score under `score` (or `grade`, `rating`, any case), as a number
/// or a numeric string, and the reason under `reason` (or `explanation`, `justification`).
private struct JudgmentObject: Decodable {
    var score: Double?
    var reason: String?

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        func key(_ names: [String]) -> Key? {
            c.allKeys.first { names.contains($0.stringValue.lowercased()) }
        }
        if let key = key(["score", "grade", "rating"]) {
            if let number = try? c.decode(Double.self, forKey: key) {
                score = number
            } else if let text = try? c.decode(String.self, forKey: key) {
                score = Double(text.trimmingCharacters(in: .whitespaces))
            }
        }
        if let key = key(["reason", "explanation", "justification"]) {
            reason = try? c.decode(String.self, forKey: key)
        }
    }
}

extension CompiledPattern {
    /// The first capture group of the first match, if any.
    func firstCapture(in text: String) -> String? {
        guard let expression,
              let match = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
              match.numberOfRanges > 1, let range = Range(match.range(at: 1), in: text) else { return nil }
        return String(text[range])
    }
}
