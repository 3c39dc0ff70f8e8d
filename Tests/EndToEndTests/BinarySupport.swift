import Foundation
import TestSupport
import Testing

/// Runs the built `iftdb` the way a user does.
struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String

    var stderrLines: [Substring] { stderr.split(separator: "\n", omittingEmptySubsequences: true) }
}

/// `IFTDB_BIN`, else the `iftdb` beside the test bundle, else `.build/debug/iftdb`.
let iftdbBinary: String = {
    if let path = ProcessInfo.processInfo.environment["IFTDB_BIN"], !path.isEmpty { return path }
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appending(path: "iftdb").path
    if FileManager.default.isExecutableFile(atPath: beside) { return beside }
    return packageRoot.appending(path: ".build/debug/iftdb").path
}()

@discardableResult
func iftdb(_ arguments: [String], in folder: String, environment: [String: String] = [:], executable: String = iftdbBinary, stdin: Data? = nil) throws -> CommandResult {
    var env = ProcessInfo.processInfo.environment
    for key in ["IFTDB_DB", "IFTDB_BASE_URL", "IFTDB_MODEL", "IFTDB_API_KEY", "OPENAI_API_KEY"] { env.removeValue(forKey: key) }
    env.merge(environment) { $1 }
    return try runProcess(executable, arguments, in: folder, environment: env, stdin: stdin)
}

/// Runs a program found on PATH (`sqlite3`, `python3` …) with arguments and optional stdin.
func runProgram(_ executable: String, _ arguments: [String], in folder: String, stdin: Data? = nil) throws -> CommandResult {
    try runProcess("/usr/bin/env", [executable] + arguments, in: folder, environment: nil, stdin: stdin)
}

func runProcess(_ executable: String, _ arguments: [String], in folder: String, environment: [String: String]?, stdin: Data?) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: folder)
    if let environment { process.environment = environment }
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()
    // Read both pipes concurrently so a full pipe never blocks the child.
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
}

/// A one-line error: exit 2, a single `iftdb: error:` line on stderr, nothing on stdout.
func expectOneLineError(_ result: CommandResult, containing text: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.status == 2, "exit \(result.status), stderr: \(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stderrLines.count == 1, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stderr.hasPrefix("iftdb: error: "), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
    if let text { #expect(result.stderr.contains(text), "stderr: \(result.stderr)", sourceLocation: sourceLocation) }
}
