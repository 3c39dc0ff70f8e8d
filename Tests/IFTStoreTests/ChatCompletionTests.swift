import Foundation
import Testing
@testable import IFTStore

/// Reading a reply body: the fields of a completion, every error shape servers use, and the
/// class of body the attempt policy decides on.
@Suite struct ChatCompletionTests {
    static func body(_ status: Int, _ text: String) -> Exchange.Body {
        Exchange.Body(status: status, text: text, reply: ChatCompletion(parsing: text))
    }

    @Test func aCompletionsFieldsAreRead() throws {
        let reply = try #require(ChatCompletion(parsing: #"{"choices":[{"message":{"content":"Hi"},"finish_reason":"length"}],"usage":{"prompt_tokens":12,"completion_tokens":3.0}}"#))
        #expect(reply.content == "Hi" && reply.finishReason == "length")
        #expect(reply.promptTokens == 12 && reply.completionTokens == 3)
        #expect(reply.error.message == nil && reply.isChatReply)
        // The legacy completions shape, and fields of the wrong type, which count as missing.
        let legacy = try #require(ChatCompletion(parsing: #"{"choices":[{"text":"Old","finish_reason":7}],"usage":{"prompt_tokens":"many"}}"#))
        #expect(legacy.content == "Old" && legacy.finishReason == nil && legacy.promptTokens == nil)
    }

    @Test(arguments: [
        (#"{"error":{"message":"bad","code":"c1"}}"#, "bad", "c1"),
        (#"{"error":"plain"}"#, "plain", nil),
        (#"{"detail":"Not Found"}"#, "Not Found", nil),
        (#"{"detail":[{"loc":["body","response_format","type"],"msg":"Input should be 'text'"},{"loc":["body",0],"msg":"x"}]}"#,
         "body.response_format.type: Input should be 'text'; body.0: x", nil),
        (#"{"message":"Ollama says no"}"#, "Ollama says no", nil),
    ] as [(String, String, String?)])
    func everyErrorShapeGivesItsMessage(text: String, message: String, code: String?) throws {
        let reply = try #require(ChatCompletion(parsing: text))
        #expect(reply.error.message == message)
        #expect(reply.error.code == code)
        #expect(Self.body(500, text) == .error(message: message, code: code))
    }

    @Test func aMessageBesideChoicesIsNoError() throws {
        let reply = try #require(ChatCompletion(parsing: #"{"message":"hello","choices":[{"message":{"content":"ok"}}]}"#))
        #expect(reply.error.message == nil)
        #expect(reply.content == "ok")
    }

    @Test func theBodysClassDependsOnTheStatus() {
        let completion = #"{"choices":[{"message":{"content":"Why?"}}]}"#
        #expect(Self.body(200, completion) == .completion(content: "Why?", finishReason: nil))
        // A completion under an error status is only text.
        #expect(Self.body(500, completion) == .unreadable(completion))
        #expect(Self.body(200, #"{"error":{"message":"overloaded"}}"#) == .error(message: "overloaded", code: nil))
        #expect(Self.body(200, #"{"choices":[]}"#) == .unreadable(#"{"choices":[]}"#))
        #expect(Self.body(200, "[1, 2]") == .unreadable("[1, 2]"))
        #expect(Self.body(502, "") == .empty)
        #expect(Self.body(400, #"{"error":{"code":"model_not_found"}}"#) == .error(message: #"{"error":{"code":"model_not_found"}}"#, code: "model_not_found"))
        let refusal = #"{"choices":[{"message":{"content":null,"refusal":"No."}}],"error":{"message":"ignored"}}"#
        #expect(Self.body(200, refusal) == .refusal("No."))
        #expect(ChatCompletion(parsing: "not json") == nil)
        #expect(ChatCompletion(parsing: #"{"usage":{"prompt_tokens":1}}"#)?.isChatReply == false)
    }
}
