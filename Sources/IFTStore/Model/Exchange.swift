import Foundation

/// One attempt of a request as the policy sees it: what came back, and when.
public struct Exchange: Sendable {
    /// 1 for a request's first attempt, then 2, 3 …
    public var attempt: Int
    /// The HTTP status; nil when no reply came.
    public var status: Int?
    public var headers: [(name: String, value: String)]
    public var body: Body
    public var elapsed: Duration
    /// The form the request was sent in.
    public var form: RequestForm

    /// What a reply's body is, read once.
    public enum Body: Sendable, Equatable {
        /// No reply: the connection failed, closed, or the deadline passed (why, in one line).
        case none(String)
        /// A chat completion with content.
        case completion(content: String, finishReason: String?)
        /// OpenAI's structured-output refusal instead of content.
        case refusal(String)
        /// An error body and its message (`error.message`, `detail` …) and `error.code`.
        case error(message: String, code: String?)
        /// Anything else: not JSON, cut short, or JSON of another shape (the text).
        case unreadable(String)
        case empty
        /// Over `ModelClient.maxResponseBytes`: not read.
        case tooLarge
    }

    public init(attempt: Int, status: Int?, headers: [(name: String, value: String)] = [], body: Body,
                elapsed: Duration = .zero, form: RequestForm = RequestForm()) {
        self.attempt = attempt
        self.status = status
        self.headers = headers
        self.body = body
        self.elapsed = elapsed
        self.form = form
    }

    /// The first value of header `name`, any case.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var isSuccess: Bool { status.map { (200..<300).contains($0) } ?? false }

    /// The server's message, for a reply that is an error: one line.
    var serverMessage: String {
        switch body {
        case .error(let message, _): return ServerText.oneLine(message, limit: 400)
        case .unreadable(let text):
            let line = ServerText.oneLine(text, limit: 400)
            return line.isEmpty ? "(empty reply)" : line
        default: return "(empty reply)"
        }
    }

    /// Why this attempt gave no usable reply, as its `calls.error` says; nil for a completion.
    public var problem: String? {
        let status = status ?? 0
        switch body {
        case .none(let reason): return reason
        case .completion: return nil
        case .tooLarge:
            let which = isSuccess ? "the model's reply" : "the model server's reply (HTTP \(status))"
            return "\(which) was larger than \(ModelClient.maxResponseBytes >> 20) MiB, the most iftdb reads; ask for a shorter reply (--max-tokens)"
        case .refusal(let text): return "the model refused: \(ServerText.oneLine(text, limit: 200))"
        case .unreadable(let text) where isSuccess: return "the reply is not a chat completion (HTTP \(status)): \(ServerText.oneLine(text, limit: 200))"
        case .empty where isSuccess: return "the reply is not a chat completion (HTTP \(status)): "
        default: return "HTTP \(status): \(serverMessage)"
        }
    }
}

extension Exchange.Body {
    /// What a reply of `status` with body `text` is; `reply` is the text decoded, when it is
    /// a JSON object. A refusal and a completion count only in a 2xx reply.
    init(status: Int, text: String, reply: ChatCompletion?) {
        let success = (200..<300).contains(status)
        guard !text.isEmpty else {
            self = .empty
            return
        }
        guard let reply else {
            self = .unreadable(text)
            return
        }
        if success, let refusal = reply.refusal {
            self = .refusal(refusal)
        } else if let message = reply.error.message {
            self = .error(message: message, code: reply.error.code)
        } else if success, let content = reply.content {
            self = .completion(content: content, finishReason: reply.finishReason)
        } else if !success, let code = reply.error.code {
            // An error body with a code and no message: the body itself is the message.
            self = .error(message: text, code: code)
        } else {
            self = .unreadable(text)
        }
    }
}
