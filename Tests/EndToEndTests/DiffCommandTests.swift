import Foundation
import TestSupport
import Testing

/// `iftdb diff` on stores built through the real generation path, with a test server that
/// answers each item as the test plans, so every count is known in advance.
@Suite struct DiffCommandTests {
    /// The marker number in a request (`ZQ0007` → 7).
    static func number(in body: String) -> Int {
        Int(GenerationCommandTests.marker(in: body)?.dropFirst(2) ?? "") ?? 0
    }

    // 422: a refusal of this one item (a 401, 403 or 404 would end the whole run).
    static let skipped = TestModelServer.Action.respond(status: 422, body: #"{"error":{"message":"skipped on purpose"}}"#)

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func run(_ arguments: [String], in folder: TemporaryFolder, expect status: Int32 = 0, sourceLocation: SourceLocation = #_sourceLocation) async throws -> CommandResult {
        let result = try await iftdb(arguments, in: folder.path)
        if result.status != status { Issue.record("\(arguments): \(result.stderr)", sourceLocation: sourceLocation) }
        #expect(result.status == status, "\(arguments): exit \(result.status), stderr: \(result.stderr)", sourceLocation: sourceLocation)
        return result
    }

    func loadCorpus(_ folder: TemporaryFolder, files: Int = 2) async throws {
        try GenerationCommandTests.writeCorpus(folder, files: files, chunksPerFile: 5)
        _ = try await run(["load", "docs", "--chunker", "window", "--chunk-size", "\(GenerationCommandTests.segment)"], in: folder)
    }

    // MARK: - Answer prompt versions

    /// Ten chunks, one question each. answers@1 answers all but 8; answers@2 answers 1–8:
    /// 1–4 the same, 5 and 6 "I don't know.", 7 differently. So: 4 same, 3 changed, 2 only
    /// in A (9, 10), 1 only in B (8), 2 into "I don't know".
    func answerStore() async throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        try await loadCorpus(folder)
        try await withTestModelServer(fallback: { request in
            let n = Self.number(in: request.body)
            let marker = String(format: "ZQ%04d", n)
            if request.body.contains("response_format") {
                return .respond(status: 200, body: TestModelServer.completion(#"{"questions": ["What did \#(marker) log?"]}"#))
            }
            if request.body.contains("VERSION-TWO") {
                switch n {
                case 1...4, 8: return .respond(status: 200, body: TestModelServer.completion("For \(marker): logged.", completionTokens: 30))
                case 5, 6: return .respond(status: 200, body: TestModelServer.completion("I don't know.", completionTokens: 30))
                case 7: return .respond(status: 200, body: TestModelServer.completion("For \(marker): logged twice.", completionTokens: 30))
                default: return Self.skipped
                }
            }
            return n == 8 ? Self.skipped : .respond(status: 200, body: TestModelServer.completion("For \(marker): logged."))
        }) { server in
            let base = ["--base-url", server.baseURL, "--quiet"]
            _ = try await run(["generate", "questions", "--count", "1"] + base, in: folder)
            _ = try await run(["generate", "answers"] + base, in: folder, expect: 1)
            try folder.write("answers2.txt", "VERSION-TWO Answer from the chunk alone.\n\nChunk:\n{{chunk}}\n\nQuestion: {{question}}\n")
            _ = try await run(["prompts", "add", "answers", "--role", "answer", "--template-file", "answers2.txt"], in: folder)
            _ = try await run(["generate", "answers", "--prompt", "answers@2"] + base, in: folder, expect: 1)
        }
        return folder
    }

    @Test func answerVersionsSummaryAndItems() async throws {
        let folder = try await answerStore()

        let document = try await Self.json(try run(["diff", "answers@1", "answers@2", "--json"], in: folder).stdout)
        #expect(document["kind"] as? String == "answers")
        #expect(document["sample"] as? Int == 1)
        #expect(document["differs"] as? Bool == true)
        let summary = try #require(document["summary"] as? [String: Int])
        #expect(summary == ["same": 4, "changed": 3, "only_a": 2, "only_b": 1, "into_idk": 2, "out_of_idk": 0])
        let a = try #require(document["a"] as? [String: Any]), b = try #require(document["b"] as? [String: Any])
        #expect(a["label"] as? String == "answers@1" && b["label"] as? String == "answers@2")
        #expect(a["answers"] as? Int == 9 && b["answers"] as? Int == 8)
        #expect(a["idk"] as? Int == 0 && b["idk"] as? Int == 2)
        #expect(a["idk_rate"] as? Double == 0 && b["idk_rate"] as? Double == 0.25)
        // "For ZQ0001: logged." is 19 characters; B: 4 × 19 + 2 × 13 + 25 + 19 = 146 over 8.
        #expect(a["mean_answer_chars"] as? Double == 19 && b["mean_answer_chars"] as? Double == 18.25)
        #expect(a["prompt_tokens"] as? Int == 450 && a["completion_tokens"] as? Int == 180)
        #expect(b["prompt_tokens"] as? Int == 400 && b["completion_tokens"] as? Int == 240)
        #expect(document["items"] == nil)

        // The table for people carries the same numbers.
        let table = try await run(["diff", "answers@1", "answers@2"], in: folder).stdout
        for line in ["same        4", "changed     3", "only in A   2", "only in B   1", "into \"I don't know\"       2"] {
            #expect(table.contains(line) || table.replacingOccurrences(of: " ", with: "").contains(line.replacingOccurrences(of: " ", with: "")), "\(line) in \(table)")
        }
        #expect(table.contains("answers@1") && table.contains("0 (0.0%)") && table.contains("2 (25.0%)"))

        // --show lists exactly the planned items.
        func shown(_ which: String) async throws -> [(chunk: String, a: String?, b: String?)] {
            let document = try await Self.json(try run(["diff", "answers@1", "answers@2", "--json", "--show", which], in: folder).stdout)
            let items = try #require(document["items"] as? [[String: Any]])
            return items.map { item in
                let a = item["a"] as? [String: Any], b = item["b"] as? [String: Any]
                let question = (a?["question"] as? String) ?? ""
                return (String(question.dropFirst("What did ".count).prefix(6)), a?["answer"] as? String, b?["answer"] as? String)
            }.sorted { $0.chunk < $1.chunk }
        }
        #expect(try await shown("same").map(\.chunk) == ["ZQ0001", "ZQ0002", "ZQ0003", "ZQ0004"])
        let changed = try await shown("changed")
        #expect(changed.map(\.chunk) == ["ZQ0005", "ZQ0006", "ZQ0007"])
        #expect(changed.map(\.b) == ["I don't know.", "I don't know.", "For ZQ0007: logged twice."])
        #expect(changed.map(\.a) == ["For ZQ0005: logged.", "For ZQ0006: logged.", "For ZQ0007: logged."])
        let onlyA = try await shown("only-a")
        #expect(onlyA.map(\.chunk) == ["ZQ0009", "ZQ0010"] && onlyA.allSatisfy { $0.b == nil })
        let onlyB = try await shown("only-b")
        #expect(onlyB.map(\.chunk) == ["ZQ0008"] && onlyB.allSatisfy { $0.a == nil && $0.b == "For ZQ0008: logged." })
        #expect(try await shown("into-idk").map(\.chunk) == ["ZQ0005", "ZQ0006"])
        #expect(try await shown("out-of-idk").isEmpty)
        #expect(try await shown("into-idk").count == 2)
        let limited = try await Self.json(try run(["diff", "answers@1", "answers@2", "--json", "--show", "changed", "--limit", "1"], in: folder).stdout)
        #expect((limited["items"] as? [Any])?.count == 1)

        // In a pipe the word diff uses plain markers.
        let plain = try await run(["diff", "answers@1", "answers@2", "--show", "changed"], in: folder).stdout
        #expect(plain.contains("diff: For ZQ0007: [-logged.-]{+logged twice.+}"), "\(plain)")
        #expect(plain.contains("[-For ZQ0005: logged.-]{+I don't know.+}"), "\(plain)")

        // The shared filters narrow both sides: notes0.txt holds chunks 1–5.
        let narrowed = try await Self.json(try run(["diff", "answers@1", "answers@2", "--json", "--source", "notes0.txt"], in: folder).stdout)
        #expect(narrowed["summary"] as? [String: Int] == ["same": 4, "changed": 1, "only_a": 0, "only_b": 0, "into_idk": 1, "out_of_idk": 0])
        let noIDK = try await Self.json(try run(["diff", "answers@1", "answers@2", "--json", "--exclude-idk"], in: folder).stdout)
        #expect(noIDK["summary"] as? [String: Int] == ["same": 4, "changed": 1, "only_a": 4, "only_b": 1, "into_idk": 0, "out_of_idk": 0])

        // Exit codes: 0 whatever differs; with --exit-code 1 when it differs, 0 when not.
        _ = try await run(["diff", "answers@1", "answers@2", "--exit-code"], in: folder, expect: 1)
        _ = try await run(["diff", "answers@1", "answers@1", "--exit-code"], in: folder, expect: 0)
        let self1 = try await Self.json(try run(["diff", "answers@1", "answers@1", "--json"], in: folder).stdout)
        #expect(self1["summary"] as? [String: Int] == ["same": 9, "changed": 0, "only_a": 0, "only_b": 0, "into_idk": 0, "out_of_idk": 0])
        _ = try await run(["diff", "answers@1", "answers@2", "--sample", "2", "--exit-code"], in: folder, expect: 0)

        // One-line errors.
        expectOneLineError(try await iftdb(["diff", "answers@1", "answers@9"], in: folder.path), containing: "no prompt named 'answers' has version 9 (latest is 2)")
        expectOneLineError(try await iftdb(["diff", "answers@1", "questions@1"], in: folder.path), containing: "answers@1 is an answer prompt and questions@1 a question prompt")
        expectOneLineError(try await iftdb(["diff", "answers@1", "dataset:x"], in: folder.path), containing: "cannot compare answers@1 with dataset:x")
        expectOneLineError(try await iftdb(["diff", "answers@1", "answers@2", "--show", "kept"], in: folder.path), containing: "--show kept does not apply")
        expectOneLineError(try await iftdb(["diff", "answers@1", "answers@2", "--exit-code", "--answer-prompt", "answers@1"], in: folder.path), containing: "--answer-prompt does not narrow")
        let usage = try await iftdb(["diff", "answers@1"], in: folder.path)
        #expect(usage.status == 64)
    }

    // MARK: - Question prompt versions

    /// Five chunks. questions@1 asks three questions of each; questions@2 covers chunks 1–4
    /// with one question kept as it is, one kept in another surface form, one new.
    @Test func questionVersionsPerChunk() async throws {
        let folder = try TemporaryFolder()
        try await loadCorpus(folder, files: 1)
        try await withTestModelServer(fallback: { request in
            let n = Self.number(in: request.body)
            let m = String(format: "ZQ%04d", n)
            if request.body.contains("QUESTIONS-TWO") {
                guard n <= 4 else { return Self.skipped }
                return .respond(status: 200, body: TestModelServer.completion(#"{"questions": ["what did \#(m) LOG", "Where is the lab of \#(m)?", "Who signed for \#(m)?"]}"#))
            }
            return .respond(status: 200, body: TestModelServer.completion(#"{"questions": ["What did \#(m) log?", "Where is the lab of \#(m)?", "On which day was \#(m) logged?"]}"#))
        }) { server in
            let base = ["--base-url", server.baseURL, "--quiet"]
            _ = try await run(["generate", "questions"] + base, in: folder)
            try folder.write("questions2.txt", "QUESTIONS-TWO Ask {{count}} questions about this text, as JSON.\n\n{{chunk}}\n")
            _ = try await run(["prompts", "add", "questions", "--role", "question", "--template-file", "questions2.txt"], in: folder)
            _ = try await run(["generate", "questions", "--prompt", "questions@2"] + base, in: folder, expect: 1)

            let document = try await Self.json(try run(["diff", "questions@1", "questions@2", "--json"], in: folder).stdout)
            #expect(document["kind"] as? String == "questions")
            #expect(document["summary"] as? [String: Int] == ["chunks_both": 4, "kept": 8, "dropped": 7, "added": 4])
            let a = try #require(document["a"] as? [String: Any]), b = try #require(document["b"] as? [String: Any])
            #expect(a["questions"] as? Int == 15 && a["chunks"] as? Int == 5)
            #expect(b["questions"] as? Int == 12 && b["chunks"] as? Int == 4)

            func shown(_ which: String) async throws -> [[String: Any]] {
                let document = try await Self.json(try run(["diff", "questions@1", "questions@2", "--json", "--show", which], in: folder).stdout)
                return try #require(document["items"] as? [[String: Any]])
            }
            let kept = try await shown("kept")
            #expect(kept.count == 8)
            #expect(kept.compactMap { ($0["b"] as? [String: Any])?["question"] as? String }.filter { $0.hasPrefix("what did") }.count == 4)
            #expect(kept.allSatisfy { (($0["a"] as? [String: Any])?["question"] as? String)?.hasPrefix("On which day") == false })
            let dropped = try await shown("dropped").compactMap { ($0["a"] as? [String: Any])?["question"] as? String }
            #expect(dropped.count == 7 && dropped.filter { $0.hasPrefix("On which day") }.count == 5)
            let added = try await shown("added").compactMap { ($0["b"] as? [String: Any])?["question"] as? String }
            #expect(added == (1...4).map { String(format: "Who signed for ZQ%04d?", $0) })

            let table = try await run(["diff", "questions@1", "questions@2", "--show", "added", "--limit", "2"], in: folder).stdout
            #expect(table.contains("chunks covered") && table.contains("Who signed for ZQ0001?") && !table.contains("ZQ0003?"))
            _ = try await run(["diff", "questions@1", "questions@2", "--exit-code"], in: folder, expect: 1)
            expectOneLineError(try await iftdb(["diff", "questions@1", "questions@2", "--exclude-idk"], in: folder.path), containing: "does not apply to a question-prompt diff")
        }
    }

    // MARK: - Saved datasets and filter sets

    /// Ten chunks; two question runs (models m1 and m2) ask the same question of each, and
    /// each model answers its own questions: the same text for chunks 1–5, its own for 6–10.
    /// Dataset a = m1's pairs on chunks 1–9, dataset b = m2's on 1–8 and 10.
    @Test func savedDatasetsFromDifferentRunsLineUpByContent() async throws {
        let folder = try TemporaryFolder()
        try await loadCorpus(folder)
        try await withTestModelServer(fallback: { request in
            let n = Self.number(in: request.body)
            let m = String(format: "ZQ%04d", n)
            if request.body.contains("response_format") {
                return .respond(status: 200, body: TestModelServer.completion(#"{"questions": ["What did \#(m) log?"]}"#))
            }
            let model = request.body.contains(#""model":"m2""#) ? "m2" : "m1"
            return .respond(status: 200, body: TestModelServer.completion(n <= 5 ? "For \(m): logged." : "For \(m): \(model) says so."))
        }) { server in
            for model in ["m1", "m2"] {
                let base = ["--base-url", server.baseURL, "--quiet", "--model", model]
                _ = try await run(["generate", "questions", "--count", "1"] + base, in: folder)
                _ = try await run(["generate", "answers"] + base, in: folder)
            }
            let sql = """
                INSERT INTO datasets (id, name, filter, pairs, created_at) VALUES (1, 'a', '{}', 9, 'x'), (2, 'b', '{}', 9, 'x');
                INSERT INTO dataset_items (dataset_id, position, answer_id)
                SELECT 1, row_number() OVER (ORDER BY a.id), a.id FROM answers a JOIN models am ON am.id = a.model_id
                  JOIN questions q ON q.id = a.question_id JOIN models qm ON qm.id = q.model_id JOIN chunks c ON c.id = q.chunk_id
                WHERE am.name = 'm1' AND qm.name = 'm1' AND c.text NOT LIKE 'ZQ0010%';
                INSERT INTO dataset_items (dataset_id, position, answer_id)
                SELECT 2, row_number() OVER (ORDER BY a.id DESC), a.id FROM answers a JOIN models am ON am.id = a.model_id
                  JOIN questions q ON q.id = a.question_id JOIN models qm ON qm.id = q.model_id JOIN chunks c ON c.id = q.chunk_id
                WHERE am.name = 'm2' AND qm.name = 'm2' AND c.text NOT LIKE 'ZQ0009%';
                """
            let sqlite = try await runProgram("sqlite3", [folder.file("iftdb.sqlite"), sql], in: folder.path)
            #expect(sqlite.status == 0, "\(sqlite.stderr)")

            let document = try await Self.json(try run(["diff", "dataset:a", "dataset:b", "--json"], in: folder).stdout)
            #expect(document["kind"] as? String == "pairs")
            #expect(document["summary"] as? [String: Int] == ["same": 5, "changed": 3, "only_a": 1, "only_b": 1])
            let a = try #require(document["a"] as? [String: Any]), b = try #require(document["b"] as? [String: Any])
            #expect(a["label"] as? String == "dataset:a" && a["pairs"] as? Int == 9 && b["pairs"] as? Int == 9)

            func shown(_ which: String) async throws -> [[String: Any]] {
                let document = try await Self.json(try run(["diff", "dataset:a", "dataset:b", "--json", "--show", which], in: folder).stdout)
                return try #require(document["items"] as? [[String: Any]])
            }
            let changed = try await shown("changed")
            #expect(changed.compactMap { ($0["a"] as? [String: Any])?["answer"] as? String }.sorted() == (6...8).map { String(format: "For ZQ%04d: m1 says so.", $0) })
            #expect(changed.compactMap { ($0["b"] as? [String: Any])?["answer"] as? String }.sorted() == (6...8).map { String(format: "For ZQ%04d: m2 says so.", $0) })
            #expect(try await shown("same").count == 5)
            #expect(try await shown("only-a").map { ($0["a"] as? [String: Any])?["question"] as? String } == ["What did ZQ0009 log?"])
            #expect(try await shown("only-b").map { ($0["b"] as? [String: Any])?["question"] as? String } == ["What did ZQ0010 log?"])
            _ = try await run(["diff", "dataset:a", "dataset:b", "--exit-code"], in: folder, expect: 1)
            _ = try await run(["diff", "dataset:a", "dataset:a", "--exit-code"], in: folder, expect: 0)
            let narrowed = try await Self.json(try run(["diff", "dataset:a", "dataset:b", "--json", "--source", "notes1.txt"], in: folder).stdout)
            #expect(narrowed["summary"] as? [String: Int] == ["same": 0, "changed": 3, "only_a": 1, "only_b": 1])

            // Two filter sets: m1 answered only its own questions (m2's did not exist yet), m2
            // answered both runs', so every key holds one pair in A and two in B.
            let sets = try await Self.json(try run(["diff", "--a-model", "m1", "--b-model", "m2", "--json"], in: folder).stdout)
            #expect(sets["summary"] as? [String: Int] == ["same": 5, "changed": 5, "only_a": 0, "only_b": 0])
            #expect((sets["a"] as? [String: Any])?["pairs"] as? Int == 10 && (sets["b"] as? [String: Any])?["pairs"] as? Int == 20)
            let byRun = try await Self.json(try run(["diff", "--a-run", "1", "--b-run", "3", "--a-model", "m1", "--b-model", "m2", "--json"], in: folder).stdout)
            #expect(byRun["summary"] as? [String: Int] == ["same": 5, "changed": 5, "only_a": 0, "only_b": 0])

            // answers@1 holds answers from m1 and m2: a question would match twice until narrowed.
            expectOneLineError(try await iftdb(["diff", "answers@1", "answers@1"], in: folder.path), containing: "answers@1 has answers from several models (m1, m2); narrow both sides to one with --model")
            let m2 = try await Self.json(try run(["diff", "answers@1", "answers@1", "--model", "m2", "--json"], in: folder).stdout)
            #expect(m2["summary"] as? [String: Int] == ["same": 20, "changed": 0, "only_a": 0, "only_b": 0, "into_idk": 0, "out_of_idk": 0])
            _ = try await run(["diff", "answers@1", "answers@1", "--run", "4", "--exit-code"], in: folder)
            expectOneLineError(try await iftdb(["diff", "dataset:a", "dataset:nope"], in: folder.path), containing: "no dataset named 'nope'")
            expectOneLineError(try await iftdb(["diff", "dataset:a", "dataset:b", "--show", "kept"], in: folder.path), containing: "--show kept does not apply")
            #expect(try await iftdb(["diff", "dataset:a", "dataset:b", "--a-model", "m1"], in: folder.path).status == 64)
            #expect(try await iftdb(["diff"], in: folder.path).status == 64)
        }
    }
}
