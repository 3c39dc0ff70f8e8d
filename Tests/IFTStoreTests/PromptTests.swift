import Foundation
import IFTSQLite
import TestSupport
import Testing
@testable import IFTStore

@Suite struct PromptTests {
    func freshStore() throws -> (TemporaryFolder, StoreWriter) {
        let folder = try TemporaryFolder()
        let store = try StoreFile.open(folder.file("s.sqlite"), for: .writing(create: true))
        return (folder, store)
    }

    /// A source and a chunk, written directly (loading is another command's job).
    func addChunk(_ store: StoreWriter, text: String, path: String = "docs/a.txt") throws -> Int64 {
        try store.db.run(
            "INSERT INTO sources (path, version, status, text, sha256, loaded_at) VALUES (?, 1, 'present', ?, ?, ?)",
            [path, text, ContentHash.hex(text), Timestamp.now()])
        let sourceID = store.db.lastInsertRowID
        try store.db.run("INSERT INTO chunkings (method, size, step, created_at, last_used_at) VALUES ('window', 512, 512, 'x', 'x')")
        let chunkingID = store.db.lastInsertRowID
        try store.db.run(
            "INSERT INTO chunks (source_id, chunking_id, ordinal, start, end, text, sha256) VALUES (?, ?, 0, 0, ?, ?, ?)",
            [sourceID, chunkingID, text.unicodeScalars.count, text, ContentHash.hex(text)])
        return store.db.lastInsertRowID
    }

    @Test func defaultsArePresentOnceAndGeneric() throws {
        let (folder, store) = try freshStore()
        let prompts = try store.prompts()
        #expect(prompts.map(\.ref.description) == ["answers@1", "judge@1", "questions@1"])
        #expect(prompts.map(\.role) == [.answer, .judge, .question])
        let questions = try store.prompt(PromptRef(name: "questions"))
        #expect(questions.template.contains("{{chunk}}") && questions.template.contains("{{count}}"))
        #expect(questions.template.contains(#"{"questions": ["#))
        let answers = try store.prompt(PromptRef(name: "answers", version: 1))
        #expect(answers.template.contains("{{question}}"))
        #expect(answers.template.contains("\"I don't know.\""))
        #expect(answers.sha256 == Prompt.contentHash(role: .answer, system: answers.system, template: answers.template))
        let judge = try store.prompt(PromptRef(name: "judge"))
        for placeholder in ["{{chunk}}", "{{question}}", "{{answer}}", #"{"score": "#, #""reason": "#] {
            #expect(judge.template.contains(placeholder), "\(placeholder)")
        }
        store.close()
        // Reopening adds nothing.
        let again = try StoreFile.open(folder.file("s.sqlite"), for: .writing)
        #expect(try again.prompts().count == 3)
        again.close()
    }

    @Test func referencesParse() throws {
        #expect(try PromptRef(parsing: "questions") == PromptRef(name: "questions"))
        #expect(try PromptRef(parsing: "answers@3") == PromptRef(name: "answers", version: 3))
        #expect(try PromptRef(parsing: "my-prompt.v2@12").description == "my-prompt.v2@12")
        for bad in ["", "@1", "a@", "a@0", "a@x", "a@1@2", "a b", "-x"] {
            #expect(throws: PromptError.self, "\(bad)") { try PromptRef(parsing: bad) }
        }
    }

    @Test func unknownVersionsAndNamesSayWhatExists() throws {
        let (_, store) = try freshStore()
        defer { store.close() }
        let error = try #require(throws: PromptError.self) { try store.prompt(PromptRef(name: "answers", version: 7)) }
        #expect(error.description == "no prompt named 'answers' has version 7 (latest is 1); see `iftdb prompts list`")
        let missing = try #require(throws: PromptError.self) { try store.prompt(PromptRef(name: "nope")) }
        #expect(missing.description == "no prompt named 'nope' (there are 'answers', 'judge', 'questions'); see `iftdb prompts list`")
    }

    @Test func identicalTemplatesReturnTheExistingVersion() throws {
        let (_, store) = try freshStore()
        defer { store.close() }
        let first = try store.addPrompt(name: "mine", role: .question, system: nil, template: "Ask {{count}} about {{chunk}}")
        #expect(first.created && first.prompt.version == 1)
        let same = try store.addPrompt(name: "mine", role: .question, system: nil, template: "Ask {{count}} about {{chunk}}")
        #expect(!same.created && same.prompt == first.prompt)
        let withSystem = try store.addPrompt(name: "mine", role: .question, system: "Be brief.", template: "Ask {{count}} about {{chunk}}")
        #expect(withSystem.created && withSystem.prompt.version == 2)
        let changed = try store.addPrompt(name: "mine", role: .question, system: nil, template: "Ask {{count}} questions about {{chunk}}")
        #expect(changed.prompt.version == 3)
        #expect(try store.prompt(PromptRef(name: "mine")).version == 3)
        #expect(try store.prompt(PromptRef(name: "mine", version: 1)).template == "Ask {{count}} about {{chunk}}")
        // The default's own text under its own name is the default itself.
        let again = try store.addPrompt(name: "questions", role: .question, system: DefaultPrompts.questionsSystem, template: DefaultPrompts.questionsTemplate)
        #expect(!again.created && again.prompt.version == 1)
    }

    @Test func badTemplatesAreRefused() throws {
        let (_, store) = try freshStore()
        defer { store.close() }
        let unknown = try #require(throws: PromptError.self) {
            try store.addPrompt(name: "x", role: .question, system: nil, template: "About {{chunk}} from {{document}}")
        }
        #expect(unknown.description == "unknown placeholder {{document}} in the template; use {{chunk}}, {{question}}, {{answer}}, {{count}} or {{source}}")
        #expect(throws: PromptError.self) { try store.addPrompt(name: "x", role: .question, system: "{{nope}}", template: "{{chunk}}") }
        #expect(throws: PromptError.self) { try store.addPrompt(name: "x", role: .question, system: nil, template: "no chunk here") }
        #expect(throws: PromptError.self) { try store.addPrompt(name: "x", role: .answer, system: nil, template: "{{chunk}} without a question") }
        #expect(throws: PromptError.self) { try store.addPrompt(name: "x", role: .question, system: nil, template: "{{chunk}} {{question}}") }
        #expect(throws: PromptError.self) { try store.addPrompt(name: "bad name", role: .question, system: nil, template: "{{chunk}}") }
        #expect(throws: PromptError.self) { try store.addPrompt(name: "answers", role: .question, system: nil, template: "{{chunk}}") }
        // {{answer}} belongs to judge prompts, which need all three.
        for (role, template, message) in [
            (PromptRole.answer, "{{chunk}} {{question}} {{answer}}", "an answer prompt cannot use {{answer}} (only a judge prompt grades an answer); remove it or use --role judge"),
            (.question, "{{chunk}} {{answer}}", "a question prompt cannot use {{answer}} (only a judge prompt grades an answer); remove it or use --role judge"),
            (.judge, "{{chunk}} {{answer}}", "a judge prompt must use {{chunk}}, {{question}} and {{answer}}; put {{question}} where the question goes"),
            (.judge, "{{chunk}} {{question}}", "a judge prompt must use {{chunk}}, {{question}} and {{answer}}; put {{answer}} where the answer goes"),
        ] {
            let error = try #require(throws: PromptError.self) { try store.addPrompt(name: "x", role: role, system: nil, template: template) }
            #expect(error.description == message)
        }
        #expect(try store.prompts().count == 3)
        #expect(try store.addPrompt(name: "strict", role: .judge, system: "{{question}}", template: "{{chunk}} {{answer}}").prompt.role == .judge)
    }

    @Test func placeholdersRenderInOnePass() throws {
        let values = ["chunk": "a chunk that says {{question}} and {{count}}", "question": "Why?", "count": "3", "source": "a.txt"]
        let rendered = PromptTemplate.render("Q: {{question}} C: {{chunk}} N: {{ count }} S: {{source}} {{other}} {{ not a name }} {{", values: values)
        #expect(rendered == "Q: Why? C: a chunk that says {{question}} and {{count}} N: 3 S: a.txt {{other}} {{ not a name }} {{")
        #expect(PromptTemplate.placeholderNames(in: "{{a}}{{b}} {x} {{ c }}") == ["a", "b", "c"])
        #expect(PromptTemplate.placeholderNames(in: #"{"questions": ["…?"]}"#).isEmpty)
        // A third brace stays text, a name may be any letters (not only ASCII) but not start
        // with a digit, tabs around it are trimmed, and text of any script passes as it is.
        let edges = PromptTemplate.render("{{{chunk}}} Zürich 🎉 {{ chunk\t}} {{1a}} {{ä}} {{a b}} }}{{", values: ["chunk": "X", "ä": "Ü"])
        #expect(edges == "{X} Zürich 🎉 X {{1a}} Ü {{a b}} }}{{")
        #expect(PromptTemplate.placeholderNames(in: "{{{chunk}}} {{ä}} {{_x}}") == ["chunk", "ä", "_x"])
    }

    @Test func promptsRenderForChunksAndQuestions() throws {
        let (_, store) = try freshStore()
        defer { store.close() }
        let chunkID = try addChunk(store, text: "Paris is the capital of France. {{question}}")
        let (_, messages) = try store.renderPrompt(PromptRef(name: "questions"), chunkID: chunkID, questionID: nil, count: 5)
        #expect(messages.map(\.role) == ["system", "user"])
        #expect(messages[1].content.contains("Paris is the capital of France. {{question}}\n"))
        #expect(messages[1].content.contains("Write 5 different questions"))

        let custom = try store.addPrompt(name: "src", role: .answer, system: nil, template: "{{source}}|{{chunk}}|{{question}}").prompt
        let answer = try custom.answerMessages(chunk: "text", question: "Q {{chunk}}?", source: "docs/a.txt")
        #expect(answer == [ChatMessage(role: "user", content: "docs/a.txt|text|Q {{chunk}}?")])
        #expect(throws: PromptError.self) { try custom.questionMessages(chunk: "text", count: 3) }

        let needsQuestion = try #require(throws: PromptError.self) {
            try store.renderPrompt(PromptRef(name: "answers"), chunkID: chunkID, questionID: nil)
        }
        #expect(needsQuestion.description.contains("--question question:ID"))
        let noChunk = try #require(throws: PromptError.self) { try store.renderPrompt(PromptRef(name: "questions"), chunkID: 999, questionID: nil) }
        #expect(noChunk.description.hasPrefix("no chunk:999 in this store"))
    }
}
