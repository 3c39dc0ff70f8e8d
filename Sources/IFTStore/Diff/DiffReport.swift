import Foundation

/// What `diff --json` prints before its items: the kind, both sides' totals, the counts and
/// whether the sides differ; with `--show`, the listing's name (the items stream after it).
public struct DiffReport: Encodable {
    public let summary: DiffSummary
    public let show: DiffShow?

    public init(_ summary: DiffSummary, show: DiffShow?) {
        self.summary = summary
        self.show = show
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: NamedKey.self)
        try c.encode(summary.kind.rawValue, forKey: NamedKey("kind"))
        if let sample = summary.sample { try c.encode(sample, forKey: NamedKey("sample")) }
        if let judge = summary.judge { try c.encode(judge, forKey: NamedKey("judge")) }
        try c.encode(Side(stats: summary.a, kind: summary.kind), forKey: NamedKey("a"))
        try c.encode(Side(stats: summary.b, kind: summary.kind), forKey: NamedKey("b"))
        try c.encode(Counts(counts: summary.counts), forKey: NamedKey("summary"))
        try c.encode(summary.differs, forKey: NamedKey("differs"))
        if let show { try c.encode(show.rawValue, forKey: NamedKey("show")) }
    }

    private struct Side: Encodable {
        let stats: DiffSideStats
        let kind: DiffKind

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: NamedKey.self)
            try c.encode(stats.label, forKey: NamedKey("label"))
            try c.encode(stats.items, forKey: NamedKey(kind.rawValue))
            if let chunks = stats.chunks { try c.encode(chunks, forKey: NamedKey("chunks")) }
            if let idk = stats.idk { try c.encode(idk, forKey: NamedKey("idk")) }
            if let rate = stats.idkRate, stats.idk != nil { try c.encode(rate, forKey: NamedKey("idk_rate")) }
            if let flagged = stats.flagged, let rate = stats.flaggedRate {
                try c.encode(flagged, forKey: NamedKey("flagged"))
                try c.encode(rate, forKey: NamedKey("flagged_rate"))
            }
            if let mean = stats.meanAnswerChars { try c.encode(mean, forKey: NamedKey("mean_answer_chars")) }
            if let tokens = stats.promptTokens { try c.encode(tokens, forKey: NamedKey("prompt_tokens")) }
            if let tokens = stats.completionTokens { try c.encode(tokens, forKey: NamedKey("completion_tokens")) }
            if let judged = stats.judged {
                try c.encode(judged, forKey: NamedKey("judged"))
                try c.encode(stats.meanScore, forKey: NamedKey("mean_score"))
            }
        }
    }

    private struct Counts: Encodable {
        let counts: [DiffSummary.Count]

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: NamedKey.self)
            for count in counts { try c.encode(count.value, forKey: NamedKey(count.key)) }
        }
    }
}

/// One item `diff --json --show` lists: where it is, and each side's question (and answer,
/// unless questions are compared, and with a judge its score); null where a side has none.
public struct DiffReportItem: Encodable {
    public let item: DiffItem
    public let kind: DiffKind
    /// Whether the diff has a judge, so each side carries a `score`.
    public let scored: Bool

    public init(_ item: DiffItem, kind: DiffKind, scored: Bool = false) {
        self.item = item
        self.kind = kind
        self.scored = scored
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: NamedKey.self)
        try c.encode(item.chunkID, forKey: NamedKey("chunk_id"))
        try c.encode(item.sourcePath, forKey: NamedKey("source_path"))
        try c.encode(Side(questionID: item.questionAID, question: item.questionA, answerID: item.answerAID, answer: item.answerA,
                          score: item.scoreA, kind: kind, scored: scored), forKey: NamedKey("a"))
        try c.encode(Side(questionID: item.questionBID, question: item.questionB, answerID: item.answerBID, answer: item.answerB,
                          score: item.scoreB, kind: kind, scored: scored), forKey: NamedKey("b"))
    }

    private struct Side: Encodable {
        let questionID: Int64?, question: String?, answerID: Int64?, answer: String?, score: Double?
        let kind: DiffKind
        let scored: Bool

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: NamedKey.self)
            try encodeOrNull(questionID, "question_id", &c)
            try encodeOrNull(question, "question", &c)
            guard kind != .questions else { return }
            try encodeOrNull(answerID, "answer_id", &c)
            try encodeOrNull(answer, "answer", &c)
            if scored { try encodeOrNull(score, "score", &c) }
        }

        private func encodeOrNull(_ value: (some Encodable)?, _ key: String, _ c: inout KeyedEncodingContainer<NamedKey>) throws {
            if let value { try c.encode(value, forKey: NamedKey(key)) } else { try c.encodeNil(forKey: NamedKey(key)) }
        }
    }
}
