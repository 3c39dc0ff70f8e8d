import Foundation
import TestSupport
import Testing

/// `generate judgments` through the built binary against a model server inside the test
/// process, on pairs made by `generate questions` and `generate answers` from the same
/// server. The judge's score depends on the question: "What did …" gets 5, "On which day …"
/// 4 and "Where is …" 2, so a test can tell which pairs a filter on scores must keep.
@Suite struct JudgmentGenerationTests {
    /// The question a request is about (the first in its body): it names one pair.
    static func question(in body: String) -> String? {
        body.range(of: "(What did|Where is|On which day)[^?]*\\?", options: .regularExpression).map { String(body[$0]) }
    }

    static func isJudgment(_ request: TestModelServer.RecordedRequest) -> Bool {
        request.body.contains(#""name":"judgment""#)
    }

    static func score(for question: String) -> Int {
        question.hasPrefix("What did") ? 5 : question.hasPrefix("On which day") ? 4 : 2
    }

    /// A judgment for judge requests, the generation tests' questions and answers otherwise.
    static func reply(_ request: TestModelServer.RecordedRequest) -> TestModelServer.Action {
        guard isJudgment(request) else { return GenerationCommandTests.reply(request) }
        let question = question(in: request.body) ?? "?"
        return .respond(status: 200, body: TestModelServer.completion(
            #"{"score": \#(score(for: question)), "reason": "Graded \#(GenerationCommandTests.marker(in: request.body) ?? "none")."}"#))
    }

    static func judgeRequests(_ server: TestModelServer) -> [TestModelServer.RecordedRequest] {
        server.requests.filter(isJudgment)
    }

    /// A store with `chunks` chunks, three questions each and an answer to each question.
    func store(chunks: Int = 4) async throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        try GenerationCommandTests.writeCorpus(folder, files: 1, chunksPerFile: chunks)
        try await GenerationFailureTests.load(folder)
        try await withTestModelServer(fallback: GenerationCommandTests.reply) { server in
            for kind in ["questions", "answers"] {
                let result = try await iftdb(["generate", kind, "--base-url", server.baseURL, "--quiet"], in: folder.path)
                #expect(result.status == 0, "\(result.stderr)")
            }
        }
        return folder
    }

    func scalar(_ sql: String, in folder: TemporaryFolder) async throws -> String {
        try await RunClaimTests.scalar(sql, in: folder)
    }

    /// The questions of the pairs that have a judgment, one per judgment.
    func judgedQuestions(in folder: TemporaryFolder) async throws -> [String] {
        let result = try await iftdb(["sql", "--csv", """
            SELECT q.text FROM judgments j JOIN answers a ON a.id = j.answer_id JOIN questions q ON q.id = a.question_id ORDER BY j.id
            """], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: "\r\n").dropFirst().map(String.init)
    }

    @Test func gradesEveryPairOnceWithItsLineageAndAsksNothingTheSecondTime() async throws {
        let folder = try await store()
        try await withTestModelServer(fallback: Self.reply) { server in
            let result = try await iftdb(["generate", "judgments", "--base-url", server.baseURL, "--model", "judge-llm", "--quiet", "--json"], in: folder.path)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("12 judgments (scores 1/2/3/4/5: 0/4/0/4/4) stored"), "\(result.stderr)")
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            #expect(summary["done"] as? Int == 12 && summary["failed"] as? Int == 0)
            #expect(summary["score_histogram"] as? [Int] == [0, 4, 0, 4, 4])
            #expect(Self.judgeRequests(server).count == 12)

            // One judgment per answer, each from the call that asked about that answer's pair.
            #expect(try await scalar("SELECT count(*) FROM (SELECT answer_id FROM judgments GROUP BY answer_id HAVING count(*) = 1)", in: folder) == "12")
            #expect(try await scalar("""
                SELECT count(*) FROM judgments j JOIN answers a ON a.id = j.answer_id JOIN questions q ON q.id = a.question_id
                JOIN chunks c ON c.id = q.chunk_id JOIN calls k ON k.id = j.call_id JOIN runs r ON r.id = j.run_id
                JOIN prompts p ON p.id = j.prompt_id JOIN models m ON m.id = j.model_id
                WHERE k.run_id = r.id AND k.item = 'answer:' || a.id || '/1' AND r.kind = 'judgments' AND r.status = 'done'
                  AND p.name = 'judge' AND p.version = 1 AND m.name = 'judge-llm' AND j.sample = 1
                  AND instr(k.request, substr(c.text, 1, 6)) > 0 AND j.reason = 'Graded ' || substr(c.text, 1, 6) || '.'
                """, in: folder) == "12")
            // Each request carried its own question and answer, and asked for the judgment schema.
            for request in Self.judgeRequests(server) {
                let question = try #require(Self.question(in: request.body))
                // Once on the question's line, once inside the answer the test server wrote.
                #expect(request.body.components(separatedBy: question).count == 3, "\(request.body)")
                #expect(request.body.contains("Question: \(question)") && request.body.contains(#""minimum":1,"maximum":5"#))
            }
            let graded = try await iftdb(["sql", "--json", """
                SELECT q.text AS question, j.score AS score FROM judgments j JOIN answers a ON a.id = j.answer_id
                JOIN questions q ON q.id = a.question_id
                """], in: folder.path)
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(graded.stdout.utf8)) as? [[String: Any]])
            #expect(rows.count == 12)
            for row in rows {
                let question = row["question"] as? String ?? ""
                #expect(row["score"] as? Int == Self.score(for: question), "\(question)")
            }
            let shown = try await iftdb(["show", "answer:1"], in: folder.path)
            let judged = try await scalar("SELECT score || ' · ' || reason FROM judgments WHERE answer_id = 1", in: folder)
            #expect(shown.stdout.contains("judge@1 with judge-llm, sample 1: \(judged) · run "), "\(shown.stdout)")

            // Again: nothing to ask. A second sample is one more judgment per answer.
            let again = try await iftdb(["generate", "judgments", "--base-url", server.baseURL, "--model", "judge-llm"], in: folder.path)
            #expect(again.status == 0 && again.stderr.contains("nothing to do"), "\(again.stderr)")
            #expect(Self.judgeRequests(server).count == 12)
            let second = try await iftdb(["generate", "judgments", "--samples", "2", "--base-url", server.baseURL, "--model", "judge-llm", "--quiet"], in: folder.path)
            #expect(second.status == 0, "\(second.stderr)")
            #expect(Self.judgeRequests(server).count == 24)
            #expect(try await scalar("SELECT count(*) FROM judgments WHERE sample = 2", in: folder) == "12")
            let runs = try await iftdb(["runs", "--json"], in: folder.path)
            let listed = try #require(try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [[String: Any]])
            #expect(listed.filter { $0["kind"] as? String == "judgments" }.map { $0["prompt"] as? String } == ["judge@1", "judge@1"])
        }
    }

    @Test func exportWithMinScoreKeepsExactlyThePairsGradedAtLeastThatAndStatsShowTheScores() async throws {
        let folder = try await store()
        try await withTestModelServer(fallback: Self.reply) { server in
            let judged = try await iftdb(["generate", "judgments", "--base-url", server.baseURL, "--quiet"], in: folder.path)
            #expect(judged.status == 0, "\(judged.stderr)")
        }
        let exported = try await iftdb(["export", "--format", "jsonl", "--min-score", "4"], in: folder.path)
        #expect(exported.status == 0, "\(exported.stderr)")
        let graded = try await iftdb(["sql", "--csv", "SELECT answer_id FROM judgments WHERE score >= 4 ORDER BY answer_id"], in: folder.path)
        let expected = graded.stdout.split(separator: "\r\n").dropFirst().compactMap { Int($0) }
        #expect(expected.count == 8)
        #expect(try answerIDs(exported.stdout).sorted() == expected)
        let questions = exported.stdout.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["question"] as? String
        }
        #expect(questions.count == 8 && questions.allSatisfy { Self.score(for: $0) >= 4 }, "\(questions)")
        #expect(exported.stderr.contains("--min-score 4 (mean score from judge@1 with smollm2-135m): removed 4"), "\(exported.stderr)")

        let stats = try await iftdb(["stats", "--json"], in: folder.path)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any])
        let group = try #require((object["groups"] as? [[String: Any]])?.first)
        #expect(group["judged"] as? Int == 12 && group["score_histogram"] as? [Int] == [0, 4, 0, 4, 4])
        #expect(abs((group["mean_score"] as? Double ?? 0) - 11.0 / 3) < 1e-9, "\(group)")
    }

    @Test func theFiltersChooseWhichPairsToGrade() async throws {
        let folder = try await store()
        try await withTestModelServer(fallback: Self.reply) { server in
            let base = ["generate", "judgments", "--base-url", server.baseURL, "--quiet"]
            // Two chunks of one file, one of another: --source narrows to the file.
            try folder.write("docs/extra.txt", "ZQ0099 The Zürich lab logged one more sample on day 9.")
            try await GenerationFailureTests.load(folder)
            try await withTestModelServer(fallback: GenerationCommandTests.reply) { generator in
                for kind in ["questions", "answers"] {
                    let result = try await iftdb(["generate", kind, "--base-url", generator.baseURL, "--quiet"], in: folder.path)
                    #expect(result.status == 0, "\(result.stderr)")
                }
            }
            let dry = try await iftdb(base + ["--source", "extra.txt", "--dry-run"], in: folder.path)
            #expect(dry.status == 0 && dry.stderr.contains("dry run: 3 calls"), "\(dry.stderr)")
            #expect(Self.judgeRequests(server).isEmpty)
            #expect(try await iftdb(base + ["--source", "extra.txt"], in: folder.path).status == 0)
            #expect(Set(Self.judgeRequests(server).compactMap { GenerationCommandTests.marker(in: $0.body) }) == ["ZQ0099"])

            // The answers of one answer prompt, with no "I don't know", not too short, as export picks them.
            let picked = try await iftdb(base + ["--answers", "answers@1", "--min-answer-chars", "1", "--exclude-idk", "--limit", "2", "--json"], in: folder.path)
            #expect(picked.status == 0, "\(picked.stderr)")
            #expect(Self.judgeRequests(server).count == 5)
            let options = try await iftdb(["sql", "--json", "SELECT options FROM runs WHERE kind = 'judgments' ORDER BY id DESC LIMIT 1"], in: folder.path)
            #expect(options.stdout.contains(#""options":"{\"samples\":1,\"concurrency\":4,\"retries\":4,\"answers\":\"answers@1\",\"filters\":[\"--exclude-idk\",\"--min-answer-chars 1\"],\"limit\":2}""#), "\(options.stdout)")
            // Only what another judge graded well: its scores, not this judge's, choose.
            let strict = try await iftdb(base + ["--model", "big-judge", "--judge-model", "smollm2-135m", "--min-score", "4"], in: folder.path)
            #expect(strict.status == 0, "\(strict.stderr)")
            let bigJudged = try await iftdb(["sql", "--csv", """
                SELECT q.text FROM judgments j JOIN models m ON m.id = j.model_id JOIN answers a ON a.id = j.answer_id
                JOIN questions q ON q.id = a.question_id WHERE m.name = 'big-judge'
                """], in: folder.path)
            let bigQuestions = bigJudged.stdout.split(separator: "\r\n").dropFirst().map(String.init)
            #expect(!bigQuestions.isEmpty && bigQuestions.allSatisfy { Self.score(for: $0) >= 4 }, "\(bigQuestions)")

            // Nothing selected: one line that names what removed the pairs, and nothing asked.
            let before = Self.judgeRequests(server).count
            expectOneLineError(try await iftdb(base + ["--source", "nothing/*"], in: folder.path), containing: "no pairs match the filters (of 15 pairs: --source 'nothing/*' removed 15)")
            expectOneLineError(try await iftdb(base + ["--source", "nothing/*"], in: folder.path), containing: "nothing asked")
            #expect(Self.judgeRequests(server).count == before)
        }
        let empty = try TemporaryFolder()
        #expect(try await iftdb(["init"], in: empty.path).status == 0)
        expectOneLineError(try await iftdb(["generate", "judgments", "--base-url", "http://127.0.0.1:9/v1"], in: empty.path),
                           containing: "no pairs to grade: the store has no answers yet; make some with `iftdb generate answers`")
    }

    @Test func aBadScoreOrGarbageIsAskedAgainWithinTheRunThenFailsWithItsReason() async throws {
        let folder = try await store(chunks: 2)
        let asked = Counter()
        try await withTestModelServer(fallback: { request in
            guard Self.isJudgment(request) else { return .respond(status: 200, body: #"{"data":[]}"#) }
            let question = Self.question(in: request.body) ?? ""
            // Every "Where is" pair gets garbage for good; the first judge request a 7 once.
            if question.hasPrefix("Where is") { return .respond(status: 200, body: TestModelServer.completion("I think it is fine.")) }
            if asked.next() == 1 { return .respond(status: 200, body: TestModelServer.completion(#"{"score": 7, "reason": "Superb."}"#)) }
            return Self.reply(request)
        }) { server in
            let result = try await iftdb(["generate", "judgments", "--base-url", server.baseURL, "--retries", "2", "--concurrency", "1", "--quiet"], in: folder.path)
            #expect(result.status == 1, "\(result.stderr)")
            #expect(result.stderr.contains("4 judgments (scores 1/2/3/4/5: 0/0/0/2/2) stored") && result.stderr.contains("2 failed"), "\(result.stderr)")
            #expect(result.stderr.contains("last failure: the judge's reply held no score (3 attempts)"), "\(result.stderr)")
            #expect(try await scalar("SELECT count(*) FROM judgments", in: folder) == "4")
            #expect(try await scalar("SELECT count(*) FROM judgments WHERE score NOT BETWEEN 1 AND 5", in: folder) == "0")
            // Every attempt is a call: the 7 once, and three of garbage for each failed pair.
            #expect(try await scalar("SELECT count(*) FROM calls WHERE error = 'the judge''s score 7 is outside 1 to 5'", in: folder) == "1")
            #expect(try await scalar("SELECT count(*) FROM calls WHERE error = 'the judge''s reply held no score'", in: folder) == "6")
            #expect(try await scalar("SELECT items_done || '/' || items_failed || ' ' || status FROM runs WHERE kind = 'judgments'", in: folder) == "4/2 failed")

            // The next run asks again for the failed pairs alone.
            try await withTestModelServer(fallback: Self.reply) { healed in
                let again = try await iftdb(["generate", "judgments", "--base-url", healed.baseURL, "--quiet"], in: folder.path)
                #expect(again.status == 0, "\(again.stderr)")
                let questions = Self.judgeRequests(healed).compactMap { Self.question(in: $0.body) }
                #expect(questions.count == 2 && questions.allSatisfy { $0.hasPrefix("Where is") }, "\(questions)")
                #expect(try await scalar("SELECT count(*) FROM judgments", in: folder) == "6")
            }
        }
    }

    @Test func serverErrorsAndRateLimitsAreRetriedAndRecorded() async throws {
        let folder = try await store(chunks: 1)
        let asked = Counter()
        try await withTestModelServer(fallback: { request in
            guard Self.isJudgment(request) else { return .respond(status: 200, body: #"{"data":[]}"#) }
            switch asked.next() {
            case 1: return .respond(status: 500, body: #"{"error":{"message":"the judge fell over"}}"#)
            case 2: return .respond(status: 429, headers: [("Retry-After", "0")], body: #"{"error":{"message":"slow down"}}"#)
            default: return Self.reply(request)
            }
        }) { server in
            let result = try await iftdb(["generate", "judgments", "--base-url", server.baseURL, "--concurrency", "1", "--quiet"], in: folder.path)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(try await scalar("SELECT count(*) FROM judgments", in: folder) == "3")
            #expect(try await scalar("SELECT group_concat(http_status, ' ') FROM (SELECT http_status FROM calls k JOIN runs r ON r.id = k.run_id WHERE r.kind = 'judgments' ORDER BY k.id)", in: folder)
                == "500 429 200 200 200")
            #expect(try await scalar("SELECT attempt FROM calls WHERE id = (SELECT call_id FROM judgments ORDER BY id LIMIT 1)", in: folder) == "3")
        }
    }

    @Test(arguments: [1, 7])
    func killedMidRunResumesExactlyOnce(after replies: Int) async throws {
        let folder = try await store()
        try await GenerationCommandTests.killedAfter(replies, ["generate", "judgments"], in: folder, isAsked: Self.isJudgment, reply: Self.reply)
        #expect(try await scalar("SELECT count(*) FROM judgments", in: folder) == "\(replies)")
        // Left `running` by the killed process; `runs` shows it interrupted.
        #expect(try await scalar("SELECT count(*) FROM runs WHERE kind = 'judgments' AND status = 'running'", in: folder) == "1")
        let stored = Set(try await judgedQuestions(in: folder))

        try await withTestModelServer(fallback: Self.reply) { resumed in
            let again = try await iftdb(["generate", "judgments", "--base-url", resumed.baseURL, "--quiet"], in: folder.path)
            #expect(again.status == 0, "\(again.stderr)")
            let asked = Self.judgeRequests(resumed).compactMap { Self.question(in: $0.body) }
            #expect(Set(asked).isDisjoint(with: stored), "pairs already graded were asked again")
            #expect(asked.count == 12 - replies)
            #expect(try await scalar("SELECT count(*) FROM (SELECT answer_id FROM judgments GROUP BY answer_id, prompt_id, model_id, sample HAVING count(*) = 1)", in: folder) == "12")
            #expect(try await scalar("PRAGMA integrity_check", in: folder) == "ok")
            #expect(try await iftdb(["check"], in: folder.path).status == 0)
        }
    }

    @Test func ctrlCFinishesTheCallsInFlightAndPrintsTheResumeCommand() async throws {
        let folder = try await store()
        try await GenerationCommandTests.interruptedWithTwoInFlight(["generate", "judgments", "--exclude-idk"], in: folder,
                                                                    isAsked: Self.isJudgment, reply: Self.reply) { stopped, server in
            #expect(stopped.status == 1, "\(stopped.stderr)")
            #expect(stopped.stderr.contains("resume with: iftdb generate judgments --exclude-idk --base-url \(server.baseURL) --concurrency 2 --quiet"), "\(stopped.stderr)")
            // Both requests in flight got their judgments stored: the calls were let finish.
            #expect(Self.judgeRequests(server).count == 2)
            #expect(try await scalar("SELECT count(*) FROM judgments", in: folder) == "2")
            #expect(try await scalar("SELECT status FROM runs WHERE kind = 'judgments'", in: folder) == "interrupted")
            let resumed = try await iftdb(["generate", "judgments", "--base-url", server.baseURL, "--exclude-idk", "--quiet"], in: folder.path)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(Self.judgeRequests(server).count == 12)
            #expect(try await scalar("SELECT count(*) FROM judgments", in: folder) == "12")
        }
    }

    @Test func dryRunMaxCallsAndBadFlags() async throws {
        let folder = try await store()
        try await withTestModelServer(fallback: Self.reply) { server in
            let base = ["generate", "judgments", "--base-url", server.baseURL]
            let dry = try await iftdb(base + ["--samples", "2", "--dry-run", "--json"], in: folder.path)
            #expect(dry.status == 0, "\(dry.stderr)")
            #expect(dry.stderr.contains("dry run: 24 calls to smollm2-135m at \(server.baseURL) with judge@1 (0 answers already done)"), "\(dry.stderr)")
            #expect(dry.stdout.hasPrefix(#"{"calls":24,"already_done":0,"estimated_prompt_tokens":"#), "\(dry.stdout)")
            #expect(Self.judgeRequests(server).isEmpty)
            #expect(try await scalar("SELECT count(*) FROM runs WHERE kind = 'judgments'", in: folder) == "0")

            let capped = try await iftdb(base + ["--max-calls", "5", "--concurrency", "2", "--quiet"], in: folder.path)
            #expect(capped.status == 0, "\(capped.stderr)")
            #expect(capped.stderr.contains("stopped after --max-calls with 7 items still to do; resume with: iftdb generate judgments"), "\(capped.stderr)")
            #expect(Self.judgeRequests(server).count == 5)
            #expect(try await scalar("SELECT count(*) FROM judgments", in: folder) == "5")

            for arguments in [["--samples", "0"], ["--concurrency", "0"], ["--max-calls", "0"], ["--limit", "0"], ["--min-score", "9"],
                              ["--prompt", "judge@x"], ["--answers", "@2"], ["--since", "yesterday"], ["--allow-flag", "answer-form"],
                              ["--dataset", "d", "--all-versions"], ["--temperature", "3"], ["--model-typo", "x"]] {
                let result = try await iftdb(base + arguments, in: folder.path)
                #expect(result.status == 64, "\(arguments): \(result.stderr)")
            }
            expectOneLineError(try await iftdb(base + ["--prompt", "answers"], in: folder.path), containing: "answers@1 is an answer prompt; `generate judgments` needs a judge prompt")
            expectOneLineError(try await iftdb(base + ["--prompt", "judge@3"], in: folder.path), containing: "has version 3")
            expectOneLineError(try await iftdb(base + ["--answers", "questions"], in: folder.path), containing: "questions@1 is not an answer prompt")
            expectOneLineError(try await iftdb(base + ["--dataset", "nosuch"], in: folder.path), containing: "nosuch")
            expectOneLineError(try await iftdb(["generate", "judgments", "--base-url", "http://127.0.0.1:9/v1"], in: folder.path), containing: "no model server at")
            #expect(Self.judgeRequests(server).count == 5)
        }
    }
}
