/// Phrases found in text in one pass: at each byte, only the phrases that start with it are
/// tried.
struct PhraseSet: Sendable {
    /// Every phrase's bytes, one after another.
    private let bytes: [UInt8]
    /// For each first byte, the phrases that start with it: ranges of `bytes`, in `ranges`
    /// from `firstRange[byte]` to `firstRange[byte + 1]`.
    private let ranges: [Range<Int>]
    private let firstRange: [Int]

    init(_ phrases: [String]) {
        let sorted = phrases.map { Array($0.utf8) }.filter { !$0.isEmpty }.sorted { $0[0] < $1[0] }
        var bytes: [UInt8] = [], ranges: [Range<Int>] = [], firstRange = [Int](repeating: 0, count: 257)
        for phrase in sorted {
            ranges.append(bytes.count..<bytes.count + phrase.count)
            bytes += phrase
            firstRange[Int(phrase[0]) + 1] += 1
        }
        for byte in 0..<256 { firstRange[byte + 1] += firstRange[byte] }
        self.bytes = bytes
        self.ranges = ranges
        self.firstRange = firstRange
    }

    /// Whether any phrase occurs in `text`.
    func occurs(in text: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.withUnsafeBufferPointer { bytes in
            ranges.withUnsafeBufferPointer { ranges in
                firstRange.withUnsafeBufferPointer { firstRange in
                    let count = text.count
                    for start in 0..<count {
                        let first = Int(text[start])
                        for candidate in firstRange[first]..<firstRange[first + 1] {
                            let phrase = ranges[candidate]
                            guard phrase.count <= count - start else { continue }
                            var offset = 1
                            while offset < phrase.count && text[start + offset] == bytes[phrase.lowerBound + offset] { offset += 1 }
                            if offset == phrase.count { return true }
                        }
                    }
                    return false
                }
            }
        }
    }
}

extension UnsafeBufferPointer where Element == UInt8 {
    /// Whether `needle` (ASCII) occurs in these bytes.
    func contains(_ needle: StaticString) -> Bool {
        let length = needle.utf8CodeUnitCount
        guard length <= count else { return false }
        let pointer = needle.utf8Start
        var index = 0
        while index <= count - length {
            if self[index] == pointer[0] {
                var offset = 1
                while offset < length && self[index + offset] == pointer[offset] { offset += 1 }
                if offset == length { return true }
            }
            index += 1
        }
        return false
    }

    /// Whether these bytes start with `prefix` (ASCII).
    func hasPrefix(_ prefix: StaticString) -> Bool {
        let length = prefix.utf8CodeUnitCount
        guard length <= count else { return false }
        for offset in 0..<length where self[offset] != prefix.utf8Start[offset] { return false }
        return true
    }
}
