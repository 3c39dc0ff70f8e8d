/// MinHash signatures of folded questions (`questions.normalized`, see `QuestionKey`): the
/// set of the text's character 2-grams (pairs of adjacent Unicode scalars, the text padded
/// with one space at each end), summarised by 128 minimum hash values ("lanes"). Two texts'
/// Jaccard index is estimated by the share of lanes on which their signatures agree.
///
/// Character 2-grams were chosen on the labelled pairs in `Tests/Fixtures/near/pairs.json`
/// (see the README): they keep "prioritize"/"prioritise" and reordered phrases near, which word
/// shingles do not. Nothing here knows a language: any script's characters are shingled alike.
///
/// The lanes are 16-bit, so that a vector of 8 is one SSE2 register and the minimum is one
/// instruction on any x86-64 or ARM64 CPU. A signature stores 4 bits of each lane
/// (`pack(into:)`): agreeing lanes agree there, other lanes by chance 1 time in 16, which
/// `NearFilter` corrects for.
enum QuestionSignature {
    /// Lanes per signature.
    static let lanes = 128
    /// Lanes per SIMD vector, and vectors per signature.
    static let lanesPerVector = 8
    static let vectors = lanes / lanesPerVector
    /// Bytes of a packed signature (4 bits a lane).
    static let packedBytes = lanes / 2

    /// A scalar that is no Unicode scalar stands for an undecodable byte: text that is not
    /// UTF-8 (edited into a store by hand) is shingled by its bytes, never refused.
    @inline(__always)
    static func undecodable(_ byte: UInt8) -> UInt32 { 0x11_0000 | UInt32(byte) }

    /// The lanes' seeds and multipliers: fixed, so the same text always gets the same
    /// signature. Changing them (or the shingles) changes which questions are near:
    /// `NearFilter.currentSignatureVersion` names this choice.
    fileprivate static let constants: (seeds: [SIMD8<UInt16>], multipliers: [SIMD8<UInt16>]) = {
        var state: UInt64 = 0x6966_7464_625F_6E72  // "iftdb_nr"
        var seeds: [SIMD8<UInt16>] = [], multipliers: [SIMD8<UInt16>] = []
        for _ in 0..<vectors {
            var seed = SIMD8<UInt16>(), multiplier = SIMD8<UInt16>()
            for lane in 0..<lanesPerVector {
                state = mix(state)
                seed[lane] = UInt16(truncatingIfNeeded: state)
                // Odd: multiplying by it permutes the 16-bit values.
                multiplier[lane] = UInt16(truncatingIfNeeded: state >> 16) | 1
            }
            seeds.append(seed)
            multipliers.append(multiplier)
        }
        return (seeds, multipliers)
    }()

    /// SplitMix64's finaliser: a 64-bit value spread over all 64 bits.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Computes signatures into one reused buffer. Not Sendable: one per scan.
final class MinHasher {
    /// The last signature's lanes (`QuestionSignature.vectors` vectors).
    let lanes: UnsafeMutablePointer<SIMD8<Int16>>
    private let seeds: UnsafeMutablePointer<SIMD8<UInt16>>
    private let multipliers: UnsafeMutablePointer<SIMD8<UInt16>>
    /// The last text's 2-gram hashes.
    private var shingles: UnsafeMutablePointer<UInt64>
    private var shingleCapacity = 256

    init() {
        let count = QuestionSignature.vectors
        lanes = .allocate(capacity: count)
        lanes.initialize(repeating: SIMD8(repeating: .max), count: count)
        seeds = .allocate(capacity: count)
        seeds.initialize(from: QuestionSignature.constants.seeds, count: count)
        multipliers = .allocate(capacity: count)
        multipliers.initialize(from: QuestionSignature.constants.multipliers, count: count)
        shingles = .allocate(capacity: shingleCapacity)
    }

    deinit {
        lanes.deallocate()
        seeds.deallocate()
        multipliers.deallocate()
        shingles.deallocate()
    }

    /// The signature of folded text (UTF-8; undecodable bytes count as characters of their
    /// own). An empty text has no 2-grams: every lane stays at its maximum, so two empty
    /// texts agree everywhere and an empty text agrees with no other.
    func sign(_ text: UnsafeBufferPointer<UInt8>) {
        let count = hashShingles(text)
        // One vector of lanes at a time, held in a register over every 2-gram: each 2-gram's
        // hash, permuted once per lane, and the lane keeps the minimum.
        for vector in 0..<QuestionSignature.vectors {
            let seed = seeds[vector]
            let first = multipliers[vector], second = multipliers[(vector + 1) % QuestionSignature.vectors]
            // Four 16-bit slices of the hash, each feeding a quarter of the vectors.
            let shift = UInt64(16 * (vector & 3))
            var minimum = SIMD8<Int16>(repeating: .max)
            for index in 0..<count {
                let slice = SIMD8<UInt16>(repeating: UInt16(truncatingIfNeeded: shingles[index] &>> shift))
                var value = (slice ^ seed) &* first
                value ^= value &>> 7
                value = value &* second
                minimum = pointwiseMin(minimum, SIMD8<Int16>(truncatingIfNeeded: value))
            }
            lanes[vector] = minimum
        }
    }

    /// Hashes each 2-gram of `text`, padded with a space at each end, into `shingles`;
    /// returns how many (0 for an empty text).
    private func hashShingles(_ text: UnsafeBufferPointer<UInt8>) -> Int {
        // At most one 2-gram per byte, and the closing one.
        if text.count + 1 > shingleCapacity {
            shingles.deallocate()
            shingleCapacity = max(text.count + 1, 2 * shingleCapacity)
            shingles = .allocate(capacity: shingleCapacity)
        }
        var count = 0
        var previous: UInt32 = 0x20
        var index = 0
        let length = text.count
        while index < length {
            let lead = text[index]
            var scalar = QuestionSignature.undecodable(lead)
            var width = 1
            if lead < 0x80 {
                scalar = UInt32(lead)
            } else if lead >= 0xC2 {
                let expected = lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : lead < 0xF5 ? 4 : 0
                if expected > 0, index + expected <= length {
                    var value = UInt32(lead) & (0x7F >> UInt32(expected))
                    var valid = true
                    for offset in 1..<expected {
                        let byte = text[index + offset]
                        if byte & 0xC0 != 0x80 { valid = false; break }
                        value = value << 6 | UInt32(byte & 0x3F)
                    }
                    if valid {
                        scalar = value
                        width = expected
                    }
                }
            }
            shingles[count] = QuestionSignature.mix(UInt64(previous) << 21 | UInt64(scalar))
            count += 1
            previous = scalar
            index += width
        }
        if count > 0 {
            shingles[count] = QuestionSignature.mix(UInt64(previous) << 21 | 0x20)
            count += 1
        }
        return count
    }

    /// Lane `index` of the last signature, as a 16-bit value (for hashing LSH bands).
    @inline(__always)
    func lane(_ index: Int) -> UInt16 {
        UnsafeRawPointer(lanes).load(fromByteOffset: index * MemoryLayout<UInt16>.stride, as: UInt16.self)
    }

    /// Writes the low 4 bits of every lane, two lanes a byte, to `destination`
    /// (`QuestionSignature.packedBytes` bytes).
    func pack(into destination: UnsafeMutablePointer<UInt8>) {
        for byte in 0..<QuestionSignature.packedBytes {
            destination[byte] = UInt8(truncatingIfNeeded: lane(2 * byte) & 0x0F) | UInt8(truncatingIfNeeded: (lane(2 * byte + 1) & 0x0F) << 4)
        }
    }
}

@available(*, unavailable)
extension MinHasher: Sendable {}

/// How many lanes two packed signatures agree on (0 to `QuestionSignature.lanes`): 16 lanes
/// a 64-bit word, a lane agreeing when its 4 bits of `a ^ b` are all 0.
@inline(__always)
func agreeingLanes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>) -> Int {
    let lowBits: UInt64 = 0x1111_1111_1111_1111
    var differing = 0
    var offset = 0
    while offset < QuestionSignature.packedBytes {
        var x = UnsafeRawPointer(a + offset).loadUnaligned(as: UInt64.self) ^ UnsafeRawPointer(b + offset).loadUnaligned(as: UInt64.self)
        // Each lane's 4 bits folded into its lowest bit.
        x |= x >> 1
        x |= x >> 2
        differing += (x & lowBits).nonzeroBitCount
        offset += 8
    }
    return QuestionSignature.lanes - differing
}
