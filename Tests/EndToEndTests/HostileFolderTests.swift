import Foundation
import TestSupport
import Testing

/// Folders and model replies made to hurt: links out of the folder, file names that are not
/// UTF-8, and terminal escapes in file names, file texts and model texts.
@Suite struct HostileFolderTests {
    func sourcePaths(_ folder: TemporaryFolder) async throws -> [String] {
        let result = try await iftdb(["sources", "--json"], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
        return rows.compactMap { $0["path"] as? String }.sorted()
    }

    func link(_ folder: TemporaryFolder, _ name: String, to destination: String) throws {
        try FileManager.default.createSymbolicLink(atPath: folder.file(name), withDestinationPath: destination)
    }

    // MARK: links out of the folder

    @Test func linksOutOfTheFolderAreSkippedAndNamedUnlessFollowed() async throws {
        let folder = try TemporaryFolder()
        try folder.write("outside/secret.txt", "SECRET from outside")
        try folder.write("outside/dir/inner.txt", "INNER from a folder outside")
        try folder.write("docs/real.md", "A real file inside.")
        try folder.write("docs/sub/other.md", "Another file inside.")
        try link(folder, "docs/inside-link.md", to: "real.md")  // a link inside keeps working
        try link(folder, "docs/inside-dir", to: folder.file("docs/sub"))
        try link(folder, "docs/secret.txt", to: "../outside/secret.txt")  // a file outside
        try link(folder, "docs/outdir", to: folder.file("outside/dir"))  // a folder outside
        // A chain: an inside link to an inside link that leaves the folder.
        try link(folder, "docs/sub/hop.txt", to: folder.file("outside/secret.txt"))
        try link(folder, "docs/chain.txt", to: "sub/hop.txt")

        let plain = try await iftdb(["load", "docs"], in: folder.path)
        #expect(plain.status == 0, "\(plain.stderr)")
        for name in ["secret.txt", "outdir", "chain.txt", "sub/hop.txt", "inside-dir/hop.txt"] {
            #expect(plain.stderr.contains("skipped \(name): a symlink to "), "\(name) not named: \(plain.stderr)")
        }
        #expect(plain.stderr.contains("--follow-external-links"))
        #expect(try await sourcePaths(folder) == ["inside-dir/other.md", "inside-link.md", "real.md", "sub/other.md"])
        let texts = try await iftdb(["sql", "--csv", "SELECT group_concat(text, ' | ') FROM sources"], in: folder.path)
        #expect(!texts.stdout.contains("SECRET") && !texts.stdout.contains("INNER"), "\(texts.stdout)")

        let followed = try await iftdb(["load", "docs", "--follow-external-links"], in: folder.path)
        #expect(followed.status == 0, "\(followed.stderr)")
        #expect(!followed.stderr.contains("a symlink to"), "\(followed.stderr)")
        #expect(try await sourcePaths(folder) == ["chain.txt", "inside-dir/hop.txt", "inside-dir/other.md", "inside-link.md", "outdir/inner.txt", "real.md", "secret.txt", "sub/hop.txt", "sub/other.md"])

        // Loading again without the flag skips them again; it does not mark them removed.
        let again = try await iftdb(["load", "docs", "--json"], in: folder.path)
        #expect(again.stdout.contains("\"removed\":0"), "\(again.stdout)")
    }

    @Test func theFolderGivenMayItselfBeALink() async throws {
        let folder = try TemporaryFolder()
        try folder.write("real/docs/a.md", "Alpha.")
        try link(folder, "real/docs/b.md", to: "a.md")
        try link(folder, "docs", to: folder.file("real/docs"))
        let result = try await iftdb(["load", "docs"], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stderr.contains("a symlink to"), "\(result.stderr)")
        #expect(try await sourcePaths(folder) == ["a.md", "b.md"])
    }

    // MARK: file names that are not UTF-8

    @Test func aNameThatIsNotUTF8IsNamedEscapedWithWhatIsWrong() async throws {
        let folder = try TemporaryFolder()
        try folder.write("docs/good.md", "Fine.")
        try folder.write("docs/sub/keep.md", "Kept.")
        // "café.md" and "bad-é" (a folder) in Latin-1: the byte 0xE9 alone is not UTF-8.
        for (name, isFolder) in [(Array("docs/caf".utf8) + [0xE9] + Array(".md".utf8), false), (Array("docs/bad-".utf8) + [0xE9], true)] {
            let path = Array(folder.path.utf8) + [UInt8(ascii: "/")] + name + [0]
            let made = path.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { chars in
                    isFolder ? mkdir(chars.baseAddress!, 0o755) : open(chars.baseAddress!, O_CREAT | O_WRONLY, 0o644)
                }
            }
            try #require(made >= 0, "could not create a test file: errno \(errno)")
            if !isFolder { close(made) }
        }
        let result = try await iftdb(["load", "docs"], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stderr.contains("No such file"), "\(result.stderr)")
        #expect(result.stderr.contains(#"skipped caf\xE9.md: the name is not valid UTF-8"#), "\(result.stderr)")
        #expect(result.stderr.contains(#"skipped bad-\xE9: the name is not valid UTF-8"#), "\(result.stderr)")
        #expect(result.stderr.contains("rename it"), "\(result.stderr)")
        #expect(try await sourcePaths(folder) == ["good.md", "sub/keep.md"])
    }

    // MARK: terminal escapes

    /// ESC OSC (retitles the window), BEL, CSI (clears the screen), an 8-bit CSI (C1), DEL,
    /// two bidi controls (RLO, LRI).
    static let hostile = "\u{1B}]0;pwned\u{07}\u{1B}[2J\u{9B}31m\u{7F}\u{202E}\u{2066}"
    static let rawControls: [Unicode.Scalar] = ["\u{1B}", "\u{07}", "\u{9B}", "\u{7F}", "\u{202E}", "\u{2066}"]
    static let escapedHostile = #"\u{1B}]0;pwned\u{7}\u{1B}[2J\u{9B}31m\u{7F}\u{202E}\u{2066}"#

    func expectNoRawControls(_ result: CommandResult, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for text in [result.stdout, result.stderr] {
            let raw = text.unicodeScalars.filter { Self.rawControls.contains($0) }.map { "U+" + String($0.value, radix: 16, uppercase: true) }
            #expect(raw == [], "\(what) wrote raw controls: \(text.debugDescription)", sourceLocation: sourceLocation)
        }
    }

    @Test func terminalEscapesAreShownEscapedAndMachineOutputKeepsThem() async throws {
        let folder = try TemporaryFolder()
        let name = "evil" + Self.hostile + "\nname.md"
        let fileText = "ZQ0001 The lab logged " + Self.hostile + " on day 3.\nSecond line."
        let answer = "The answer " + Self.hostile + "\nis in the notes."
        try folder.write("docs/" + name, fileText)
        try folder.write("docs/binary" + Self.hostile + ".png", Data([0x89, 0x50, 0x00, 0x01]))

        let load = try await iftdb(["load", "docs", "--chunker", "window", "--chunk-size", "1000"], in: folder.path)
        #expect(load.status == 0, "\(load.stderr)")
        expectNoRawControls(load, "load warnings")
        #expect(load.stderr.contains("skipped binary" + Self.escapedHostile + ".png: binary"), "\(load.stderr)")

        try await withTestModelServer(fallback: { request in
            if request.body.contains("response_format") {
                return .respond(status: 200, body: TestModelServer.completion(#"{"questions": ["What did the lab \#(Self.hostile) log?"]}"#))
            }
            return .respond(status: 200, body: TestModelServer.completion(answer))
        }) { server in
            for kind in ["questions", "answers"] {
                let generated = try await iftdb(["generate", kind, "--base-url", server.baseURL, "--quiet"], in: folder.path)
                #expect(generated.status == 0, "\(generated.stderr)")
            }

            // sources: one row, the name escaped, the newline too (a table cell).
            let sources = try await iftdb(["sources"], in: folder.path)
            expectNoRawControls(sources, "sources")
            #expect(sources.stdout.split(separator: "\n").count == 2, "\(sources.stdout)")
            #expect(sources.stdout.contains("evil" + Self.escapedHostile + #"\u{A}name.md"#), "\(sources.stdout)")

            // show: a source (header and text), a chunk, an answer's lineage; an error naming the path.
            let source = try await iftdb(["show", "source:" + name], in: folder.path)
            #expect(source.status == 0, "\(source.stderr)")
            expectNoRawControls(source, "show source")
            #expect(source.stdout.contains("logged " + Self.escapedHostile + " on day 3.\nSecond line."), "\(source.stdout)")
            #expect(source.stderr.contains("evil" + Self.escapedHostile), "\(source.stderr)")
            let chunk = try await iftdb(["show", "chunk:1"], in: folder.path)
            expectNoRawControls(chunk, "show chunk")
            #expect(chunk.stdout.contains(Self.escapedHostile), "\(chunk.stdout)")
            let lineage = try await iftdb(["show", "answer:1"], in: folder.path)
            #expect(lineage.status == 0, "\(lineage.stderr)")
            expectNoRawControls(lineage, "show answer")
            #expect(lineage.stdout.contains("The answer " + Self.escapedHostile), "\(lineage.stdout)")
            #expect(lineage.stdout.contains("What did the lab " + Self.escapedHostile + " log?"), "\(lineage.stdout)")
            let missing = try await iftdb(["show", "source:" + name + "@9"], in: folder.path)
            expectOneLineError(missing, containing: "evil" + Self.escapedHostile + "\\u{A}name.md")
            expectNoRawControls(missing, "an error")

            // sql tables: one line per row, every control escaped, newline, CR and tab too.
            let table = try await iftdb(["sql", "--table", "SELECT a.text AS answer, s.path, 'a' || char(13) || 'b' || char(9) || 'c' AS cr_tab FROM answers a, sources s"], in: folder.path)
            #expect(table.status == 0, "\(table.stderr)")
            expectNoRawControls(table, "sql --table")
            #expect(table.stdout.split(separator: "\n").count == 3, "\(table.stdout)")
            #expect(table.stdout.contains(#"a\u{D}b\u{9}c"#), "\(table.stdout)")
            #expect(table.stdout.contains("The answer " + Self.escapedHostile.prefix(20)), "\(table.stdout)")

            // Machine output is unchanged: JSON and CSV carry the exact texts.
            #expect(try await sourcePaths(folder) == [name])
            let csv = try await iftdb(["sql", "--csv", "SELECT path FROM sources"], in: folder.path)
            #expect(csv.stdout == "path\r\n\"" + name + "\"\r\n")
            let json = try await iftdb(["sql", "--json", "SELECT text FROM answers"], in: folder.path)
            let rows = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: String]]
            #expect(rows == [["text": answer]])
            let shownJSON = try await iftdb(["show", "answer:1", "--json"], in: folder.path)
            #expect(shownJSON.stdout.contains(#"The answer \u001b]0;pwned\u0007\u001b[2J"# + "\u{9B}31m\u{7F}\u{202E}\u{2066}"), "\(shownJSON.stdout)")
            let exported = try await iftdb(["export", "--format", "alpaca"], in: folder.path)
            #expect(exported.status == 0, "\(exported.stderr)")
            let pair = try JSONSerialization.jsonObject(with: Data(exported.stdout.utf8)) as? [String: String]
            #expect(pair?["output"] == answer, "\(exported.stdout)")
        }
    }
}
