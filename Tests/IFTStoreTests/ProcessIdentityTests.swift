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
}
