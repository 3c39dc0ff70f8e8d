import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A process as a claim records it: its pid and its start time, so a pid the kernel has
/// given to another process since does not count as the claim's owner.
public struct ProcessIdentity: Sendable, Equatable {
    public let pid: Int
    /// Field 22 of `/proc/PID/stat` (clock ticks after boot); nil where it cannot be read.
    public let startTime: Int?

    public init(pid: Int, startTime: Int?) {
        self.pid = pid
        self.startTime = startTime
    }

    /// This process.
    public static let current: ProcessIdentity = {
        let pid = Int(getpid())
        return ProcessIdentity(pid: pid, startTime: startTime(of: pid))
    }()

    /// Whether this process still runs: the pid exists and, when both start times are
    /// known, it started when this one did. A process we may not signal (EPERM) exists.
    public var isRunning: Bool {
        guard pid > 0, pid <= Int(Int32.max) else { return false }
        if self == Self.current { return true }
        guard kill(pid_t(pid), 0) == 0 || errno == EPERM else { return false }
        guard let startTime, let now = Self.startTime(of: pid) else { return true }
        return now == startTime
    }

    /// The start time of process `pid`, or nil when it is gone or `/proc` cannot say.
    public static func startTime(of pid: Int) -> Int? {
        guard pid > 0 else { return nil }
        // /proc files report a size of 0: read until the end instead of trusting the size.
        let descriptor = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return startTime(fromStat: String(decoding: bytes, as: UTF8.self))
    }

    /// Field 22 of a `/proc/PID/stat` line. The name (field 2) is in parentheses and may hold
    /// spaces and parentheses itself, so the fields are counted from the last `)`.
    static func startTime(fromStat stat: String) -> Int? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(whereSeparator: { $0 == " " || $0 == "\n" })
        // fields[0] is field 3 (the state), so field 22 is fields[19].
        guard fields.count > 19 else { return nil }
        return Int(fields[19])
    }
}
