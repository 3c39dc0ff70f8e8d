import Foundation
import TestSupport
import Testing
@testable import IFTStore

/// Replies that no other item will fare better with end the run: a 401, 403 or 404, and a
/// 400 that names an unknown model. Other 400s still fail one item, and the structured-output
/// refusals still degrade the request.
extension ModelClientTests {
    @Test(arguments: [
        (401, #"{"error":{"message":"Incorrect API key provided","code":"invalid_api_key"}}"#, "Incorrect API key provided"),
        (403, #"{"error":{"message":"not allowed"}}"#, "not allowed"),
        (404, "404 page not found", "404 page not found"),
        (400, #"{"error":{"message":"invalid model ID","code":"model_not_found"}}"#, "invalid model ID"),
        (400, #"{"error":{"message":"The model `gpt-9` does not exist or you do not have access to it."}}"#, "The model `gpt-9` does not exist"),
        (400, #"{"error":"model 'llama9' not found, try pulling it first"}"#, "model 'llama9' not found"),
    ])
    func aRefusalThatEveryItemWouldMeetEndsTheRun(status: Int, body: String, message: String) async throws {
        let server = try await TestModelServer(script: [.respond(status: status, body: body)])
        let (result, waits) = try await withClient(server) { client, sleeper in
            (await client.askQuestions(messages: Self.messages, count: 3), await sleeper.waits)
        }
        #expect(result.attempts.count == 1)
        #expect(result.attempts.first?.httpStatus == status)
        #expect(waits.isEmpty)
        let failure = try #require(result.failure)
        #expect(failure.kind == .fatal)
        #expect(failure.message.contains("HTTP \(status)") && failure.message.contains(message), "\(failure.message)")
    }

    @Test func otherBadRequestsStillFailOneItemAndStructuredOutputRefusalsStillDegrade() async throws {
        let server = try await TestModelServer(script: [
            .respond(status: 400, body: #"{"error":{"message":"this chunk upsets the model"}}"#),
            .respond(status: 422, body: #"{"error":{"message":"unprocessable"}}"#),
            .respond(status: 400, body: #"{"error":{"message":"Invalid value: 'json_schema' is not supported with this model.","type":"invalid_request_error"}}"#),
        ])
        let (upset, unprocessable, degraded) = try await withClient(server, retries: 0) { client, _ in
            (await client.askQuestions(messages: Self.messages, count: 3), await client.askQuestions(messages: Self.messages, count: 3),
             await client.askQuestions(messages: Self.messages, count: 3))
        }
        #expect(upset.failure?.kind == .rejected)
        #expect(unprocessable.failure?.kind == .rejected)
        #expect(degraded.attempts.count == 2)
        #expect(degraded.value?.questions.count == 3)
    }
}
