import Foundation
import IFTSQLite
import Testing
@testable import IFTStore

@Suite struct LoaderTests {
    @Test func offsetsRoundTripOnEmojiCombiningMarksAndCRLF() throws {
        let folder = try TemporaryFolder()
        let text = String(String.UnicodeScalarView(ChunkerTests.tricky))
        try folder.write("docs/tricky.txt", text)
        let store = try StoreFile.open(folder.file("s.db"), for: .writing(create: true))
        defer { store.close() }
        for config in [ChunkingConfig(method: .window, size: 100, step: 70), ChunkingConfig(method: .boundary, size: 120)] {
            _ = try store.load(folders: [folder.file("docs")], options: LoadOptions(chunking: config))
        }
        let source = try store.sourceVersion(path: "tricky.txt", version: nil)
        #expect(source.text == text)  // CRLF kept, nothing normalised
        let scalars = Array(text.unicodeScalars)
        let statement = try store.db.prepare("SELECT start, end, text, sha256 FROM chunks")
        var count = 0
        while try statement.step() {
            let chunk = statement.string(at: 2)
            #expect(String(String.UnicodeScalarView(scalars[statement.int(0)..<statement.int(1)])) == chunk)
            #expect(SHA256.hex(chunk) == statement.string(at: 3))
            count += 1
        }
        #expect(count > 50)
    }

    @Test func decodingIsStrict() throws {
        func decode(_ bytes: [UInt8]) -> Result<String, DocumentText.Rejection> {
            bytes.withUnsafeBytes { DocumentText.decode($0) }
        }
        #expect(try decode(Array("plain".utf8)).get() == "plain")
        #expect(try decode([0xEF, 0xBB, 0xBF] + Array("bom".utf8)).get() == "bom")
        #expect(try decode(Array("a\r\nb".utf8)).get() == "a\r\nb")
        #expect(throws: DocumentText.Rejection.notUTF8(offset: 3)) { try decode(Array("caf".utf8) + [0xE9]).get() }
        #expect(throws: DocumentText.Rejection.notUTF8(offset: 1)) { try decode([0x61, 0xC3, 0x28]).get() }
        #expect(throws: DocumentText.Rejection.binary) { try decode([0x50, 0x4B, 0x03, 0x04, 0x00]).get() }
    }

    @Test func htmlBecomesVisibleText() {
        let html = "<html><head><title>T</title><style>p{}</style></head><body><h1>Title</h1><p>Tom &amp; Jerry<br>ran</p><script>var a = '<p>';</script><!-- note --></body></html>"
        #expect(DocumentText.htmlToText(html) == "Title\n\nTom & Jerry\n\nran")
    }

    @Test func anUnclosedScriptOrStyleIsDroppedNotLeaked() {
        #expect(DocumentText.htmlToText("<p>Visible</p><script>var token = 'LEAK';") == "Visible")
        #expect(DocumentText.htmlToText("<p>Visible</p><STYLE type=\"text/css\">body { LEAK: 1 }") == "Visible")
        #expect(DocumentText.htmlToText("<p>One</p><script>a()</script><p>Two</p><script src=x>LEAK") == "One\n\nTwo")
        // A closed one still ends where it closes.
        #expect(DocumentText.htmlToText("<style>p{}</style><p>Kept</p>") == "Kept")
    }

    @Test func numericEntitiesAreDecoded() {
        #expect(DocumentText.htmlToText("<p>&#65;&#x41;&#X42;&#0233;t&#xE9; &#x1F600;</p>") == "AABété 😀")
        // Nothing, a surrogate or a value past U+10FFFF is U+FFFD, as a browser shows it.
        #expect(DocumentText.htmlToText("a&#0;b&#xD800;c&#xDFFF;d&#x110000;e&#99999999999999999999999;f") == "a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}e\u{FFFD}f")
        // Decoded once: an escaped ampersand stays a literal entity.
        #expect(DocumentText.htmlToText("&amp;#65; &amp;lt; &#38;#65;") == "&#65; &lt; &#65;")
        // Not an entity: left as written.
        #expect(DocumentText.htmlToText("&#; &#x; &#12a; &#65") == "&#; &#x; &#12a; &#65")
    }

    @Test func globsMatchTheRelativePath() {
        let options = WalkOptions(includes: ["*.md"], excludes: ["drafts/*"])
        #expect(options.selects("a.md"))
        #expect(options.selects("deep/er/a.md"))
        #expect(!options.selects("a.txt"))
        #expect(!options.selects("drafts/a.md"))
        #expect(!options.selects(".hidden/a.md"))
        #expect(WalkOptions(hidden: true).selects(".hidden/a.md"))
    }

    @Test func symlinkLoopsAreNotFollowed() throws {
        let folder = try TemporaryFolder()
        try folder.write("docs/a/one.txt", "one")
        try FileManager.default.createSymbolicLink(atPath: folder.file("docs/a/loop"), withDestinationPath: folder.file("docs"))
        let store = try StoreFile.open(folder.file("s.db"), for: .writing(create: true))
        defer { store.close() }
        var messages: [String] = []
        let summary = try store.load(folders: [folder.file("docs")], options: LoadOptions()) { event in
            if case .skipped(_, _, let message) = event { messages.append(message) }
        }
        #expect(summary.new == 1)
        #expect(summary.skipped["symlink loop"] == 1)
        #expect(messages.contains { $0.contains("a/loop") })
    }
}
