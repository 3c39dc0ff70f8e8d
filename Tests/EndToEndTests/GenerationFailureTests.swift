import Foundation
import TestSupport
import Testing

/// `generate` failures that are not one item's: a server that refuses every request ends the
/// run at once, and a command that fails before its first call leaves the store as it was.
@Suite struct GenerationFailureTests {
    /// A reply that no other item will fare better with.
    struct Refusal: Sendable, CustomTestStringConvertible {
        let status: Int
        let body: String
        /// What the error line must quote of the server's message.
        let message: String

        var testDescription: String { "HTTP \(status): \(message)" }
    }

    static let refusals: [Refusal] = [
        Refusal(status: 401, body: #"{"error":{"message":"Incorrect API key provided: sk-abc","type":"invalid_request_error","code":"invalid_api_key"}}"#,
                message: "Incorrect API key provided"),
        Refusal(status: 403, body: #"{"error":{"message":"Project does not have access to model smollm2-135m"}}"#,
                message: "Project does not have access to model smollm2-135m"),
        Refusal(status: 404, body: #"{"error":{"message":"The model `smollm2-135m` does not exist.","code":"model_not_found"}}"#,
                message: "The model `smollm2-135m` does not exist."),
        Refusal(status: 404, body: "404 page not found", message: "404 page not found"),
        Refusal(status: 400, body: #"{"error":{"message":"invalid model ID","type":"invalid_request_error","code":"model_not_found"}}"#,
                message: "invalid model ID"),
        Refusal(status: 400, body: #"{"error":{"message":"The model 'smollm2-135m' does not exist"}}"#,
                message: "The model 'smollm2-135m' does not exist"),
        Refusal(status: 400, body: #"{"error":"model \"smollm2-135m\" not found, try pulling it first"}"#,
                message: #"model "smollm2-135m" not found, try pulling it first"#),
    ]

    static func scalar(_ sql: String, in folder: TemporaryFolder) async throws -> String {
        try await RunClaimTests.scalar(sql, in: folder)
    }

    static func load(_ folder: TemporaryFolder) async throws {
        let result = try await iftdb(["load", "docs", "--chunker", "window", "--chunk-size", "\(GenerationCommandTests.segment)"], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
    }

    /// The one `iftdb: error:` line a stopped run ends with, and no summary.
    static func expectStopped(_ result: CommandResult, _ refusal: Refusal, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 2, "exit \(result.status), stderr: \(result.stderr)", sourceLocation: sourceLocation)
        let errors = result.stderrLines.filter { $0.hasPrefix("iftdb: error: ") }
        #expect(errors.count == 1 && result.stderrLines.last == errors.first, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        let line = errors.first ?? ""
        #expect(line.contains("HTTP \(refusal.status)") && line.contains(refusal.message), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(!result.stderr.contains(" failed in "), "a summary was printed: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, "stdout: \(result.stdout)", sourceLocation: sourceLocation)
    }

    @Test(arguments: refusals)
    func aRefusalForEveryRequestEndsTheRunAfterTheCallsInFlight(_ refusal: Refusal) async throws {
        let folder = try TemporaryFolder()
        try GenerationCommandTests.writeCorpus(folder)
        try await Self.load(folder)
        try await withTestModelServer(fallback: { request in
            request.uri.hasSuffix("/chat/completions") ? .respond(status: refusal.status, body: refusal.body) : .respond(status: 200, body: #"{"data":[]}"#)
        }) { server in
            let result = try await iftdb(["generate", "questions", "--base-url", server.baseURL, "--concurrency", "4", "--quiet", "--json"], in: folder.path)
            Self.expectStopped(result, refusal)
            // Only the calls already in flight when the first refusal came back, not one per item.
            let calls = GenerationCommandTests.chatRequests(server).count
            #expect(calls >= 1 && calls <= 4, "\(calls) calls for 25 items")
            #expect(try await Self.scalar("SELECT count(*) FROM calls", in: folder) == "\(calls)")
            #expect(try await Self.scalar("SELECT status FROM runs", in: folder) == "failed")
            let reason = try await Self.scalar("SELECT error FROM runs", in: folder)
            #expect(reason.contains("HTTP \(refusal.status)") && reason.contains(refusal.message.replacingOccurrences(of: "\"", with: "\"\"")), "\(reason)")
            #expect(try await Self.scalar("SELECT items_done || '/' || items_failed || '/' || items_total FROM runs", in: folder) == "0/0/25")
            #expect(try await Self.scalar("SELECT count(*) FROM claims", in: folder) == "0")

            // Its items stay pending: the next run asks for every one of them.
            try await withTestModelServer(fallback: GenerationCommandTests.reply) { healed in
                let again = try await iftdb(["generate", "questions", "--base-url", healed.baseURL, "--quiet"], in: folder.path)
                #expect(again.status == 0, "\(again.stderr)")
                #expect(GenerationCommandTests.chatRequests(healed).count == 25)
            }
        }
    }

    @Test func repliesInFlightWhenTheRefusalComesAreStoredAndAnswersStopToo() async throws {
        let folder = try TemporaryFolder()
        try GenerationCommandTests.writeCorpus(folder)
        try await Self.load(folder)
        try await withTestModelServer(fallback: GenerationCommandTests.reply) { good in
            #expect(try await iftdb(["generate", "questions", "--base-url", good.baseURL, "--quiet"], in: folder.path).status == 0)

            // The first answer request is refused; the others were sent with it and succeed later.
            let counter = Counter()
            let refusal = Refusal(status: 401, body: #"{"error":{"message":"key revoked"}}"#, message: "key revoked")
            try await withTestModelServer(fallback: { request in
                guard request.uri.hasSuffix("/chat/completions") else { return .respond(status: 200, body: #"{"data":[]}"#) }
                if counter.next() == 1 { return .respond(status: refusal.status, body: refusal.body) }
                guard case .respond(let status, _, let body) = GenerationCommandTests.reply(request) else { return .hang }
                return .respondAfter(milliseconds: 300, status: status, body: body)
            }) { server in
                let result = try await iftdb(["generate", "answers", "--base-url", server.baseURL, "--concurrency", "4", "--quiet"], in: folder.path)
                Self.expectStopped(result, refusal)
                let calls = GenerationCommandTests.chatRequests(server).count
                #expect(calls >= 1 && calls < 75, "\(calls) calls for 75 items")
                #expect(try await Self.scalar("SELECT count(*) FROM answers", in: folder) == "\(calls - 1)")
                #expect(try await Self.scalar("SELECT status FROM runs WHERE kind = 'answers'", in: folder) == "failed")
                #expect(try await Self.scalar("SELECT items_done FROM runs WHERE kind = 'answers'", in: folder) == "\(calls - 1)")
            }
        }
    }

    @Test func aGenerateThatFailsBeforeItsFirstCallAddsNoRows() async throws {
        let folder = try TemporaryFolder()
        try GenerationCommandTests.writeCorpus(folder, files: 1, chunksPerFile: 3)
        try await Self.load(folder)
        let store = folder.file("iftdb.sqlite")
        func dump() async throws -> String {
            let result = try await runProgram("sqlite3", [store, ".dump"], in: folder.path)
            #expect(result.status == 0, "\(result.stderr)")
            return result.stdout
        }
        let before = try await dump()
        #expect(before.contains("CREATE TABLE"))
        let unreachable = ["--base-url", "http://127.0.0.1:9/v1"]
        let cases: [([String], String)] = [
            (["generate", "questions"] + unreachable, "no model server at"),
            (["generate", "questions", "--temperature", "0.7", "--max-tokens", "77"] + unreachable, "no model server at"),
            (["generate", "answers"] + unreachable, "no questions from questions@1"),
            (["generate", "questions", "--prompt", "nosuch"] + unreachable, "nosuch"),
            (["generate", "answers", "--questions", "nosuch"] + unreachable, "nosuch"),
            (["generate", "questions", "--chunking", "99"] + unreachable, "no chunking with id 99"),
        ]
        for (arguments, message) in cases {
            expectOneLineError(try await iftdb(arguments, in: folder.path), containing: message)
            #expect(try await dump() == before, "\(arguments) changed the store")
        }
        // A dry run makes no call and writes nothing either.
        let dry = try await iftdb(["generate", "questions", "--dry-run"] + unreachable, in: folder.path)
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(try await dump() == before, "--dry-run changed the store")
    }
}
