import Foundation
import Testing
@testable import IFTStore

@Suite struct ModelSettingsTests {
    @Test func settingsComeFromTheEnvironmentAndHideTheKey() {
        let defaults = ModelSettings.fromEnvironment([:])
        #expect(defaults.baseURL == "http://127.0.0.1:8088/v1" && defaults.model == "smollm2-135m" && defaults.apiKey == nil)
        #expect(defaults.retries == 4)
        let openAI = ModelSettings.fromEnvironment(["IFTDB_BASE_URL": "https://api.openai.com/v1/", "IFTDB_MODEL": "gpt-4o-mini", "OPENAI_API_KEY": "sk-openai-1234"])
        #expect(openAI.chatCompletionsURL == "https://api.openai.com/v1/chat/completions")
        #expect(openAI.apiKey == "sk-openai-1234")
        #expect(!openAI.description.contains("sk-openai"))
        let both = ModelSettings.fromEnvironment(["IFTDB_API_KEY": "key-iftdb", "OPENAI_API_KEY": "key-openai"])
        #expect(both.apiKey == "key-iftdb")
        var params = ModelSettings(temperature: 0.7, maxTokens: 256, seed: 1)
        #expect(params.parametersJSON == #"{"max_tokens":256,"seed":1,"temperature":0.7}"#)
        params.apiKey = "secret-value"
        #expect(params.redacting("a secret-value b") == "a [REDACTED] b")
    }

    /// A key goes only to its own service: `IFTDB_API_KEY` anywhere; else `LAMINI_API_KEY` to
    /// Lamini's endpoint (`<api_url>/v1alpha/infv2`, as Lamini's own client builds it) and
    /// `OPENAI_API_KEY` to every other server.
    @Test func laminiEndpointTakesLaminisKey() {
        let keys = ["LAMINI_API_KEY": "lamini-key-1234", "OPENAI_API_KEY": "sk-openai-1234"]
        let lamini = ModelSettings.fromEnvironment(keys.merging(["IFTDB_BASE_URL": "https://api.lamini.ai/v1alpha/infv2"]) { $1 })
        #expect(lamini.isLamini && lamini.apiKey == "lamini-key-1234")
        #expect(lamini.chatCompletionsURL == "https://api.lamini.ai/v1alpha/infv2/chat/completions")
        #expect(ModelSettings.laminiBaseURL == "https://api.lamini.ai/v1alpha/infv2")
        // The --base-url flag decides as the variable does; a local server at Lamini's path too.
        let flag = ModelSettings.fromEnvironment(keys, baseURL: "http://127.0.0.1:9000/v1alpha/infv2/")
        #expect(flag.baseURL == "http://127.0.0.1:9000/v1alpha/infv2/" && flag.apiKey == "lamini-key-1234")
        let openAI = ModelSettings.fromEnvironment(keys.merging(["IFTDB_BASE_URL": "https://api.openai.com/v1"]) { $1 })
        #expect(!openAI.isLamini && openAI.apiKey == "sk-openai-1234")
        #expect(ModelSettings.fromEnvironment(["LAMINI_API_KEY": "lamini-key-1234"]).apiKey == nil)
        #expect(ModelSettings.fromEnvironment(["OPENAI_API_KEY": "sk-openai-1234"], baseURL: ModelSettings.laminiBaseURL).apiKey == nil)
        let both = ModelSettings.fromEnvironment(keys.merging(["IFTDB_API_KEY": "key-iftdb"]) { $1 }, baseURL: ModelSettings.laminiBaseURL)
        #expect(both.apiKey == "key-iftdb")
        #expect(!lamini.description.contains("lamini-key"))
        #expect(lamini.keyVariable == "LAMINI_API_KEY" && openAI.keyVariable == "OPENAI_API_KEY")
    }

    @Test func retryPolicyBacksOffAndReadsRetryAfter() {
        let policy = RetryPolicy(jitter: { 1.0 })
        #expect((1...8).map { policy.backoff(retry: $0, retryAfter: nil) } == [
            .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(30), .seconds(30)])
        #expect(RetryPolicy(jitter: { 0.5 }).backoff(retry: 2, retryAfter: nil) == .milliseconds(500))
        #expect(policy.backoff(retry: 1, retryAfter: .seconds(2)) == .seconds(2))
        #expect(policy.backoff(retry: 1, retryAfter: .seconds(9999)) == .seconds(300))
        #expect(RetryPolicy.parseRetryAfter("2") == .seconds(2))
        #expect(RetryPolicy.parseRetryAfter("0.5") == .milliseconds(500))
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(RetryPolicy.parseRetryAfter("Tue, 14 Nov 2023 22:13:30 GMT", now: now) == .seconds(10))
        #expect(RetryPolicy.parseRetryAfter("soon") == nil)
        #expect(RetryPolicy.parseRetryAfter(nil) == nil)
    }
}

@Suite struct DisplayURLTests {
    @Test func credentialsInTheBaseURLAreNeverShown() {
        var settings = ModelSettings()
        settings.baseURL = "https://user:s3cret@api.example.com/v1?api-key=s3cret"
        #expect(settings.displayBaseURL == "https://api.example.com/v1")
        #expect(!settings.description.contains("s3cret"))
        settings.baseURL = "http://127.0.0.1:8080/v1/"
        #expect(settings.displayBaseURL == "http://127.0.0.1:8080/v1")
    }
}
