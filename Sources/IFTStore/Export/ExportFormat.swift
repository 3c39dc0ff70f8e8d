import Foundation

/// The file formats `iftdb export` writes.
public enum ExportFormat: String, CaseIterable, Sendable, Codable {
    /// `Data,Questions,Answers` (chunk, question, answer), RFC 4180 with CRLF line ends.
    case csv
    /// A JSON array of `[chunk, question, answer]`.
    case json
    /// A JSON array of `[{"data": chunk, "question": q}, {"answer": a}]`.
    case lamini
    /// Chat JSONL: `{"messages": [system?, user, assistant]}`.
    case openai
    /// JSONL `{"instruction": question, "input": chunk, "output": answer}`.
    case alpaca
    /// JSONL `{"conversations": [system?, human, gpt]}`.
    case sharegpt
    /// JSONL, one object per pair with every provenance field.
    case jsonl
}

extension ExportFormat {
    /// The file extension of a split file in this format.
    public var fileExtension: String {
        switch self {
        case .csv: "csv"
        case .json, .lamini: "json"
        case .openai, .alpaca, .sharegpt, .jsonl: "jsonl"
        }
    }
}
