import Foundation
import Testing
@testable import IFTStore

/// The scan that tells a results line that is a JSON object from one that is not, and finds
/// its members' values without decoding them.
@Suite struct JSONScanTests {
    func isObject(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { JSONScan.isObject($0) }
    }

    @Test(arguments: [
        #"{}"#, #" { } "#, #"{"a":1}"#, #"{"a": [1, -2.5e3, true, false, null, "x\"\\\/\b\f\n\r\t\u00e9"], "b": {"c": {}}}"#,
        "{\"a\":\"Zürich 🙂\"}\r", #"{"a":0,"b":-0.0,"c":1E+2}"#,
    ])
    func objects(_ text: String) {
        #expect(isObject(text), "\(text)")
    }

    @Test(arguments: [
        "", "   ", "[]", "1", #""x""#, "null", #"{"a":1"#, #"{"a":1}}"#, #"{"a":1,}"#, #"{a:1}"#, #"{"a" 1}"#, #"{"a":01}"#,
        #"{"a":1.}"#, #"{"a":-}"#, #"{"a":tru}"#, #"{"a":"\x"}"#, #"{"a":"\u12"}"#, "{\"a\":\"line\nbreak\"}", #"{"a":[1 2]}"#,
        #"{"a":1} {"b":2}"#, "{'a':1}", #"{"a":NaN}"#,
    ])
    func notObjects(_ text: String) {
        #expect(!isObject(text), "\(text)")
    }

    @Test func deepNestingIsNotJSONAndDoesNotExhaustTheStack() {
        let deep = "{\"a\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        #expect(!isObject(deep))
        let fine = "{\"a\":" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}"
        #expect(isObject(fine))
    }

    @Test func membersKeepTheirValuesAsWritten() throws {
        var text = #"{"custom_id": "a\u00e9\ud83d\ude42", "response": {"status_code": 200, "body": {"x": [1, 2]}}, "error": null, "n": 2.0}"#
        try text.withUTF8 { bytes in
            let members = try #require(JSONScan.members(bytes, in: 0..<bytes.count))
            #expect(members.map(\.key) == ["custom_id", "response", "error", "n"])
            #expect(members.map(\.kind) == [.string, .object, .null, .number])
            #expect(JSONScan.string(bytes, members[0].value) == "aé🙂")
            #expect(JSONScan.integer(bytes, members[3].value) == 2)
            let response = try #require(JSONScan.members(bytes, in: members[1].value))
            #expect(String(decoding: UnsafeBufferPointer(rebasing: bytes[response[1].value]), as: UTF8.self) == #"{"x": [1, 2]}"#)
            #expect(JSONScan.integer(bytes, response[0].value) == 200)
        }
    }

    @Test func aLoneSurrogateDecodesToTheReplacementCharacter() {
        var text = #""a\ud800b""#
        #expect(text.withUTF8 { JSONScan.string($0, 0..<$0.count) } == "a\u{FFFD}b")
    }
}
