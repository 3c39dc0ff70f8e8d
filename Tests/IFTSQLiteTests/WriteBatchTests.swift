import Foundation
import TestSupport
import Testing
import IFTSQLite

/// A batch commits when full, and when it has held the write lock for `maxHold`, measured by
/// a clock the test moves (no real time passes).
@Suite struct WriteBatchTests {
    /// Monotonic nanoseconds the test sets.
    final class FakeClock: @unchecked Sendable {
        // Only read and written on the test's own thread.
        var nanoseconds: UInt64 = 1_000_000_000
        func advance(milliseconds: UInt64) { nanoseconds += milliseconds * 1_000_000 }
    }

    func makeStore() throws -> (TemporaryFolder, Connection) {
        let folder = try TemporaryFolder()
        let db = try Connection(path: folder.file("batch.sqlite"), mode: .readWrite(create: true))
        try db.execute("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER)")
        return (folder, db)
    }

    /// Rows another connection sees: only what was committed.
    func committedRows(_ folder: TemporaryFolder) throws -> Int {
        let other = try Connection(path: folder.file("batch.sqlite"), mode: .readOnly)
        defer { other.close() }
        return try other.scalarInt("SELECT count(*) FROM t") ?? -1
    }

    @Test func aBatchCommitsOnceItHasHeldTheLockForMaxHold() throws {
        let (folder, db) = try makeStore()
        defer { db.close() }
        let clock = FakeClock()
        let batch = WriteBatch(db, maxWrites: 1000, maxBytes: 1 << 30, maxHold: .seconds(1), now: { clock.nanoseconds })
        try batch.write { try db.run("INSERT INTO t VALUES (1)") }
        #expect(batch.isHoldingLock)
        clock.advance(milliseconds: 600)
        try batch.write { try db.run("INSERT INTO t VALUES (2)") }
        #expect(batch.isHoldingLock, "600 ms is under the limit")
        #expect(try committedRows(folder) == 0)
        clock.advance(milliseconds: 400)
        try batch.write { try db.run("INSERT INTO t VALUES (3)") }
        #expect(!batch.isHoldingLock, "held for 1 s: committed")
        #expect(try committedRows(folder) == 3)
        // The next write opens a new batch, timed from then.
        try batch.write { try db.run("INSERT INTO t VALUES (4)") }
        clock.advance(milliseconds: 999)
        try batch.write { try db.run("INSERT INTO t VALUES (5)") }
        #expect(batch.isHoldingLock)
        try batch.commit()
        #expect(try committedRows(folder) == 5)
    }

    @Test func aBatchCommitsWhenFullWhateverTheClock() throws {
        let (folder, db) = try makeStore()
        defer { db.close() }
        let clock = FakeClock()
        let batch = WriteBatch(db, maxWrites: 3, maxBytes: 100, maxHold: .seconds(1), now: { clock.nanoseconds })
        for i in 0..<3 { try batch.write { try db.run("INSERT INTO t VALUES (?)", [i]) } }
        #expect(!batch.isHoldingLock)
        #expect(try committedRows(folder) == 3)
        try batch.write(bytes: 100) { try db.run("INSERT INTO t VALUES (9)") }
        #expect(!batch.isHoldingLock)
        #expect(try committedRows(folder) == 4)
    }
}
