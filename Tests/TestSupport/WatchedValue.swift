import Foundation

/// A value that other threads change (a child's output, a server's request log), and tasks
/// that await a condition on it: each waiter is resumed by the change that makes its condition
/// true, never by polling.
/// `@unchecked Sendable`: `value`, `waiters` and `nextID` are only touched while holding `lock`.
final class WatchedValue<Value>: @unchecked Sendable {
    private struct Waiter {
        let condition: @Sendable (Value) -> Bool
        let continuation: CheckedContinuation<Bool, Never>
    }

    private let lock = NSLock()
    private var value: Value
    private var waiters: [Int: Waiter] = [:]
    private var nextID = 0

    init(_ value: Value) { self.value = value }

    func read<T>(_ body: (Value) -> T) -> T { lock.withLock { body(value) } }

    /// Changes the value, then resumes every waiter whose condition now holds.
    @discardableResult
    func update<T>(_ change: (inout Value) -> T) -> T {
        let (result, ready) = lock.withLock { () -> (T, [CheckedContinuation<Bool, Never>]) in
            let result = change(&value)
            var ready: [CheckedContinuation<Bool, Never>] = []
            for (id, waiter) in waiters where waiter.condition(value) {
                ready.append(waiter.continuation)
                waiters[id] = nil
            }
            return (result, ready)
        }
        for continuation in ready { continuation.resume(returning: true) }
        return result
    }

    /// True once `condition` holds; false if `limit` passes first. The limit only keeps a
    /// broken test from hanging for good: it is never how a test measures anything.
    func wait(limit: Duration?, until condition: @escaping @Sendable (Value) -> Bool) async -> Bool {
        guard let limit else { return await wait(until: condition) }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.wait(until: condition) }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// True once `condition` holds; false if the task is cancelled first.
    private func wait(until condition: @escaping @Sendable (Value) -> Bool) async -> Bool {
        let id = lock.withLock {
            nextID += 1
            return nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                // Registered under the lock that `onCancel` takes: a cancellation either finds
                // the waiter or is seen here.
                let now: Bool? = lock.withLock {
                    if condition(value) { return true }
                    if Task.isCancelled { return false }
                    waiters[id] = Waiter(condition: condition, continuation: continuation)
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            let waiter = lock.withLock { waiters.removeValue(forKey: id) }
            waiter?.continuation.resume(returning: false)
        }
    }
}
