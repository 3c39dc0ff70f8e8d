import Foundation

/// Where the model is and how to ask it. The API key is kept for the Authorization header
/// only: it is not part of `description`, `parametersJSON` or any request body.
public struct ModelSettings: Sendable, CustomStringConvertible {
    public static let defaultBaseURL = "http://127.0.0.1:8088/v1"
    public static let defaultModel = "smollm2-135m"

    public var baseURL: String
    public var model: String
    public var apiKey: String?
    public var temperature: Double?
    public var maxTokens: Int?
    public var seed: Int?
    /// How long establishing one connection may take.
    public var connectTimeout: Duration
    /// How long one attempt (connect, send, wait, read the whole reply) may take.
    public var requestDeadline: Duration
    /// Retries after the first attempt for connection errors, timeouts, 429 and 5xx.
    public var retries: Int
    /// Longest question the structured-output schema allows, in characters.
    public var maxQuestionLength: Int
    /// A regular expression every question must match, sent as the schema's `pattern`
    /// (servers with grammar-constrained decoding enforce it); nil for none.
    public var questionPattern: String? = nil

    public init(
        baseURL: String = ModelSettings.defaultBaseURL, model: String = ModelSettings.defaultModel,
        apiKey: String? = nil, temperature: Double? = nil, maxTokens: Int? = nil, seed: Int? = nil,
        connectTimeout: Duration = .seconds(5), requestDeadline: Duration = .seconds(120),
        retries: Int = 4, maxQuestionLength: Int = 300
    ) {
        self.baseURL = baseURL
        self.model = model
        self.apiKey = apiKey
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.seed = seed
        self.connectTimeout = connectTimeout
        self.requestDeadline = requestDeadline
        self.retries = retries
        self.maxQuestionLength = maxQuestionLength
    }

    /// Lamini's OpenAI-compatible endpoint is `<api_url>/v1alpha/infv2` (its Python client,
    /// `lamini/api/openai_client.py`, gives that `base_url` to the OpenAI client).
    public static let laminiPath = "/v1alpha/infv2"
    public static let laminiBaseURL = "https://api.lamini.ai" + laminiPath

    /// Base URL from `baseURL` (the `--base-url` flag), else `IFTDB_BASE_URL`; model from
    /// `IFTDB_MODEL`; key from `IFTDB_API_KEY`, else the variable of the service the base URL
    /// names (`keyVariable`): a key goes only to its own service. Other flags given on the
    /// command line override the rest afterwards.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment, baseURL: String? = nil) -> ModelSettings {
        func value(_ name: String) -> String? {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
            return text
        }
        var settings = ModelSettings(baseURL: baseURL ?? value("IFTDB_BASE_URL") ?? defaultBaseURL, model: value("IFTDB_MODEL") ?? defaultModel)
        settings.apiKey = value("IFTDB_API_KEY") ?? value(settings.keyVariable)
        return settings
    }

    /// Whether the base URL is Lamini's OpenAI-compatible endpoint: its path ends in
    /// `/v1alpha/infv2`, or its host is Lamini's.
    public var isLamini: Bool {
        guard let url = URLComponents(string: normalizedBaseURL) else { return false }
        let host = url.host?.lowercased() ?? ""
        return url.path.hasSuffix(Self.laminiPath) || host == "lamini.ai" || host.hasSuffix(".lamini.ai")
    }

    /// The variable whose key goes to this server when `IFTDB_API_KEY` is not set:
    /// `LAMINI_API_KEY` for Lamini's endpoint, else `OPENAI_API_KEY`.
    public var keyVariable: String { isLamini ? "LAMINI_API_KEY" : "OPENAI_API_KEY" }

    /// The base URL without a trailing slash.
    public var normalizedBaseURL: String {
        var url = baseURL.trimmingCharacters(in: .whitespaces)
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// Why the base URL cannot work (not http or https, no host), or nil when it can.
    public var baseURLProblem: String? {
        guard let url = URL(string: normalizedBaseURL), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty else {
            return "'\(redacting(baseURL))' is not an http(s) URL; set --base-url or IFTDB_BASE_URL to e.g. \(Self.defaultBaseURL)"
        }
        return nil
    }

    /// The base URL safe to store and print: without user info (`user:token@`) or query.
    public var displayBaseURL: String {
        guard var parts = URLComponents(string: normalizedBaseURL) else { return normalizedBaseURL }
        let hadSecrets = parts.user != nil || parts.password != nil || parts.query != nil
        parts.user = nil
        parts.password = nil
        parts.query = nil
        return hadSecrets ? (parts.string ?? normalizedBaseURL) : normalizedBaseURL
    }

    public var chatCompletionsURL: String { normalizedBaseURL + "/chat/completions" }
    public var modelsURL: String { normalizedBaseURL + "/models" }

    /// The generation parameters as canonical JSON (sorted keys), for the `models` table:
    /// changing the temperature makes another model row.
    public var parametersJSON: String {
        // Three optional numbers cannot fail to encode.
        (try? OrderedJSONEncoder(keys: .sorted).encode(Parameters(maxTokens: maxTokens, seed: seed, temperature: temperature))) ?? "{}"
    }

    private struct Parameters: Encodable {
        var maxTokens: Int?
        var seed: Int?
        var temperature: Double?
    }

    public var description: String {
        "model \(model) at \(displayBaseURL) (api key: \(apiKey == nil ? "none" : "set"))"
    }

    /// `text` with the API key (and its JSON-escaped form) replaced by `[REDACTED]`.
    public func redacting(_ text: String) -> String {
        guard let apiKey, apiKey.count >= 4 else { return text }
        let escaped = apiKey.utf8.contains(UInt8(ascii: "/")) ? apiKey.replacingOccurrences(of: "/", with: "\\/") : apiKey
        // Nearly every reply holds no key: a search of the bytes says so, for each reply.
        guard text.utf8.firstRange(of: apiKey.utf8) != nil || (escaped != apiKey && text.utf8.firstRange(of: escaped.utf8) != nil) else {
            return text
        }
        var out = text.replacingOccurrences(of: apiKey, with: "[REDACTED]")
        if escaped != apiKey { out = out.replacingOccurrences(of: escaped, with: "[REDACTED]") }
        return out
    }
}
