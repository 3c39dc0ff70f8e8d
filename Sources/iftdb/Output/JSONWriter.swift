import Foundation
import IFTStore

extension ByteSink {
    /// A value as JSON for `--json`: snake_case keys, sorted, slashes unescaped, then a newline.
    func writeJSON(_ value: some Encodable, pretty: Bool = false) throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted] : [.sortedKeys, .withoutEscapingSlashes]
        try write(Array(try encoder.encode(value)))
        try write("\n")
    }
}
