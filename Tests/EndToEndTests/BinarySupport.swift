import Foundation
import Testing

/// Runs the built `iftdb` the way a user does.
struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String

    var stderrLines: [Substring] { stderr.split(separator: "\n", omittingEmptySubsequences: true) }
}

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

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

final class TemporaryFolder {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = FileManager.default.temporaryDirectory.appending(path: "iftdb-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { url.appending(path: name).path }

    func write(_ name: String, _ text: String) throws { try write(name, Data(text.utf8)) }

    func write(_ name: String, _ data: Data) throws {
        let target = url.appending(path: name)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: target)
    }

    func listing() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// A one-line error: exit 2, a single `iftdb: error:` line on stderr, nothing on stdout.
func expectOneLineError(_ result: CommandResult, containing text: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.status == 2, "exit \(result.status), stderr: \(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stderrLines.count == 1, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stderr.hasPrefix("iftdb: error: "), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
    if let text { #expect(result.stderr.contains(text), "stderr: \(result.stderr)", sourceLocation: sourceLocation) }
}

/// A store made by `iftdb init`, then each fixture file (a path under `Tests/Fixtures/`) run
/// through the sqlite3 shell, in order.
func initializedStore(loading files: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> TemporaryFolder {
    let folder = try TemporaryFolder()
    #expect(try iftdb(["init"], in: folder.path).status == 0, sourceLocation: sourceLocation)
    for file in files {
        let sql = try Data(contentsOf: packageRoot.appending(path: "Tests/Fixtures/\(file)"))
        let loaded = try runProgram("sqlite3", ["iftdb.sqlite"], in: folder.path, stdin: sql)
        #expect(loaded.status == 0, "\(file): \(loaded.stderr)", sourceLocation: sourceLocation)
    }
    return folder
}

/// The `answer_id` of each line of a `jsonl` export, in order.
func answerIDs(_ jsonl: String) throws -> [Int] {
    try jsonl.split(separator: "\n").map { line in
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        return try #require(object?["answer_id"] as? Int)
    }
}
