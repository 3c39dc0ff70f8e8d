/// A set of `TermKey`s (64-bit hashes already), looked up with a mask and a probe instead of
/// `Hasher`: the checks look up every word of every pair, and SipHash over a hash costs more
/// than the rest of the lookup. Open addressing, linear probing, at most half full.
struct KeySet: Sendable {
    private var slots: [UInt64]
    private var mask: Int
    private(set) var count = 0

    /// Marks an empty slot; a key that is 0 is stored as 1 (and so meets a real 1: odds of 1
    /// in 2^64, like any two keys).
    private static let empty: UInt64 = 0

    init(minimumCapacity: Int = 8) {
        var size = 16
        while size < minimumCapacity * 2 { size <<= 1 }
        slots = [UInt64](repeating: Self.empty, count: size)
        mask = size - 1
    }

    init(_ keys: some Sequence<UInt64>) {
        self.init(minimumCapacity: keys.underestimatedCount)
        for key in keys { insert(key) }
    }

    @inline(__always)
    private static func stored(_ key: UInt64) -> UInt64 { key == empty ? 1 : key }

    @inline(__always)
    private func start(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask }

    @inline(__always)
    func contains(_ key: UInt64) -> Bool {
        let key = Self.stored(key)
        var index = start(key)
        while true {
            let slot = slots[index]
            if slot == key { return true }
            if slot == Self.empty { return false }
            index = (index + 1) & mask
        }
    }

    /// Adds `key`; returns whether it was new.
    @discardableResult
    mutating func insert(_ key: UInt64) -> Bool {
        if (count + 1) * 2 > slots.count { grow() }
        let key = Self.stored(key)
        var index = start(key)
        while true {
            let slot = slots[index]
            if slot == key { return false }
            if slot == Self.empty {
                slots[index] = key
                count += 1
                return true
            }
            index = (index + 1) & mask
        }
    }

    /// Empties the set, keeping its storage unless it grew large (`CheckScratch`).
    mutating func removeAll() {
        if slots.count > 256 {
            self = KeySet()
            return
        }
        slots.withUnsafeMutableBufferPointer { $0.update(repeating: Self.empty) }
        count = 0
    }

    private mutating func grow() {
        let old = slots
        slots = [UInt64](repeating: Self.empty, count: old.count * 2)
        mask = slots.count - 1
        count = 0
        for key in old where key != Self.empty { insert(key) }
    }
}

/// A map from `TermKey`s to values, for the checks' fixed word lists (months, number words).
struct KeyMap<Value: Sendable>: Sendable {
    private let keySet: KeySet
    private let values: [UInt64: Value]

    /// The map's keys.
    var keys: [UInt64] { Array(values.keys) }

    init(_ entries: [(String, Value)]) {
        keySet = KeySet(entries.map { TermKey.of($0.0) })
        values = Dictionary(entries.map { (TermKey.of($0.0), $0.1) }, uniquingKeysWith: { first, _ in first })
    }

    /// The value for `key`: the fast set says no for almost every word, the dictionary answers the rest.
    @inline(__always)
    subscript(key: UInt64) -> Value? { keySet.contains(key) ? values[key] : nil }
}
