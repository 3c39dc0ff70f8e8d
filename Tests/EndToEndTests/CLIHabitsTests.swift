import Foundation
import TestSupport
import Testing

/// The habits people bring from git, llm and sqlite-utils (issue 18): `--db` before the
/// subcommand, `--version`, colour, `-` as a name, typo suggestions, completions from the
/// store, honest re-runs and a length guard on exports.
@Suite struct CLIHabitsTests {
    /// A store at `folder/name` (not the default path), filled with the pairs fixture.
    func fixtureStore(named name: String = "s.sqlite", extraSQL: String = "") async throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        #expect(try await iftdb(["init", "--db", name], in: folder.path).status == 0)
        let sql = try Data(contentsOf: packageRoot.appending(path: "Tests/Fixtures/pairs-store.sql")) + Data(extraSQL.utf8)
        let loaded = try await runProgram("sqlite3", [name], in: folder.path, stdin: sql)
        #expect(loaded.status == 0, "\(loaded.stderr)")
        return folder
    }

    /// A usage error: exit 64 and the one line `iftdb: error: MESSAGE`.
    func expectUsageError(_ result: CommandResult, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 64, "exit \(result.status), stderr: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr == "iftdb: error: \(message)\n", sourceLocation: sourceLocation)
    }

    // MARK: - 1. --db before the subcommand

    @Test func dbBeforeTheSubcommandWorksForEveryCommandAndTwoDifferentStoresAreAUsageError() async throws {
        let folder = try await fixtureStore()
        // No ./iftdb.sqlite here: a --db that was not passed on would fail with "no iftdb store".
        let stats = try await iftdb(["--db", "s.sqlite", "stats", "--json"], in: folder.path)
        #expect(stats.status == 0, "\(stats.stderr)")
        #expect(stats.stdout.contains("\"answers\":8"))
        let runs = try await iftdb(["--db", "s.sqlite", "runs", "--json"], in: folder.path)
        #expect(runs.status == 0, "\(runs.stderr)")
        #expect(runs.stdout.contains("\"prompt\":\"answers@1\""))
        let export = try await iftdb(["--db=s.sqlite", "export", "--format", "csv"], in: folder.path)
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stdout.hasPrefix("Data,Questions,Answers\r\n"))
        // Nested commands and a group's default subcommand.
        let show = try await iftdb(["--db", "s.sqlite", "prompts", "show", "answers@2"], in: folder.path)
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.contains("Be brief."))
        let list = try await iftdb(["--db", "s.sqlite", "--color", "never", "prompts"], in: folder.path)
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains("questions@1"))
        // The same store twice is fine; two different ones are a usage error.
        #expect(try await iftdb(["--db", "s.sqlite", "stats", "--db", "s.sqlite"], in: folder.path).status == 0)
        expectUsageError(try await iftdb(["--db", "s.sqlite", "stats", "--db", "other.sqlite"], in: folder.path),
                         "--db is given twice with different stores ('s.sqlite' and 'other.sqlite'); give it once")
        #expect(try folder.listing().filter { !$0.hasPrefix("s.sqlite") }.isEmpty)
    }

    // MARK: - 2. --version

    @Test func versionPrintsTheNumberFromItsOnePlaceAndTheCommitBuiltFrom() async throws {
        let folder = try TemporaryFolder()
        let result = try await iftdb(["--version"], in: folder.path)
        #expect(result.status == 0)
        let line = result.stdout.trimmingCharacters(in: .newlines)
        let match = try #require(line.wholeMatch(of: /iftdb (\d+\.\d+\.\d+) \(([0-9a-f]{7}(-dirty)?|unknown)\)/), "\(line)")
        let source = try String(contentsOf: packageRoot.appending(path: "Sources/iftdb/Version.swift"), encoding: .utf8)
        #expect(source.contains("static let number = \"\(match.1)\""))
        // In a checkout (a clone, or a worktree whose .git is a file), the commit is HEAD's.
        let head = try await runProgram("git", ["-C", packageRoot.path, "rev-parse", "HEAD"], in: folder.path)
        if head.status == 0 {
            #expect(match.2.hasPrefix(head.stdout.prefix(7)), "stamp \(match.2), HEAD \(head.stdout)")
        }
    }

    /// The stamp tool the build plugin runs, on a repository made here: a clone's `.git`
    /// folder, packed refs, a worktree (HEAD in its own git folder, refs in the common one),
    /// a detached HEAD, a changed tree, and no checkout at all.
    @Test func theCommitStampFollowsHeadInACloneAWorktreeAndPackedRefs() async throws {
        let tool = URL(fileURLWithPath: iftdbBinary).deletingLastPathComponent().appending(path: "EmbedCommit").path
        try #require(FileManager.default.isExecutableFile(atPath: tool), "no EmbedCommit beside \(iftdbBinary)")
        let folder = try TemporaryFolder()
        func git(_ arguments: String...) async throws -> String {
            let result = try await runProgram("git", ["-C", folder.file("repo"), "-c", "user.name=t", "-c", "user.email=t@t"] + arguments, in: folder.path)
            #expect(result.status == 0, "git \(arguments): \(result.stderr)")
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func stamp(_ arguments: [String]) async throws -> String {
            let output = folder.file("BuildCommit.swift")
            let result = try await runProcess(tool, [output] + arguments, in: folder.path, environment: nil, stdin: nil)
            #expect(result.status == 0, "\(result.stderr)")
            let text = try String(contentsOfFile: output, encoding: .utf8)
            return String(try #require(text.firstMatch(of: /static let stamp = "([^"]*)"/)).1)
        }
        try folder.write("repo/a.txt", "one\n")
        #expect(try await runProgram("git", ["init", "-q", folder.file("repo")], in: folder.path).status == 0)
        _ = try await git("add", "a.txt")
        _ = try await git("commit", "-q", "-m", "one")
        let short = String(try await git("rev-parse", "HEAD").prefix(7))
        let repo = folder.file("repo"), dotGit = folder.file("repo/.git")
        #expect(try await stamp([repo, dotGit + "/HEAD", dotGit]) == short)
        try folder.write("repo/a.txt", "changed\n")
        #expect(try await stamp([repo, dotGit + "/HEAD", dotGit]) == short + "-dirty")
        _ = try await git("checkout", "--", "a.txt")
        _ = try await git("pack-refs", "--all")
        #expect(try await stamp([repo, dotGit + "/HEAD", dotGit]) == short)
        _ = try await git("worktree", "add", "-q", "-b", "other", folder.file("wt"))
        let worktreeGit = try String(contentsOfFile: folder.file("wt/.git"), encoding: .utf8)
        #expect(worktreeGit.hasPrefix("gitdir: "))
        #expect(try await stamp([folder.file("wt"), dotGit + "/worktrees/wt/HEAD", dotGit]) == short)
        _ = try await git("checkout", "-q", "--detach")
        #expect(try await stamp([repo, dotGit + "/HEAD", dotGit]) == short)
        #expect(try await stamp([folder.path]) == "unknown")
    }

    // MARK: - 3. Colour

    /// Runs iftdb under a real pseudo-terminal (`script`), so stdout and stderr are a terminal.
    func onTerminal(_ arguments: [String], in folder: TemporaryFolder, environment: [String: String] = [:]) async throws -> String {
        var env = ProcessInfo.processInfo.environment
        for key in ["IFTDB_DB", "NO_COLOR"] { env.removeValue(forKey: key) }
        env.merge(environment) { $1 }
        let command = ([iftdbBinary] + arguments).map(shellWord).joined(separator: " ")
        let result = try await runProcess("/usr/bin/env", ["script", "-qc", command, folder.file("typescript")], in: folder.path, environment: env, stdin: nil)
        #expect(result.status == 0, "\(arguments): \(result.stdout) \(result.stderr)")
        return result.stdout
    }

    func shellWord(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    @Test func colourFollowsTheTerminalNoColorAndTheColorFlag() async throws {
        // answers@2 answers question 2 differently from answers@1: one changed answer.
        let folder = try await fixtureStore(extraSQL: """
            INSERT INTO answers (id, question_id, prompt_id, model_id, run_id, call_id, sample, text, created_at) VALUES
             (9, 2, 3, 1, 3, 3, 1, 'In Geneva, "briefly" — they said so.', '2026-01-05T10:00:02.000Z');
            """)
        let diff = ["diff", "answers@1", "answers@2", "--show", "changed", "--db", "s.sqlite"]
        let red = "\u{1B}[31;9m"
        #expect(try await onTerminal(diff, in: folder).contains(red))
        #expect(try await onTerminal(diff, in: folder, environment: ["NO_COLOR": ""]).contains(red))  // empty: unset
        let noColor = try await onTerminal(diff, in: folder, environment: ["NO_COLOR": "1"])
        #expect(!noColor.contains("\u{1B}["))
        #expect(noColor.contains("[-Zürich,-]{+Geneva,+}"))
        #expect(try await onTerminal(["--color", "always"] + diff, in: folder, environment: ["NO_COLOR": "1"]).contains(red))
        #expect(try await onTerminal(diff + ["--color=always"], in: folder, environment: ["NO_COLOR": "1"]).contains(red))
        #expect(!(try await onTerminal(diff + ["--color", "never"], in: folder)).contains("\u{1B}["))
        // Not a terminal: no SGR, unless --color always.
        let piped = try await iftdb(diff, in: folder.path)
        #expect(piped.status == 0)
        #expect(!piped.stdout.contains("\u{1B}"))
        #expect(try await iftdb(diff + ["--color", "always"], in: folder.path).stdout.contains(red))
        expectUsageError(try await iftdb(diff + ["--color", "sometimes"], in: folder.path), "--color is auto, always or never, not 'sometimes'")
        // The progress line is not colour: on a terminal it stays with NO_COLOR.
        try folder.write("docs/a.txt", "Some text to load.\n")
        let load = try await onTerminal(["load", "docs", "--db", "l.sqlite"], in: folder, environment: ["NO_COLOR": "1"])
        #expect(load.contains("\r\u{1B}[2Kloading: "), "\(load)")
    }

    // MARK: - 4. `-` as a name

    @Test func dashIsStandardOutputForExportAndStandardInputForPromptFiles() async throws {
        let folder = try await fixtureStore()
        let export = try await iftdb(["export", "--db", "s.sqlite", "--format", "csv", "-o", "-"], in: folder.path)
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stdout.hasPrefix("Data,Questions,Answers\r\n"))
        #expect(export.stderr.hasPrefix("wrote 6 pairs as csv to standard output"))
        #expect(!FileManager.default.fileExists(atPath: folder.file("-")))
        let split = try await iftdb(["export", "--db", "s.sqlite", "--format", "csv", "-o", "-", "--split", "train=0.5,valid=0.5"], in: folder.path)
        #expect(split.status == 64)
        #expect(split.stderr.contains("-o - is standard output, but --split writes one file per split"))

        let template = try await iftdb(["prompts", "add", "piped", "--db", "s.sqlite", "--role", "question", "--template-file", "-"],
                                 in: folder.path, stdin: Data("From stdin: {{chunk}}\n".utf8))
        #expect(template.status == 0, "\(template.stderr)")
        try folder.write("template.txt", "Ask about {{chunk}}\n")
        let system = try await iftdb(["prompts", "add", "piped", "--db", "s.sqlite", "--role", "question", "--template-file", "template.txt", "--system-file", "-"],
                               in: folder.path, stdin: Data("A system from stdin.".utf8))
        #expect(system.status == 0, "\(system.stderr)")
        let shown = try await iftdb(["prompts", "show", "piped@1", "--db", "s.sqlite", "--json"], in: folder.path).stdout
        #expect(shown.contains("From stdin: {{chunk}}"))
        #expect(try await iftdb(["prompts", "show", "piped@2", "--db", "s.sqlite", "--json"], in: folder.path).stdout.contains("A system from stdin."))
        let both = try await iftdb(["prompts", "add", "x", "--db", "s.sqlite", "--role", "question", "--template-file", "-", "--system-file", "-"], in: folder.path)
        #expect(both.status == 64)
        #expect(both.stderr.contains("cannot both read standard input"))
    }

    // MARK: - 5. Typos

    @Test func aMistypedCommandGetsASuggestionAndExit64() async throws {
        let folder = try await fixtureStore()
        expectUsageError(try await iftdb(["exprot", "--format", "csv"], in: folder.path), "unknown command 'exprot'; did you mean 'export'?")
        expectUsageError(try await iftdb(["--db", "s.sqlite", "stast"], in: folder.path), "unknown command 'stast'; did you mean 'stats'?")
        expectUsageError(try await iftdb(["generate", "answer"], in: folder.path), "unknown command 'generate answer'; did you mean 'generate answers'?")
        expectUsageError(try await iftdb(["prompts", "lst"], in: folder.path), "unknown command 'prompts lst'; did you mean 'prompts list'?")
        let unknown = try await iftdb(["frobnicate"], in: folder.path)
        #expect(unknown.status == 64)
        #expect(unknown.stderr.hasPrefix("iftdb: error: unknown command 'frobnicate'; iftdb has: init, load"))
        // The real names still work, as does help.
        #expect(try await iftdb(["help", "export"], in: folder.path).status == 0)
    }

    // MARK: - 6. Completions

    /// The completion entry point the generated shell scripts call.
    func complete(_ path: [String], _ argument: String, words: [String], in folder: TemporaryFolder) async throws -> [String] {
        let arguments = ["---completion"] + path + ["--", argument, String(words.count - 1), String(words.last?.count ?? 0)] + words
        let result = try await iftdb(arguments, in: folder.path)
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        return result.stdout.split(separator: "\n").map(String.init)
    }

    @Test func completionsOfferPromptsDatasetsAndShowReferencesFromTheStore() async throws {
        let folder = try await fixtureStore()
        #expect(try await iftdb(["dataset", "save", "first", "--db", "s.sqlite", "--answer-prompt", "answers@1"], in: folder.path).status == 0)
        let db = ["--db", "s.sqlite"]
        // (`dataset save` opened the store for writing, which seeded the default judge@1.)
        #expect(try await complete(["prompts", "show"], "positional@0", words: ["iftdb", "prompts", "show"] + db + [""], in: folder)
                == ["answers", "judge", "questions", "answers@1", "answers@2", "judge@1", "questions@1"])
        #expect(try await complete(["export"], "--judge", words: ["iftdb", "export", "--db=s.sqlite", "--judge", ""], in: folder) == ["judge", "judge@1"])
        // An answer prompt is offered where an answer prompt goes, and the --db may come first.
        #expect(try await complete(["generate", "answers"], "--prompt", words: ["iftdb"] + db + ["generate", "answers", "--prompt", ""], in: folder)
                == ["answers", "answers@1", "answers@2"])
        #expect(try await complete(["export"], "--dataset", words: ["iftdb", "export", "--db=s.sqlite", "--dataset", ""], in: folder) == ["first"])
        #expect(try await complete(["show"], "positional@0", words: ["iftdb", "show"] + db + ["source:"], in: folder)
                == ["source:guide/intro.md", "source:notes/café.txt"])
        #expect(try await complete(["diff"], "positional@0", words: ["iftdb", "diff"] + db + ["dataset:"], in: folder) == ["dataset:first"])
        // $IFTDB_DB names the store too.
        let fromEnvironment = try await iftdb(["---completion", "export", "--", "--dataset", "2", "0", "iftdb", "export", ""], in: folder.path,
                                        environment: ["IFTDB_DB": "s.sqlite"])
        #expect(fromEnvironment.stdout == "first\n")
        // No store: no suggestions, exit 0, and no store made.
        let empty = try TemporaryFolder()
        #expect(try await complete(["prompts", "show"], "positional@0", words: ["iftdb", "prompts", "show", ""], in: empty) == [])
        #expect(try empty.listing() == [])
    }

    // MARK: - 7. Re-running with another --count; short sets

    @Test func anotherCountSaysItChangesNothingAndShortRepliesAreCounted() async throws {
        let folder = try TemporaryFolder()
        try GenerationCommandTests.writeCorpus(folder, files: 1, chunksPerFile: 4)
        #expect(try await iftdb(["load", "docs", "--chunker", "window", "--chunk-size", "\(GenerationCommandTests.segment)"], in: folder.path).status == 0)
        // Chunks ZQ0001 and ZQ0002 get two questions where three were asked.
        try await withTestModelServer(fallback: { request in
            let marker = GenerationCommandTests.marker(in: request.body) ?? "none"
            let questions = ["What did \(marker) log?", "Where is \(marker)?", "When was \(marker) logged?"]
            let kept = ["ZQ0001", "ZQ0002"].contains(marker) ? questions.prefix(2) : questions.prefix(3)
            let json = try! JSONSerialization.data(withJSONObject: ["questions": Array(kept)])
            return .respond(status: 200, body: TestModelServer.completion(String(decoding: json, as: UTF8.self)))
        }) { server in
            let base = ["generate", "questions", "--base-url", server.baseURL, "--quiet"]
            let first = try await iftdb(base + ["--count", "3", "--json"], in: folder.path)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.contains("\"short_sets\":2"), "\(first.stdout)")
            #expect(first.stderr.contains("4 question sets (10 questions; 2 short: fewer questions than --count 3) stored"), "\(first.stderr)")
            let runs = try await iftdb(["runs", "--json"], in: folder.path)
            #expect(runs.stdout.contains("\"short_sets\":2"), "\(runs.stdout)")
            let stats = try await iftdb(["stats", "--json"], in: folder.path)
            #expect(stats.stdout.contains("\"short_sets\":2"), "\(stats.stdout)")

            let again = try await iftdb(base + ["--count", "5"], in: folder.path)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stderr.contains("nothing to do"))
            #expect(again.stderr.contains("--count 5 changes nothing for the 4 items that already have questions from questions@1 (asked with --count 3)"), "\(again.stderr)")
            #expect(again.stderr.contains("--samples 2"))
            #expect(again.stderr.contains("iftdb prompts add questions"))
            // The same count again says only that there is nothing to do.
            let same = try await iftdb(base + ["--count", "3"], in: folder.path)
            #expect(same.stderr.contains("nothing to do"))
            #expect(!same.stderr.contains("changes nothing"))
        }
    }

    // MARK: - 8. Length guard

    @Test func maxExampleCharsDropsLongExamplesByUnicodeScalarsAndALongOneWarns() async throws {
        let folder = try await fixtureStore()
        func export(_ arguments: [String]) async throws -> CommandResult {
            try await iftdb(["export", "--db", "s.sqlite", "--format", "openai"] + arguments, in: folder.path)
        }
        // openai without context carries question and answer. "Qu'est-ce que « café » ?" with
        // "\"I don't know\"" is 38 scalars (42 UTF-8 bytes); "Why did they leave?" with
        // "I don’t know." is 32; the other four are longer.
        let at38 = try await export(["--max-example-chars", "38"])
        #expect(at38.status == 0, "\(at38.stderr)")
        #expect(at38.stdout.split(separator: "\n").count == 2)
        #expect(at38.stderr.contains("wrote 2 pairs"))
        #expect(at38.stderr.contains("longer than 38 characters (--max-example-chars): removed 4"))
        let at37 = try await export(["--max-example-chars", "37"])
        #expect(at37.stdout.split(separator: "\n").count == 1)
        #expect(at37.stdout.contains("Why did they leave?"))
        // The system message counts: 9 more scalars.
        let withSystem = try await export(["--max-example-chars", "41", "--system", "Be brief."])
        #expect(withSystem.stderr.contains("wrote 1 pair "), "\(withSystem.stderr)")
        // So does the context: the chunk "The board met in Zürich, \"briefly\"." is 35 more.
        #expect(try await export(["--max-example-chars", "67", "--include-context"]).stdout.contains("Why did they leave?"))
        #expect(!(try await export(["--max-example-chars", "66", "--include-context"])).stdout.contains("Why did they leave?"))
        expectOneLineError(try await export(["--max-example-chars", "3", "-o", "out.jsonl"]), containing: "all 6 selected pairs are longer than --max-example-chars 3")
        #expect(!FileManager.default.fileExists(atPath: folder.file("out.jsonl")))
        let zero = try await export(["--max-example-chars", "0"])
        #expect(zero.status == 64)
        #expect(zero.stderr.contains("--max-example-chars must be 1 or more"))
    }

    @Test func anExampleOver64000CharactersWarnsAndStillExits0() async throws {
        let folder = try await fixtureStore(extraSQL: "UPDATE answers SET text = text || replace(hex(zeroblob(32000)), '0', 'é') WHERE id = 7;\n")
        let result = try await iftdb(["export", "--db", "s.sqlite", "--format", "csv"], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("wrote 6 pairs"))
        #expect(result.stderr.contains("iftdb: warning: 1 example is longer than 64000 characters"), "\(result.stderr)")
        let short = try await fixtureStore()
        #expect(!(try await iftdb(["export", "--db", "s.sqlite", "--format", "csv"], in: short.path)).stderr.contains("warning"))
    }
}
