import Foundation

/// One line of a batch results file, in the format the OpenAI Batch API and `vllm
/// run-batch` write: `{"id", "custom_id", "response": {"status_code", "request_id", "body"},
/// "error"}`. A request that failed has `error` set (a string or an object) and a response
/// that is null or has a null body.
struct BatchResultLine: Equatable {
    let customID: String
    /// `response.status_code`; nil when there is no response.
    let statusCode: Int?
    /// `response.body` exactly as written (the reply a live call would have read); nil when
    /// null or missing.
    let body: String?
    /// The error's message, when the line reports an error.
    let errorMessage: String?
    /// The error exactly as written (JSON), kept when there is no body to keep.
    let errorText: String?

    enum Reading: Equatable {
        /// Only whitespace: skipped.
        case blank
        case result(BatchResultLine)
        /// A JSON object of another shape; why, in a few words.
        case wrongShape(String)
    }

    /// Whether `bytes` holds only JSON whitespace.
    static func isBlank(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        JSONScan.skipSpace(bytes, &index)
        return index == bytes.count
    }

    static func read(_ bytes: UnsafeBufferPointer<UInt8>) -> Reading {
        if isBlank(bytes) { return .blank }
        guard let members = JSONScan.members(bytes, in: 0..<bytes.count) else { return .wrongShape("not a JSON object") }
        func member(_ key: String, in list: [JSONScan.Member]) -> JSONScan.Member? { list.last { $0.key == key } }
        func text(_ range: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self) }

        guard let id = member("custom_id", in: members) else { return .wrongShape("no custom_id") }
        guard id.kind == .string, let customID = JSONScan.string(bytes, id.value) else { return .wrongShape("custom_id is not a string") }

        var statusCode: Int?
        var body: String?
        var hasResponse = false
        if let response = member("response", in: members), response.kind != .null {
            guard response.kind == .object, let fields = JSONScan.members(bytes, in: response.value) else {
                return .wrongShape("response is not an object")
            }
            guard let status = member("status_code", in: fields), status.kind == .number,
                  let code = JSONScan.integer(bytes, status.value) else {
                return .wrongShape("response has no status_code")
            }
            hasResponse = true
            statusCode = code
            if let value = member("body", in: fields), value.kind != .null { body = text(value.value) }
        }

        var errorMessage: String?
        var errorText: String?
        if let error = member("error", in: members), error.kind != .null {
            let raw = text(error.value)
            errorText = raw
            switch error.kind {
            case .string:
                errorMessage = JSONScan.string(bytes, error.value) ?? raw
            case .object:
                // The shapes servers use: {"message", "code"} (OpenAI), {"error": {"message" …}}
                // and {"object": "error", "message" …} (vLLM): the live calls' error reader.
                errorMessage = (try? JSONDecoder().decode(ErrorBody.self, from: Data(raw.utf8)))?.message ?? raw
            default:
                errorMessage = raw
            }
            if errorMessage?.isEmpty != false { errorMessage = raw }
        }
        guard hasResponse || errorMessage != nil else { return .wrongShape("neither a response nor an error") }
        return .result(BatchResultLine(customID: customID, statusCode: statusCode, body: body, errorMessage: errorMessage, errorText: errorText))
    }

    /// What the line means for its request, read as a live call reads a reply: the `calls`
    /// row's fields, and the item's result or why it failed. `count` is the questions a
    /// question run asked for.
    func outcome(kind: GenerationKind, count: Int) -> (attempt: CallAttempt, result: Result<BatchResult, ModelFailure>) {
        // Only the fields a result fills: its request and start are in the row already.
        var attempt = CallAttempt(attempt: 1, request: "", response: body ?? errorText, httpStatus: statusCode, startedAt: "")
        if let errorMessage {
            let message = ServerText.oneLine(errorMessage, limit: 400)
            let failure = statusCode.flatMap { AttemptPolicy.contextTooLong(status: $0, message: message) }
                ?? ModelFailure(.rejected, statusCode.map { (200..<300).contains($0) ? "the batch reported an error: \(message)" : "HTTP \($0): \(message)" }
                    ?? "the batch reported an error: \(message)")
            attempt.error = failure.message
            return (attempt, .failure(failure))
        }
        let text = body ?? ""
        let status = statusCode ?? 0
        let reply = ChatCompletion(parsing: text)
        if let reply, reply.isChatReply {
            attempt.finishReason = reply.finishReason
            attempt.promptTokens = reply.promptTokens
            attempt.completionTokens = reply.completionTokens
        }
        let exchange = Exchange(attempt: 1, status: status, body: Exchange.Body(status: status, text: text, reply: reply))
        guard exchange.isSuccess, case .completion = exchange.body else {
            let why = exchange.problem ?? "the reply is not a chat completion (HTTP \(status))"
            attempt.error = why
            return (attempt, .failure(ModelFailure(.unusableReply, why)))
        }
        let result = kind.readReply(exchange.body, count: count)
        if case .failure(let failure) = result { attempt.error = failure.message }
        return (attempt, result)
    }
}
