import Foundation
import TestSupport
import Testing

@Suite struct PromptsCommandTests {
    /// Adds a source and a chunk with the sqlite3 shell (`iftdb sql` is read-only; loading is
    /// another command). Returns the chunk id.
    func addChunk(_ folder: TemporaryFolder, text: String) async throws -> Int {
        let escaped = text.replacingOccurrences(of: "'", with: "''")
        let sql = """
            INSERT INTO sources (path, version, status, text, sha256, loaded_at) VALUES ('notes/a.txt', 1, 'present', '\(escaped)', 'x', 'x');
            INSERT INTO chunkings (method, size, step, created_at, last_used_at) VALUES ('window', 512, 512, 'x', 'x');
            INSERT INTO chunks (source_id, chunking_id, ordinal, start, end, text, sha256) VALUES (1, 1, 0, 0, 1, '\(escaped)', 'x');
            INSERT INTO models (name, params, created_at) VALUES ('m', '{}', 'x');
            INSERT INTO runs (kind, prompt_id, model_id, endpoint, status, started_at) VALUES ('questions', 1, 1, 'e', 'done', 'x');
            INSERT INTO calls (run_id, request, started_at) VALUES (1, '{}', 'x');
            INSERT INTO questions (chunk_id, prompt_id, model_id, run_id, call_id, ordinal, text, normalized, created_at)
                VALUES (1, 1, 1, 1, 1, 1, 'What colour is the sky?', 'what colour is the sky', 'x');
            SELECT id FROM chunks;
            """
        let result = try await runProgram("sqlite3", [folder.file("iftdb.sqlite"), sql], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        return Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    @Test func listShowAddAndVersions() async throws {
        let folder = try TemporaryFolder()
        #expect(try await iftdb(["init"], in: folder.path).status == 0)
        let list = try await iftdb(["prompts", "list"], in: folder.path)
        #expect(list.status == 0)
        #expect(list.stdout.contains("answers@1    answer"))
        #expect(list.stdout.contains("questions@1  question"))
        #expect(list.stdout.contains("judge@1      judge"))

        let show = try await iftdb(["prompts", "show", "questions"], in: folder.path)
        #expect(show.stdout.hasPrefix("prompt:  questions@1\nrole:    question\n"))
        #expect(show.stdout.contains("{{chunk}}"))

        try folder.write("q.txt", "Ask {{count}} questions about:\n{{chunk}}\n")
        let added = try await iftdb(["prompts", "add", "mine", "--role", "question", "--template-file", "q.txt"], in: folder.path)
        #expect(added.status == 0)
        #expect(added.stdout == "mine@1\n")
        #expect(added.stderr == "added prompt mine@1 (question)\n")
        let again = try await iftdb(["prompts", "add", "mine", "--role", "question", "--template-file", "q.txt"], in: folder.path)
        #expect(again.stdout == "mine@1\n")
        #expect(again.stderr.contains("already has this template"))
        try folder.write("system.txt", "Be precise.")
        let second = try await iftdb(["prompts", "add", "mine", "--role", "question", "--template-file", "q.txt", "--system-file", "system.txt"], in: folder.path)
        #expect(second.stdout == "mine@2\n")
        let json = try await iftdb(["prompts", "show", "mine", "--json"], in: folder.path)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["version"] as? Int == 2)
        #expect(object?["system"] as? String == "Be precise.")
        let listed = try await iftdb(["prompts", "list", "--json"], in: folder.path)
        #expect((try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [Any])?.count == 5)
    }

    /// A template file that holds nothing is an empty template, not an unreadable file
    /// (before the fix: "cannot read the template file empty.txt; check its permissions",
    /// because reading a handle to its end gives nil for an empty file).
    @Test func anEmptyTemplateFileIsNamedEmptyNotUnreadable() async throws {
        let folder = try TemporaryFolder()
        try folder.write("empty.txt", "")
        #expect(try await iftdb(["init"], in: folder.path).status == 0)
        let result = try await iftdb(["prompts", "add", "x", "--role", "question", "--template-file", "empty.txt"], in: folder.path)
        #expect(result.status == 2)
        expectOneLineError(result, containing: "the template is empty")
    }

    @Test func errorsAreOneLineWithExit2() async throws {
        let folder = try TemporaryFolder()
        expectOneLineError(try await iftdb(["prompts", "list"], in: folder.path), containing: "no iftdb store at iftdb.sqlite")
        try await iftdb(["init"], in: folder.path)
        expectOneLineError(try await iftdb(["prompts", "show", "answers@7"], in: folder.path),
                           containing: "no prompt named 'answers' has version 7 (latest is 1); see `iftdb prompts list`")
        expectOneLineError(try await iftdb(["prompts", "show", "nothing"], in: folder.path), containing: "no prompt named 'nothing'")
        expectOneLineError(try await iftdb(["prompts", "show", "answers@x"], in: folder.path), containing: "NAME@VERSION")
        expectOneLineError(try await iftdb(["prompts", "add", "p", "--role", "answer", "--template-file", "missing.txt"], in: folder.path),
                           containing: "the template file missing.txt does not exist")
        try folder.write("bad.txt", "{{chunk}} {{question}} {{colour}}")
        expectOneLineError(try await iftdb(["prompts", "add", "p", "--role", "answer", "--template-file", "bad.txt"], in: folder.path),
                           containing: "unknown placeholder {{colour}}")
        try folder.write("latin1.txt", Data([0x7b, 0x7b, 0x63, 0x68, 0x75, 0x6e, 0x6b, 0x7d, 0x7d, 0xe9, 0xff]))
        expectOneLineError(try await iftdb(["prompts", "add", "p", "--role", "question", "--template-file", "latin1.txt"], in: folder.path),
                           containing: "not UTF-8")
        expectOneLineError(try await iftdb(["prompts", "render", "questions", "--chunk", "chunk:42"], in: folder.path), containing: "no chunk:42")
        expectOneLineError(try await iftdb(["prompts", "render", "questions", "--chunk", "12"], in: folder.path), containing: "chunk:ID")
        #expect(try await iftdb(["prompts", "add", "p", "--role", "poem", "--template-file", "bad.txt"], in: folder.path).status == 64)
        #expect(try await iftdb(["prompts", "render", "questions"], in: folder.path).status == 64)
        #expect(try await iftdb(["prompts", "add", "p", "--role", "question", "--template-file", "bad.txt", "--system", "a", "--system-file", "b"], in: folder.path).status == 64)
        let list = try await iftdb(["prompts", "list", "--json"], in: folder.path)
        #expect((try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [Any])?.count == 3)
    }

    @Test func renderFillsPlaceholdersOnce() async throws {
        let folder = try TemporaryFolder()
        try await iftdb(["init"], in: folder.path)
        let chunkID = try await addChunk(folder, text: "The sky is blue. {{question}}")
        let rendered = try await iftdb(["prompts", "render", "questions@1", "--chunk", "chunk:\(chunkID)", "--count", "4"], in: folder.path)
        #expect(rendered.status == 0, "\(rendered.stderr)")
        #expect(rendered.stdout.hasPrefix("--- system ---\n"))
        #expect(rendered.stdout.contains("The sky is blue. {{question}}\n"))
        #expect(rendered.stdout.contains("Write 4 different questions"))

        let answer = try await iftdb(["prompts", "render", "answers", "--question", "question:1", "--json"], in: folder.path)
        #expect(answer.status == 0, "\(answer.stderr)")
        let messages = try JSONSerialization.jsonObject(with: Data(answer.stdout.utf8)) as? [[String: String]]
        #expect(messages?.map { $0["role"] ?? "" } == ["system", "user"])
        #expect(messages?.last?["content"]?.contains("Question: What colour is the sky?") == true)
        #expect(messages?.last?["content"]?.contains("The sky is blue. {{question}}") == true)
        expectOneLineError(try await iftdb(["prompts", "render", "answers", "--chunk", "chunk:\(chunkID)"], in: folder.path), containing: "--question question:ID")
    }

    @Test func judgePromptsAddAndRenderWithAnAnswer() async throws {
        let folder = try TemporaryFolder()
        try await iftdb(["init"], in: folder.path)
        _ = try await addChunk(folder, text: "The sky is blue.")
        let answerSQL = """
            INSERT INTO runs (kind, prompt_id, model_id, endpoint, status, started_at) VALUES ('answers', 2, 1, 'e', 'done', 'x');
            INSERT INTO calls (run_id, request, started_at) VALUES (2, '{}', 'x');
            INSERT INTO answers (question_id, prompt_id, model_id, run_id, call_id, text, created_at) VALUES (1, 2, 1, 2, 2, 'Blue {{chunk}}.', 'x');
            """
        #expect(try await runProgram("sqlite3", ["iftdb.sqlite"], in: folder.path, stdin: Data(answerSQL.utf8)).status == 0)

        let rendered = try await iftdb(["prompts", "render", "judge", "--answer", "answer:1", "--json"], in: folder.path)
        #expect(rendered.status == 0, "\(rendered.stderr)")
        let messages = try JSONSerialization.jsonObject(with: Data(rendered.stdout.utf8)) as? [[String: String]]
        let user = messages?.last?["content"] ?? ""
        // The answer brings its question and chunk; its own text is not rendered again.
        #expect(user.contains("The sky is blue.\n") && user.contains("Question: What colour is the sky?") && user.contains("Answer: Blue {{chunk}}."), "\(user)")
        #expect(user.contains(#"{"score": 4, "reason": "…"}"#))
        expectOneLineError(try await iftdb(["prompts", "render", "judge", "--question", "question:1"], in: folder.path), containing: "judge@1 is a judge prompt; pass --answer answer:ID")
        expectOneLineError(try await iftdb(["prompts", "render", "judge", "--answer", "answer:9"], in: folder.path), containing: "no answer:9 in this store")
        // An answer brings its own question: another --question would judge it against the
        // wrong question and chunk, so it is refused.
        let otherQuestion = """
            INSERT INTO questions (chunk_id, prompt_id, model_id, run_id, call_id, ordinal, text, normalized, created_at)
                VALUES (1, 1, 1, 1, 1, 2, 'Is it raining?', 'is it raining', 'x');
            """
        #expect(try await runProgram("sqlite3", ["iftdb.sqlite"], in: folder.path, stdin: Data(otherQuestion.utf8)).status == 0)
        expectOneLineError(try await iftdb(["prompts", "render", "judge", "--question", "question:2", "--answer", "answer:1"], in: folder.path),
                           containing: "answer:1 answers question:1, not question:2")
        let same = try await iftdb(["prompts", "render", "judge", "--question", "question:1", "--answer", "answer:1"], in: folder.path)
        #expect(same.status == 0, "\(same.stderr)")

        try folder.write("strict.txt", "Grade {{answer}} to {{question}} on {{chunk}} as JSON.")
        let added = try await iftdb(["prompts", "add", "strict", "--role", "judge", "--template-file", "strict.txt"], in: folder.path)
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stderr == "added prompt strict@1 (judge)\n")
        let strict = try await iftdb(["prompts", "render", "strict", "--answer", "answer:1"], in: folder.path)
        #expect(strict.stdout == "--- user ---\nGrade Blue {{chunk}}. to What colour is the sky? on The sky is blue. as JSON.\n")
        expectOneLineError(try await iftdb(["prompts", "add", "p", "--role", "answer", "--template-file", "strict.txt"], in: folder.path),
                           containing: "an answer prompt cannot use {{answer}}")
        let judge = try await iftdb(["prompts", "show", "judge", "--json"], in: folder.path)
        #expect(judge.stdout.contains("\"role\":\"judge\""), "\(judge.stdout)")
        // `generate answers` with a judge prompt names both roles.
        expectOneLineError(try await iftdb(["generate", "answers", "--prompt", "judge", "--base-url", "http://127.0.0.1:9/v1"], in: folder.path),
                           containing: "judge@1 is a judge prompt; `generate answers` needs an answer prompt")
    }
}
