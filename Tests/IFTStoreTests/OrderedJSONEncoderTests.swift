import Foundation
import Testing
@testable import IFTStore

/// The one JSON writer: sorted output is byte for byte what Foundation's JSONEncoder wrote
/// before it, and ordered output keeps keys as and where a value encodes them.
struct OrderedJSONEncoderTests {
    struct Inner: Codable { var sourceID: Int64 = 7; var chunkText = "a/b \u{2028} \"q\" \u{1}\t"; var empty: [Int] = []; var none: [String: Int] = [:] }
    struct Sample: Codable {
        var zeta = 1.5
        var alphaURLName = "x"
        var createdAt: String? = nil
        var whole = 2.0
        var tiny = 1.5e-7
        var big = 1e20
        var flag = true
        var inner = Inner()
        var list = [Inner(), Inner(sourceID: -1, chunkText: "é中🙂")]
        var counts = ["b": 2]
    }

    private func foundation(_ value: some Encodable, pretty: Bool) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test(arguments: [false, true]) func sortedKeysWriteWhatFoundationWrites(pretty: Bool) throws {
        let values = [Sample(), Sample(createdAt: "2026", whole: -0.25, list: [])]
        for value in values {
            #expect(try OrderedJSONEncoder.foundationCompatible(pretty: pretty).encode(value) == foundation(value, pretty: pretty))
        }
        #expect(try OrderedJSONEncoder.foundationCompatible(pretty: pretty).encode(values) == foundation(values, pretty: pretty))
    }

    @Test func orderedKeysStayAsEncodedWithNullsAndRepeats() throws {
        let row = QueryRowObject(columns: ["b", "a", "a", "camelCase"], values: [.integer(1), .null, .real(0.5), .text("\u{2028}")])
        #expect(try OrderedJSONEncoder(keys: .asEncoded).encode(row) == #"{"b":1,"a":null,"a":0.5,"camelCase":"\u2028"}"#)
        let lines = try OrderedJSONEncoder(keys: .asEncoded, layout: .elementPerLine).encode([[1, 2], [3]])
        #expect(lines == "[[1,2],\n[3]]")
        #expect(try OrderedJSONEncoder(keys: .asEncoded).encodeOpenObject(row) == #"{"b":1,"a":null,"a":0.5,"camelCase":"\u2028""#)
    }
}
