import Foundation
import TestSupport
import Testing

/// A NUL (U+0000) in a reply, a question or a chunk is stored, exported and shown whole;
/// a source file holding NUL bytes is skipped as binary, never cut.
@Suite struct NULRoundTripTests {
    static let question = "Is the fee 40\u{0} euros or more?"
    static let answer = "The fee is 40\u{0}euros"

    /// Questions for question requests (they carry response_format), the NUL answer otherwise.
    static func reply(_ request: TestModelServer.RecordedRequest) -> TestModelServer.Action {
        if request.body.contains("response_format") {
            // The inner JSON spells the NUL as \u0000, as a model's JSON would.
            return .respond(status: 200, body: TestModelServer.completion(
                #"{"questions": ["Is the fee 40\u0000 euros or more?", "Where is the lab in Zürich?", "Which day was the sample logged?"]}"#))
        }
        return .respond(status: 200, body: TestModelServer.completion(answer))
    }

    static func jsonRows(_ text: String) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
    }

    @Test func aReplyAQuestionAndAChunkKeepTheirNULThroughExportAndSQL() async throws {
        let folder = try TemporaryFolder()
        try folder.write("docs/lab.txt", "The Ørsted lab in Zürich logged a sample on day 4. The fee is forty euros.")
        try folder.write("docs/mixed.txt", Data("Chapter one.".utf8) + Data([0]) + Data("Chapter two.".utf8))

        let load = try await iftdb(["load", "docs"], in: folder.path)
        #expect(load.status == 0, "\(load.stderr)")
        #expect(load.stderr.contains("mixed.txt") && load.stderr.contains("binary"), "\(load.stderr)")
        // The file with a NUL is skipped whole: no source row, not even its first part.
        let sources = try await iftdb(["sql", "--json", "SELECT path, text FROM sources ORDER BY path"], in: folder.path)
        #expect(sources.status == 0, "\(sources.stderr)")
        let sourceRows = try Self.jsonRows(sources.stdout)
        #expect(sourceRows.map { $0["path"] as? String } == ["lab.txt"])
        #expect(try await iftdb(["sql", "--csv", "SELECT count(*) FROM chunks WHERE instr(text, 'Chapter') > 0"], in: folder.path).stdout == "count(*)\r\n0\r\n")

        try await withTestModelServer(fallback: Self.reply) { server in
            let base = ["--base-url", server.baseURL, "--quiet"]
            let questions = try await iftdb(["generate", "questions"] + base, in: folder.path)
            #expect(questions.status == 0, "\(questions.stderr)")
            let answers = try await iftdb(["generate", "answers"] + base, in: folder.path)
            #expect(answers.status == 0, "\(answers.stderr)")

            // A chunk whose text holds a NUL, as another tool could have written it.
            let edit = try await runProgram("sqlite3", ["iftdb.sqlite", "UPDATE chunks SET text = text || char(0) || ' after the NUL'"], in: folder.path)
            #expect(edit.status == 0, "\(edit.stderr)")
            let chunkText = "The Ørsted lab in Zürich logged a sample on day 4. The fee is forty euros.\u{0} after the NUL"

            // sql --json shows each text whole.
            let shown = try await iftdb(["sql", "--json", "SELECT q.text AS question, a.text AS answer, c.text AS chunk FROM answers a JOIN questions q ON q.id = a.question_id JOIN chunks c ON c.id = q.chunk_id WHERE instr(q.text, char(0)) > 0"], in: folder.path)
            #expect(shown.status == 0, "\(shown.stderr)")
            #expect(shown.stdout.contains("40\\u0000 euros"), "\(shown.stdout)")
            let row = try #require(try Self.jsonRows(shown.stdout).first)
            #expect(row["question"] as? String == Self.question)
            #expect(row["answer"] as? String == Self.answer)
            #expect(row["chunk"] as? String == chunkText)

            // export json ([chunk, question, answer]) to a file carries all three whole.
            let exported = try await iftdb(["export", "--format", "json", "-o", "pairs.json"], in: folder.path)
            #expect(exported.status == 0, "\(exported.stderr)")
            let data = try Data(contentsOf: folder.url.appending(path: "pairs.json"))
            let triples = try #require(try JSONSerialization.jsonObject(with: data) as? [[String]])
            #expect(triples.count == 3)
            #expect(triples.contains([chunkText, Self.question, Self.answer]), "\(triples)")
            #expect(triples.allSatisfy { $0[2] == Self.answer && $0[0] == chunkText })

            // CSV to standard output carries the raw bytes.
            let csv = try await iftdb(["export", "--format", "csv"], in: folder.path)
            #expect(csv.status == 0, "\(csv.stderr)")
            #expect(csv.stdout.contains(Self.answer) && csv.stdout.contains(Self.question) && csv.stdout.contains(chunkText))

            // jsonl (every provenance field) keeps the question and answer whole too.
            let jsonl = try await iftdb(["export", "--format", "jsonl"], in: folder.path)
            #expect(jsonl.status == 0, "\(jsonl.stderr)")
            let objects = try jsonl.stdout.split(separator: "\n").map {
                try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
            #expect(objects.contains { $0["question"] as? String == Self.question && $0["answer"] as? String == Self.answer })
        }
    }
}
