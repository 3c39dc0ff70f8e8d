import ArgumentParser
import Foundation
import IFTStore

/// Which model server to ask and how: the flags over `ModelSettings.fromEnvironment()`.
struct ModelOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The server's OpenAI-compatible base URL (default: $IFTDB_BASE_URL, else \(ModelSettings.defaultBaseURL)).", valueName: "url"))
    var baseURL: String?
    @Option(help: ArgumentHelp("The model name to ask for (default: $IFTDB_MODEL, else \(ModelSettings.defaultModel)).", valueName: "name"))
    var model: String?
    @Option(help: "Sampling temperature (default: the server's).") var temperature: Double?
    @Option(help: "Most tokens per reply (default: 400 for questions, 300 for answers, 200 for judgments).") var maxTokens: Int?
    @Option(help: "Seed for servers that support one.") var seed: Int?
    @Option(help: "Retries per request after the first attempt (connection errors, timeouts, 429, 5xx; for judgments, a reply without a usable score).") var retries = 4
    @Option(help: "Seconds one attempt may take, reply included.") var timeout: Double = 120
    @Option(help: "Seconds to establish a connection.") var connectTimeout: Double = 5

    func check() throws {
        if let baseURL {
            guard let url = URL(string: baseURL), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                throw ValidationError("--base-url must be an http(s) URL such as http://127.0.0.1:8080/v1")
            }
        }
        if let temperature, !(0...2).contains(temperature) { throw ValidationError("--temperature must be between 0 and 2") }
        if let maxTokens, maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1") }
        if retries < 0 || retries > 20 { throw ValidationError("--retries must be between 0 and 20") }
        for (flag, value) in [("--timeout", timeout), ("--connect-timeout", connectTimeout)] where !(value > 0 && value <= 86_400) {
            throw ValidationError("\(flag) must be a number of seconds between 0 and 86400")
        }
    }

    func settings(defaultMaxTokens: Int) -> ModelSettings {
        var settings = ModelSettings.fromEnvironment(baseURL: baseURL)
        if let model { settings.model = model }
        settings.temperature = temperature
        settings.maxTokens = maxTokens ?? defaultMaxTokens
        settings.seed = seed
        settings.retries = retries
        settings.requestDeadline = .milliseconds(Int(timeout * 1000))
        settings.connectTimeout = .milliseconds(Int(connectTimeout * 1000))
        return settings
    }
}
