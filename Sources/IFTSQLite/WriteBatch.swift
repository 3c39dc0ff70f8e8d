/// Groups many small writes into a few transactions: commits after `maxWrites` writes or
/// `maxBytes` bytes, so a long load is fast and a kill loses at most the open batch.
package final class WriteBatch {
    private let db: Connection
    private let maxWrites: Int
    private let maxBytes: Int
    private var writes = 0
    private var bytes = 0
    private var isOpen = false

    package init(_ db: Connection, maxWrites: Int = 512, maxBytes: Int = 16 << 20) {
        self.db = db
        self.maxWrites = maxWrites
        self.maxBytes = maxBytes
    }

    /// Runs `body` inside the open batch, opening one when needed; commits when full.
    package func write<T>(bytes count: Int = 0, _ body: () throws -> T) throws -> T {
        if !isOpen {
            try db.execute("BEGIN IMMEDIATE")
            isOpen = true
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
        if writes >= maxWrites || bytes >= maxBytes { try commit() }
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
