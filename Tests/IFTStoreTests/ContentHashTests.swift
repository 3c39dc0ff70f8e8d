import Testing
@testable import IFTStore

@Suite struct ContentHashTests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        (String(repeating: "a", count: 1_000_000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
        ("Zürich 東京 🎉", "47b3626356579067c0f7effab0013fd40d7c973a553d4195db1a5058706fadf9"),
    ])
    func knownVectors(input: String, digest: String) {
        #expect(ContentHash.hex(input) == digest)
        #expect(ContentHash.hex(Array(input.utf8)) == digest)
    }

    @Test func partsHashAsTheirConcatenation() {
        let bytes = Array((0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7) })
        let whole = bytes.withUnsafeBytes { ContentHash.digest($0) }
        let parts = bytes[0..<129].withUnsafeBytes { a in bytes[129...].withUnsafeBytes { b in ContentHash.digest(a, b) } }
        #expect(parts == whole && whole.count == 32)
        #expect(whole.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined() == ContentHash.hex(bytes))
    }
}
