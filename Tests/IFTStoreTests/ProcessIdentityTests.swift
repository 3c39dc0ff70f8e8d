import Foundation
import TestSupport
import Testing
@testable import IFTStore

/// A claim's process is its pid and its start time: a pid reused by another process is not it,
/// and a zombie is gone. `/proc/PID/stat` is parsed as bytes.
@Suite struct ProcessIdentityTests {
    @Test func thisProcessIsRunningWithItsStartTimeAndNotWithAnother() throws {
        let me = ProcessIdentity.current
        #expect(me.pid == Int(getpid()))
        let stat = try #require(ProcessIdentity.stat(me.pid))
        #expect(me.startTime == stat.startTime)
        #expect(stat.state == "R" || stat.state == "S")
        #expect(me.isRunning)
        #expect(me.isCheckableHere)
        let startTime = try #require(me.startTime)
        #expect(!ProcessIdentity(pid: me.pid, startTime: startTime + 1).isRunning)
        #expect(ProcessIdentity(pid: me.pid, startTime: nil).isRunning)
    }

    @Test func aProcessThatExitedIsNotRunning() async throws {
        let child = try ChildProcess("/usr/bin/env", ["true"], in: FileManager.default.temporaryDirectory.path)
        await child.exit()
        #expect(!ProcessIdentity(pid: Int(child.pid), startTime: nil).isRunning)
        #expect(!ProcessIdentity(pid: 0, startTime: nil).isRunning)
        #expect(!ProcessIdentity(pid: -1, startTime: nil).isRunning)
    }

    /// A `/proc/PID/stat` line: `name` in parentheses, then fields 3 to 30 (22 is 987654).
    static func statLine(name: [UInt8], state: String = "S") -> [UInt8] {
        let fields = (3...30).map { $0 == 3 ? state : $0 == 22 ? "987654" : "\($0)" }.joined(separator: " ")
        return Array("4242 (".utf8) + name + Array(") ".utf8) + Array(fields.utf8) + [0x0A]
    }

    @Test func theStartTimeIsField22EvenWhenTheNameHoldsSpacesAndParentheses() {
        let parsed = ProcessStat(bytes: Self.statLine(name: Array("a) b (c)".utf8), state: "Z"))
        #expect(parsed?.startTime == 987654)
        #expect(parsed?.state == "Z")
        #expect(parsed?.hasEnded == true)
        #expect(ProcessStat(bytes: Array("4242 (short) 3 4".utf8)) == nil)
        #expect(ProcessStat(bytes: []) == nil)
    }

    /// A name ending in U+0600 (ARABIC NUMBER SIGN, a prepended mark): as text, it and the `)`
    /// after it are one character, so the `)` cannot be found as a character; as bytes it can.
    /// A name that is not UTF-8 at all parses too.
    @Test func theStartTimeIsReadFromTheBytesWhenTheNameEndsInAPrependedMark() {
        let marked = ProcessStat(bytes: Self.statLine(name: Array("iftdb\u{0600}".utf8)))
        #expect(marked?.startTime == 987654)
        #expect(marked?.state == "S")
        #expect(ProcessStat(bytes: Self.statLine(name: [0x69, 0xFF, 0xD8, 0x29, 0x20]))?.startTime == 987654)
    }

    /// In another pid namespace, or on another boot or machine, the pid says nothing here: the
    /// claim holds while its heartbeat is under the limit, whatever runs under that pid here.
    @Test func aHolderElsewhereIsAliveWhileItsHeartbeatIsFresh() throws {
        let me = ProcessIdentity.current
        let namespace = try #require(me.pidNamespace)
        let beat = Date(timeIntervalSince1970: 1_900_000_000)
        let elsewhere = [
            ProcessIdentity(pid: me.pid, startTime: me.startTime, pidNamespace: namespace + 1, bootID: me.bootID),
            ProcessIdentity(pid: me.pid, startTime: me.startTime, pidNamespace: namespace, bootID: "another-boot"),
        ]
        for process in elsewhere {
            #expect(!process.isCheckableHere)
            let holder = ClaimHolder(process: process, heartbeatAt: Timestamp.format(beat))
            #expect(holder.isAlive(now: beat.addingTimeInterval(ClaimHolder.heartbeatLimit - 1)))
            #expect(!holder.isAlive(now: beat.addingTimeInterval(ClaimHolder.heartbeatLimit + 1)))
            #expect(!ClaimHolder(process: process, heartbeatAt: nil).isAlive(now: beat))
        }
        // Here, the pid decides, not the heartbeat.
        let here = ClaimHolder(process: me, heartbeatAt: Timestamp.format(beat))
        #expect(here.isAlive(now: beat.addingTimeInterval(ClaimHolder.heartbeatLimit * 10)))
    }
}
