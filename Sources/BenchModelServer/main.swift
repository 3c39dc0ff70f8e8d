import Foundation
import TestSupport

// A fast OpenAI-compatible stand-in for benchmarks: every chat request gets the same
// three questions (or an answer) after --latency-ms. Usage: BenchModelServer PORT [LATENCY_MS]
let arguments = CommandLine.arguments
guard arguments.count >= 2, let port = Int(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: BenchModelServer PORT [LATENCY_MS]\n".utf8))
    exit(64)
}
let latency = arguments.count >= 3 ? Int64(arguments[2]) ?? 0 : 0
let questions = TestModelServer.completion(#"{"questions": ["What does the report say?", "Who wrote it?", "When was it filed?"]}"#)
let answer = TestModelServer.completion("It says the sensors were calibrated in May.")
let server = try await TestModelServer(port: port, recording: false, fallback: { request in
    let body = request.body.contains("response_format") ? questions : answer
    return latency > 0 ? .respondAfter(milliseconds: latency, status: 200, body: body) : .respond(status: 200, body: body)
})
FileHandle.standardOutput.write(Data("listening on \(server.baseURL)\n".utf8))
while true { try await Task.sleep(for: .seconds(3600)) }
