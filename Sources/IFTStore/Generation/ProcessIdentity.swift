import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What `/proc/PID/stat` says about a process that a claim needs.
public struct ProcessStat: Sendable, Equatable {
    /// Field 3: `R` running, `S` sleeping, `T` stopped, `Z` zombie, `X` dead …
    public let state: Character
    /// Field 22: when the process started, in clock ticks after boot.
    public let startTime: Int

    /// Whether the process has ended (a zombie waits only to be reaped).
    public var hasEnded: Bool { state == "Z" || state == "X" }

    /// Parses the line's bytes. The name (field 2) is in parentheses and may hold any byte but
    /// NUL, spaces and `)` included, and need not be UTF-8 (as text, a name ending in U+0600
    /// makes one character of it and the `)`): the fields are the bytes after the last `)`,
    /// split on ASCII spaces.
    public init?(bytes: some Collection<UInt8>) {
        let bytes = Array(bytes)
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = bytes[(close + 1)...].split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") })
        // fields[0] is field 3 (the state), so field 22 is fields[19].
        guard fields.count > 19, fields[0].count == 1, let state = fields[0].first,
              let startTime = Int(String(decoding: fields[19], as: UTF8.self)) else { return nil }
        self.state = Character(Unicode.Scalar(state))
        self.startTime = startTime
    }
}

/// A process as a claim records it: its pid and start time, so a pid the kernel has given to
/// another process since does not count as the claim's owner; and the pid namespace and boot
/// it runs in, since a pid means nothing in another container or on another machine.
public struct ProcessIdentity: Sendable, Equatable {
    public let pid: Int
    /// Field 22 of `/proc/PID/stat` (clock ticks after boot); nil where it cannot be read.
    public let startTime: Int?
    /// The inode of `/proc/PID/ns/pid`: which pid namespace the pid is in; nil where unknown.
    public let pidNamespace: Int?
    /// `/proc/sys/kernel/random/boot_id`: which machine, and which boot of it; nil where unknown.
    public let bootID: String?

    public init(pid: Int, startTime: Int?, pidNamespace: Int? = nil, bootID: String? = nil) {
        self.pid = pid
        self.startTime = startTime
        self.pidNamespace = pidNamespace
        self.bootID = bootID
    }

    /// This process.
    public static let current: ProcessIdentity = {
        let pid = Int(getpid())
        let namespace = inode(of: "/proc/self/ns/pid")
        let boot = readProcFile("/proc/sys/kernel/random/boot_id")
            .map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
            .flatMap { $0.isEmpty ? nil : $0 }
        return ProcessIdentity(pid: pid, startTime: ProcessIdentity.stat(pid)?.startTime, pidNamespace: namespace, bootID: boot)
    }()

    /// Whether this process's pid can be checked here: it is in our pid namespace and on this
    /// boot of this machine (or that is unknown on either side).
    public var isCheckableHere: Bool {
        func same<T: Equatable>(_ mine: T?, _ theirs: T?) -> Bool { mine == nil || theirs == nil || mine == theirs }
        return same(pidNamespace, Self.current.pidNamespace) && same(bootID, Self.current.bootID)
    }

    /// Whether this process still runs: the pid exists, is not a zombie and, when both start
    /// times are known, started when this one did. A process we may not signal (EPERM)
    /// exists. Only meaningful when `isCheckableHere`.
    public var isRunning: Bool {
        guard pid > 0, pid <= Int(Int32.max) else { return false }
        if pid == Self.current.pid && startTime == Self.current.startTime && isCheckableHere { return true }
        guard kill(pid_t(pid), 0) == 0 || errno == EPERM else { return false }
        guard let now = Self.stat(pid) else { return true }
        if now.hasEnded { return false }
        guard let startTime else { return true }
        return now.startTime == startTime
    }

    /// `/proc/PID/stat` of process `pid`, or nil when it is gone or `/proc` cannot say.
    public static func stat(_ pid: Int) -> ProcessStat? {
        guard pid > 0, let bytes = readProcFile("/proc/\(pid)/stat") else { return nil }
        return ProcessStat(bytes: bytes)
    }

    /// A `/proc` file's bytes. They report a size of 0: read until the end instead.
    private static func readProcFile(_ path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
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
        return bytes
    }
}

/// The inode of what `path` leads to (outside `ProcessIdentity`, whose `stat` would shadow
/// the system call).
private func inode(of path: String) -> Int? {
    var info = stat()
    return stat(path, &info) == 0 ? Int(info.st_ino) : nil
}
