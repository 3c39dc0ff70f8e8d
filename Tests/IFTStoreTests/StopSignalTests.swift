import Synchronization
import Testing
@testable import IFTStore

/// The stop a signal asks for: the first request stops sending, the second forces the stop
/// and wakes whoever waits for the calls in flight, at once and exactly when it happens.
@Suite struct StopSignalTests {
    final class Counter: Sendable {
        private let value = Atomic<Int>(0)
        func add() { value.add(1, ordering: .relaxed) }
        var count: Int { value.load(ordering: .relaxed) }
    }

    @Test func theSecondRequestWakesTheWaiter() {
        let stop = StopSignal(), wakes = Counter()
        stop.whenForced { wakes.add() }
        stop.request()
        #expect(stop.isRequested && !stop.isForced && wakes.count == 0)
        stop.request()
        #expect(stop.isForced && wakes.count == 1)
        stop.request()
        #expect(wakes.count == 1)
    }

    @Test func aWaiterThatComesAfterTheForcedStopIsWokenAtOnceAndAForgottenOneNever() {
        let stop = StopSignal(), late = Counter(), forgotten = Counter()
        stop.whenForced { forgotten.add() }
        stop.whenForced(nil)
        stop.request()
        stop.request()
        #expect(forgotten.count == 0)
        stop.whenForced { late.add() }
        #expect(late.count == 1)
    }
}
