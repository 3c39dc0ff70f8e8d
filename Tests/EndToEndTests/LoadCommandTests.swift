import Foundation
import TestSupport
import Testing

@Suite struct LoadCommandTests {
    /// Row counts of every table, to see exactly what a command added.
    func counts(_ folder: TemporaryFolder) async throws -> [String: Int] {
        let result = try await iftdb(["sql", "--json", """
            SELECT (SELECT count(*) FROM sources) AS sources, (SELECT count(*) FROM chunks) AS chunks,
                   (SELECT count(*) FROM chunkings) AS chunkings
            """], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Int]]
        return rows?.first ?? [:]
    }

    func writeCorpus(_ folder: TemporaryFolder) throws {
        for i in 0..<4 {
            let paragraphs = (0..<6).map { p in "Paragraph \(p) of file \(i): the Ørsted team met in Zürich on day \(p * 3 + i). It shipped café-grade sensors 🎉 and wrote notes." }
            try folder.write("docs/file\(i).md", paragraphs.joined(separator: "\n\n"))
        }
        try folder.write("docs/sub/deeper.txt", "A nested file.\r\nWith CRLF line ends.\r\n")
        try folder.write("docs/.git/HEAD", "ref: refs/heads/main")
    }

    @Test func loadIsVersionedAndSkipsWhatItCannotRead() async throws {
        let folder = try TemporaryFolder()
        try writeCorpus(folder)
        let first = try await iftdb(["load", "docs", "--json"], in: folder.path)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("\"new\":5"))
        let afterFirst = try await counts(folder)
        #expect(afterFirst["sources"] == 5)  // the hidden .git folder is skipped

        // Loading again adds nothing.
        let again = try await iftdb(["load", "docs"], in: folder.path)
        #expect(again.status == 0)
        #expect(again.stderr.contains("unchanged 5"))
        #expect(try await counts(folder) == afterFirst)

        // Editing one file adds one version and its chunks only.
        try folder.write("docs/file2.md", "Rewritten: only one paragraph now.")
        let edited = try await iftdb(["load", "docs", "--json"], in: folder.path)
        #expect(edited.stdout.contains("\"changed\":1"))
        #expect(edited.stdout.contains("\"chunks_added\":1,"))
        let afterEdit = try await counts(folder)
        #expect(afterEdit["sources"] == 6)
        #expect(afterEdit["chunks"] == afterFirst["chunks"]! + 1)
        let versions = try await iftdb(["sql", "--csv", "SELECT version, status FROM sources WHERE path = 'file2.md' ORDER BY version"], in: folder.path)
        #expect(versions.stdout == "version,status\r\n1,present\r\n2,present\r\n")

        // Deleting one gives a removed version; it leaves `sources` but stays in `sources --all`.
        try FileManager.default.removeItem(atPath: folder.file("docs/file3.md"))
        // A binary file and a Latin-1 file are skipped, each named.
        try folder.write("docs/logo.png", Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00]))
        try folder.write("docs/latin1.txt", Data("Caf\u{e9} cr\u{e8}me".data(using: .isoLatin1)!))
        let removed = try await iftdb(["load", "docs", "--json"], in: folder.path)
        #expect(removed.status == 0)
        #expect(removed.stdout.contains("\"removed\":1"))
        #expect(removed.stderr.contains("skipped logo.png: binary"))
        #expect(removed.stderr.contains("skipped latin1.txt: not UTF-8"))
        let listed = try await iftdb(["sources"], in: folder.path)
        #expect(!listed.stdout.contains("file3.md"))
        #expect(!listed.stdout.contains("logo.png") && !listed.stdout.contains("latin1.txt"))
        #expect(try await iftdb(["sources", "--all"], in: folder.path).stdout.contains("file3.md"))
        #expect(try await counts(folder)["sources"] == 7)

        // show: a source version and a chunk in place.
        let source = try await iftdb(["show", "source:file2.md@1"], in: folder.path)
        #expect(source.status == 0)
        #expect(source.stdout.contains("Paragraph 0 of file 2"))
        #expect(source.stderr.contains("superseded (latest is 2)"))
        let chunk = try await iftdb(["show", "chunk:1", "--json"], in: folder.path)
        let object = try JSONSerialization.jsonObject(with: Data(chunk.stdout.utf8)) as? [String: Any]
        #expect(object?["path"] as? String == "file0.md")
        #expect(object?["start"] as? Int == 0)
        expectOneLineError(try await iftdb(["show", "source:nope.md"], in: folder.path), containing: "no source with the path 'nope.md'")
        expectOneLineError(try await iftdb(["show", "source:file2.md@9"], in: folder.path), containing: "has no version 9 (latest is 2)")
        expectOneLineError(try await iftdb(["show", "chunk:999999"], in: folder.path), containing: "no chunk with id 999999")
    }

    @Test func aFileSkippedForAReasonIsNotRemoved() async throws {
        let folder = try TemporaryFolder()
        try writeCorpus(folder)
        try await iftdb(["load", "docs"], in: folder.path)
        // file0.md is over this cap now: skipped and named, but it still exists.
        let capped = try await iftdb(["load", "docs", "--max-file-size", "300", "--json"], in: folder.path)
        #expect(capped.status == 0)
        #expect(capped.stderr.contains("skipped file0.md"))
        #expect(capped.stdout.contains("\"removed\":0"))
        #expect(try await iftdb(["sources"], in: folder.path).stdout.contains("file0.md"))
    }

    @Test func onlyACompleteLoadChoosesTheChunkingGenerationUses() async throws {
        let folder = try TemporaryFolder()
        try writeCorpus(folder)
        try await iftdb(["load", "docs"], in: folder.path)
        let used = try await iftdb(["sql", "--csv", "SELECT count(*) AS n FROM chunkings WHERE last_used_at <> ''"], in: folder.path)
        #expect(used.stdout == "n\r\n1\r\n")
    }

    @Test func newChunkingAddsItsChunksAndKeepsTheOld() async throws {
        let folder = try TemporaryFolder()
        try writeCorpus(folder)
        try await iftdb(["load", "docs"], in: folder.path)
        let before = try await counts(folder)
        let window = try await iftdb(["load", "docs", "--chunker", "window", "--chunk-size", "100", "--step-size", "50"], in: folder.path)
        #expect(window.status == 0)
        let after = try await counts(folder)
        #expect(after["sources"] == before["sources"])
        #expect(after["chunkings"] == 2)
        #expect(after["chunks"]! > before["chunks"]!)
        let gap = try await iftdb(["load", "docs", "--chunker", "window", "--chunk-size", "50", "--step-size", "80"], in: folder.path)
        #expect(gap.stderr.contains("warning: step 80 is larger than the chunk size 50"))
    }

    @Test func badInputsFailInOneLine() async throws {
        let folder = try TemporaryFolder()
        expectOneLineError(try await iftdb(["load", "missing"], in: folder.path), containing: "no folder at missing")
        try folder.write("file.txt", "x")
        expectOneLineError(try await iftdb(["load", "file.txt"], in: folder.path), containing: "is a file")
        #expect(try await iftdb(["load"], in: folder.path).status == 64)
        #expect(try await iftdb(["load", ".", "--chunker", "nope"], in: folder.path).status == 64)
        #expect(try await iftdb(["load", ".", "--step-size", "5"], in: folder.path).status == 64)
        #expect(try await iftdb(["load", ".", "--chunk-size", "0"], in: folder.path).status == 64)
        #expect(try await iftdb(["load", ".", "--chunk-size", "9223372036854775807"], in: folder.path).status == 64)
        // A bad folder creates nothing.
        #expect(!FileManager.default.fileExists(atPath: folder.file("iftdb.sqlite")))
        try FileManager.default.createDirectory(atPath: folder.file("ro"), withIntermediateDirectories: true)
        chmod(folder.file("ro"), 0o555)
        defer { chmod(folder.file("ro"), 0o755) }
        if getuid() != 0 {  // root writes anywhere, so only a normal user can see this refusal
            expectOneLineError(try await iftdb(["load", ".", "--db", "ro/s.db"], in: folder.path), containing: "not writable")
        }
    }

    @Test func loadWhileAnotherProcessQueriesInALoop() async throws {
        let folder = try TemporaryFolder()
        for i in 0..<300 {
            try folder.write("docs/f\(i).txt", String(repeating: "Some words in file \(i), repeated for bulk. ", count: 200))
        }
        try await iftdb(["init"], in: folder.path)
        let script = """
            for i in $(seq 1 40); do "$0" sql --csv "SELECT count(*) FROM sources; SELECT count(*) FROM chunks" >counts.csv || exit 1; done
            """
        let loop = try ChildProcess("/bin/bash", ["-c", script, iftdbBinary], in: folder.path)
        let load = try await iftdb(["load", "docs", "--chunker", "window", "--chunk-size", "200", "--step-size", "100"], in: folder.path)
        let queries = await loop.exit()
        #expect(load.status == 0, "\(load.stderr)")
        #expect(queries.status == 0, "\(queries.stderr)")
        #expect(!queries.stderr.contains("locked") && !load.stderr.contains("locked"))
    }
}
