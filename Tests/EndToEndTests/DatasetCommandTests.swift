import Foundation
import TestSupport
import Testing

/// `dataset`, `export --dedupe/--split` and `stats` through the built binary, on stores built
/// through the real generation path against a model server inside the test process.
@Suite struct DatasetCommandTests {
    typealias Generation = GenerationCommandTests

    func load(_ folder: TemporaryFolder) async throws {
        let result = try await iftdb(["load", "docs", "--chunker", "window", "--chunk-size", "\(Generation.segment)"], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
    }

    /// Questions, then answers, with `server`; both must succeed unless `answersMayFail`.
    func generate(_ folder: TemporaryFolder, _ server: TestModelServer, answersMayFail: Bool = false) async throws {
        let base = ["--base-url", server.baseURL, "--quiet"]
        let questions = try await iftdb(["generate", "questions"] + base, in: folder.path)
        #expect(questions.status == 0, "\(questions.stderr)")
        let answers = try await iftdb(["generate", "answers", "--concurrency", "4"] + base, in: folder.path)
        #expect(answers.status == (answersMayFail ? 1 : 0), "\(answers.stderr)")
    }

    func sqlJSON(_ sql: String, in folder: TemporaryFolder) async throws -> [[String: Any]] {
        let result = try await iftdb(["sql", "--json", sql], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        return (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]) ?? []
    }

    func export(_ arguments: [String], in folder: TemporaryFolder) async throws -> String {
        let result = try await iftdb(["export"] + arguments, in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout
    }

    // MARK: saved datasets

    @Test func aSavedDatasetExportsTheSameBytesAfterMoreGenerationAndAnEditedSource() async throws {
        let folder = try TemporaryFolder()
        try Generation.writeCorpus(folder, files: 3, chunksPerFile: 3)
        try await load(folder)
        try await withTestModelServer(fallback: Generation.reply) { server in
            try await generate(folder, server)

            let saved = try await iftdb(["dataset", "save", "frozen", "--exclude-idk"], in: folder.path)
            #expect(saved.status == 0, "\(saved.stderr)")
            #expect(saved.stderr.contains("saved dataset 'frozen': 27 pairs (--exclude-idk)"))
            let formats = ["jsonl", "csv", "openai", "lamini"]
            var before: [String: String] = [:]
            for format in formats { before[format] = try await export(["--dataset", "frozen", "--format", format], in: folder) }
            let currentBefore = try await export(["--format", "jsonl"], in: folder)
            let splitArguments = ["--dataset", "frozen", "--format", "alpaca", "--split", "train=0.7,valid=0.3", "--split-by", "pair"]
            _ = try await export(splitArguments + ["-o", "split-before"], in: folder)
            #expect(before["jsonl"] == currentBefore, "a fresh dataset holds what export selects, in its order")

            // More data: a new file, loaded and generated.
            let extra = (1...3).map { String(format: "ZQ%04d A new file logged sample %d here. ", 900 + $0, $0).padding(toLength: Generation.segment, withPad: "~", startingAt: 0) }
            try folder.write("docs/extra.txt", extra.joined())
            try await load(folder)
            try await generate(folder, server)
            for format in formats {
                #expect(try await export(["--dataset", "frozen", "--format", format], in: folder) == before[format], "\(format) after more generation")
            }
            #expect(try await export(["--dataset", "dataset:frozen", "--format", "jsonl"], in: folder) == before["jsonl"])

            // One of its sources edited and re-loaded, and its new chunks generated.
            let edited = (1...3).map { String(format: "ZQ%04d The edited notes say sample %d moved. ", 800 + $0, $0).padding(toLength: Generation.segment, withPad: "~", startingAt: 0) }
            try folder.write("docs/notes0.txt", edited.joined())
            try await load(folder)
            try await generate(folder, server)
            #expect(try await sqlJSON("SELECT max(version) AS v FROM sources WHERE path = 'notes0.txt'", in: folder).first?["v"] as? Int == 2)
            for format in formats {
                #expect(try await export(["--dataset", "frozen", "--format", format], in: folder) == before[format], "\(format) after an edited source")
            }
            let currentAfter = try await export(["--format", "jsonl"], in: folder)
            _ = try await export(splitArguments + ["-o", "split-after"], in: folder)
            for name in ["train.jsonl", "valid.jsonl"] {
                let earlier = try Data(contentsOf: folder.url.appending(path: "split-before/\(name)"))
                #expect(!earlier.isEmpty)
                #expect(try Data(contentsOf: folder.url.appending(path: "split-after/\(name)")) == earlier, "a dataset's \(name) is frozen too")
            }
            #expect(currentAfter != currentBefore, "the current selection moved on; the dataset did not")

            // -o writes the same bytes as standard output.
            #expect(try await iftdb(["export", "--dataset", "frozen", "--format", "jsonl", "-o", "frozen.jsonl"], in: folder.path).status == 0)
            #expect(try String(contentsOfFile: folder.file("frozen.jsonl"), encoding: .utf8) == before["jsonl"])

            let list = try await iftdb(["dataset", "list", "--json"], in: folder.path)
            let datasets = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
            #expect(datasets.count == 1)
            #expect(datasets.first?["name"] as? String == "frozen")
            #expect(datasets.first?["pairs"] as? Int == 27)
            #expect(datasets.first?["flags"] as? String == "--exclude-idk")
            #expect((datasets.first?["filter"] as? [String: Any])?["exclude_idk"] as? Bool == true)
            let table = try await iftdb(["dataset", "list"], in: folder.path)
            #expect(table.stdout.contains("frozen") && table.stdout.contains("27"))
            let shown = try await iftdb(["dataset", "show", "frozen", "--json"], in: folder.path)
            let detail = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
            #expect(detail["sources"] as? Int == 3)
            #expect(detail["questions"] as? Int == 27)
            #expect((detail["groups"] as? [[String: Any]])?.first?["pairs"] as? Int == 27)
        }
    }

    /// The fixture plus an answers@2 answer to question 2: a plain selection is ambiguous.
    static let mixedAnswers = """
        INSERT INTO runs (id, kind, prompt_id, model_id, endpoint, status, started_at) VALUES (4, 'answers', 3, 1, 'x', 'done', '2026-01-06T00:00:00.000Z');
        INSERT INTO calls (id, run_id, request, started_at) VALUES (4, 4, '{}', '2026-01-06T00:00:00.000Z');
        INSERT INTO answers (question_id, prompt_id, model_id, run_id, call_id, sample, text, created_at) VALUES (2, 3, 1, 4, 4, 1, 'Zürich.', '2026-01-06T00:00:00.000Z');
        """

    @Test func datasetMistakesAreOneLineErrors() async throws {
        let folder = try await ExportCommandTests().fixtureStore(extraSQL: Self.mixedAnswers)
        let first = try await iftdb(["dataset", "save", "mine", "--answer-prompt", "answers@1"], in: folder.path)
        #expect(first.status == 0, "\(first.stderr)")
        expectOneLineError(try await iftdb(["dataset", "save", "mine", "--answer-prompt", "answers@1"], in: folder.path), containing: "--replace")
        let replaced = try await iftdb(["dataset", "save", "mine", "--answer-prompt", "answers@1", "--exclude-idk", "--replace"], in: folder.path)
        #expect(replaced.status == 0, "\(replaced.stderr)")
        let list = try await sqlJSON("SELECT name, pairs FROM datasets", in: folder)
        #expect(list.count == 1)
        #expect(list.first?["pairs"] as? Int == 4)
        #expect(try await sqlJSON("SELECT count(*) AS n FROM dataset_items", in: folder).first?["n"] as? Int == 4)

        expectOneLineError(try await iftdb(["dataset", "save", "none", "--source", "nothing/*"], in: folder.path), containing: "nothing saved")
        expectOneLineError(try await iftdb(["dataset", "save", "mixed"], in: folder.path), containing: "ambiguous")
        #expect(try await sqlJSON("SELECT count(*) AS n FROM datasets", in: folder).first?["n"] as? Int == 1)
        expectOneLineError(try await iftdb(["dataset", "show", "nope"], in: folder.path), containing: "no dataset named 'nope'")
        expectOneLineError(try await iftdb(["export", "--format", "csv", "--dataset", "nope"], in: folder.path), containing: "no dataset named 'nope'")
        #expect(try await iftdb(["dataset", "save", "bad name"], in: folder.path).status == 64)
        #expect(try await iftdb(["dataset", "save", "x", "--dataset", "mine", "--all-versions"], in: folder.path).status == 64)

        // A dataset saved with --all-answers exports without it: it is frozen.
        #expect(try await iftdb(["dataset", "save", "everything", "--all-answers", "--all-versions"], in: folder.path).status == 0)
        let all = try await iftdb(["export", "--format", "jsonl", "--dataset", "everything"], in: folder.path)
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout.split(separator: "\n").count == 9)
        let empty = try TemporaryFolder()
        expectOneLineError(try await iftdb(["dataset", "list"], in: empty.path), containing: "no iftdb store")
    }

    // MARK: dedupe

    static let cafeVariants = ["Is the café open?", "is the CAFÉ open", "Is  the café   open?!", "Is the cafe\u{301} open?", "IS THE CAFE\u{301} OPEN.", "Is the cafe open?"]

    /// One café question per chunk, in near-identical forms; the last has no accent (another question).
    static func dedupeReply(_ request: TestModelServer.RecordedRequest) -> TestModelServer.Action {
        let marker = Generation.marker(in: request.body) ?? "ZQ0000"
        let number = Int(marker.dropFirst(2)) ?? 0
        if request.body.contains("response_format") {
            let questions = ["What did \(marker) log?", cafeVariants[(number - 1) % cafeVariants.count], "On which day was \(marker) logged?"]
            let json = String(decoding: (try? JSONSerialization.data(withJSONObject: ["questions": questions])) ?? Data(), as: UTF8.self)
            return .respond(status: 200, body: TestModelServer.completion(json))
        }
        return .respond(status: 200, body: TestModelServer.completion("For \(marker): it is in the notes."))
    }

    @Test func dedupeDropsNearIdenticalQuestionsAndKeepsTheEarliest() async throws {
        let folder = try TemporaryFolder()
        try Generation.writeCorpus(folder, files: 1, chunksPerFile: 6)
        try await load(folder)
        try await withTestModelServer(fallback: Self.dedupeReply) { server in
            try await generate(folder, server)
            let stored = try await sqlJSON("SELECT id, text, normalized FROM questions WHERE text LIKE 'Is%' OR text LIKE 'is%' OR text LIKE 'IS%' ORDER BY id", in: folder)
            #expect(stored.count == 6)
            // Case, spacing, punctuation and NFC/NFD share one stored key; no accent is another.
            let accented = stored.filter { $0["normalized"] as? String == "is the café open" }.compactMap { $0["id"] as? Int }
            let unaccented = stored.filter { $0["normalized"] as? String == "is the cafe open" }.compactMap { $0["id"] as? Int }
            #expect(accented.count == 5 && unaccented.count == 1)

            let deduped = try await iftdb(["export", "--format", "jsonl", "--dedupe"], in: folder.path)
            #expect(deduped.status == 0, "\(deduped.stderr)")
            #expect(deduped.stderr.contains("--dedupe (repeated questions): removed 4"))
            let lines = deduped.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            #expect(lines.count == 14)
            let keptCafe = lines.compactMap { $0?["question_id"] as? Int }.filter { (accented + unaccented).contains($0) }
            #expect(Set(keptCafe) == Set([accented.min() ?? -1] + unaccented), "the earliest of the five, and the unaccented one")
            #expect(try await export(["--format", "jsonl"], in: folder).split(separator: "\n").count == 18)
            let stats = try await iftdb(["stats", "--json"], in: folder.path)
            let group = try #require(((try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any])?["groups"] as? [[String: Any]])?.first)
            #expect(group["duplicate_questions"] as? Int == 4)
            // A dataset saved with --dedupe freezes the deduplicated pairs.
            #expect(try await iftdb(["dataset", "save", "unique", "--dedupe"], in: folder.path).status == 0)
            #expect(try await export(["--dataset", "unique", "--format", "jsonl"], in: folder) == deduped.stdout)
        }
    }

    // MARK: stats

    /// Thread-safe record of what the server answered, for numbers computed apart from iftdb.
    final class ServerLog: @unchecked Sendable {
        // Every access holds `lock`.
        private let lock = NSLock()
        private var failedOnce: Set<String> = []
        private(set) var failures = 0

        /// True the first time `key` is seen.
        func firstTime(_ key: String) -> Bool { lock.withLock { failedOnce.insert(key).inserted } }
        func countFailure() { lock.withLock { failures += 1 } }
        var failureCount: Int { lock.withLock { failures } }
    }

    static let labVariants = ["Where is the lab?", "where is the LAB", "Where  is the lab ?!", "WHERE IS THE LAB."]

    @Test func statsJSONMatchesCountsComputedApart() async throws {
        let folder = try TemporaryFolder()
        try Generation.writeCorpus(folder, files: 2, chunksPerFile: 4)
        try await load(folder)
        let log = ServerLog()
        try await withTestModelServer(fallback: { request in
            let marker = Generation.marker(in: request.body) ?? "ZQ0000"
            let number = Int(marker.dropFirst(2)) ?? 0
            if request.body.contains("response_format") {
                let questions = ["What did \(marker) log?", Self.labVariants[(number - 1) % Self.labVariants.count], "On which day was \(marker) logged?"]
                let json = String(decoding: (try? JSONSerialization.data(withJSONObject: ["questions": questions])) ?? Data(), as: UTF8.self)
                return .respond(status: 200, body: TestModelServer.completion(json))
            }
            if request.body.contains("What did ZQ0003 log") || request.body.contains("What did ZQ0005 log") {
                log.countFailure()
                return .respond(status: 400, body: #"{"error":{"message":"no"}}"#)
            }
            if (request.body.contains("What did ZQ0001 log") || request.body.contains("What did ZQ0002 log")) && log.firstTime(marker) {
                log.countFailure()
                return .respond(status: 500, headers: [("Retry-After", "0")], body: #"{"error":{"message":"busy"}}"#)
            }
            let answer = request.body.contains("On which day") ? "I don't know." : "For \(marker): the notes say ünïcödé \(String(repeating: "x", count: number))."
            return .respond(status: 200, body: TestModelServer.completion(answer, promptTokens: 30 + number, completionTokens: answer.unicodeScalars.count))
        }) { server in
            try await generate(folder, server, answersMayFail: true)
            #expect(log.failureCount == 4)

            let result = try await iftdb(["stats", "--json"], in: folder.path)
            #expect(result.status == 0, "\(result.stderr)")
            let stats = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let store = try #require(stats["store"] as? [String: Any])
            #expect(store["sources"] as? Int == 2)
            #expect(store["source_versions"] as? Int == 2)
            #expect(store["chunks"] as? Int == 8)
            #expect(store["questions"] as? Int == 24)
            #expect(store["answers"] as? Int == 22)
            let groups = try #require(stats["groups"] as? [[String: Any]])
            #expect(groups.count == 1)
            let group = try #require(groups.first)
            #expect(group["question_prompt"] as? String == "questions@1")
            #expect(group["answer_prompt"] as? String == "answers@1")
            #expect(group["pairs"] as? Int == 22)
            #expect(group["idk"] as? Int == 8)
            #expect(abs((group["idk_rate"] as? Double ?? 0) - 8.0 / 22.0) < 1e-12)
            // 8 lab questions share one key: 7 repeat an earlier one; all 24 questions have answers but 2.
            #expect(group["questions"] as? Int == 22)
            #expect(group["duplicate_questions"] as? Int == 7)
            #expect(group["failed_calls"] as? Int == log.failureCount)

            // The rest from raw rows, computed here.
            let answers = try await sqlJSON("""
                SELECT a.text AS text, k.prompt_tokens AS tin, k.completion_tokens AS tout, k.latency_ms AS latency
                FROM answers a JOIN calls k ON k.id = a.call_id
                """, in: folder)
            #expect(answers.count == 22)
            let lengths = answers.map { Double(($0["text"] as? String ?? "").unicodeScalars.count) }
            #expect(abs((group["mean_answer_chars"] as? Double ?? 0) - lengths.reduce(0, +) / Double(lengths.count)) < 1e-9)
            let tokensOut = answers.compactMap { ($0["text"] as? String)?.unicodeScalars.count }.reduce(0, +)
            #expect(group["tokens_out"] as? Int == tokensOut)
            let tokensIn = answers.compactMap { $0["tin"] as? Int }.reduce(0, +)
            #expect(group["tokens_in"] as? Int == tokensIn)
            #expect(tokensIn > 22 * 30)
            let latencies = answers.compactMap { ($0["latency"] as? NSNumber)?.doubleValue }.sorted()
            #expect(latencies.count == 22)
            func nearestRank(_ p: Double) -> Double { latencies[Int((p * Double(latencies.count)).rounded(.up)) - 1] }
            #expect(abs((group["latency_ms_p50"] as? Double ?? -1) - nearestRank(0.5)) < 1e-6)
            #expect(abs((group["latency_ms_p95"] as? Double ?? -1) - nearestRank(0.95)) < 1e-6)

            // Filters narrow the groups: no "I don't know" left.
            let narrowed = try await iftdb(["stats", "--json", "--exclude-idk"], in: folder.path)
            let narrowedGroup = try #require((((try JSONSerialization.jsonObject(with: Data(narrowed.stdout.utf8))) as? [String: Any])?["groups"] as? [[String: Any]])?.first)
            #expect(narrowedGroup["pairs"] as? Int == 14)
            #expect(narrowedGroup["idk"] as? Int == 0)
            let selection = try #require((try JSONSerialization.jsonObject(with: Data(narrowed.stdout.utf8)) as? [String: Any])?["selection"] as? [String: Any])
            #expect(selection["pairs"] as? Int == 14)
            #expect(selection["filters"] as? [String] == ["--exclude-idk"])

            let table = try await iftdb(["stats"], in: folder.path)
            #expect(table.status == 0)
            #expect(table.stdout.contains("answers@1") && table.stdout.contains("36.4%"))
            let empty = try TemporaryFolder()
            #expect(try await iftdb(["init"], in: empty.path).status == 0)
            let none = try await iftdb(["stats", "--json"], in: empty.path)
            #expect(none.status == 0)
            #expect(none.stdout.contains("\"groups\":[]"))
            #expect(none.stdout.contains("\"pairs\":0"))
            expectOneLineError(try await iftdb(["stats", "--answer-prompt", "answers@7"], in: folder.path), containing: "answers")
        }
    }

    // MARK: splits

    @Test func splitWritesOneFilePerSplitAndRefusesBadSpecs() async throws {
        let folder = try await ExportCommandTests().fixtureStore()
        let split = try await iftdb(["export", "--format", "csv", "--all-answers", "--all-versions", "--split", "train=0.5,valid=0.5", "--split-by", "pair", "-o", "out"], in: folder.path)
        #expect(split.status == 0, "\(split.stderr)")
        #expect(try folder.listing().contains("out"))
        // The split files and their dataset card.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("out")).sorted() == ["README.md", "train.csv", "valid.csv"])
        let files = ["train.csv", "valid.csv"]
        let rows = try files.map { try String(contentsOfFile: folder.file("out/\($0)"), encoding: .utf8) }
        #expect(rows.allSatisfy { $0.hasPrefix("Data,Questions,Answers\r\n") })
        #expect(split.stderr.contains("train:") && split.stderr.contains("valid:"))
        let again = try await iftdb(["export", "--format", "csv", "--all-answers", "--all-versions", "--split", "train=0.5,valid=0.5", "--split-by", "pair", "-o", "out"], in: folder.path)
        #expect(again.status == 0)
        #expect(try files.map { try String(contentsOfFile: folder.file("out/\($0)"), encoding: .utf8) } == rows, "the same files every time")

        #expect(try await iftdb(["export", "--format", "csv", "--split", "train=0.9,valid=0.2", "-o", "x"], in: folder.path).status == 64)
        #expect(try await iftdb(["export", "--format", "csv", "--split", "train=0.9", "-o", "x"], in: folder.path).status == 64)
        #expect(try await iftdb(["export", "--format", "csv", "--split", "train=0.5,train=0.5", "-o", "x"], in: folder.path).status == 64)
        #expect(try await iftdb(["export", "--format", "csv", "--split", "train=0.9,valid=0.1"], in: folder.path).status == 64)
        #expect(try await iftdb(["export", "--format", "csv", "--seed", "3"], in: folder.path).status == 64)
        #expect(try await iftdb(["export", "--format", "csv", "--split-by", "bogus", "--split", "a=0.5,b=0.5", "-o", "x"], in: folder.path).status == 64)
        // One source cannot fill two splits: nothing is written, and -o stays empty.
        let empty = try await iftdb(["export", "--format", "jsonl", "--source", "guide/*", "--answer-prompt", "answers@1",
                               "--split", "train=0.5,valid=0.5", "--split-by", "source", "-o", "lonely"], in: folder.path)
        expectOneLineError(empty, containing: "would be empty")
        #expect(!FileManager.default.fileExists(atPath: folder.file("lonely")), "the folder it made is gone again")
        try FileManager.default.createDirectory(atPath: folder.file("kept"), withIntermediateDirectories: false)
        try folder.write("kept/train.jsonl", "earlier\n")
        expectOneLineError(try await iftdb(["export", "--format", "jsonl", "--source", "guide/*", "--answer-prompt", "answers@1",
                                      "--split", "train=0.5,valid=0.5", "--split-by", "source", "-o", "kept"], in: folder.path), containing: "would be empty")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("kept")) == ["train.jsonl"], "an existing folder keeps what it had")
        #expect(try String(contentsOfFile: folder.file("kept/train.jsonl"), encoding: .utf8) == "earlier\n")
        try folder.write("afile", "x")
        expectOneLineError(try await iftdb(["export", "--format", "jsonl", "--all-answers", "--split", "a=0.5,b=0.5", "-o", "afile"], in: folder.path), containing: "is a file")
    }
}
