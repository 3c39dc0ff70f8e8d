import Foundation
import IFTSQLite
import TestSupport
import Testing
@testable import IFTStore

/// A generation session end to end inside the library: the dry run's estimate, the options
/// a run records, what it reports, and how the command should exit.
@Suite struct GenerationSessionTests {
    /// A store with three chunks, one per file.
    static func store(_ folder: TemporaryFolder) throws -> String {
        for name in ["a", "b", "c"] { try folder.write("docs/\(name).txt", "Sample \(name) was logged in Zürich on day 7.") }
        let path = folder.file("s.db")
        let store = try StoreFile.open(path, for: .writing(create: true))
        defer { store.close() }
        _ = try store.load(folders: [folder.file("docs")], options: LoadOptions())
        return path
    }

    static func settings(_ server: TestModelServer, retries: Int = 0) -> ModelSettings {
        ModelSettings(baseURL: server.baseURL, model: "test-model", maxTokens: 50, connectTimeout: .seconds(2), retries: retries)
    }

    static func scalar(_ sql: String, in path: String) throws -> SQLiteValue? {
        let db = try Connection(path: path, mode: .readOnly)
        defer { db.close() }
        return try db.scalar(sql)
    }

    @Test func aDryRunEstimatesAndWritesAndSendsNothing() async throws {
        let folder = try TemporaryFolder()
        let path = try Self.store(folder)
        try await withTestModelServer { server in
            let request = GenerationRequest(kind: .questions, prompt: PromptRef(name: "questions"), count: 2)
            let session = try GenerationSession(storePath: path, request: request, settings: Self.settings(server))
            let estimate = try session.dryRun(maxCalls: 2)
            session.close()
            #expect(estimate.calls == 2)
            #expect(estimate.plan.pending.count == 3 && estimate.plan.alreadyDone == 0)
            #expect(estimate.estimatedPromptTokens > 0)
            #expect(server.requests.isEmpty)
            #expect(try Self.scalar("SELECT count(*) FROM runs", in: path) == .integer(0))
        }
    }

    @Test func aRunRecordsItsOptionsAndReportsWhatItDid() async throws {
        let folder = try TemporaryFolder()
        let path = try Self.store(folder)
        try await withTestModelServer { server in
            var settings = Self.settings(server)
            settings.questionPattern = #"^W"#
            let request = GenerationRequest(kind: .questions, prompt: PromptRef(name: "questions"), sourceGlob: "*.txt", limit: 3, count: 2)
            let session = try GenerationSession(storePath: path, request: request, settings: settings)
            var events: [String] = []
            let outcome = try await session.run(concurrency: 2, maxCalls: 2, stop: StopSignal()) { event in
                switch event {
                case .waiting: events.append("waiting")
                case .started(let run): events.append("started \(run.plan.pending.count)")
                case .progress: if events.last != "progress" { events.append("progress") }
                }
            }
            session.close()
            #expect(events == ["started 3", "progress"])
            guard case .finished(let summary) = outcome else {
                Issue.record("the run did not finish")
                return
            }
            #expect(summary.progress.done == 2 && summary.stoppedByMaxCalls && summary.status == .done)
            #expect(outcome.exitStatus == 0)
            #expect(try Self.scalar("SELECT options FROM runs", in: path)
                == .text(#"{"samples":1,"concurrency":2,"retries":0,"count":2,"source":"*.txt","limit":3,"max_calls":2,"question_pattern":"^W"}"#))
        }
    }

    @Test func anAnswerRunRecordsWhoseQuestionsItAnswersAndFailedItemsExitOne() async throws {
        let folder = try TemporaryFolder()
        let path = try Self.store(folder)
        try await withTestModelServer { server in
            let questions = try GenerationSession(
                storePath: path, request: GenerationRequest(kind: .questions, prompt: PromptRef(name: "questions"), count: 3),
                settings: Self.settings(server))
            _ = try await questions.run(concurrency: 1, stop: StopSignal()) { _ in }
            questions.close()

            try await withTestModelServer(fallback: { request in
                request.uri.hasSuffix("/models") ? .respond(status: 200, body: #"{"data":[]}"#) : .respond(status: 400, body: #"{"error":{"message":"no"}}"#)
            }) { failing in
                let request = GenerationRequest(kind: .answers, prompt: PromptRef(name: "answers"), questionPrompt: PromptRef(name: "questions", version: 1), chunkingID: 1, limit: 1)
                let answers = try GenerationSession(storePath: path, request: request, settings: Self.settings(failing, retries: 3))
                let outcome = try await answers.run(concurrency: 1, stop: StopSignal()) { _ in }
                answers.close()
                #expect(outcome.exitStatus == 1)
                #expect(try Self.scalar("SELECT options FROM runs WHERE kind = 'answers'", in: path)
                    == .text(#"{"samples":1,"concurrency":1,"retries":3,"questions":"questions@1","chunking":1,"limit":1}"#))
            }
        }
    }

    @Test func nothingLeftToAskIsNoRunAndExitsZero() async throws {
        let folder = try TemporaryFolder()
        let path = try Self.store(folder)
        try await withTestModelServer { server in
            let request = GenerationRequest(kind: .questions, prompt: PromptRef(name: "questions"))
            for expected in [3, 0] {
                let session = try GenerationSession(storePath: path, request: request, settings: Self.settings(server))
                let outcome = try await session.run(concurrency: 1, stop: StopSignal()) { _ in }
                session.close()
                switch outcome {
                case .finished(let summary): #expect(summary.progress.done == expected)
                case .nothingToDo(let plan): #expect(expected == 0 && plan.alreadyDone == 3)
                }
                #expect(outcome.exitStatus == 0)
            }
            #expect(try Self.scalar("SELECT count(*) FROM runs", in: path) == .integer(1))
        }
    }

    @Test func aRefusalEveryItemWouldMeetEndsTheRunAndThrows() async throws {
        let folder = try TemporaryFolder()
        let path = try Self.store(folder)
        try await withTestModelServer(fallback: { request in
            request.uri.hasSuffix("/models") ? .respond(status: 200, body: #"{"data":[]}"#) : .respond(status: 401, body: #"{"error":{"message":"bad key"}}"#)
        }) { server in
            let session = try GenerationSession(
                storePath: path, request: GenerationRequest(kind: .questions, prompt: PromptRef(name: "questions")), settings: Self.settings(server))
            await #expect(throws: GenerationError.self) { _ = try await session.run(concurrency: 1, stop: StopSignal()) { _ in } }
            session.close()
            #expect(try Self.scalar("SELECT status FROM runs", in: path) == .text("failed"))
        }
    }
}

extension GenerationSessionTests {
    /// Questions from the default reply, answers that name the sky, and a 3 from the judge.
    static func reply(_ request: TestModelServer.RecordedRequest) -> TestModelServer.Action {
        guard request.uri.hasSuffix("/chat/completions") else { return .respond(status: 200, body: #"{"data":[]}"#) }
        if request.body.contains(#""name":"judgment""#) {
            return .respond(status: 200, body: TestModelServer.completion(#"{"score": 3, "reason": "Partly answers."}"#))
        }
        if request.body.contains("response_format") { return TestModelServer.defaultReply(request) }
        return .respond(status: 200, body: TestModelServer.completion("The sky is blue."))
    }

    @Test func aJudgmentRunGradesTheSelectedAnswersCountsTheScoresAndRecordsItsFilters() async throws {
        let folder = try TemporaryFolder()
        let path = try Self.store(folder)
        try await withTestModelServer(fallback: Self.reply) { server in
            for (kind, prompt) in [(GenerationKind.questions, "questions"), (.answers, "answers")] {
                let session = try GenerationSession(
                    storePath: path, request: GenerationRequest(kind: kind, prompt: PromptRef(name: prompt)), settings: Self.settings(server))
                _ = try await session.run(concurrency: 2, stop: StopSignal()) { _ in }
                session.close()
            }
            let pairs = PairFilter(answerPrompt: PromptRef(name: "answers", version: 1), sourceGlob: "[ab].txt", excludeIDK: true)
            let request = GenerationRequest(kind: .judgments, prompt: PromptRef(name: "judge"), pairs: pairs)
            let session = try GenerationSession(storePath: path, request: request, settings: Self.settings(server))
            let estimate = try session.dryRun()
            #expect(estimate.plan.pending.count == 6 && estimate.plan.pending.allSatisfy { $0.sample == 1 })
            let outcome = try await session.run(concurrency: 2, stop: StopSignal()) { _ in }
            session.close()
            guard case .finished(let summary) = outcome else {
                Issue.record("the run did not finish")
                return
            }
            #expect(summary.progress.done == 6 && summary.progress.scores == [0, 0, 6, 0, 0] && outcome.exitStatus == 0)
            #expect(try Self.scalar("SELECT options FROM runs WHERE kind = 'judgments'", in: path)
                == .text(#"{"samples":1,"concurrency":2,"retries":0,"answers":"answers@1","filters":["--source '[ab].txt'","--exclude-idk"]}"#))
            // Each judgment grades the answer its call was about, from the judge prompt and this run.
            #expect(try Self.scalar("""
                SELECT count(*) FROM judgments j JOIN calls k ON k.id = j.call_id JOIN runs r ON r.id = j.run_id
                WHERE k.item = 'answer:' || j.answer_id || '/1' AND r.kind = 'judgments' AND j.score = 3 AND j.reason = 'Partly answers.'
                  AND j.prompt_id = (SELECT id FROM prompts WHERE name = 'judge' AND version = 1)
                """, in: path) == .integer(6))
        }
    }
}
