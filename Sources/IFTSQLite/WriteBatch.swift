import Dispatch

/// Groups many small writes into a few transactions: commits after `maxWrites` writes,
/// `maxBytes` bytes or `maxHold` of holding the write lock, so a long load is fast, a kill
/// loses at most the open batch, and another writer waits at most about `maxHold`.
package final class WriteBatch {
    private let db: Connection
    private let maxWrites: Int
    private let maxBytes: Int
    private let maxHold: UInt64
    /// Monotonic nanoseconds; a test passes a clock it moves itself.
    private let now: () -> UInt64
    private var writes = 0
    private var bytes = 0
    private var openedAt: UInt64 = 0
    private var isOpen = false

    package init(
        _ db: Connection, maxWrites: Int = 512, maxBytes: Int = 16 << 20, maxHold: Duration = .seconds(1),
        now: @escaping () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }
    ) {
        self.db = db
        self.maxWrites = maxWrites
        self.maxBytes = maxBytes
        let (seconds, attoseconds) = maxHold.components
        self.maxHold = UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
        self.now = now
    }

    /// Whether a transaction is open (the write lock held).
    package var isHoldingLock: Bool { isOpen }

    /// Runs `body` inside the open batch, opening one when needed; commits when full, or when
    /// the lock has been held for `maxHold`.
    package func write<T>(bytes count: Int = 0, _ body: () throws -> T) throws -> T {
        if !isOpen {
            try db.execute("BEGIN IMMEDIATE")
            isOpen = true
            openedAt = now()
        }
        let result: T
        do {
            result = try body()
        } catch {
            abort()
            throw error
        }
        writes += 1
        bytes += count
        if writes >= maxWrites || bytes >= maxBytes || now() &- openedAt >= maxHold { try commit() }
        return result
    }

    package func commit() throws {
        guard isOpen else { return }
        do {
            try db.execute("COMMIT")
        } catch {
            abort()
            throw error
        }
        isOpen = false
        writes = 0
        bytes = 0
    }

    package func abort() {
        guard isOpen else { return }
        try? db.execute("ROLLBACK")
        isOpen = false
        writes = 0
        bytes = 0
    }

    deinit { abort() }
}

@available(*, unavailable)
extension WriteBatch: Sendable {}
