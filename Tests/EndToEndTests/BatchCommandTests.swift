import Foundation
import TestSupport
import Testing

/// Large runs: `generate … --batch-file` writes the requests (OpenAI Batch input, which `vllm
/// run-batch` reads too) instead of sending them, and `generate ingest` stores the results,
/// exactly once. Chunks carry markers (`ZQ0007`), as in `GenerationCommandTests`.
@Suite struct BatchCommandTests {
    typealias Corpus = GenerationCommandTests

    /// A request line of a batch file: its custom_id and its body, byte for byte.
    struct RequestLine {
        let customID: String
        let body: String
        var marker: String? { Corpus.marker(in: body) }
    }

    static let bodyKey = #","body":"#

    static func requests(_ path: String) throws -> [RequestLine] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["method"] as? String == "POST")
            #expect(object["url"] as? String == "/v1/chat/completions")
            #expect(object.count == 4)
            let bodyStart = try #require(line.range(of: bodyKey))
            #expect(line.hasSuffix("}"))
            return RequestLine(customID: try #require(object["custom_id"] as? String), body: String(line[bodyStart.upperBound...].dropLast()))
        }
    }

    /// A results line for `request` as vLLM writes it: the completion `content`, status 200.
    static func resultLine(_ request: RequestLine, content: String? = nil) -> String {
        let body = TestModelServer.completion(content ?? Corpus.replyContent(to: request.body))
        return #"{"id":"vllm-1","custom_id":"\#(request.customID)","response":{"status_code":200,"request_id":"vllm-batch-1","body":\#(body)},"error":null}"#
    }

    /// The results of every request in `requestsFile`, written to `name`.
    @discardableResult
    static func writeResults(_ folder: TemporaryFolder, for requestsFile: String, to name: String) throws -> [RequestLine] {
        let lines = try requests(folder.file(requestsFile))
        try folder.write(name, lines.map { resultLine($0) + "\n" }.joined())
        return lines
    }

    static func setUp(chunks: Int = 5) async throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        try Corpus.writeCorpus(folder, files: 1, chunksPerFile: chunks)
        try await RunClaimTests.load(folder)
        return folder
    }

    static func scalar(_ sql: String, in folder: TemporaryFolder) async throws -> String {
        try await RunClaimTests.scalar(sql, in: folder)
    }

    static func json(_ result: CommandResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "stdout: \(result.stdout)")
    }

    static func runStatuses(in folder: TemporaryFolder) async throws -> [String] {
        let runs = try await iftdb(["runs", "--json"], in: folder.path)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [[String: Any]])
        return list.reversed().map { $0["status"] as? String ?? "?" }
    }

    // MARK: - The request body

    @Test func aBatchLineCarriesTheBodyALiveCallSendsByteForByte() async throws {
        let folder = try await Self.setUp(chunks: 4)
        // Questions in the live call's first form (max_tokens); then a live run asks for the
        // same items (--rebatch) and the server's socket shows what it sent.
        let written = try await iftdb(["generate", "questions", "--batch-file", "q.jsonl", "--max-tokens-field", "max_tokens", "--quiet"], in: folder.path)
        #expect(written.status == 0, "\(written.stderr)")
        let questionLines = try Self.requests(folder.file("q.jsonl"))
        #expect(questionLines.count == 4)
        try await withTestModelServer(fallback: Corpus.reply) { server in
            let live = try await iftdb(["generate", "questions", "--rebatch", "--base-url", server.baseURL, "--quiet"], in: folder.path)
            #expect(live.status == 0, "\(live.stderr)")
            let sent = Corpus.chatRequests(server)
            #expect(sent.count == 4)
            for request in sent {
                let line = try #require(questionLines.first { $0.marker == Corpus.marker(in: request.body) })
                #expect(line.body == request.body, "the batch line's body is not the live call's")
            }
            #expect(Set(sent.map(\.body)) == Set(questionLines.map(\.body)))
        }
        // Answers in the default form (max_completion_tokens): what a live call sends once a
        // server has refused max_tokens.
        let answers = try await iftdb(["generate", "answers", "--batch-file", "a.jsonl", "--quiet"], in: folder.path)
        #expect(answers.status == 0, "\(answers.stderr)")
        let answerLines = try Self.requests(folder.file("a.jsonl"))
        #expect(answerLines.count == 12)
        #expect(answerLines.allSatisfy { $0.body.contains(#""max_completion_tokens":300"#) && !$0.body.contains("response_format") })
        try await withTestModelServer(fallback: { request in
            guard request.uri.hasSuffix("/chat/completions") else { return .respond(status: 200, body: #"{"data":[]}"#) }
            if request.body.contains(#""max_tokens""#) {
                return .respond(status: 400, body: #"{"error":{"message":"Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.","type":"invalid_request_error","param":"max_tokens","code":"unsupported_parameter"}}"#)
            }
            return Corpus.reply(request)
        }) { server in
            let live = try await iftdb(["generate", "answers", "--rebatch", "--base-url", server.baseURL, "--quiet"], in: folder.path)
            #expect(live.status == 0, "\(live.stderr)")
            let accepted = Corpus.chatRequests(server).filter { $0.body.contains("max_completion_tokens") }
            #expect(accepted.count == 12)
            // Twelve different bodies (each question is in its own), the same on both sides.
            #expect(Set(answerLines.map(\.body)).count == 12)
            #expect(Set(accepted.map(\.body)) == Set(answerLines.map(\.body)))
        }
    }

    // MARK: - Round trip

    @Test func aRoundTripThroughResultsFilesStoresEveryResultWithItsLineage() async throws {
        let folder = try await Self.setUp(chunks: 5)
        // Questions, in files of at most two requests: one run spans them.
        let written = try await iftdb(["generate", "questions", "--batch-file", "out/q.jsonl", "--batch-size", "2", "--json"], in: folder.path)
        #expect(written.status == 2, "the folder out/ does not exist yet")
        expectOneLineError(written, containing: "the folder out does not exist")
        #expect(try await Self.runStatuses(in: folder).isEmpty, "a batch that cannot be written records no run")
        try FileManager.default.createDirectory(atPath: folder.file("out"), withIntermediateDirectories: false)
        let batch = try await iftdb(["generate", "questions", "--batch-file", "out/q.jsonl", "--batch-size", "2", "--json"], in: folder.path)
        #expect(batch.status == 0, "\(batch.stderr)")
        #expect(batch.stderr.contains("run 1 waiting: 5 requests written to 3 files, out/q-0001.jsonl … out/q-0003.jsonl"))
        let summary = try Self.json(batch)
        #expect(summary["status"] as? String == "waiting" && summary["requests"] as? Int == 5)
        #expect((summary["files"] as? [[String: Any]])?.map { $0["requests"] as? Int } == [2, 2, 1])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("out")).sorted() == ["q-0001.jsonl", "q-0002.jsonl", "q-0003.jsonl"])
        #expect(try await Self.runStatuses(in: folder) == ["waiting"])
        #expect(try await Self.scalar("SELECT count(*) FROM calls WHERE response IS NULL AND error IS NULL AND http_status IS NULL", in: folder) == "5")

        var requests: [RequestLine] = []
        for part in 1...3 { requests += try Self.writeResults(folder, for: "out/q-000\(part).jsonl", to: "r\(part).jsonl") }
        #expect(Set(requests.map(\.customID)).count == 5)
        let ingested = try await iftdb(["generate", "ingest", "r1.jsonl", "r2.jsonl", "r3.jsonl", "--json"], in: folder.path)
        #expect(ingested.status == 0, "\(ingested.stderr)")
        let report = try Self.json(ingested)
        #expect(report["stored"] as? Int == 5 && report["results"] as? Int == 15 && report["failed"] as? Int == 0)
        #expect((report["closed_runs"] as? [[String: Any]])?.first?["status"] as? String == "done")
        #expect(ingested.stderr.contains("run 1 done: 5 items"))
        #expect(try await Self.scalar("SELECT count(*) FROM questions", in: folder) == "15")
        #expect(try await Self.runStatuses(in: folder) == ["done"])
        // Each call row holds the request as written and the reply as read, and the questions point at it.
        let first = try #require(requests.first)
        let item = String(first.customID.split(separator: ":", maxSplits: 3)[3])
        #expect(try await Self.scalar("SELECT request = '\(first.body.replacingOccurrences(of: "'", with: "''"))' FROM calls WHERE item = '\(item)'", in: folder) == "1")
        #expect(try await Self.scalar("SELECT http_status || ' ' || finish_reason || ' ' || prompt_tokens FROM calls WHERE item = '\(item)'", in: folder) == "200 stop 50")
        #expect(try await Self.scalar("SELECT count(*) FROM questions q JOIN calls c ON c.id = q.call_id WHERE c.item = '\(item)' AND q.run_id = 1 AND instr(q.text, '\(first.marker ?? "?")') > 0", in: folder) == "3")
        #expect(try await Self.scalar("SELECT items_done || '/' || items_failed || '/' || items_total || ' ' || prompt_tokens FROM runs WHERE id = 1", in: folder) == "5/0/5 250")

        // Answers, in one file.
        let answers = try await iftdb(["generate", "answers", "--batch-file", "a.jsonl", "--quiet"], in: folder.path)
        #expect(answers.status == 0, "\(answers.stderr)")
        try Self.writeResults(folder, for: "a.jsonl", to: "ra.jsonl")
        let stored = try await iftdb(["generate", "ingest", "ra.jsonl"], in: folder.path)
        #expect(stored.status == 0, "\(stored.stderr)")
        #expect(stored.stderr.contains("15 stored · 0 already answered · 0 already ingested · 0 failed"))
        #expect(try await Self.runStatuses(in: folder) == ["done", "done"])
        // Each answer answers its own question, and the pairs export.
        #expect(try await Self.scalar("SELECT count(*) FROM answers a JOIN questions q ON q.id = a.question_id JOIN chunks c ON c.id = q.chunk_id WHERE instr(a.text, substr(c.text, 1, 6)) = 0", in: folder) == "0")
        let export = try await iftdb(["export", "--format", "openai"], in: folder.path)
        #expect(export.status == 0 && export.stdout.split(separator: "\n").count == 15, "\(export.stderr)")
        let shown = try await iftdb(["show", "answer:1", "--json"], in: folder.path)
        #expect(shown.stdout.contains(#""batch:a.jsonl""#), "\(shown.stdout)")
    }

    @Test func ingestingAFileAgainAddsNothing() async throws {
        let folder = try await Self.setUp(chunks: 3)
        #expect(try await iftdb(["generate", "questions", "--batch-file", "q.jsonl", "--quiet"], in: folder.path).status == 0)
        try Self.writeResults(folder, for: "q.jsonl", to: "r.jsonl")
        #expect(try await iftdb(["generate", "ingest", "r.jsonl"], in: folder.path).status == 0)
        let snapshot = "SELECT (SELECT count(*) FROM questions) || ' ' || (SELECT count(*) FROM calls) || ' ' || (SELECT group_concat(status || items_done || items_skipped || prompt_tokens) FROM runs) || ' ' || (SELECT sum(length(response)) FROM calls)"
        let before = try await Self.scalar(snapshot, in: folder)
        let again = try await iftdb(["generate", "ingest", "r.jsonl", "r.jsonl", "--json"], in: folder.path)
        #expect(again.status == 0, "\(again.stderr)")
        let report = try Self.json(again)
        #expect(report["already_ingested"] as? Int == 6 && report["stored"] as? Int == 0 && report["already_answered"] as? Int == 0)
        #expect(again.stderr.contains("0 stored · 0 already answered · 6 already ingested · 0 failed"))
        #expect(try await Self.scalar(snapshot, in: folder) == before)
    }

    @Test func aTruncatedLastLineIsReportedAndTheLinesBeforeItAreKept() async throws {
        let folder = try await Self.setUp(chunks: 3)
        #expect(try await iftdb(["generate", "questions", "--batch-file", "q.jsonl", "--quiet"], in: folder.path).status == 0)
        let lines = try Self.writeResults(folder, for: "q.jsonl", to: "full.jsonl")
        let cut = lines.prefix(2).map { Self.resultLine($0) + "\n" }.joined() + String(Self.resultLine(lines[2]).prefix(120))
        try folder.write("cut.jsonl", cut)
        let partial = try await iftdb(["generate", "ingest", "cut.jsonl"], in: folder.path)
        #expect(partial.status == 1, "\(partial.stderr)")
        #expect(partial.stderr.contains("cut.jsonl line 3: the last line has no newline and does not parse: the file was cut short"))
        #expect(partial.stderr.contains("2 stored"))
        #expect(partial.stderr.contains("run 1 still waiting for 1 results"))
        #expect(try await Self.scalar("SELECT count(DISTINCT chunk_id) FROM questions", in: folder) == "2")
        #expect(try await Self.runStatuses(in: folder) == ["waiting"])
        // The whole file, once it is complete: only the missing result is new.
        let rest = try await iftdb(["generate", "ingest", "full.jsonl"], in: folder.path)
        #expect(rest.status == 0, "\(rest.stderr)")
        #expect(rest.stderr.contains("1 stored · 0 already answered · 2 already ingested"))
        #expect(try await Self.runStatuses(in: folder) == ["done"])
        // A last line with no newline that parses is an ordinary line.
        try folder.write("nonl.jsonl", String(Self.resultLine(lines[0])))
        let ordinary = try await iftdb(["generate", "ingest", "nonl.jsonl"], in: folder.path)
        #expect(ordinary.status == 0 && ordinary.stderr.contains("1 already ingested"), "\(ordinary.stderr)")
    }

    // MARK: - Bad lines

    @Test func foreignUnknownAndMisshapenLinesAreCountedAndNamedAndNothingIsWrittenForThem() async throws {
        let folder = try await Self.setUp(chunks: 3)
        #expect(try await iftdb(["generate", "questions", "--batch-file", "q.jsonl", "--quiet"], in: folder.path).status == 0)
        // The same corpus in another store: its custom_ids name run 1 and the same chunks, but not this store.
        let other = try await Self.setUp(chunks: 3)
        #expect(try await iftdb(["generate", "questions", "--batch-file", "q.jsonl", "--quiet"], in: other.path).status == 0)
        let ours = try Self.requests(folder.file("q.jsonl"))
        let theirs = try Self.requests(other.file("q.jsonl"))
        let uuid = try await Self.scalar("SELECT uuid FROM store_identity", in: folder)
        let unknownRun = RequestLine(customID: "iftdb:\(uuid):99:chunk:1/1", body: ours[1].body)
        let unknownItem = RequestLine(customID: "iftdb:\(uuid):1:chunk:2/7", body: ours[1].body)
        try folder.write("mixed.jsonl", [
            Self.resultLine(ours[0]),
            Self.resultLine(theirs[1]),
            Self.resultLine(unknownRun),
            Self.resultLine(unknownItem),
            #"{"custom_id": 12, "response": null, "error": "x"}"#,
            "",
            #"{"id": "batch_req_1", "custom_id": "request-7", "response": null, "error": {"code": "x", "message": "y"}}"#,
            Self.resultLine(ours[2]),
        ].joined(separator: "\n") + "\n")
        let mixed = try await iftdb(["generate", "ingest", "mixed.jsonl", "--json"], in: folder.path)
        #expect(mixed.status == 1, "\(mixed.stderr)")
        let report = try Self.json(mixed)
        #expect(report["lines"] as? Int == 7 && report["stored"] as? Int == 2)
        #expect(report["foreign_ids"] as? Int == 2 && report["unknown_ids"] as? Int == 2 && report["wrong_shape"] as? Int == 1)
        let named = (report["problems"] as? [[String: Any]])?.map { "\($0["line"] as? Int ?? 0) \($0["kind"] as? String ?? "")" }
        #expect(named == ["2 foreign_id", "3 unknown_id", "4 unknown_id", "5 wrong_shape", "7 foreign_id"])
        #expect(mixed.stderr.contains("mixed.jsonl line 3: custom_id iftdb:\(uuid):99:chunk:1/1: run 99 is no batch run of this store"))
        #expect(mixed.stderr.contains("mixed.jsonl line 4: custom_id iftdb:\(uuid):1:chunk:2/7: run 1 wrote no request for chunk:2/7"))
        #expect(mixed.stderr.contains("mixed.jsonl line 5: custom_id is not a string"))
        #expect(mixed.stderr.contains("line 7: custom_id request-7 is not one of this store's requests"))
        // Nothing was written for them: chunk 2's request still waits, and the run with it.
        #expect(try await Self.scalar("SELECT group_concat(item) FROM calls WHERE response IS NULL AND error IS NULL", in: folder) == "chunk:2/1")
        #expect(try await Self.scalar("SELECT count(DISTINCT chunk_id) FROM questions", in: folder) == "2")
        #expect(try await Self.runStatuses(in: folder) == ["waiting"])
    }

    @Test func aLineThatIsNotAJSONObjectRefusesTheWholeCommand() async throws {
        let folder = try await Self.setUp(chunks: 3)
        #expect(try await iftdb(["generate", "questions", "--batch-file", "q.jsonl", "--quiet"], in: folder.path).status == 0)
        let lines = try Self.writeResults(folder, for: "q.jsonl", to: "good.jsonl")
        try folder.write("bad.jsonl", Self.resultLine(lines[0]) + "\n[\"not\", \"an object\"]\n" + Self.resultLine(lines[1]) + "\n")
        let refused = try await iftdb(["generate", "ingest", "good.jsonl", "bad.jsonl"], in: folder.path)
        expectOneLineError(refused, containing: "bad.jsonl line 2 is not a JSON object, so nothing was ingested")
        // Nothing from either file: the files are checked before anything is written.
        #expect(try await Self.scalar("SELECT count(*) FROM calls WHERE response IS NOT NULL OR error IS NOT NULL", in: folder) == "0")
        #expect(try await Self.scalar("SELECT count(*) FROM questions", in: folder) == "0")
        try folder.write("garbage.jsonl", "{\"custom_id\": \"x\", oops}\n" + Self.resultLine(lines[1]) + "\n")
        expectOneLineError(try await iftdb(["generate", "ingest", "garbage.jsonl"], in: folder.path), containing: "garbage.jsonl line 1 is not a JSON object")
        expectOneLineError(try await iftdb(["generate", "ingest", "missing.jsonl"], in: folder.path), containing: "cannot read missing.jsonl")
    }

    // MARK: - Claims

    @Test func aLiveRunSkipsTheItemsAWaitingRunClaims() async throws {
        let folder = try await Self.setUp(chunks: 5)
        let batch = try await iftdb(["generate", "questions", "--batch-file", "q.jsonl", "--limit", "2", "--quiet"], in: folder.path)
        #expect(batch.status == 0, "\(batch.stderr)")
        let claimed = Set(try Self.requests(folder.file("q.jsonl")).compactMap(\.marker))
        #expect(claimed == ["ZQ0001", "ZQ0002"])
        try await withTestModelServer(fallback: Corpus.reply) { server in
            let live = try await iftdb(["generate", "questions", "--base-url", server.baseURL, "--quiet"], in: folder.path)
            #expect(live.status == 0, "\(live.stderr)")
            #expect(live.stderr.contains("run 2: 3 chunks to ask smollm2-135m with questions@1 (2 claimed by waiting batch runs)"))
            #expect(Set(RunClaimTests.markers(server)) == ["ZQ0003", "ZQ0004", "ZQ0005"])
            // The batch run's process is long gone, yet its run waits: a waiting run is no
            // claim to take over.
            #expect(try await Self.runStatuses(in: folder) == ["waiting", "done"])
            // Nothing left for another batch file either.
            let more = try await iftdb(["generate", "questions", "--batch-file", "more.jsonl"], in: folder.path)
            #expect(more.status == 0, "\(more.stderr)")
            #expect(more.stderr.contains("nothing to do: 3 items already have a result from questions@1 and smollm2-135m, and 2 are claimed by waiting batch runs"))
            #expect(!FileManager.default.fileExists(atPath: folder.file("more.jsonl")))
            // --rebatch asks for them again, here into another batch file.
            let rebatch = try await iftdb(["generate", "questions", "--batch-file", "again.jsonl", "--rebatch", "--quiet"], in: folder.path)
            #expect(rebatch.status == 0, "\(rebatch.stderr)")
            #expect(Set(try Self.requests(folder.file("again.jsonl")).compactMap(\.marker)) == claimed)
            #expect(Corpus.chatRequests(server).count == 3)
        }
        // The first batch's results come in first; the second's then count as already answered.
        try Self.writeResults(folder, for: "q.jsonl", to: "r.jsonl")
        try Self.writeResults(folder, for: "again.jsonl", to: "r-again.jsonl")
        let first = try await iftdb(["generate", "ingest", "r.jsonl"], in: folder.path)
        #expect(first.status == 0 && first.stderr.contains("2 stored"), "\(first.stderr)")
        let second = try await iftdb(["generate", "ingest", "r-again.jsonl"], in: folder.path)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("0 stored · 2 already answered"))
        #expect(try await Self.scalar("SELECT count(*) FROM questions WHERE run_id = 3", in: folder) == "0")
        #expect(try await Self.scalar("SELECT count(*) FROM calls WHERE run_id = 3 AND response IS NOT NULL", in: folder) == "2")
        // Skipped: the three chunks done before it started, and the two answered elsewhere first.
        #expect(try await Self.scalar("SELECT status || ' ' || items_done || ' ' || items_skipped FROM runs WHERE id = 3", in: folder) == "done 0 5")
        #expect(try await Self.scalar("SELECT count(*) FROM (SELECT chunk_id FROM questions GROUP BY chunk_id HAVING count(*) = 3)", in: folder) == "5")
    }

    // MARK: - Golden files

    /// `Tests/Fixtures/batch`, with the store's UUID for `STORE_UUID`.
    static func golden(_ name: String, uuid: String) throws -> String {
        try String(contentsOf: packageRoot.appending(path: "Tests/Fixtures/batch/\(name)"), encoding: .utf8)
            .replacingOccurrences(of: "STORE_UUID", with: uuid)
    }

    @Test func theRequestAndResultFormatsArePinnedByGoldenFiles() async throws {
        let folder = try await Self.setUp(chunks: 3)
        let uuid = try await Self.scalar("SELECT uuid FROM store_identity", in: folder)
        let questions = try await iftdb(["generate", "questions", "--batch-file", "q.jsonl", "--model", "golden-model", "--quiet"], in: folder.path)
        #expect(questions.status == 0, "\(questions.stderr)")
        #expect(try String(contentsOfFile: folder.file("q.jsonl"), encoding: .utf8) == Self.golden("requests-questions.jsonl", uuid: uuid))

        // vllm run-batch's output: two completions (one a short set) and a context error.
        try folder.write("vllm.jsonl", try Self.golden("vllm-results-questions.jsonl", uuid: uuid))
        let vllm = try await iftdb(["generate", "ingest", "vllm.jsonl"], in: folder.path)
        #expect(vllm.status == 1, "\(vllm.stderr)")
        #expect(vllm.stderr.contains("2 stored · 0 already answered · 0 already ingested · 1 failed"))
        #expect(vllm.stderr.contains("last failure: the prompt and chunk do not fit the model's context (HTTP 400: This model's maximum context length is 2048 tokens."))
        #expect(vllm.stderr.contains("run 1 failed: 1 of 3 items failed"))
        #expect(try await Self.scalar("SELECT count(*) FROM questions", in: folder) == "5")
        let runs = try await iftdb(["runs", "--json"], in: folder.path)
        #expect(runs.stdout.contains(#""short_sets":1"#), "\(runs.stdout)")

        let answers = try await iftdb(["generate", "answers", "--batch-file", "a.jsonl", "--model", "golden-model", "--quiet"], in: folder.path)
        #expect(answers.status == 0, "\(answers.stderr)")
        #expect(try String(contentsOfFile: folder.file("a.jsonl"), encoding: .utf8) == Self.golden("requests-answers.jsonl", uuid: uuid))

        // The OpenAI Batch API's output file and error file, ingested together.
        try folder.write("output.jsonl", try Self.golden("openai-output-answers.jsonl", uuid: uuid))
        try folder.write("errors.jsonl", try Self.golden("openai-errors-answers.jsonl", uuid: uuid))
        let openai = try await iftdb(["generate", "ingest", "output.jsonl", "errors.jsonl"], in: folder.path)
        #expect(openai.status == 1, "\(openai.stderr)")
        #expect(openai.stderr.contains("4 stored · 0 already answered · 0 already ingested · 1 failed"))
        #expect(openai.stderr.contains("the batch reported an error: This request could not be executed before the completion window expired."))
        #expect(try await Self.scalar("SELECT group_concat(text, ' | ') FROM answers", in: folder)
            == "ZQ0001 logged sample 7. | The lab of ZQ0001 is in Zürich. | ZQ0001 was logged on day 2. | I don't know.")
        #expect(try await Self.scalar("SELECT items_done || '/' || items_failed || ' ' || status || ' ' || prompt_tokens FROM runs WHERE id = 2", in: folder) == "4/1 failed 395")

        // The failed items are asked again, and only they, by the next run.
        try await withTestModelServer(fallback: Corpus.reply) { server in
            let live = try await iftdb(["generate", "questions", "--model", "golden-model", "--base-url", server.baseURL, "--quiet"], in: folder.path)
            #expect(live.status == 0, "\(live.stderr)")
            #expect(RunClaimTests.markers(server) == ["ZQ0003"])
        }
    }

    // MARK: - Usage

    @Test func usageErrors() async throws {
        let folder = try await Self.setUp(chunks: 1)
        for extra in [["--dry-run"], ["--max-calls", "3"], ["--concurrency", "2"], ["--batch-size", "0"], ["--response-format", "xml"]] {
            let result = try await iftdb(["generate", "questions", "--batch-file", "q.jsonl"] + extra, in: folder.path)
            #expect(result.status == 64, "\(extra): \(result.stderr)")
        }
        for alone in [["--batch-size", "10"], ["--response-format", "none"], ["--max-tokens-field", "max_tokens"]] {
            let result = try await iftdb(["generate", "answers"] + alone, in: folder.path)
            #expect(result.status == 64 && result.stderr.contains("applies to --batch-file only"), "\(alone): \(result.stderr)")
        }
        #expect(try await iftdb(["generate", "questions", "--batch-file", "-"], in: folder.path).status == 64)
        let noFiles = try await iftdb(["generate", "ingest"], in: folder.path)
        #expect(noFiles.status == 64 && noFiles.stderr.contains("give the results files to ingest"), "\(noFiles.stderr)")
        // The store itself, by any name, is never a requests file; nothing is recorded.
        expectOneLineError(try await iftdb(["generate", "questions", "--batch-file", "iftdb.sqlite"], in: folder.path), containing: "is the store itself")
        expectOneLineError(try await iftdb(["generate", "questions", "--batch-file", "iftdb.sqlite-wal"], in: folder.path), containing: "is the store itself")
        #expect(try await Self.scalar("SELECT (SELECT count(*) FROM runs) + (SELECT count(*) FROM calls) + (SELECT count(*) FROM models)", in: folder) == "0")
        #expect(try folder.listing().filter { $0.hasPrefix(".") }.isEmpty)
    }
}
