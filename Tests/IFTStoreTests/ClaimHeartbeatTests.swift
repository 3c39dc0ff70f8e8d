import Foundation
import IFTSQLite
import TestSupport
import Testing
@testable import IFTStore

/// A running run refreshes its claim's heartbeat (so a run in another pid namespace can tell
/// it is alive), through the engine's writer, while its calls are in flight.
@Suite struct ClaimHeartbeatTests {
    static func text(_ value: SQLiteValue?) -> String? {
        if case .text(let text)? = value { return text }
        return nil
    }

    @Test func aRunningRunRefreshesItsHeartbeat() async throws {
        let folder = try TemporaryFolder()
        try folder.write("docs/a.txt", "The Ørsted lab in Zürich logged sample 42 on day 7.")
        let path = folder.file("s.db")
        let store = try StoreFile.open(path, for: .writing(create: true))
        defer { store.close() }
        _ = try store.load(folders: [folder.file("docs")], options: LoadOptions())

        // The one reply waits until the heartbeat has moved: the run is in flight meanwhile.
        let moved = Occurrence()
        try await withTestModelServer(fallback: { request in
            guard request.uri.hasSuffix("/chat/completions") else { return .respond(status: 200, body: #"{"data":[]}"#) }
            return .respondWhen({ await moved.waitForSignal() }, status: 200, body: TestModelServer.completion(#"{"questions": ["Who logged sample 42?"]}"#))
        }) { server in
            let settings = ModelSettings(
                baseURL: server.baseURL, model: "test-model", apiKey: nil, temperature: nil, maxTokens: 50, seed: nil,
                connectTimeout: .seconds(2), requestDeadline: .seconds(300), retries: 0)
            let request = GenerationRequest(kind: .questions, prompt: try PromptRef(parsing: "questions"), count: 1)
            guard case .started(let run) = try store.startRun(
                request, modelName: settings.model, parametersJSON: settings.parametersJSON, endpoint: settings.displayBaseURL, optionsJSON: "{}")
            else {
                Issue.record("the run did not start")
                return
            }
            let heartbeat = "SELECT heartbeat_at FROM claims WHERE run_id = \(run.id)"
            let first = try #require(Self.text(try store.db.scalar(heartbeat)))
            #expect(Self.text(try store.db.scalar("SELECT claimed_at FROM claims")) == first)

            // Another connection watches, as another process would, and releases the reply.
            let watcher = Task { () throws -> Bool in
                let db = try Connection(path: path, mode: .readOnly)
                defer { db.close() }
                defer { moved.signal() }
                for _ in 0..<12_000 {
                    if let now = Self.text(try db.scalar(heartbeat)), now > first { return true }
                    try await Task.sleep(for: .milliseconds(10))
                }
                return false
            }
            let summary = try await ModelClient.withHTTPClient(concurrency: 1, connectTimeout: .seconds(2)) { http in
                try await GenerationEngine(concurrency: 1, heartbeatInterval: .milliseconds(50)).run(
                    writer: store, run: run, client: ModelClient(http: http, settings: settings), stop: StopSignal(), progress: { _ in })
            }
            #expect(try await watcher.value, "the heartbeat never moved while the call was in flight")
            #expect(summary.status == .done)
            #expect(try store.db.scalarInt("SELECT count(*) FROM claims") == 0)
        }
    }
}
