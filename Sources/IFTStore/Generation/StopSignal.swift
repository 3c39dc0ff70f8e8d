import Synchronization

/// Asks to stop a run: the first request stops sending and lets calls in flight finish;
/// the second abandons them, and wakes the engine waiting for their replies.
public final class StopSignal: Sendable {
    private let requests = Atomic<Int>(0)
    private let waker = Mutex<(@Sendable () -> Void)?>(nil)

    public init() {}

    /// One more request to stop; the second calls the waker.
    public func request() {
        let (_, count) = requests.add(1, ordering: .relaxed)
        if count == 2 { waker.withLock { $0 }?() }
    }

    public var isRequested: Bool { requests.load(ordering: .relaxed) > 0 }
    public var isForced: Bool { requests.load(ordering: .relaxed) > 1 }

    /// Calls `wake` when the stop is forced, or at once when it already is; nil forgets it.
    func whenForced(_ wake: (@Sendable () -> Void)?) {
        waker.withLock { $0 = wake }
        if let wake, isForced { wake() }
    }
}
