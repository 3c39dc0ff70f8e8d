import Foundation
import TestSupport
import Testing

/// `examples/lamini/`: the tutorial's prompts and `run`, against the test server at Lamini's
/// own path, and the tutorial's three files compared byte for byte with what Python's `csv`
/// and `json` modules write (`Tests/Fixtures/lamini/tutorial-files.py`, the tutorial's step 4).
@Suite(.serialized) struct LaminiRecipeTests {
    /// What the tutorial's code puts around the chunk (and before the question).
    static let questionTail = "'\nThe preceding single-quoted text is an excerpt describing various investments made by BigMoney Ventures. Generate three diverse questions about the investments.  Only generate questions that can be answered using information from the preceding single-quoted text.  Do not ask questions that require additional information outside of the preceding single-quoted text."
    static let answerMiddle = "'\nThe preceding single-quoted text is an excerpt describing various investment made by BigMoney Ventures.  Answer the following question using information from the single-quoted text.  If you cannot answer the question using only the single-quoted text, respond only with the statement: \"I don't know.\"\n\n"
    static let questionSystem = "You are an expert investment analyst working at BigMoney Ventures."
    static let answerSystem = "You are an expert in the field of investments."
    static let mistral = "mistralai/Mistral-7B-Instruct-v0.3"

    /// Text that tells a byte-exact writer from a close one: spaces at the ends, commas,
    /// quotes, CR, LF, CRLF, tab, NUL, DEL, backslash, slash, non-ASCII, an emoji beyond
    /// U+FFFF and the line separators.
    static let awkward = [
        " An answer with a space at each end ", "Commas, \"quotes\" and\r\na CRLF; a lone\rCR", "NUL \u{0} DEL \u{7F} tab\t.",
        "Z\u{FC}rich \u{4E2D}\u{6587} \u{1F642} \u{2028}\u{2029} caf\u{E9}", "back\\slash / slash", "I don't know.",
    ]

    static let tutorialFiles = ["generated_data.csv", "generated_data.json", "generated_data_finetuning.json"]

    /// Writes the tutorial's files from `pairs` (an iftdb jsonl export) into `folder` with Python.
    static func pythonFiles(pairs: String, into folder: String, indent: Int = 4, in directory: String) async throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let script = packageRoot.appending(path: "Tests/Fixtures/lamini/tutorial-files.py").path
        let result = try await runProgram("python3", [script, pairs, folder, String(indent)], in: directory)
        #expect(result.status == 0, "python3: \(result.stderr)")
    }

    static func expectSameBytes(_ name: String, iftdb: String, python: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let ours = FileManager.default.contents(atPath: iftdb), theirs = FileManager.default.contents(atPath: python)
        #expect(ours != nil && ours == theirs, "\(name) differs from Python's: iftdb \(ours?.count ?? -1) bytes, Python \(theirs?.count ?? -1)",
                sourceLocation: sourceLocation)
        if let ours, let theirs, ours != theirs {
            let at = zip(ours, theirs).prefix { $0 == $1 }.count
            Issue.record("first difference at byte \(at): iftdb \(String(decoding: ours.dropFirst(max(0, at - 20)).prefix(60), as: UTF8.self).debugDescription), Python \(String(decoding: theirs.dropFirst(max(0, at - 20)).prefix(60), as: UTF8.self).debugDescription)", sourceLocation: sourceLocation)
        }
    }

    @Test func theRecipeWritesTheTutorialsFilesThroughLaminisPathByteForByte() async throws {
        let folder = try TemporaryFolder()
        // Two documents whose 512-character windows begin and end with spaces, cut words and
        // carry every awkward character.
        var text = ""
        for round in 0..<18 { text += "In round \(round) BigMoney Ventures put $10,000,000 into \"SeeFood\" (Z\u{FC}rich \u{1F642}), a 25% share;\r\nits octopus videos play on Oculus headsets. " }
        try folder.write("docs/investments.md", text)
        try folder.write("docs/notes/\u{E9}t\u{E9}.txt", String(repeating: "Erlich B. guided the seed round for SeeFood in Palo Alto.     ", count: 10))
        let key = "lamini-\(UUID().uuidString)"
        let questions = ["What did BigMoney put into \"SeeFood\", and for what share?", " Where is Z\u{FC}rich \u{1F642}? ", "Which path, a\\b or a/b?"]
        let questionReply = String(decoding: try JSONSerialization.data(withJSONObject: ["questions": questions]), as: UTF8.self)
        try await withTestModelServer(fallback: { request in
            // Lamini's path only, and Lamini's key only.
            guard request.uri.hasPrefix("/v1alpha/infv2/") else { return .respond(status: 404, body: #"{"error":{"message":"no such endpoint"}}"#) }
            guard request.header("Authorization") == "Bearer \(key)" else { return .respond(status: 401, body: #"{"error":{"message":"invalid key"}}"#) }
            guard request.uri.hasSuffix("/chat/completions") else { return .respond(status: 200, body: #"{"data":[]}"#) }
            if request.body.contains("\"response_format\"") { return .respond(status: 200, body: TestModelServer.completion(questionReply)) }
            return .respond(status: 200, body: TestModelServer.completion(Self.awkward[request.body.utf8.count % Self.awkward.count]))
        }) { server in
            let laminiURL = "http://127.0.0.1:\(server.port)/v1alpha/infv2"
            let environment = iftdbEnvironment([
                "IFTDB_BIN": iftdbBinary, "IFTDB_BASE_URL": laminiURL, "IFTDB_MODEL": Self.mistral,
                "LAMINI_API_KEY": key, "OPENAI_API_KEY": "sk-not-for-lamini",
            ])
            let recipe = packageRoot.appending(path: "examples/lamini/run").path
            let run = try await runProcess("/usr/bin/env", ["bash", recipe, "docs", "out"], in: folder.path, environment: environment, stdin: nil)
            #expect(run.status == 0, "examples/lamini/run: \(run.stderr)")
            #expect(!run.stdout.contains(key) && !run.stderr.contains(key))

            // Every request went to Lamini's path with Lamini's key, for the Mistral model, and
            // said what the tutorial's code says, word for word.
            let chats = server.requests.filter { $0.uri.hasSuffix("/chat/completions") }
            #expect(server.requests.allSatisfy { $0.uri.hasPrefix("/v1alpha/infv2/") && $0.header("Authorization") == "Bearer \(key)" })
            let chunks = try await Self.column("SELECT text FROM chunks", store: "out/iftdb.sqlite", in: folder)
            let stored = try await Self.column("SELECT text FROM questions", store: "out/iftdb.sqlite", in: folder)
            #expect(chunks.count >= 6 && stored.count == chunks.count * 3)
            // Python's csv.writer quotes a field for a comma, a quote, CR or LF, never for a space at an end.
            let plain = chunks.filter { !$0.contains(where: { ",\"\r\n".contains($0) }) }
            #expect(plain.contains { $0.hasPrefix(" ") } && plain.contains { $0.hasSuffix(" ") }, "no plain chunk starts or none ends with a space")
            var asked = (questions: 0, answers: 0)
            for request in chats {
                let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any])
                #expect(body["model"] as? String == Self.mistral)
                let messages = try #require(body["messages"] as? [[String: String]])
                let (system, user) = (messages.first?["content"] ?? "", messages.last?["content"] ?? "")
                if system == Self.questionSystem {
                    asked.questions += 1
                    #expect(chunks.contains { user == "'" + $0 + Self.questionTail }, "\(user.prefix(80))")
                } else {
                    #expect(system == Self.answerSystem)
                    asked.answers += 1
                    #expect(chunks.contains { chunk in stored.contains { user == "'" + chunk + Self.answerMiddle + $0 } }, "\(user.prefix(80))")
                }
            }
            #expect(asked.questions == chunks.count && asked.answers == stored.count)

            // Run again: nothing new is asked, and the files come out the same.
            let before = Self.tutorialFiles.map { FileManager.default.contents(atPath: folder.file("out/qa_data/\($0)")) }
            let again = try await runProcess("/usr/bin/env", ["bash", recipe, "docs", "out"], in: folder.path, environment: environment, stdin: nil)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(server.requests.filter { $0.uri.hasSuffix("/chat/completions") }.count == chats.count)
            #expect(Self.tutorialFiles.map { FileManager.default.contents(atPath: folder.file("out/qa_data/\($0)")) } == before)
        }
        for suffix in ["", "-wal", "-shm"] {
            if let data = FileManager.default.contents(atPath: folder.file("out/iftdb.sqlite" + suffix)) {
                #expect(data.range(of: Data(key.utf8)) == nil, "the key is in iftdb.sqlite\(suffix)")
            }
        }

        // The same triples through Python's csv and json modules.
        let exported = try await iftdb(["export", "--db", "out/iftdb.sqlite", "--question-prompt", "lamini-questions", "--answer-prompt", "lamini-answers",
                                        "--format", "jsonl", "-o", "pairs.jsonl"], in: folder.path)
        #expect(exported.status == 0, "\(exported.stderr)")
        try await Self.pythonFiles(pairs: "pairs.jsonl", into: folder.file("python"), in: folder.path)
        for name in Self.tutorialFiles {
            Self.expectSameBytes(name, iftdb: folder.file("out/qa_data/\(name)"), python: folder.file("python/\(name)"))
        }
    }

    /// The json and lamini formats with `--indent N --ascii`, and csv, against Python on a
    /// fixture store whose answers carry every awkward character.
    @Test func indentAndASCIIWriteWhatJSONDumpWrites() async throws {
        let folder = try await initializedStore(loading: ["pairs-store.sql"])
        var sql = "BEGIN;\n"
        for (offset, text) in Self.awkward.enumerated() {
            let hex = Data(text.utf8).map { String(format: "%02x", $0) }.joined()
            sql += "INSERT INTO answers (question_id, prompt_id, model_id, run_id, call_id, sample, text, created_at) "
                + "VALUES (3, 2, 1, 2, 2, \(offset + 10), CAST(X'\(hex)' AS TEXT), '2026-02-01T00:00:00.000Z');\n"
        }
        sql += "UPDATE chunks SET text = ' ' || text || ' ' WHERE id = 2;\nCOMMIT;\n"
        let loaded = try await runProgram("sqlite3", ["iftdb.sqlite"], in: folder.path, stdin: Data(sql.utf8))
        #expect(loaded.status == 0, "\(loaded.stderr)")
        #expect(try await iftdb(["export", "--format", "jsonl", "-o", "pairs.jsonl"], in: folder.path).status == 0)
        for indent in [4, 2, 0] {
            let python = folder.file("python-\(indent)"), ours = folder.file("iftdb-\(indent)")
            try FileManager.default.createDirectory(atPath: ours, withIntermediateDirectories: true)
            try await Self.pythonFiles(pairs: "pairs.jsonl", into: python, indent: indent, in: folder.path)
            for (format, name) in [("json", Self.tutorialFiles[1]), ("lamini", Self.tutorialFiles[2])] {
                let result = try await iftdb(["export", "--format", format, "--indent", "\(indent)", "--ascii", "-o", "\(ours)/\(name)"], in: folder.path)
                #expect(result.status == 0, "\(result.stderr)")
                Self.expectSameBytes("\(name) with --indent \(indent)", iftdb: "\(ours)/\(name)", python: "\(python)/\(name)")
            }
        }
        #expect(try await iftdb(["export", "--format", "csv", "-o", "ours.csv"], in: folder.path).status == 0)
        Self.expectSameBytes("csv", iftdb: folder.file("ours.csv"), python: folder.file("python-4/\(Self.tutorialFiles[0])"))

        // Without --ascii the text stays UTF-8, laid out the same.
        let utf8 = try await iftdb(["export", "--format", "lamini", "--indent", "4"], in: folder.path)
        #expect(utf8.stdout.contains("Z\u{FC}rich") && utf8.stdout.hasPrefix("[\n    [\n        {\n            \"data\": ") && utf8.stdout.hasSuffix("\n]"))
        #expect(try JSONSerialization.jsonObject(with: Data(utf8.stdout.utf8)) is [[Any]])
        let compact = try await iftdb(["export", "--format", "json", "--ascii"], in: folder.path)
        #expect(compact.stdout.contains("Z\\u00fcrich \\u4e2d\\u6587 \\ud83d\\ude42") && compact.stdout.hasSuffix("]\n"))

        for (arguments, says) in [
            (["--format", "openai", "--indent", "4"], "--indent applies to --format json and lamini only"),
            (["--format", "csv", "--ascii"], "--ascii applies to --format json and lamini only"),
            (["--format", "json", "--indent", "17"], "--indent must be between 0 and 16"),
            (["--format", "json", "--indent=-1"], "--indent must be between 0 and 16"),
        ] {
            let result = try await iftdb(["export"] + arguments, in: folder.path)
            #expect(result.status == 64 && result.stderr.contains(says), "\(arguments): \(result.stderr)")
        }
    }

    static func column(_ query: String, store: String, in folder: TemporaryFolder) async throws -> [String] {
        let result = try await iftdb(["sql", "--db", store, query, "--json"], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
        return rows.compactMap { $0.values.first as? String }
    }
}
