import Synchronization

/// Replies handed from the request tasks to the writer. The writer takes everything that
/// has arrived at once, so results that come faster than one commit each share a commit.
final class ReplyMailbox<Reply: Sendable>: Sendable {
    private struct State {
        var replies: [Reply] = []
        var waiter: CheckedContinuation<[Reply], Never>?
    }

    private let state = Mutex(State())

    func put(_ reply: Reply) {
        let waiter: CheckedContinuation<[Reply], Never>? = state.withLock { state in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.replies.append(reply)
            return nil
        }
        waiter?.resume(returning: [reply])
    }

    /// Every reply that has arrived, perhaps none; never waits.
    func takeReady() -> [Reply] {
        state.withLock { state in
            defer { state.replies.removeAll(keepingCapacity: true) }
            return state.replies
        }
    }

    /// Every reply that has arrived, waiting for the first one when none has.
    func takeAll() async -> [Reply] {
        await withCheckedContinuation { continuation in
            let ready: [Reply]? = state.withLock { state in
                if state.replies.isEmpty {
                    state.waiter = continuation
                    return nil
                }
                defer { state.replies.removeAll(keepingCapacity: true) }
                return state.replies
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
