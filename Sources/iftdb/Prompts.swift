import ArgumentParser
import Foundation
import IFTStore

extension IFTDB {
    struct Prompts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "prompts",
            abstract: "List, show, add and render versioned prompts.",
            discussion: """
                A prompt is NAME@VERSION, or NAME for its latest version. Every store starts with \
                questions@1 (role question), answers@1 (role answer) and judge@1 (role judge: \
                grades an answer from 1 to 5). Templates use the placeholders {{chunk}}, \
                {{question}}, {{answer}} (judge prompts), {{count}} and {{source}} (the source \
                file's path); adding a template identical to an existing version returns that version.
                """,
            subcommands: [List.self, Show.self, Add.self, Render.self],
            defaultSubcommand: List.self
        )
    }
}

extension IFTDB.Prompts {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every prompt version.")

        @OptionGroup var store: StoreOptions
        @Flag(help: "Print JSON: one array of objects.") var json = false

        func run() async throws {
            let reader = try StoreFile.open(store.path, for: .reading)
            defer { reader.close() }
            let prompts = try reader.prompts()
            let sink = ByteSink.standardOutput()
            if json {
                try sink.writeJSON(prompts, .asEncoded(.elementPerLine))
            } else {
                var table = TextTable(["prompt", "role", "sha256", "created"])
                for prompt in prompts {
                    table.append([prompt.ref.description, prompt.role.rawValue, String(prompt.sha256.prefix(12)), prompt.createdAt])
                }
                try sink.write(table.render())
            }
            try sink.flush()
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print one prompt version: role, system prompt and template.")

        @OptionGroup var store: StoreOptions
        @Argument(help: "NAME@VERSION, or NAME for the latest version.", completion: StoreCompletion.prompts()) var ref: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let parsed = try PromptRef(parsing: ref)
            let reader = try StoreFile.open(store.path, for: .reading)
            defer { reader.close() }
            let prompt = try reader.prompt(parsed)
            let sink = ByteSink.standardOutput()
            if json {
                try sink.writeJSON(prompt, .ordered)
            } else {
                try sink.write(TerminalText.escaped("""
                    prompt:  \(prompt.ref)
                    role:    \(prompt.role)
                    sha256:  \(prompt.sha256)
                    created: \(prompt.createdAt)

                    --- system ---
                    \(prompt.system ?? "(none)")
                    --- template ---
                    \(prompt.template)

                    """))
            }
            try sink.flush()
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a prompt version from a template file.",
            discussion: """
                Prints the prompt reference (NAME@VERSION) on stdout. The same role, system prompt \
                and template as an existing version of NAME return that version and add nothing. \
                A question prompt must use {{chunk}} and not {{question}}; an answer prompt must \
                use both; a judge prompt must use {{chunk}}, {{question}} and {{answer}}, and only \
                a judge prompt may use {{answer}}. Unknown placeholders are refused.
                """
        )

        @OptionGroup var store: StoreOptions
        @Argument(help: "The prompt's name: letters, digits, '-', '_' and '.'.") var name: String
        @Option(help: "question, answer or judge.") var role: String
        @Option(help: ArgumentHelp("The file holding the template (UTF-8); '-' reads standard input.", valueName: "file")) var templateFile: String
        @Option(help: "The system prompt.") var system: String?
        @Option(help: ArgumentHelp("A file holding the system prompt; '-' reads standard input.", valueName: "file")) var systemFile: String?

        func validate() throws {
            if system != nil && systemFile != nil { throw ValidationError("give --system or --system-file, not both") }
            if templateFile == "-" && systemFile == "-" {
                throw ValidationError("--template-file - and --system-file - cannot both read standard input; put one of them in a file")
            }
            if PromptRole(rawValue: role) == nil { throw ValidationError("--role is 'question', 'answer' or 'judge', not '\(role)'") }
        }

        func run() async throws {
            let template = try PromptFile.read(templateFile, part: "template")
            let systemText = try systemFile.map { try PromptFile.read($0, part: "system prompt") } ?? system
            let roleValue = PromptRole(rawValue: role) ?? .question
            let writer = try StoreFile.open(store.path, for: .writing)
            defer { writer.close() }
            let (prompt, created) = try writer.addPrompt(name: name, role: roleValue, system: systemText, template: template)
            print(prompt.ref)
            Console.info(created ? "added prompt \(prompt.ref) (\(prompt.role))" : "\(prompt.ref) already has this template; nothing added")
        }
    }

    struct Render: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the messages a prompt sends for a chunk (and a question, or an answer).",
            discussion: """
                Answer prompts need --question; without --chunk the question's own chunk is used. \
                Judge prompts need --answer, which brings its question and that question's chunk.
                """
        )

        @OptionGroup var store: StoreOptions
        @Argument(help: "NAME@VERSION, or NAME for the latest version.", completion: StoreCompletion.prompts()) var ref: String
        @Option(help: ArgumentHelp("The chunk to render with.", valueName: "chunk:ID")) var chunk: String?
        @Option(help: ArgumentHelp("The question to render with (answer prompts).", valueName: "question:ID")) var question: String?
        @Option(help: ArgumentHelp("The answer to render with (judge prompts).", valueName: "answer:ID")) var answer: String?
        @Option(help: "The value of {{count}}.") var count = 3
        @Flag(help: "Print the messages as JSON, as they are sent.") var json = false

        func validate() throws {
            if chunk == nil && question == nil && answer == nil {
                throw ValidationError("pass --chunk chunk:ID (and --question question:ID for answer prompts), or --answer answer:ID for judge prompts")
            }
            if count < 1 { throw ValidationError("--count must be at least 1") }
        }

        func run() async throws {
            let parsed = try PromptRef(parsing: ref)
            let chunkID = try chunk.map { try Self.id($0, kind: "chunk") }
            let questionID = try question.map { try Self.id($0, kind: "question") }
            let answerID = try answer.map { try Self.id($0, kind: "answer") }
            let reader = try StoreFile.open(store.path, for: .reading)
            defer { reader.close() }
            let (_, messages) = try reader.renderPrompt(parsed, chunkID: chunkID, questionID: questionID, answerID: answerID, count: count)
            let sink = ByteSink.standardOutput()
            if json {
                try sink.writeJSON(messages, .ordered)
            } else {
                for message in messages { try sink.write(TerminalText.escaped("--- \(message.role) ---\n\(message.content)\n")) }
            }
            try sink.flush()
        }

        static func id(_ text: String, kind: String) throws -> Int64 {
            let prefix = kind + ":"
            guard text.hasPrefix(prefix), let id = Int64(text.dropFirst(prefix.count)), id > 0 else {
                throw PromptError.badItemReference(text, kind: kind)
            }
            return id
        }
    }
}
