import Foundation
import TestSupport
import Testing
@testable import IFTStore

/// A reply larger than the 16 MiB body cap is a reply that was too large, not a server
/// that cannot be reached: the item fails at once, with the limit, and is not retried.
extension ModelClientTests {
    /// A chat completion of a little over 16 MiB.
    static let oversized = TestModelServer.completion(String(repeating: "A long answer. ", count: (17 << 20) / 15))

    @Test func aReplyOverTheBodyCapFailsAsTooLargeWithoutRetrying() async throws {
        let server = try await TestModelServer(script: [.respond(status: 200, body: Self.oversized)], fallback: { _ in Self.ok() })
        let (result, waits) = try await withClient(server, retries: 4) { client, sleeper in
            (await client.askAnswer(messages: Self.messages), await sleeper.waits)
        }
        #expect(result.attempts.count == 1, "\(result.attempts.map { $0.error ?? "no error" })")
        let failure = try #require(result.failure)
        #expect(failure.message == "the model's reply was larger than 16 MiB, the most iftdb reads; ask for a shorter reply (--max-tokens)")
        #expect(failure.kind == .unusableReply)
        #expect(!failure.message.contains("cannot reach"))
        #expect(result.attempts.first?.httpStatus == 200)
        #expect(result.attempts.first?.error == failure.message)
        #expect(waits.isEmpty)
        #expect(server.requests.count == 1)
    }

    @Test func aModelsListOverTheBodyCapStillMeansAServerIsThere() async throws {
        let server = try await TestModelServer(script: [.respond(status: 200, body: Self.oversized)])
        try await withClient(server) { client, _ in
            try await client.checkReachable(timeout: .seconds(30))
        }
    }
}
