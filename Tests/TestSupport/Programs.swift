import Foundation

/// `IFTDB_BIN`, else the `iftdb` beside the test bundle, else `.build/debug/iftdb`.
public let iftdbBinary: String = {
    if let path = ProcessInfo.processInfo.environment["IFTDB_BIN"], !path.isEmpty { return path }
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appending(path: "iftdb").path
    if FileManager.default.isExecutableFile(atPath: beside) { return beside }
    return packageRoot.appending(path: ".build/debug/iftdb").path
}()

/// This process's environment without the variables that would point `iftdb` at another
/// store, server or model, with `extra` on top.
public func iftdbEnvironment(_ extra: [String: String] = [:]) -> [String: String] {
    var environment = ProcessInfo.processInfo.environment
    for key in ["IFTDB_DB", "IFTDB_BASE_URL", "IFTDB_MODEL", "IFTDB_API_KEY", "OPENAI_API_KEY", "LAMINI_API_KEY"] { environment.removeValue(forKey: key) }
    environment.merge(extra) { $1 }
    return environment
}

/// Starts the built `iftdb` the way a user does, in the background.
public func startIftdb(
    _ arguments: [String], in folder: String, environment: [String: String] = [:], executable: String = iftdbBinary,
    stdin: Data? = nil
) throws -> ChildProcess {
    try ChildProcess(executable, arguments, in: folder, environment: iftdbEnvironment(environment), stdin: stdin)
}

/// Runs the built `iftdb` the way a user does, and awaits its end.
@discardableResult
public func iftdb(
    _ arguments: [String], in folder: String, environment: [String: String] = [:], executable: String = iftdbBinary,
    stdin: Data? = nil
) async throws -> CommandResult {
    try await startIftdb(arguments, in: folder, environment: environment, executable: executable, stdin: stdin).exit()
}

/// Runs a program found on PATH (`sqlite3`, `python3` …) and awaits its end.
public func runProgram(_ name: String, _ arguments: [String], in folder: String, stdin: Data? = nil) async throws -> CommandResult {
    try await runProcess("/usr/bin/env", [name] + arguments, in: folder, environment: nil, stdin: stdin)
}

/// Runs `executable` and awaits its end; `environment` nil keeps this process's.
public func runProcess(_ executable: String, _ arguments: [String], in folder: String, environment: [String: String]?, stdin: Data?) async throws -> CommandResult {
    try await ChildProcess(executable, arguments, in: folder, environment: environment, stdin: stdin).exit()
}

/// Checks `condition` every few milliseconds until it holds; false if `limit` passes first.
/// Only for what no event announces (another process's state in /proc): what a child writes
/// or a server receives is awaited on its own event instead.
public func pollUntil(limit: Duration = .seconds(60), _ condition: () -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + limit
    while !condition() {
        guard clock.now < deadline else { return false }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return true
}
