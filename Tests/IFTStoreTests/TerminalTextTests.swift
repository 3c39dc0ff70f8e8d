import Testing
@testable import IFTStore

@Suite struct TerminalTextTests {
    @Test func controlsAndBidiOverridesAreEscaped() {
        #expect(TerminalText.escaped("a\u{1B}]0;title\u{07}b") == #"a\u{1B}]0;title\u{7}b"#)
        #expect(TerminalText.escaped("\u{0}\u{1F}\u{7F}\u{80}\u{9B}\u{9F}") == #"\u{0}\u{1F}\u{7F}\u{80}\u{9B}\u{9F}"#)
        let bidi = (0x202A...0x202E).map { Unicode.Scalar($0)! } + (0x2066...0x2069).map { Unicode.Scalar($0)! }
        #expect(TerminalText.escaped(String(String.UnicodeScalarView(bidi))) == #"\u{202A}\u{202B}\u{202C}\u{202D}\u{202E}\u{2066}\u{2067}\u{2068}\u{2069}"#)
    }

    @Test func newlineAndTabStayOutsideTablesAndAreEscapedInCells() {
        #expect(TerminalText.escaped("one\ntwo\tthree\r\n") == "one\ntwo\tthree\\u{D}\n")
        #expect(TerminalText.escaped("one\ntwo\tthree\r\n", oneLine: true) == #"one\u{A}two\u{9}three\u{D}\u{A}"#)
    }

    @Test func ordinaryTextIsUntouched() {
        let text = "Zürich 🎉 café — “quoted” \\u{1B} stays as written\u{A0}\u{200F}\u{2028}"
        #expect(TerminalText.escaped(text) == text)
        #expect(TerminalText.escaped(text, oneLine: true) == text)
    }

    @Test func aNameThatIsNotUTF8ShowsItsBadBytes() {
        #expect(TerminalText.escaped(bytes: Array("caf".utf8) + [0xE9] + Array(".md".utf8)) == #"caf\xE9.md"#)
        #expect(TerminalText.escaped(bytes: [0xC3, 0x28, 0x1B, 0xFF, 0x0A] + Array("é".utf8)) == #"\xC3(\u{1B}\xFF"# + "\né")
        #expect(TerminalText.escaped(bytes: Array("plain".utf8)) == "plain")
    }
}
