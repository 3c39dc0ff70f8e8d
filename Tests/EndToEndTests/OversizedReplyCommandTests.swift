import Foundation
import TestSupport
import Testing

/// A reply over the 16 MiB body cap fails its item, said as such, and is asked once.
@Suite struct OversizedReplyCommandTests {
    @Test func generateFailsTheItemOnceAndSaysTheReplyWasTooLarge() async throws {
        let folder = try TemporaryFolder()
        try folder.write("docs/lab.txt", "The Ørsted lab in Zürich logged a sample on day 4. The fee is forty euros.")
        #expect(try await iftdb(["load", "docs"], in: folder.path).status == 0)
        let flood = TestModelServer.completion(String(repeating: "Why? ", count: (17 << 20) / 5))
        try await withTestModelServer(fallback: { request in
            request.uri.hasSuffix("/chat/completions") ? .respond(status: 200, body: flood) : .respond(status: 200, body: #"{"data":[]}"#)
        }) { server in
            let result = try await iftdb(["generate", "questions", "--base-url", server.baseURL, "--quiet", "--retries", "3"], in: folder.path)
            #expect(result.status == 1, "\(result.stderr)")
            #expect(result.stderr.contains("larger than 16 MiB"), "\(result.stderr)")
            #expect(!result.stderr.contains("cannot reach"), "\(result.stderr)")
            #expect(server.requests.filter { $0.uri.hasSuffix("/chat/completions") }.count == 1)
            let calls = try await iftdb(["sql", "--csv", "SELECT count(*), max(http_status), max(error) FROM calls"], in: folder.path)
            #expect(calls.stdout.contains("\r\n1,200,\"the model's reply was larger than 16 MiB"), "\(calls.stdout)")
        }
    }
}
