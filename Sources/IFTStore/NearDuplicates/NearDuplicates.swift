import Foundation
import Synchronization
internal import IFTSQLite

/// `--dedupe-near` worked out for one scope: which of its questions survive. Built once per
/// selection, before any row is read, in two passes that hold no text:
/// 1. the ids of the questions the scope's pairs hold go into a bit set (any order);
/// 2. those questions' folded texts (`questions.normalized`) are read in id order and each is
///    signed and given to a `NearDuplicateIndex`, which drops it when it is near a question
///    kept before it; a dropped question's bit is cleared.
///
/// The condition is then an SQL function of the question id that reads the bit set, so rows
/// still stream in the selection's order and the funnel counts them in SQL.
final class NearDuplicates: Sendable, Hashable {
    let filter: NearFilter
    /// The SQL function, `name(question_id)`: 1 for a question the scope holds and keeps.
    let functionName: String
    let questionsInScope: Int
    let questionsDropped: Int
    private let kept: QuestionIDSet

    private static let registered = Atomic<Int>(0)

    private init(filter: NearFilter, kept: QuestionIDSet, inScope: Int, dropped: Int) {
        self.filter = filter
        self.kept = kept
        questionsInScope = inScope
        questionsDropped = dropped
        functionName = "iftdb_near_kept_\(Self.registered.add(1, ordering: .relaxed).newValue)"
    }

    /// Works out which questions of the pairs `scope` (and `extra`) selects survive `filter`.
    /// `register(on:)` makes the condition's function known to a connection.
    static func scan(_ scope: PairQuery, extra: [SQLFragment] = [], filter: NearFilter, in db: Connection) throws -> NearDuplicates {
        try filter.validate()
        var ids = try QuestionIDSet(in: db)
        let clause = scope.whereClause(adding: extra)
        let select = try db.prepare("SELECT q.id\n\(scope.from)\n\(clause.sql)")
        try select.bind(clause.arguments)
        while try select.step() { ids.insert(Int64(select.int(0))) }
        let inScope = ids.count
        var dropped = 0
        if inScope > 0 {
            let scanned = ids
            let index = NearDuplicateIndex(filter: filter, capacity: inScope)
            let hasher = MinHasher()
            // Bits are cleared in `ids` while a copy is read.
            try scanned.forEachText(in: db) { id, text in
                hasher.sign(text)
                if !index.admit(hasher) {
                    ids.remove(id)
                    dropped += 1
                }
            }
        }
        return NearDuplicates(filter: filter, kept: ids, inScope: inScope, dropped: dropped)
    }

    /// Registers `functionName(question_id)` on `db`.
    func register(on db: Connection) throws {
        let kept = self.kept
        try db.registerFunction(functionName, arguments: 1) { arguments in
            .integer(kept.contains(Int64(arguments.int(0))) ? 1 : 0)
        }
    }

    static func == (lhs: NearDuplicates, rhs: NearDuplicates) -> Bool { lhs === rhs }
    func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

/// A set of question ids: a bit per id between the store's smallest and largest question
/// id (ids are dense: SQLite hands them out in order), or a hash set when they are too far
/// apart for that.
struct QuestionIDSet: Sendable {
    private var bits: [UInt64]
    private var sparse: Set<Int64>?
    private let base: Int64
    private let upper: Int64
    private(set) var count = 0

    /// An empty set sized for the ids of `db`'s questions.
    init(in db: Connection) throws {
        let statement = try db.prepare("SELECT min(id), max(id) FROM questions")
        _ = try statement.step()
        let low = statement.isNull(0) ? 1 : Int64(statement.int(0))
        let high = statement.isNull(1) ? 0 : Int64(statement.int(1))
        base = low
        upper = high
        let span = high >= low ? UInt64(high - low) + 1 : 0
        // Up to 32 MB of ids a bit each (268 million ids); past that (a hand-edited store) a
        // hash set, whose size follows the ids the scope holds.
        if span <= 1 << 28 {
            bits = Array(repeating: 0, count: Int((span + 63) / 64))
        } else {
            bits = []
            sparse = []
        }
    }

    func contains(_ id: Int64) -> Bool {
        if let sparse { return sparse.contains(id) }
        guard id >= base, id <= upper else { return false }
        let offset = Int(id - base)
        return bits[offset >> 6] & (1 << UInt64(offset & 63)) != 0
    }

    mutating func insert(_ id: Int64) {
        if sparse != nil {
            if sparse!.insert(id).inserted { count += 1 }
            return
        }
        guard id >= base, id <= upper else {
            // A question written after the set was sized (a reader outside one snapshot):
            // the set turns into a hash set rather than lose it.
            var all = Set<Int64>(minimumCapacity: count + 1)
            for (word, value) in bits.enumerated() where value != 0 {
                for bit in 0..<64 where value & (1 << UInt64(bit)) != 0 { all.insert(base + Int64(word * 64 + bit)) }
            }
            all.insert(id)
            sparse = all
            bits = []
            count = all.count
            return
        }
        let offset = Int(id - base)
        let mask: UInt64 = 1 << UInt64(offset & 63)
        if bits[offset >> 6] & mask == 0 {
            bits[offset >> 6] |= mask
            count += 1
        }
    }

    mutating func remove(_ id: Int64) {
        if sparse != nil {
            if sparse!.remove(id) != nil { count -= 1 }
            return
        }
        guard id >= base, id <= upper else { return }
        let offset = Int(id - base)
        let mask: UInt64 = 1 << UInt64(offset & 63)
        if bits[offset >> 6] & mask != 0 {
            bits[offset >> 6] &= ~mask
            count -= 1
        }
    }

    /// Calls `body` with each id in the set and its question's folded text, in id order.
    /// Reads the id range in one pass when the set fills a good part of it, else looks each
    /// id up.
    func forEachText(in db: Connection, _ body: (Int64, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        if let sparse {
            let lookup = try db.prepare("SELECT normalized FROM questions WHERE id = ?")
            for id in sparse.sorted() {
                try lookup.bind([id])
                if try lookup.step() { try lookup.withUTF8(0) { try body(id, $0) } }
            }
            return
        }
        guard count > 0 else { return }
        let span = upper - base + 1
        if Int64(count) * 8 >= span {
            let scan = try db.prepare("SELECT id, normalized FROM questions WHERE id BETWEEN ? AND ? ORDER BY id")
            try scan.bind([base, upper])
            while try scan.step() {
                let id = Int64(scan.int(0))
                if contains(id) { try scan.withUTF8(1) { try body(id, $0) } }
            }
            return
        }
        let lookup = try db.prepare("SELECT normalized FROM questions WHERE id = ?")
        for (word, value) in bits.enumerated() where value != 0 {
            var remaining = value
            while remaining != 0 {
                let id = base + Int64(word * 64 + remaining.trailingZeroBitCount)
                remaining &= remaining - 1
                try lookup.bind([id])
                if try lookup.step() { try lookup.withUTF8(0) { try body(id, $0) } }
            }
        }
    }
}
