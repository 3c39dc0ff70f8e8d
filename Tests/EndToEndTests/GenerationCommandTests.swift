import Foundation
import TestSupport
import Testing

/// End-to-end generation through the built binary against a model server inside the test
/// process. Chunks carry markers (`ZQ0007`), so the server can tell which item each request
/// is for, and the test can tell which items the store already holds.
@Suite struct GenerationCommandTests {
    static let segment = 80

    /// `files` files of `chunksPerFile` segments, each exactly `segment` characters with a
    /// unique marker: a window chunker of that size makes one chunk per segment.
    static func writeCorpus(_ folder: TemporaryFolder, files: Int = 5, chunksPerFile: Int = 5) throws {
        var marker = 0
        for file in 0..<files {
            var text = ""
            for _ in 0..<chunksPerFile {
                marker += 1
                let head = String(format: "ZQ%04d The Ørsted lab in Zürich logged sample %d on day %d. ", marker, marker * 7, marker % 28 + 1)
                text += head.padding(toLength: segment, withPad: "~", startingAt: 0)
            }
            try folder.write("docs/notes\(file).txt", text)
        }
    }

    static func marker(in body: String) -> String? {
        guard let range = body.range(of: "ZQ[0-9]{4}", options: .regularExpression) else { return nil }
        return String(body[range])
    }

    /// Questions for question requests (they carry response_format), an answer otherwise.
    static func reply(_ request: TestModelServer.RecordedRequest) -> TestModelServer.Action {
        .respond(status: 200, body: TestModelServer.completion(replyContent(to: request.body)))
    }

    /// The reply's content for a request body: questions about its marker, or an answer.
    static func replyContent(to body: String) -> String {
        let marker = marker(in: body) ?? "none"
        if body.contains("response_format") {
            return #"{"questions": ["What did \#(marker) log?", "Where is the lab of \#(marker)?", "On which day was \#(marker) logged?"]}"#
        }
        let question = body.range(of: "(What did|Where is|On which day)[^?]*\\?", options: .regularExpression).map { String(body[$0]) } ?? "?"
        return "For \(marker): the answer to “\(question)” is in the notes."
    }

    static func chatRequests(_ server: TestModelServer) -> [TestModelServer.RecordedRequest] {
        server.requests.filter { $0.uri.hasSuffix("/chat/completions") }
    }

    func load(_ folder: TemporaryFolder) async throws {
        let result = try await iftdb(["load", "docs", "--chunker", "window", "--chunk-size", "\(Self.segment)"], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
    }

    func scalar(_ sql: String, in folder: TemporaryFolder) async throws -> String {
        let result = try await iftdb(["sql", "--csv", sql], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: "\r\n").dropFirst().first.map(String.init) ?? ""
    }

    @Test func questionsThenAnswersExactlyOnceWithFullLineage() async throws {
        let folder = try TemporaryFolder()
        try Self.writeCorpus(folder)
        try await load(folder)
        try await withTestModelServer(fallback: Self.reply) { server in
            let base = ["--base-url", server.baseURL, "--quiet"]

            let questions = try await iftdb(["generate", "questions"] + base, in: folder.path)
            #expect(questions.status == 0, "\(questions.stderr)")
            #expect(try await scalar("SELECT count(*) FROM chunks", in: folder) == "25")
            #expect(try await scalar("SELECT count(*) FROM questions", in: folder) == "75")
            #expect(try await scalar("SELECT count(*) FROM (SELECT chunk_id FROM questions GROUP BY chunk_id HAVING count(*) = 3)", in: folder) == "25")
            let answers = try await iftdb(["generate", "answers", "--concurrency", "8"] + base, in: folder.path)
            #expect(answers.status == 0, "\(answers.stderr)")
            #expect(try await scalar("SELECT count(*) FROM answers", in: folder) == "75")
            #expect(try await scalar("SELECT count(*) FROM (SELECT question_id FROM answers GROUP BY question_id HAVING count(*) = 1)", in: folder) == "75")
            // No orphans: every row reaches its parents.
            #expect(try await scalar("""
                SELECT (SELECT count(*) FROM questions q LEFT JOIN chunks c ON c.id = q.chunk_id LEFT JOIN calls k ON k.id = q.call_id WHERE c.id IS NULL OR k.id IS NULL)
                     + (SELECT count(*) FROM answers a LEFT JOIN questions q ON q.id = a.question_id LEFT JOIN calls k ON k.id = a.call_id LEFT JOIN runs r ON r.id = a.run_id WHERE q.id IS NULL OR k.id IS NULL OR r.id IS NULL)
                """, in: folder) == "0")
            // Each answer was asked about its own question and chunk.
            #expect(try await scalar("SELECT count(*) FROM answers a JOIN questions q ON q.id = a.question_id JOIN chunks c ON c.id = q.chunk_id WHERE instr(a.text, substr(c.text, 1, 6)) = 0", in: folder) == "0")

            // Again: nothing is asked.
            let before = Self.chatRequests(server).count
            let again = try await iftdb(["generate", "questions"] + base, in: folder.path)
            #expect(again.status == 0)
            #expect(again.stderr.contains("nothing to do"))
            #expect(try await iftdb(["generate", "answers"] + base, in: folder.path).status == 0)
            #expect(Self.chatRequests(server).count == before)

            let runs = try await iftdb(["runs", "--json"], in: folder.path)
            let runList = try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [[String: Any]]
            #expect(runList?.count == 2)
            #expect(runList?.allSatisfy { $0["status"] as? String == "done" } == true)

            // show answer:ID --json carries every link, checked against the rows themselves.
            let shown = try await iftdb(["show", "answer:7", "--json"], in: folder.path)
            #expect(shown.status == 0, "\(shown.stderr)")
            let lineage = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
            let answer = try #require(lineage["answer"] as? [String: Any])
            let question = try #require(lineage["question"] as? [String: Any])
            let chunk = try #require(lineage["chunk"] as? [String: Any])
            let source = try #require(lineage["source"] as? [String: Any])
            let expected = try await iftdb(["sql", "--json", """
                SELECT a.id AS answer_id, a.text AS answer_text, a.run_id AS answer_run, a.call_id AS answer_call, a.prompt_id AS answer_prompt,
                       pa.name || '@' || pa.version AS answer_prompt_ref, m.name AS model, m.id AS model_id,
                       q.id AS question_id, q.text AS question_text, q.run_id AS question_run, q.call_id AS question_call,
                       pq.name || '@' || pq.version AS question_prompt_ref,
                       c.id AS chunk_id, c.start AS start, c.end AS end, c.text AS chunk_text,
                       s.id AS source_id, s.path AS path, s.version AS version
                FROM answers a JOIN questions q ON q.id = a.question_id JOIN chunks c ON c.id = q.chunk_id
                JOIN sources s ON s.id = c.source_id JOIN prompts pa ON pa.id = a.prompt_id JOIN prompts pq ON pq.id = q.prompt_id
                JOIN models m ON m.id = a.model_id WHERE a.id = 7
                """], in: folder.path)
            let row = try #require((try JSONSerialization.jsonObject(with: Data(expected.stdout.utf8)) as? [[String: Any]])?.first)
            #expect(answer["id"] as? Int == row["answer_id"] as? Int)
            #expect(answer["text"] as? String == row["answer_text"] as? String)
            #expect(answer["run_id"] as? Int == row["answer_run"] as? Int)
            #expect(answer["call_id"] as? Int == row["answer_call"] as? Int)
            #expect(answer["prompt"] as? String == row["answer_prompt_ref"] as? String)
            #expect(answer["model"] as? String == row["model"] as? String)
            #expect(answer["model_id"] as? Int == row["model_id"] as? Int)
            #expect(answer["call_http_status"] as? Int == 200)
            #expect(answer["endpoint"] as? String == server.baseURL)
            #expect(question["id"] as? Int == row["question_id"] as? Int)
            #expect(question["text"] as? String == row["question_text"] as? String)
            #expect(question["run_id"] as? Int == row["question_run"] as? Int)
            #expect(question["call_id"] as? Int == row["question_call"] as? Int)
            #expect(question["prompt"] as? String == row["question_prompt_ref"] as? String)
            #expect(chunk["id"] as? Int == row["chunk_id"] as? Int)
            #expect(chunk["start"] as? Int == row["start"] as? Int)
            #expect(chunk["end"] as? Int == row["end"] as? Int)
            #expect(chunk["text"] as? String == row["chunk_text"] as? String)
            #expect(source["id"] as? Int == row["source_id"] as? Int)
            #expect(source["path"] as? String == row["path"] as? String)
            #expect(source["version"] as? Int == row["version"] as? Int)
            #expect(source["is_current"] as? Bool == true)
            // The call row holds the raw exchange.
            #expect(try await scalar("SELECT count(*) FROM calls WHERE id = \(row["answer_call"] as? Int ?? -1) AND response LIKE '%chat.completion%' AND request LIKE '%ZQ%'", in: folder) == "1")
            let human = try await iftdb(["show", "question:1"], in: folder.path)
            #expect(human.status == 0 && human.stdout.contains("prompt questions@1"))
        }
    }

    /// Waits until `server` has received `count` chat requests.
    static func waitForChatRequests(_ server: TestModelServer, _ count: Int, sourceLocation: SourceLocation = #_sourceLocation) async {
        let arrived = await server.waitForRequests { $0.filter { $0.uri.hasSuffix("/chat/completions") }.count >= count }
        #expect(arrived, "timed out waiting for \(count) chat requests", sourceLocation: sourceLocation)
    }

    /// Runs `arguments` (a `generate` command) with one request in flight against a server
    /// that replies to the first `replies` requests `isAsked` picks and holds every later
    /// one, kills it with SIGKILL once request `replies + 1` arrives (so result `replies` is
    /// committed), and checks that the store is intact and the run shows as interrupted.
    static func killedAfter(
        _ replies: Int, _ arguments: [String], in folder: TemporaryFolder, isAsked: @escaping @Sendable (TestModelServer.RecordedRequest) -> Bool,
        reply: @escaping @Sendable (TestModelServer.RecordedRequest) -> TestModelServer.Action, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let answered = Counter()
        try await withTestModelServer(fallback: { request in
            guard isAsked(request) else { return .respond(status: 200, body: #"{"data":[]}"#) }
            return answered.next() <= replies ? reply(request) : .hang
        }) { server in
            let process = try startIftdb(arguments + ["--base-url", server.baseURL, "--concurrency", "1", "--quiet"], in: folder.path)
            let arrived = await server.waitForRequests { $0.filter(isAsked).count >= replies + 1 }
            #expect(arrived, "timed out waiting for \(replies + 1) requests", sourceLocation: sourceLocation)
            kill(process.pid, SIGKILL)
            await process.exit()
        }
        #expect(try await RunClaimTests.scalar("PRAGMA integrity_check", in: folder) == "ok", sourceLocation: sourceLocation)
        #expect(try await iftdb(["runs", "--json"], in: folder.path).stdout.contains("\"status\":\"interrupted\""), sourceLocation: sourceLocation)
    }

    @Test(arguments: [1, 12, 24])
    func killedAtAnyPointResumesExactlyOnce(after replies: Int) async throws {
        let folder = try TemporaryFolder()
        try Self.writeCorpus(folder)
        try await load(folder)
        try await Self.killedAfter(replies, ["generate", "questions"], in: folder, isAsked: { $0.uri.hasSuffix("/chat/completions") }, reply: Self.reply)
        #expect(try await scalar("SELECT count(DISTINCT chunk_id) FROM questions", in: folder) == "\(replies)")
        let stored = Set(try await iftdb(["sql", "--csv", "SELECT DISTINCT substr(c.text, 1, 6) FROM questions q JOIN chunks c ON c.id = q.chunk_id"], in: folder.path)
            .stdout.split(separator: "\r\n").dropFirst().map(String.init))
        #expect(stored.count == replies)

        try await withTestModelServer(fallback: Self.reply) { resumed in
            let again = try await iftdb(["generate", "questions", "--base-url", resumed.baseURL, "--quiet"], in: folder.path)
            #expect(again.status == 0, "\(again.stderr)")
            let asked = Self.chatRequests(resumed).compactMap { Self.marker(in: $0.body) }
            #expect(Set(asked).isDisjoint(with: stored), "items already stored were asked again")
            #expect(asked.count == 25 - replies)
            #expect(try await scalar("SELECT count(*) FROM questions", in: folder) == "75")
            #expect(try await scalar("SELECT count(*) FROM (SELECT chunk_id, sample FROM questions GROUP BY chunk_id, sample HAVING count(*) <> 3)", in: folder) == "0")
            #expect(try await scalar("PRAGMA integrity_check", in: folder) == "ok")
        }
    }

    /// Runs `arguments` (a `generate` command) with two requests in flight against a server
    /// that holds its replies to the requests `isAsked` picks until the run has heard Ctrl-C:
    /// sends Ctrl-C once both are in, waits for the run to say it stops, then lets the
    /// replies go. However slow the machine, exactly two requests were sent when it stopped.
    /// `body` gets how the command ended and the server (for a resume).
    static func interruptedWithTwoInFlight(
        _ arguments: [String], in folder: TemporaryFolder, isAsked: @escaping @Sendable (TestModelServer.RecordedRequest) -> Bool,
        reply: @escaping @Sendable (TestModelServer.RecordedRequest) -> TestModelServer.Action,
        _ body: (CommandResult, TestModelServer) async throws -> Void
    ) async throws {
        let heard = Occurrence()
        try await withTestModelServer(fallback: { request in
            guard isAsked(request), case .respond(let status, _, let text) = reply(request) else { return reply(request) }
            return .respondWhen({ await heard.waitForSignal() }, status: status, body: text)
        }) { server in
            let process = try startIftdb(arguments + ["--base-url", server.baseURL, "--concurrency", "2", "--quiet"], in: folder.path)
            let inFlight = await server.waitForRequests { $0.filter(isAsked).count >= 2 }
            #expect(inFlight, "timed out waiting for two requests in flight")
            kill(process.pid, SIGINT)
            #expect(await process.waitForOutput("stopping:"), "the run did not hear Ctrl-C: \(process.stderr)")
            heard.signal()
            try await body(await process.exit(), server)
        }
    }

    @Test func ctrlCFinishesTheCallsInFlightMarksTheRunInterruptedAndPrintsTheResumeCommand() async throws {
        let folder = try TemporaryFolder()
        try Self.writeCorpus(folder)
        try await load(folder)
        try await Self.interruptedWithTwoInFlight(["generate", "questions"], in: folder, isAsked: { $0.uri.hasSuffix("/chat/completions") },
                                                  reply: Self.reply) { stopped, server in
            #expect(stopped.status == 1, "\(stopped.stderr)")
            #expect(stopped.stderr.contains("stopping: no new requests"))
            #expect(stopped.stderr.contains("resume with: iftdb generate questions --base-url"))
            // Every request sent got its reply stored: the calls in flight were let finish.
            #expect(Self.chatRequests(server).count == 2)
            #expect(try await scalar("SELECT count(DISTINCT chunk_id) FROM questions", in: folder) == "2")
            #expect(try await iftdb(["runs", "--json"], in: folder.path).stdout.contains("\"status\":\"interrupted\""))
            let resumed = try await iftdb(["generate", "questions", "--base-url", server.baseURL, "--quiet"], in: folder.path)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(Self.chatRequests(server).count == 25)
            #expect(try await scalar("SELECT count(*) FROM questions", in: folder) == "75")
        }
    }

    @Test func aSecondCtrlCAbandonsCallsThatHang() async throws {
        let folder = try TemporaryFolder()
        try Self.writeCorpus(folder, files: 1, chunksPerFile: 3)
        try await load(folder)
        try await withTestModelServer(fallback: { request in
            request.uri.hasSuffix("/chat/completions") ? .hang : .respond(status: 200, body: #"{"data":[]}"#)
        }) { server in
            let process = try startIftdb(["generate", "questions", "--base-url", server.baseURL, "--concurrency", "2", "--quiet"], in: folder.path)
            await Self.waitForChatRequests(server, 2)
            kill(process.pid, SIGINT)
            // The second Ctrl-C only once the first was heard, or it would count as the first.
            #expect(await process.waitForOutput("stopping:"), "\(process.stderr)")
            kill(process.pid, SIGINT)
            // The calls hang for good: only abandoning them lets the process end.
            let abandoned = await process.exit(killingAfter: .seconds(60))
            #expect(!abandoned.wasKilledAtLimit, "the second Ctrl-C did not end the run: \(abandoned.stderr)")
            #expect(abandoned.status == 1, "\(abandoned.stderr)")
            #expect(try await iftdb(["runs", "--json"], in: folder.path).stdout.contains("\"status\":\"interrupted\""))
            #expect(try await scalar("SELECT count(*) FROM questions", in: folder) == "0")
        }
    }

    @Test func aServerThatAnswersGarbageFailsTheItemsAndKeepsTheBodies() async throws {
        let folder = try TemporaryFolder()
        try Self.writeCorpus(folder, files: 1, chunksPerFile: 2)
        try await load(folder)
        try await withTestModelServer(fallback: { request in
            request.uri.hasSuffix("/chat/completions") ? .respond(status: 200, body: "<html>gateway says hi") : .respond(status: 200, body: #"{"data":[]}"#)
        }) { server in
            let result = try await iftdb(["generate", "questions", "--base-url", server.baseURL, "--retries", "1", "--quiet"], in: folder.path)
            #expect(result.status == 1, "\(result.stderr)")
            #expect(result.stderr.contains("2 failed"))
            #expect(try await scalar("SELECT count(*) FROM questions", in: folder) == "0")
            #expect(try await scalar("SELECT count(*) FROM calls WHERE response = '<html>gateway says hi'", in: folder) == "4")
            #expect(try await scalar("SELECT items_failed FROM runs", in: folder) == "2")
        }
    }

    @Test func itemsThatFailForGoodExit1AndAreRetriedNextRun() async throws {
        let folder = try TemporaryFolder()
        try Self.writeCorpus(folder)
        try await load(folder)
        let broken: Set<String> = ["ZQ0003", "ZQ0011", "ZQ0020"]
        try await withTestModelServer(fallback: { request in
            if let marker = Self.marker(in: request.body), broken.contains(marker) {
                return .respond(status: 400, body: #"{"error":{"message":"this chunk upsets the model"}}"#)
            }
            return Self.reply(request)
        }) { server in
            let failing = try await iftdb(["generate", "questions", "--base-url", server.baseURL, "--quiet", "--json"], in: folder.path)
            #expect(failing.status == 1, "\(failing.stderr)")
            #expect(failing.stderr.contains("3 failed"))
            #expect(failing.stderr.contains("this chunk upsets the model"))
            #expect(failing.stdout.contains("\"failed\":3"))
            #expect(try await scalar("SELECT count(DISTINCT chunk_id) FROM questions", in: folder) == "22")
            #expect(try await scalar("SELECT count(*) FROM calls WHERE http_status = 400", in: folder) == "3")

            try await withTestModelServer(fallback: Self.reply) { healed in
                let again = try await iftdb(["generate", "questions", "--base-url", healed.baseURL, "--quiet"], in: folder.path)
                #expect(again.status == 0, "\(again.stderr)")
                #expect(Set(Self.chatRequests(healed).compactMap { Self.marker(in: $0.body) }) == broken)
                #expect(try await scalar("SELECT count(*) FROM questions", in: folder) == "75")
            }
        }
    }

    @Test func dryRunMaxCallsAndBadInputs() async throws {
        let folder = try TemporaryFolder()
        try Self.writeCorpus(folder)
        try await load(folder)
        try await withTestModelServer(fallback: Self.reply) { server in
            let dry = try await iftdb(["generate", "questions", "--base-url", server.baseURL, "--dry-run"], in: folder.path)
            #expect(dry.status == 0)
            #expect(dry.stderr.contains("dry run: 25 calls"))
            #expect(Self.chatRequests(server).isEmpty)
            let capped = try await iftdb(["generate", "questions", "--base-url", server.baseURL, "--max-calls", "4", "--concurrency", "2", "--quiet"], in: folder.path)
            #expect(capped.status == 0, "\(capped.stderr)")
            #expect(capped.stderr.contains("resume with: iftdb generate questions"))
            #expect(Self.chatRequests(server).count == 4)
            #expect(try await scalar("SELECT count(DISTINCT chunk_id) FROM questions", in: folder) == "4")

            expectOneLineError(try await iftdb(["generate", "questions", "--base-url", "http://127.0.0.1:9/v1"], in: folder.path), containing: "no model server at")
            expectOneLineError(try await iftdb(["generate", "questions", "--prompt", "questions@9", "--base-url", server.baseURL], in: folder.path), containing: "has version 9")
            expectOneLineError(try await iftdb(["generate", "questions", "--prompt", "answers", "--base-url", server.baseURL], in: folder.path), containing: "needs a question prompt")
            #expect(try await iftdb(["generate", "questions", "--concurrency", "0"], in: folder.path).status == 64)
            #expect(try await iftdb(["generate", "questions", "--base-url", "ftp://x"], in: folder.path).status == 64)
            #expect(try await iftdb(["generate", "questions", "--timeout", "inf"], in: folder.path).status == 64)
            #expect(try await iftdb(["generate", "questions", "--connect-timeout", "1e300"], in: folder.path).status == 64)
            let empty = try TemporaryFolder()
            expectOneLineError(try await iftdb(["generate", "answers", "--base-url", server.baseURL], in: empty.path), containing: "no iftdb store")
        }
    }

    @Test func anAPIKeyEchoedBackNeverLandsAnywhere() async throws {
        let folder = try TemporaryFolder()
        try Self.writeCorpus(folder, files: 1, chunksPerFile: 2)
        try await load(folder)
        let key = "sk-test-\(UUID().uuidString)"
        try await withTestModelServer(fallback: { request in
            guard request.uri.hasSuffix("/chat/completions") else { return .respond(status: 200, body: #"{"data":[]}"#) }
            let sent = request.header("Authorization") ?? ""
            return .respond(status: 401, headers: [("X-Echo", sent)], body: #"{"error":{"message":"Incorrect API key provided: \#(sent)"}}"#)
        }) { server in
            let result = try await iftdb(["generate", "questions", "--base-url", server.baseURL], in: folder.path, environment: ["IFTDB_API_KEY": key])
            // A 401 ends the run (exit 2) after the calls in flight: both items were sent at once.
            #expect(result.status == 2)
            #expect(Self.chatRequests(server).first?.header("Authorization") == "Bearer \(key)")
            #expect(!result.stdout.contains(key) && !result.stderr.contains(key))
            let runs = try await iftdb(["runs", "--json"], in: folder.path)
            #expect(!runs.stdout.contains(key))
            for suffix in ["", "-wal", "-shm"] {
                if let data = FileManager.default.contents(atPath: folder.file("iftdb.sqlite" + suffix)) {
                    #expect(data.range(of: Data(key.utf8)) == nil, "the key is in iftdb.sqlite\(suffix)")
                }
            }
            #expect(try await scalar("SELECT count(*) FROM calls WHERE http_status = 401 AND response LIKE '%REDACTED%'", in: folder) == "2")
        }
    }
}

/// A thread-safe counter for server closures.
final class Counter: @unchecked Sendable {
    // Every access holds `lock`.
    private let lock = NSLock()
    private var value = 0

    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
