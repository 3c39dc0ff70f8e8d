import Foundation
import Glibc

/// What a program that ended did.
public struct CommandResult: Sendable {
    /// The exit status, or the signal's number when a signal ended it.
    public let status: Int32
    /// The signal that ended it, if one did.
    public let signal: Int32?
    public let stdout: String
    public let stderr: String
    /// True when `exit(killingAfter:)` had to kill it.
    public let wasKilledAtLimit: Bool

    public var stderrLines: [Substring] { stderr.split(separator: "\n", omittingEmptySubsequences: true) }
}

/// A program started with pipes of its own for stdin, stdout and stderr. Threads of its own
/// read its output and write its input, and its end is awaited (Foundation's termination
/// handler resumes the waiting task), so no thread of the task pool ever blocks on it.
/// Released while still running, it is killed.
public final class ChildProcess: Sendable {
    public enum Stream: Sendable { case stdout, stderr }

    struct State {
        var stdout = Data()
        var stderr = Data()
        var stdoutEnded = false
        var stderrEnded = false
        var termination: (status: Int32, signal: Int32?)?

        var finished: Bool { termination != nil && stdoutEnded && stderrEnded }

        func text(_ stream: Stream) -> String { String(decoding: stream == .stdout ? stdout : stderr, as: UTF8.self) }
        func ended(_ stream: Stream) -> Bool { stream == .stdout ? stdoutEnded : stderrEnded }
    }

    public let pid: Int32
    private let process: Process
    private let state: WatchedValue<State>
    /// The write end of the child's stdin, while it is kept open.
    private let input: FileHandle?

    /// Starts `executable` in `folder`. `stdin` is written to the child's standard input,
    /// which is then closed, unless `keepingStdinOpen` (then `write(_:)` and `closeStdin()`).
    public init(
        _ executable: String, _ arguments: [String], in folder: String, environment: [String: String]? = nil,
        stdin: Data? = nil, keepingStdinOpen: Bool = false
    ) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        if let environment { process.environment = environment }
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        let state = WatchedValue(State())
        process.terminationHandler = { process in
            let signal = process.terminationReason == .uncaughtSignal ? process.terminationStatus : nil
            state.update { $0.termination = (process.terminationStatus, signal) }
        }
        try process.run()
        self.process = process
        self.state = state
        pid = process.processIdentifier
        Self.drain(output.fileHandleForReading, into: state, .stdout)
        Self.drain(errors.fileHandleForReading, into: state, .stderr)
        if keepingStdinOpen {
            self.input = input.fileHandleForWriting
            if let stdin { Self.onOwnThread { Self.writeAll(stdin, to: input.fileHandleForWriting) } }
        } else {
            self.input = nil
            let handle = input.fileHandleForWriting
            Self.onOwnThread {
                if let stdin { Self.writeAll(stdin, to: handle) }
                try? handle.close()
            }
        }
    }

    deinit {
        if isRunning { kill(pid, SIGKILL) }
    }

    public var isRunning: Bool { state.read { $0.termination == nil } }

    /// What it has written to `stream` so far.
    public func output(_ stream: Stream) -> String { state.read { $0.text(stream) } }
    public var stdout: String { output(.stdout) }
    public var stderr: String { output(.stderr) }

    /// Waits until what it wrote to `stream` satisfies `condition`; false when the stream
    /// ended without it, or `limit` passed (a guard against hanging, not a measure).
    public func waitForOutput(
        on stream: Stream = .stderr, limit: Duration = .seconds(60), until condition: @escaping @Sendable (String) -> Bool
    ) async -> Bool {
        _ = await state.wait(limit: limit) { condition($0.text(stream)) || $0.ended(stream) }
        return state.read { condition($0.text(stream)) }
    }

    public func waitForOutput(_ text: String, on stream: Stream = .stderr, limit: Duration = .seconds(60)) async -> Bool {
        await waitForOutput(on: stream, limit: limit) { $0.contains(text) }
    }

    /// Waits until it has ended and both its output pipes are closed.
    @discardableResult
    public func exit() async -> CommandResult {
        _ = await state.wait(limit: nil) { $0.finished }
        return result(killedAtLimit: false)
    }

    /// Waits until it has ended, killing it (SIGKILL) if it is still running after `limit`.
    public func exit(killingAfter limit: Duration) async -> CommandResult {
        if await state.wait(limit: limit, until: { $0.finished }) { return result(killedAtLimit: false) }
        if isRunning { kill(pid, SIGKILL) }
        _ = await state.wait(limit: nil) { $0.finished }
        return result(killedAtLimit: true)
    }

    /// Writes `data` to its stdin (kept open), from a thread of its own.
    public func write(_ data: Data) async {
        guard let input else { preconditionFailure("write(_:) needs a child started with keepingStdinOpen") }
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Self.onOwnThread {
                Self.writeAll(data, to: input)
                done.resume()
            }
        }
    }

    public func closeStdin() {
        try? input?.close()
    }

    private func result(killedAtLimit: Bool) -> CommandResult {
        state.read { state in
            CommandResult(
                status: state.termination?.status ?? -1, signal: state.termination?.signal,
                stdout: state.text(.stdout), stderr: state.text(.stderr), wasKilledAtLimit: killedAtLimit)
        }
    }

    private static func onOwnThread(_ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.start()
    }

    /// Reads `handle` to its end on a thread of its own, appending to `stream`.
    private static func drain(_ handle: FileHandle, into state: WatchedValue<State>, _ stream: Stream) {
        onOwnThread {
            let fd = handle.fileDescriptor
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                let chunk = Data(buffer[0..<count])
                state.update { stream == .stdout ? $0.stdout.append(chunk) : $0.stderr.append(chunk) }
            }
            try? handle.close()
            state.update { if stream == .stdout { $0.stdoutEnded = true } else { $0.stderrEnded = true } }
        }
    }

    /// Writes all of `data`, stopping early if the child closed its stdin. Runs on a thread of
    /// its own that blocks SIGPIPE: a child that left gives EPIPE here, not a dead test process
    /// (the signal stays pending on this thread and goes with it).
    private static func writeAll(_ data: Data, to handle: FileHandle) {
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &blocked, nil)
        let fd = handle.fileDescriptor
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }
}
