import Foundation
import IFTSQLite
import TestSupport
import Testing
@testable import IFTStore

/// Records every backoff wait and returns at once: no test waits real seconds.
actor RecordingSleeper: BackoffSleeper {
    private(set) var waits: [Duration] = []
    func sleep(for duration: Duration) async throws { waits.append(duration) }
}

/// A fresh store with one run to hang calls on.
func storeWithRun(_ folder: TemporaryFolder) throws -> (store: StoreWriter, runID: Int64) {
    let store = try StoreFile.open(folder.file("s.sqlite"), for: .writing(create: true))
    let prompt = try store.prompt(PromptRef(name: "questions"))
    try store.db.run("INSERT INTO models (name, params, created_at) VALUES ('test', '{}', ?)", [Timestamp.now()])
    let modelID = store.db.lastInsertRowID
    try store.db.run(
        "INSERT INTO runs (kind, prompt_id, model_id, endpoint, status, started_at) VALUES ('questions', ?, ?, 'http://127.0.0.1', 'running', ?)",
        [prompt.id, modelID, Timestamp.now()])
    return (store, store.db.lastInsertRowID)
}

@Suite struct ModelClientTests {
    static let messages = [ChatMessage(role: "system", content: "Be brief."), ChatMessage(role: "user", content: "Ask about: the sky is blue.")]
    static let good = TestModelServer.completion(#"{"questions": ["Why is the sky blue?", "What colour is the sky?", "Is the sky ever red?"]}"#)

    static func ok(_ body: String = good) -> TestModelServer.Action { .respond(status: 200, body: body) }

    /// Runs `body` with a client for `server`, a recording sleeper and no jitter, then shuts
    /// `server` down, also when `body` throws.
    func withClient<T: Sendable>(
        _ server: TestModelServer, retries: Int = 4, deadline: Duration = .seconds(30), apiKey: String? = nil, maxTokens: Int? = nil,
        _ body: (ModelClient, RecordingSleeper) async throws -> T
    ) async throws -> T {
        let sleeper = RecordingSleeper()
        let settings = ModelSettings(
            baseURL: server.baseURL, model: "test-model", apiKey: apiKey, temperature: 0.2, maxTokens: maxTokens, seed: 7,
            connectTimeout: .seconds(2), requestDeadline: deadline, retries: retries)
        do {
            let result = try await ModelClient.withHTTPClient(concurrency: 4, connectTimeout: .seconds(2)) { http in
                let client = ModelClient(http: http, settings: settings, retryPolicy: RetryPolicy(jitter: { 1.0 }), sleeper: sleeper)
                return try await body(client, sleeper)
            }
            await server.shutdown()
            return result
        } catch {
            await server.shutdown()
            throw error
        }
    }

    @Test func serverErrorsAreRetriedAndEveryAttemptIsACallRow() async throws {
        let server = try await TestModelServer(script: [
            .respond(status: 500, body: #"{"error":{"message":"internal error"}}"#),
            .respond(status: 500, body: "oops"),
            Self.ok(),
        ])
        let (result, waits) = try await withClient(server) { client, sleeper in
            (await client.askQuestions(messages: Self.messages, count: 3), await sleeper.waits)
        }
        #expect(result.attempts.count == 3)
        #expect(result.attempts.map(\.httpStatus) == [500, 500, 200])
        #expect(result.attempts.map(\.attempt) == [1, 2, 3])
        #expect(result.value?.questions == ["Why is the sky blue?", "What colour is the sky?", "Is the sky ever red?"])
        #expect(result.attempts[0].error == "HTTP 500: internal error")
        #expect(result.attempts[2].error == nil)
        #expect(result.attempts[2].finishReason == "stop")
        #expect(result.attempts[2].promptTokens == 50 && result.attempts[2].completionTokens == 20)
        #expect(waits == [.milliseconds(500), .seconds(1)])

        let folder = try TemporaryFolder()
        let (store, runID) = try storeWithRun(folder)
        let ids = try store.db.transaction { try store.insertCalls(runID: runID, item: "chunk:1/1", attempts: result.attempts) }
        #expect(ids.count == 3)
        let statement = try store.db.prepare("SELECT attempt, http_status, error IS NULL, item, request FROM calls WHERE run_id = ? ORDER BY id")
        try statement.bind([runID])
        var rows: [String] = []
        while try statement.step() {
            rows.append("\(statement.int(0)) \(statement.int(1)) \(statement.int(2)) \(statement.string(at: 3))")
            #expect(statement.string(at: 4).contains("\"Ask about: the sky is blue.\""))
        }
        #expect(rows == ["1 500 0 chunk:1/1", "2 500 0 chunk:1/1", "3 200 1 chunk:1/1"])
        store.close()
    }

    @Test func retryAfterIsHonouredOnTheClock() async throws {
        let server = try await TestModelServer(script: [
            .respond(status: 429, headers: [("Retry-After", "2")], body: #"{"error":{"message":"slow down"}}"#),
            Self.ok(),
        ])
        let (result, waits) = try await withClient(server) { client, sleeper in
            (await client.askQuestions(messages: Self.messages, count: 3), await sleeper.waits)
        }
        #expect(waits == [.seconds(2)])
        #expect(result.attempts.map(\.httpStatus) == [429, 200])
        #expect(result.value?.questions.count == 3)
    }

    @Test func badRequestFailsAtOnceWithTheServersMessage() async throws {
        let server = try await TestModelServer(script: [.respond(status: 400, body: #"{"error":{"message":"bad request"}}"#)])
        let (result, waits) = try await withClient(server) { client, sleeper in
            (await client.askQuestions(messages: Self.messages, count: 3), await sleeper.waits)
        }
        #expect(result.attempts.count == 1)
        #expect(waits.isEmpty)
        let failure = try #require(result.failure)
        #expect(failure.kind == .rejected)
        #expect(failure.message == "the model server refused the request (HTTP 400): bad request")
        #expect(server.requests.count == 1)
    }

    @Test func aHangPastTheDeadlineIsRetried() async throws {
        let server = try await TestModelServer(script: [.hang, Self.ok()])
        let result = try await withClient(server, deadline: .milliseconds(300)) { client, _ in
            await client.askQuestions(messages: Self.messages, count: 3)
        }
        #expect(result.attempts.count == 2)
        #expect(result.attempts[0].httpStatus == nil)
        #expect(result.attempts[0].error?.contains("request deadline") == true)
        #expect(result.value?.questions.count == 3)
    }

    @Test func aClosedConnectionIsRetried() async throws {
        let server = try await TestModelServer(script: [.close, Self.ok()])
        let result = try await withClient(server) { client, _ in
            await client.askQuestions(messages: Self.messages, count: 3)
        }
        #expect(result.attempts.count == 2)
        #expect(result.attempts[0].error != nil)
        #expect(result.value?.questions.count == 3)
    }

    @Test func aBrokenBodyIsRetriedAndKeptOnItsAttempt() async throws {
        let broken = #"{"id":"x","choices":[{"message":{"content":"{\"questions\": ["#
        let server = try await TestModelServer(script: [.respond(status: 200, body: broken), Self.ok()])
        let result = try await withClient(server) { client, _ in
            await client.askQuestions(messages: Self.messages, count: 3)
        }
        #expect(result.attempts.count == 2)
        #expect(result.attempts[0].response == broken)
        #expect(result.attempts[0].error?.hasPrefix("the reply is not a chat completion") == true)
        #expect(result.value?.questions.count == 3)

        let folder = try TemporaryFolder()
        let (store, runID) = try storeWithRun(folder)
        try store.insertCalls(runID: runID, item: "chunk:9/1", attempts: result.attempts)
        #expect(try store.db.scalar("SELECT response FROM calls WHERE attempt = 1") == .text(broken))
        store.close()
    }

    @Test func jsonSchemaRefusedWith400FallsBackAndIsRemembered() async throws {
        let server = try await TestModelServer(script: [
            .respond(status: 400, body: #"{"error":{"message":"Invalid value: 'json_schema' is not supported with this model.","type":"invalid_request_error"}}"#),
        ])
        let (first, second) = try await withClient(server, retries: 0) { client, _ in
            (await client.askQuestions(messages: Self.messages, count: 3), await client.askQuestions(messages: Self.messages, count: 3))
        }
        #expect(first.attempts.count == 2)
        #expect(first.value?.questions.count == 3)
        #expect(second.attempts.count == 1)
        let bodies = server.requests.map(\.body)
        #expect(bodies.count == 3)
        #expect(bodies[0].contains(#""response_format":{"type":"json_schema""#))
        #expect(bodies[1].contains(#""response_format":{"type":"json_object","schema":"#))
        #expect(bodies[2].contains(#""response_format":{"type":"json_object","schema":"#))
    }

    @Test func responseFormatRefusedWith500IsNotRetriedButDegradedAndRemembered() async throws {
        // llama-cpp-python 0.3.36 answers json_schema with this 500 (seen against the real server).
        let refusal = #"{"error":{"message":"1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), 'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema', 'ctx': {'expected': \"'text' or 'json_object'\"}}\n\n  File \"/venv/lib/python3.11/site-packages/llama_cpp/server/app.py\", line 376, in create_chat_completion\n    POST /v1/chat/completions","type":"internal_server_error","param":null,"code":null}}"#
        let server = try await TestModelServer(script: [.respond(status: 500, body: refusal)])
        let (first, second, waits) = try await withClient(server, retries: 0) { client, sleeper in
            (await client.askQuestions(messages: Self.messages, count: 3),
             await client.askQuestions(messages: Self.messages, count: 3),
             await sleeper.waits)
        }
        #expect(waits.isEmpty)
        #expect(first.attempts.map(\.httpStatus) == [500, 200])
        #expect(first.attempts[0].error?.contains("\n") == false)
        #expect(first.value?.questions.count == 3)
        #expect(second.attempts.count == 1)
        let types = server.requests.map { $0.body.contains(#""type":"json_schema""#) ? "schema" : $0.body.contains(#""type":"json_object""#) ? "object" : "none" }
        #expect(types == ["schema", "object", "object"])
    }

    @Test func aServerRefusingEveryResponseFormatEndsWithoutOne() async throws {
        let server = try await TestModelServer(fallback: { request in
            request.body.contains("response_format")
                ? .respond(status: 500, body: #"{"error":"response_format is not supported"}"#)
                : .respond(status: 200, body: TestModelServer.completion("1. What is A?\n2. What is B?\n3. What is C?"))
        })
        let (first, second) = try await withClient(server, retries: 0) { client, _ in
            (await client.askQuestions(messages: Self.messages, count: 3), await client.askQuestions(messages: Self.messages, count: 3))
        }
        #expect(first.attempts.count == 3)
        #expect(first.value?.questions == ["What is A?", "What is B?", "What is C?"])
        #expect(second.attempts.count == 1)
        #expect(server.requests.last?.body.contains("response_format") == false)
    }

    @Test func maxTokensAndSchemaKeywordRefusalsDegradeOneThingEach() async throws {
        let server = try await TestModelServer(script: [
            .respond(status: 400, body: #"{"error":{"message":"Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."}}"#),
            .respond(status: 400, body: #"{"error":{"message":"Invalid schema for response_format 'questions': 'maxLength' is not permitted."}}"#),
        ])
        let result = try await withClient(server, retries: 0, maxTokens: 256) { client, _ in
            await client.askQuestions(messages: Self.messages, count: 3)
        }
        #expect(result.value?.questions.count == 3)
        let bodies = server.requests.map(\.body)
        #expect(bodies.count == 3)
        #expect(bodies[0].contains(#""max_tokens":256"#) && bodies[0].contains("maxLength"))
        #expect(bodies[1].contains(#""max_completion_tokens":256"#) && bodies[1].contains("maxLength"))
        #expect(bodies[2].contains(#""max_completion_tokens":256"#) && !bodies[2].contains("maxLength"))
        #expect(bodies[2].contains(#""type":"json_schema""#) && bodies[2].contains(#""minItems":3"#))
    }

    @Test func theRequestCarriesTheSchemaAndSettings() async throws {
        let server = try await TestModelServer()
        _ = try await withClient(server) { client, _ in await client.askQuestions(messages: Self.messages, count: 4) }
        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(request.uri == "/v1/chat/completions")
        #expect(request.header("Authorization") == nil)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any])
        #expect(body["model"] as? String == "test-model")
        #expect(body["seed"] as? Int == 7)
        #expect(body["temperature"] as? Double == 0.2)
        let format = try #require(body["response_format"] as? [String: Any])
        let jsonSchema = try #require(format["json_schema"] as? [String: Any])
        #expect(jsonSchema["strict"] as? Bool == true)
        let schema = try #require(jsonSchema["schema"] as? [String: Any])
        let questions = try #require((schema["properties"] as? [String: Any])?["questions"] as? [String: Any])
        #expect(questions["minItems"] as? Int == 4 && questions["maxItems"] as? Int == 4)
        #expect((questions["items"] as? [String: Any])?["maxLength"] as? Int == 300)
    }

    @Test func aReplyCutByTheTokenLimitKeepsOnlyCompleteQuestions() async throws {
        let cut = TestModelServer.completion(#"{"questions": ["Why is the sky blue?", "What colour is the sky?", "How does light scat"#, finishReason: "length")
        let server = try await TestModelServer(script: [.respond(status: 200, body: cut)])
        let result = try await withClient(server) { client, _ in await client.askQuestions(messages: Self.messages, count: 3) }
        #expect(result.attempts.count == 1)
        #expect(result.attempts[0].finishReason == "length")
        #expect(result.value == QuestionReply(questions: ["Why is the sky blue?", "What colour is the sky?"], truncated: true))
    }

    @Test func exhaustedRetriesFailWithTheLastErrorAndRecordEveryAttempt() async throws {
        let server = try await TestModelServer(script: [
            .respond(status: 502, body: "bad gateway"), .close,
            .respond(status: 503, body: #"{"error":{"message":"overloaded"}}"#),
        ])
        let (result, waits) = try await withClient(server, retries: 2) { client, sleeper in
            (await client.askQuestions(messages: Self.messages, count: 3), await sleeper.waits)
        }
        #expect(result.attempts.count == 3)
        #expect(waits.count == 2)
        let failure = try #require(result.failure)
        #expect(failure.kind == .retriesExhausted)
        #expect(failure.message.hasSuffix("last error: HTTP 503: overloaded"))
        #expect(failure.message.contains("failed 3 times"))

        let folder = try TemporaryFolder()
        let (store, runID) = try storeWithRun(folder)
        try store.insertCalls(runID: runID, item: "chunk:2/1", attempts: result.attempts)
        #expect(try store.db.scalarInt("SELECT count(*) FROM calls WHERE error IS NOT NULL AND item = 'chunk:2/1'") == 3)
        store.close()
    }

    @Test func aContextTooLongReplyFailsWithAHint() async throws {
        let server = try await TestModelServer(script: [
            .respond(status: 400, body: #"{"error":{"message":"This model's maximum context length is 2048 tokens. However, you requested 3000 tokens."}}"#),
        ])
        let result = try await withClient(server) { client, _ in await client.askAnswer(messages: Self.messages) }
        let failure = try #require(result.failure)
        #expect(failure.kind == .contextTooLong)
        #expect(failure.message.contains("--chunk-size"))
        #expect(result.attempts.count == 1)
    }

    @Test func answersAreTrimmedText() async throws {
        let server = try await TestModelServer(script: [.respond(status: 200, body: TestModelServer.completion("\n  The sky is blue.  \n"))])
        let result = try await withClient(server) { client, _ in await client.askAnswer(messages: Self.messages) }
        #expect(result.value == "The sky is blue.")
        #expect(server.requests.first?.body.contains("response_format") == false)
    }

    @Test func concurrentRequestsShareOneClient() async throws {
        let server = try await TestModelServer(fallback: { _ in .respondAfter(milliseconds: 20, status: 200, body: Self.good) })
        let results = try await withClient(server) { client, _ in
            await withTaskGroup(of: Int.self) { group in
                for _ in 0..<12 { group.addTask { await client.askQuestions(messages: Self.messages, count: 3).value?.questions.count ?? 0 } }
                return await group.reduce(into: [Int]()) { $0.append($1) }
            }
        }
        #expect(results == Array(repeating: 3, count: 12))
    }

    @Test func reachabilityCheckPassesForAnyServerAndFailsInOneLineForNone() async throws {
        let server = try await TestModelServer(script: [.respond(status: 404, body: "not here")])
        try await withClient(server) { client, _ in try await client.checkReachable() }
        #expect(server.requests.first?.uri == "/v1/models")

        let gone = try await TestModelServer()
        let baseURL = gone.baseURL
        await gone.shutdown()
        let error = try await ModelClient.withHTTPClient(concurrency: 1, connectTimeout: .seconds(30)) { http in
            let client = ModelClient(http: http, settings: ModelSettings(baseURL: baseURL, connectTimeout: .seconds(30)))
            return await #expect(throws: ModelFailure.self) { try await client.checkReachable(timeout: .seconds(30)) }
        }
        #expect(error?.kind == .unreachable)
        #expect(error?.message == "no model server at \(baseURL) — start one with `scripts/local-model start` or set --base-url")
    }

    @Test func theAPIKeyNeverReachesTheStoreOrAnyText() async throws {
        let key = "sk-iftdb-test-\(UUID().uuidString)"
        let server = try await TestModelServer(script: [
            .respond(status: 401, headers: [("WWW-Authenticate", "Bearer realm=\"\(key)\""), ("X-Echo", key)],
                     body: #"{"error":{"message":"Incorrect API key provided: \#(key). You can find your API key at https://example.invalid.","code":"invalid_api_key"}}"#),
        ])
        let (result, settingsText) = try await withClient(server, apiKey: key) { client, _ in
            (await client.askQuestions(messages: Self.messages, count: 3), client.settings.description)
        }
        #expect(server.requests.first?.header("Authorization") == "Bearer \(key)")
        let failure = try #require(result.failure)
        #expect(failure.kind == .fatal)
        #expect(failure.message.contains("[REDACTED]"))

        let folder = try TemporaryFolder()
        let (store, runID) = try storeWithRun(folder)
        try store.insertCalls(runID: runID, item: "chunk:1/1", attempts: result.attempts)
        // Read the files while the store is open (the -wal and -shm exist), and after closing.
        var texts = [failure.message, failure.description, String(describing: result), String(describing: result.attempts), settingsText]
        let path = folder.file("s.sqlite")
        var contents: [Data] = []
        for suffix in ["", "-wal", "-shm"] { if let data = FileManager.default.contents(atPath: path + suffix) { contents.append(data) } }
        #expect(contents.count == 3)
        store.close()
        if let data = FileManager.default.contents(atPath: path) { contents.append(data) }
        texts += result.attempts.flatMap { [$0.request, $0.response ?? "", $0.error ?? ""] }
        for text in texts { #expect(!text.contains(key)) }
        let keyBytes = Data(key.utf8)
        for data in contents { #expect(data.range(of: keyBytes) == nil) }
    }
}

@Suite struct ModelClientEdgeTests {
    @Test func concurrentRefusalsDegradeOnceForEveryone() async throws {
        try await withTestModelServer(fallback: { request in
            request.body.contains(#""type":"json_schema""#)
                ? .respondAfter(milliseconds: 10, status: 500, body: #"{"error":{"message":"response_format json_schema is not supported"}}"#)
                : .respond(status: 200, body: ModelClientTests.good)
        }) { server in
            let settings = ModelSettings(baseURL: server.baseURL, retries: 0)
            let (counts, later) = try await ModelClient.withHTTPClient(concurrency: 8) { http in
                let client = ModelClient(http: http, settings: settings, sleeper: RecordingSleeper())
                let counts = await withTaskGroup(of: Int.self) { group in
                    for _ in 0..<8 { group.addTask { await client.askQuestions(messages: ModelClientTests.messages, count: 3).value?.questions.count ?? 0 } }
                    return await group.reduce(into: [Int]()) { $0.append($1) }
                }
                return (counts, await client.askQuestions(messages: ModelClientTests.messages, count: 3))
            }
            #expect(counts == Array(repeating: 3, count: 8))
            #expect(later.attempts.count == 1)
            let schemaRequests = server.requests.filter { $0.body.contains(#""type":"json_schema""#) }.count
            #expect(schemaRequests <= 8)
            #expect(server.requests.last?.body.contains(#""type":"json_object""#) == true)
        }
    }

    @Test func aTooLargeMaxTokensIsNotARefusalOfTheParameter() async {
        let form = RequestForm()
        #expect(form.degraded(refusedBy: "max_tokens is too large: 9000. This model supports at most 4096", usesResponseFormat: false, usesMaxTokens: true) == nil)
        #expect(form.degraded(refusedBy: "Unsupported parameter: 'max_tokens'", usesResponseFormat: false, usesMaxTokens: true)?.maxTokensField == "max_completion_tokens")
        #expect(form.degraded(refusedBy: "something else broke", usesResponseFormat: true, usesMaxTokens: true) == nil)
    }

    @Test func aBadBaseURLFailsAtOnceWithoutARequest() async throws {
        let result = try await ModelClient.withHTTPClient(concurrency: 1) { http in
            let client = ModelClient(http: http, settings: ModelSettings(baseURL: "localhost:8088"), sleeper: RecordingSleeper())
            await #expect(throws: ModelFailure.self) { try await client.checkReachable() }
            return await client.askAnswer(messages: ModelClientTests.messages)
        }
        #expect(result.attempts.isEmpty)
        #expect(result.failure?.message.contains("is not an http(s) URL") == true)
    }
}

@Suite struct ModelClientCancellationTests {
    @Test func cancellingARequestIsNotAnItemFailure() async throws {
        try await withTestModelServer(script: [.hang]) { server in
            let settings = ModelSettings(baseURL: server.baseURL, requestDeadline: .seconds(600), retries: 4)
            let result = try await ModelClient.withHTTPClient(concurrency: 1) { http in
                let client = ModelClient(http: http, settings: settings, sleeper: RecordingSleeper())
                let task = Task { await client.askAnswer(messages: ModelClientTests.messages) }
                #expect(await server.waitForRequests { !$0.isEmpty }, "the request never arrived")
                task.cancel()
                return await task.value
            }
            #expect(result.failure?.kind == .cancelled)
            #expect(result.attempts.count == 1)
        }
    }

    @Test func anOpenAIRefusalIsAnUnusableReply() async throws {
        let body = #"{"choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":"I can't help with that."},"finish_reason":"stop"}]}"#
        try await withTestModelServer(script: [.respond(status: 200, body: body)]) { server in
            let result = try await ModelClient.withHTTPClient(concurrency: 1) { http in
                await ModelClient(http: http, settings: ModelSettings(baseURL: server.baseURL), sleeper: RecordingSleeper())
                    .askQuestions(messages: ModelClientTests.messages, count: 3)
            }
            #expect(result.failure == ModelFailure(.unusableReply, "the model refused: I can't help with that."))
            #expect(result.attempts.count == 1)
        }
    }
}
