import Foundation
import IFTSQLite
import TestSupport
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
            #expect(ContentHash.hex(chunk) == statement.string(at: 3))
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

    /// The walk found a file; by the time it is read, another file (a new inode), a symlink to
    /// one outside, or a FIFO is at its path. The read is refused, never of the wrong file.
    @Test func aFileReplacedAfterTheWalkIsNotRead() throws {
        let folder = try TemporaryFolder()
        for name in ["a.txt", "b.txt", "c.txt", "d.txt"] { try folder.write("docs/\(name)", "The file the walk found: \(name).") }
        try folder.write("outside.txt", "SECRET outside the folder.")
        var files: [String: CorpusFile] = [:]
        try CorpusWalker(root: folder.file("docs"), options: WalkOptions()).walk(found: { files[$0.relativePath] = $0 }, skipped: { _, _ in })
        try #require(files.count == 4)

        // Untouched: read.
        guard case .success(let bytes) = files["a.txt"]!.read(maxSize: 1000) else { Issue.record("a.txt was not read"); return }
        #expect(String(decoding: bytes, as: UTF8.self) == "The file the walk found: a.txt.")
        // Replaced by another file (made before the old one goes, as an editor saves, so the
        // kernel cannot hand it the old inode number).
        try folder.write("b.new", "Another file, written since.")
        #expect(rename(folder.file("b.new"), folder.file("docs/b.txt")) == 0)
        guard case .failure(.changed) = files["b.txt"]!.read(maxSize: 1000) else { Issue.record("a replaced file was read"); return }
        // Replaced by a symlink to a file outside.
        try FileManager.default.removeItem(atPath: folder.file("docs/c.txt"))
        try FileManager.default.createSymbolicLink(atPath: folder.file("docs/c.txt"), withDestinationPath: folder.file("outside.txt"))
        guard case .failure(.changed) = files["c.txt"]!.read(maxSize: 1000) else { Issue.record("a file swapped for a link was read"); return }
        // Replaced by a FIFO: refused at once, not waited on.
        try FileManager.default.removeItem(atPath: folder.file("docs/d.txt"))
        #expect(mkfifo(folder.file("docs/d.txt"), 0o600) == 0)
        guard case .failure(.changed) = files["d.txt"]!.read(maxSize: 1000) else { Issue.record("a FIFO was read"); return }
        // Grown past the limit since the walk.
        guard case .failure(.tooLarge) = files["a.txt"]!.read(maxSize: 10) else { Issue.record("a file over the limit was read"); return }
    }

    /// The same file (same inode), reached through a folder outside the one walked: refused
    /// by where the open file really is, unless links outside are followed.
    @Test func aFileReachedOutsideTheFolderIsNotRead() throws {
        let folder = try TemporaryFolder()
        try folder.write("docs/inside/a.txt", "Inside.")
        var found: [CorpusFile] = []
        try CorpusWalker(root: folder.file("docs"), options: WalkOptions()).walk(found: { found.append($0) }, skipped: { _, _ in })
        try #require(found.count == 1)
        // Move the folder out and link it back: the same inode, now outside the real root.
        try FileManager.default.moveItem(atPath: folder.file("docs/inside"), toPath: folder.file("elsewhere"))
        try FileManager.default.createSymbolicLink(atPath: folder.file("docs/inside"), withDestinationPath: folder.file("elsewhere"))
        guard case .failure(.externalLink(let target)) = found[0].read(maxSize: 1000) else { Issue.record("a file outside the folder was read"); return }
        #expect(target.hasSuffix("/elsewhere/a.txt"))
        var following: [CorpusFile] = []
        try CorpusWalker(root: folder.file("docs"), options: WalkOptions(followExternalLinks: true)).walk(found: { following.append($0) }, skipped: { _, _ in })
        guard case .success = following.first?.read(maxSize: 1000) else { Issue.record("--follow-external-links did not read it"); return }
    }

    /// Scalars counted and found eight bytes at a time agree with a plain walk, on text of
    /// 1- to 4-byte scalars at every alignment.
    @Test func scalarCountsAndOffsetsMatchAPlainWalk() {
        let pieces = ["a", "é", "東", "🎉", "\r\n", " "]
        for length in [0, 1, 7, 8, 9, 63, 64, 65, 500] {
            var text = "", state = UInt64(length) &+ 1
            for _ in 0..<length {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                text += pieces[Int(state >> 33) % pieces.count]
            }
            let scalars = Array(text.unicodeScalars)
            var expected: [Int] = [], offset = 0
            for scalar in scalars {
                expected.append(offset)
                offset += UTF8.width(scalar)
            }
            expected.append(offset)
            let every = Array(0...scalars.count), some = Array(stride(from: 0, through: scalars.count, by: 5))
            text.withUTF8 { bytes in
                #expect(SourceLoader.scalarCount(bytes) == scalars.count)
                #expect(SourceLoader.byteOffsets(ofScalars: every, in: bytes) == expected)
                #expect(SourceLoader.byteOffsets(ofScalars: some, in: bytes) == some.map { expected[$0] })
            }
        }
    }
}
