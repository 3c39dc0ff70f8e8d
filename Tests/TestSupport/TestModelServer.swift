import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A real HTTP server inside the test process, on 127.0.0.1 and a port the kernel picks.
/// Each request takes the next scripted action (then `fallback`), and every request is recorded.
public final class TestModelServer: Sendable {
    public enum Action: Sendable {
        case respond(status: Int, headers: [(String, String)] = [], body: String)
        /// Replies after a real delay (for pool and concurrency tests, never for timing assertions).
        case respondAfter(milliseconds: Int64, status: Int, body: String)
        /// Replies once `ready()` returns: an event the test awaits (give it a limit, so a
        /// test whose event never comes still ends).
        case respondWhen(_ ready: @Sendable () async -> Void, status: Int, body: String)
        /// Reads the request and never replies.
        case hang
        /// Closes the connection without replying.
        case close
    }

    public struct RecordedRequest: Sendable {
        public let method: String
        public let uri: String
        public let headers: [(String, String)]
        public let body: String

        public func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    /// Script and log, shared by the event loop threads and the test.
    /// `@unchecked Sendable`: every access to `script` holds `lock`; `log` guards itself.
    private final class Shared: @unchecked Sendable {
        let lock = NSLock()
        var script: [Action] = []
        let fallback: @Sendable (RecordedRequest) -> Action
        let log = WatchedValue<[RecordedRequest]>([])
        let recording: Bool

        init(fallback: @escaping @Sendable (RecordedRequest) -> Action, recording: Bool) {
            self.fallback = fallback
            self.recording = recording
        }

        func next(for request: RecordedRequest) -> Action {
            // Logged and matched to its action at once, so the log's order is the script's.
            lock.withLock {
                if recording { log.update { $0.append(request) } }
                return script.isEmpty ? fallback(request) : script.removeFirst()
            }
        }
    }

    private let shared: Shared
    private let channel: any Channel
    public let port: Int

    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    public init(host: String = "127.0.0.1", port: Int = 0, recording: Bool = true, script: [Action] = [], fallback: @escaping @Sendable (RecordedRequest) -> Action = defaultReply) async throws {
        let shared = Shared(fallback: fallback, recording: recording)
        shared.script = script
        self.shared = shared
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(ScriptedHandler(shared: shared))
                }
            }
        channel = try await bootstrap.bind(host: host, port: port).get()
        self.port = channel.localAddress?.port ?? 0
    }

    /// Three questions about the sky, for every request.
    public static func defaultReply(_ request: RecordedRequest) -> Action {
        .respond(status: 200, body: completion(#"{"questions": ["Why is the sky blue?", "What colour is the sky?", "Is the sky ever red?"]}"#))
    }

    public func enqueue(_ actions: [Action]) {
        shared.lock.withLock { shared.script.append(contentsOf: actions) }
    }

    public var requests: [RecordedRequest] { shared.log.read { $0 } }

    /// Waits until the requests received so far satisfy `condition`; false if `limit` passes
    /// first (a guard against hanging, not a measure).
    public func waitForRequests(limit: Duration = .seconds(60), until condition: @escaping @Sendable ([RecordedRequest]) -> Bool) async -> Bool {
        await shared.log.wait(limit: limit, until: condition)
    }

    /// Stops listening. A test awaits it on every path: `withTestModelServer` does.
    public func shutdown() async {
        try? await channel.close()
    }

    /// A chat-completion body whose message content is `content`.
    public static func completion(_ content: String, finishReason: String = "stop", promptTokens: Int = 50, completionTokens: Int = 20) -> String {
        let escaped = String(data: (try? JSONSerialization.data(withJSONObject: [content], options: [.fragmentsAllowed])) ?? Data(), encoding: .utf8) ?? "[\"\"]"
        let quoted = String(escaped.dropFirst().dropLast())
        return """
            {"id":"chatcmpl-1","object":"chat.completion","model":"test","choices":[{"index":0,"message":{"role":"assistant","content":\(quoted)},"finish_reason":"\(finishReason)"}],"usage":{"prompt_tokens":\(promptTokens),"completion_tokens":\(completionTokens),"total_tokens":\(promptTokens + completionTokens)}}
            """
    }

    private final class ScriptedHandler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let shared: Shared
        var head: HTTPRequestHead?
        var body = ""

        init(shared: Shared) { self.shared = shared }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let requestHead):
                head = requestHead
                body = ""
            case .body(let buffer):
                body += String(buffer: buffer)
            case .end:
                guard let head else { return }
                let request = RecordedRequest(
                    method: head.method.rawValue, uri: head.uri,
                    headers: head.headers.map { ($0.name, $0.value) }, body: body)
                switch shared.next(for: request) {
                case .respond(let status, let headers, let text):
                    respond(context: context, status: status, headers: headers, body: text)
                case .respondAfter(let milliseconds, let status, let text):
                    let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                    context.eventLoop.scheduleTask(in: .milliseconds(milliseconds)) {
                        let (handler, context) = bound.value
                        handler.respond(context: context, status: status, headers: [], body: text)
                    }
                case .respondWhen(let ready, let status, let text):
                    let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                    let eventLoop = context.eventLoop
                    Task {
                        await ready()
                        eventLoop.execute {
                            let (handler, context) = bound.value
                            handler.respond(context: context, status: status, headers: [], body: text)
                        }
                    }
                case .hang:
                    break
                case .close:
                    context.close(promise: nil)
                }
            }
        }

        func respond(context: ChannelHandlerContext, status: Int, headers: [(String, String)], body: String) {
            var responseHeaders = HTTPHeaders(headers)
            responseHeaders.replaceOrAdd(name: "Content-Type", value: "application/json")
            responseHeaders.replaceOrAdd(name: "Content-Length", value: String(body.utf8.count))
            let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: responseHeaders)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}

/// Runs `body` with a fresh server, and awaits the server's shutdown on every path.
public func withTestModelServer<T>(
    script: [TestModelServer.Action] = [],
    fallback: @escaping @Sendable (TestModelServer.RecordedRequest) -> TestModelServer.Action = TestModelServer.defaultReply,
    _ body: (TestModelServer) async throws -> T
) async throws -> T {
    let server = try await TestModelServer(script: script, fallback: fallback)
    do {
        let result = try await body(server)
        await server.shutdown()
        return result
    } catch {
        await server.shutdown()
        throw error
    }
}
