import Foundation
import IFTStore

/// How a `--json` document is written. Listings of stored rows (sources, runs, stats,
/// datasets, check, show) have sorted snake_case keys; the summaries of load, generate,
/// diff, prompts and sql keep their keys as and where the summary type encodes them.
enum JSONStyle {
    case sortedKeys(pretty: Bool)
    case asEncoded(OrderedJSONEncoder.Layout)

    static let sorted = JSONStyle.sortedKeys(pretty: false)
    static let ordered = JSONStyle.asEncoded(.compact)

    var encoder: OrderedJSONEncoder {
        switch self {
        case .sortedKeys(let pretty): return .foundationCompatible(pretty: pretty)
        case .asEncoded(let layout): return OrderedJSONEncoder(keys: .asEncoded, layout: layout)
        }
    }
}

extension ByteSink {
    /// A value as JSON for `--json`, then (unless `newline` is false) a newline.
    func writeJSON(_ value: some Encodable, _ style: JSONStyle = .sorted, newline: Bool = true) throws {
        try write(try style.encoder.encode(value) + (newline ? "\n" : ""))
    }

    /// `"key":`, before a value written in parts (a streamed array).
    func writeJSONKey(_ key: String) throws {
        try write(try JSONStyle.ordered.encoder.encode(key) + ":")
    }

    /// An object's fields without its closing brace: more fields, or a streamed array, follow.
    func writeJSONOpening(_ value: some Encodable) throws {
        try write(try JSONStyle.ordered.encoder.encodeOpenObject(value))
    }
}
