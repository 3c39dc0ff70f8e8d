import Foundation
import Testing
@testable import IFTStore

/// A claim's process is its pid and its start time: a pid reused by another process is not it.
@Suite struct ProcessIdentityTests {
    @Test func thisProcessIsRunningWithItsStartTimeAndNotWithAnother() throws {
        let me = ProcessIdentity.current
        #expect(me.pid == Int(getpid()))
        let stat = try String(contentsOfFile: "/proc/self/stat", encoding: .utf8)
        let fields = stat[try #require(stat.range(of: ")", options: .backwards)).upperBound...].split(separator: " ")
        #expect(me.startTime == Int(fields[19]))
        #expect(me.isRunning)
        let startTime = try #require(me.startTime)
        #expect(!ProcessIdentity(pid: me.pid, startTime: startTime + 1).isRunning)
        #expect(ProcessIdentity(pid: me.pid, startTime: nil).isRunning)
    }

    @Test func aProcessThatExitedIsNotRunning() throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        child.arguments = ["true"]
        try child.run()
        child.waitUntilExit()
        #expect(!ProcessIdentity(pid: Int(child.processIdentifier), startTime: nil).isRunning)
        #expect(!ProcessIdentity(pid: 0, startTime: nil).isRunning)
        #expect(!ProcessIdentity(pid: -1, startTime: nil).isRunning)
    }

    @Test func theStartTimeIsField22EvenWhenTheNameHoldsSpacesAndParentheses() {
        let fields = (3...30).map { $0 == 22 ? "987654" : "\($0)" }.joined(separator: " ")
        #expect(ProcessIdentity.startTime(fromStat: "4242 (a) b (c)) " + fields + "\n") == 987654)
        #expect(ProcessIdentity.startTime(fromStat: "4242 (short) 3 4") == nil)
        #expect(ProcessIdentity.startTime(fromStat: "") == nil)
    }

    /// A name ending in U+0600 (ARABIC NUMBER SIGN, a prepended mark): as text, it and the `)`
    /// after it are one character, so the `)` cannot be found as a character.
    @Test func theStartTimeIsReadFromTheBytesWhenTheNameEndsInAPrependedMark() {
        let fields = (3...30).map { $0 == 22 ? "987654" : "\($0)" }.joined(separator: " ")
        let bytes = Array("4242 (iftdb\u{0600}) ".utf8) + Array(fields.utf8) + [0x0A]
        #expect(ProcessIdentity.startTime(fromStat: String(decoding: bytes, as: UTF8.self)) == 987654)
    }
}
