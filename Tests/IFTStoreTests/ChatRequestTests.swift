import Foundation
import TestSupport
import Testing
@testable import IFTStore

/// The request bodies on the wire, byte for byte: every form a question request degrades
/// through, and an answer request. A body that changes changes the `calls` rows a store
/// keeps and what servers see, so a change here must be on purpose.
@Suite struct ChatRequestTests {
    static let messages = [
        ChatMessage(role: "system", content: "Be brief. \"Quote\" \\ back\tslash"),
        ChatMessage(role: "user", content: "Zürich\nline\u{2028}sep \u{1} ctl / slash 🙂"),
    ]

    @Test func everyFormOfAQuestionRequestIsPinned() async throws {
        try await withTestModelServer(script: [
            .respond(status: 400, body: #"{"error":{"message":"Invalid schema for response_format 'questions': 'maxLength' is not permitted."}}"#),
            .respond(status: 400, body: #"{"error":{"message":"'strict' is not supported here"}}"#),
            .respond(status: 400, body: #"{"error":{"message":"Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."}}"#),
            .respond(status: 400, body: #"{"error":{"message":"Invalid value: 'json_schema' is not supported with this model."}}"#),
            .respond(status: 500, body: #"{"error":"response_format is not supported"}"#),
        ]) { server in
            var settings = ModelSettings(baseURL: server.baseURL, model: "m\"odel", temperature: 0.7, maxTokens: 256, seed: 7, retries: 0)
            settings.questionPattern = #"^(What|Who)[^"?]{8,200}[?]$"#
            let result = try await ModelClient.withHTTPClient(concurrency: 1) { http in
                await ModelClient(http: http, settings: settings, sleeper: RecordingSleeper()).askQuestions(messages: Self.messages, count: 4)
            }
            #expect(result.value?.questions.count == 3)
            let bodies = server.requests.map(\.body)
            let messages = #""messages":[{"role":"system","content":"Be brief. \"Quote\" \\ back\tslash"},{"role":"user","content":"Zürich\nline\u2028sep \u0001 ctl / slash 🙂"}]"#
            let head = #"{"model":"m\"odel","# + messages + #","temperature":0.7,"#
            let items = #"{"type":"string","maxLength":300,"pattern":"^(What|Who)[^\"?]{8,200}[?]$"}"#
            let itemsShort = #"{"type":"string","pattern":"^(What|Who)[^\"?]{8,200}[?]$"}"#
            func schema(_ items: String) -> String {
                #"{"type":"object","properties":{"questions":{"type":"array","items":"# + items
                    + #","minItems":4,"maxItems":4}},"required":["questions"],"additionalProperties":false}"#
            }
            #expect(bodies == [
                head + #""max_tokens":256,"seed":7,"stream":false,"response_format":{"type":"json_schema","json_schema":{"name":"questions","strict":true,"schema":"# + schema(items) + "}}}",
                head + #""max_tokens":256,"seed":7,"stream":false,"response_format":{"type":"json_schema","json_schema":{"name":"questions","strict":true,"schema":"# + schema(itemsShort) + "}}}",
                head + #""max_tokens":256,"seed":7,"stream":false,"response_format":{"type":"json_schema","json_schema":{"name":"questions","schema":"# + schema(itemsShort) + "}}}",
                head + #""max_completion_tokens":256,"seed":7,"stream":false,"response_format":{"type":"json_schema","json_schema":{"name":"questions","schema":"# + schema(itemsShort) + "}}}",
                head + #""max_completion_tokens":256,"seed":7,"stream":false,"response_format":{"type":"json_object","schema":"# + schema(itemsShort) + "}}",
                head + #""max_completion_tokens":256,"seed":7,"stream":false}"#,
            ])
        }
    }

    @Test func anAnswerRequestIsPinned() async throws {
        try await withTestModelServer(script: [.respond(status: 200, body: TestModelServer.completion("Blue."))]) { server in
            try await withTestModelServer(script: [.respond(status: 200, body: TestModelServer.completion("Blue."))]) { bare in
                try await ModelClient.withHTTPClient(concurrency: 1) { http in
                    let settings = ModelSettings(baseURL: server.baseURL, model: "test", temperature: 1, maxTokens: 300, seed: 0)
                    _ = await ModelClient(http: http, settings: settings, sleeper: RecordingSleeper()).askAnswer(messages: [Self.messages[1]])
                    _ = await ModelClient(http: http, settings: ModelSettings(baseURL: bare.baseURL), sleeper: RecordingSleeper())
                        .askAnswer(messages: [ChatMessage(role: "user", content: "Why?")])
                }
                #expect(server.requests.map(\.body) == [
                    #"{"model":"test","messages":[{"role":"user","content":"Zürich\nline\u2028sep \u0001 ctl / slash 🙂"}],"temperature":1,"max_tokens":300,"seed":0,"stream":false}"#,
                ])
                #expect(bare.requests.map(\.body) == [#"{"model":"smollm2-135m","messages":[{"role":"user","content":"Why?"}],"stream":false}"#])
            }
        }
    }
}
