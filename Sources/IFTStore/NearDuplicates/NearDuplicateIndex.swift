import Foundation

/// The questions kept so far and a locality-sensitive index over them: `admit` is given
/// questions in id order and keeps one unless it is near a question already kept. A question
/// near only a dropped one is therefore kept. Never compares all pairs: a question is compared
/// only with kept questions that agree with it on every lane of one LSH band
/// (`NearFilter.bands`).
///
/// Memory is fixed by `capacity` (the most questions that may be kept): 64 bytes of packed
/// signature and, per band, one 32-bit slot per kept question in a table at most 70 % full.
final class NearDuplicateIndex {
    let filter: NearFilter
    let capacity: Int
    private(set) var kept = 0

    private let bandCount: Int
    private let rows: Int
    private let required: Int
    /// Slots per band table; slot `0` is empty, else `tag << indexBits | (kept index + 1)`.
    private let slotsPerBand: Int
    private let indexBits: UInt32
    private let indexMask: UInt32
    private let tables: UnsafeMutablePointer<UInt32>
    /// Packed signatures of the kept questions, `QuestionSignature.packedBytes` each.
    private let signatures: UnsafeMutablePointer<UInt8>
    /// This question's packed signature, and per band its hash and the slot its probe
    /// starts on, then ends on (the empty slot a kept question goes to). Raw memory, like
    /// the candidates: these are read and written for every question.
    private let packed: UnsafeMutablePointer<UInt8>
    private let bandHashes: UnsafeMutablePointer<UInt64>
    private let slots: UnsafeMutablePointer<Int>
    /// Band `b` hashes lanes `bandLanes[b * rows ..< (b + 1) * rows]`.
    private let bandLanes: UnsafeMutablePointer<Int>
    /// The entries (kept index + 1) whose band agrees with this question's, in band order.
    private var candidates: UnsafeMutablePointer<UInt32>
    private var candidateCapacity = 256
    /// Where the batched reads' bits go, so that they are not optimised away.
    private var sink: UInt32 = 0

    init(filter: NearFilter, capacity: Int) {
        self.filter = filter
        self.capacity = max(capacity, 1)
        (bandCount, rows) = filter.bands
        required = filter.requiredAgreement
        slotsPerBand = max(16, Int((Double(self.capacity) / 0.7).rounded(.up)))
        let bits = UInt32(Int.bitWidth - (self.capacity + 1).leadingZeroBitCount)
        indexBits = min(bits, 32)
        indexMask = indexBits == 32 ? .max : (1 << indexBits) - 1
        // calloc: pages the index never touches cost no memory.
        tables = calloc(bandCount * slotsPerBand, MemoryLayout<UInt32>.stride)!.bindMemory(to: UInt32.self, capacity: bandCount * slotsPerBand)
        // A cache line a signature; written before it is read, so not cleared.
        signatures = aligned_alloc(64, self.capacity * QuestionSignature.packedBytes)!.bindMemory(to: UInt8.self, capacity: self.capacity * QuestionSignature.packedBytes)
        packed = .allocate(capacity: QuestionSignature.packedBytes)
        bandHashes = .allocate(capacity: bandCount)
        slots = .allocate(capacity: bandCount)
        let lanes = Self.lanes(bands: bandCount, rows: rows)
        bandLanes = .allocate(capacity: lanes.count)
        bandLanes.initialize(from: lanes, count: lanes.count)
        candidates = .allocate(capacity: candidateCapacity)
    }

    deinit {
        free(tables)
        free(signatures)
        packed.deallocate()
        bandHashes.deallocate()
        slots.deallocate()
        bandLanes.deallocate()
        candidates.deallocate()
    }

    /// Keeps the question `hasher` last signed, unless it is near a kept one: returns whether
    /// it was kept. At most `capacity` questions may be kept.
    ///
    /// Reads are batched: first every band's first slot, then each band's run of slots (the
    /// candidates), then every candidate's signature, each batch with loads that do not wait
    /// on one another, so the CPU fetches them from memory together.
    func admit(_ hasher: MinHasher) -> Bool {
        hashBands(hasher)
        hasher.pack(into: packed)
        var touched: UInt32 = 0
        for band in 0..<bandCount {
            slots[band] = band * slotsPerBand + Int((UInt64(UInt32(truncatingIfNeeded: bandHashes[band] >> 32)) &* UInt64(slotsPerBand)) >> 32)
            touched |= tables[slots[band]]
        }
        var found = 0
        for band in 0..<bandCount {
            let tag = self.tag(bandHashes[band])
            let first = band * slotsPerBand, end = first + slotsPerBand
            var slot = slots[band]
            while true {
                let entry = tables[slot]
                if entry == 0 { break }
                if entry >> indexBits == tag {
                    if found == candidateCapacity { growCandidates() }
                    candidates[found] = entry & indexMask
                    found += 1
                }
                slot += 1
                if slot == end { slot = first }
            }
            slots[band] = slot
        }
        for position in 0..<found { touched |= UInt32(signatures[Int(candidates[position] - 1) * QuestionSignature.packedBytes]) }
        sink = touched
        // A pair that agrees on two bands is compared twice: rarer than a search is dear.
        for position in 0..<found {
            let signature = signatures + Int(candidates[position] - 1) * QuestionSignature.packedBytes
            if agreeingLanes(signature, packed) >= required { return false }
        }
        precondition(kept < capacity, "more questions kept than the index was sized for")
        (signatures + kept * QuestionSignature.packedBytes).update(from: packed, count: QuestionSignature.packedBytes)
        kept += 1
        let entry = UInt32(kept)
        for band in 0..<bandCount {
            tables[slots[band]] = tag(bandHashes[band]) << indexBits | entry
        }
        return true
    }

    private func growCandidates() {
        let grown = UnsafeMutablePointer<UInt32>.allocate(capacity: candidateCapacity * 2)
        grown.update(from: candidates, count: candidateCapacity)
        candidates.deallocate()
        candidates = grown
        candidateCapacity *= 2
    }

    /// The bits of a slot above the index: the band hash's low bits (none when the index
    /// needs all 32; Swift's shifts give 0 then), so most slots of other keys are passed over
    /// without reading a signature.
    @inline(__always)
    private func tag(_ hash: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: hash) >> indexBits }

    /// The lanes of each band, `rows` after `rows`: consecutive lanes until they run out,
    /// then again in another order (lane × 37 + 11 × round, a permutation of 0..<128), so that
    /// two bands share about as few lanes as chance would have them share.
    static func lanes(bands: Int, rows: Int) -> [Int] {
        let perRound = QuestionSignature.lanes / rows
        var out: [Int] = []
        for band in 0..<bands {
            let round = band / perRound
            for row in 0..<rows {
                let lane = (band % perRound) * rows + row
                out.append(round == 0 ? lane : (lane * 37 + 11 * round) % QuestionSignature.lanes)
            }
        }
        return out
    }

    /// One 64-bit hash per band of `rows` lanes (four lanes folded in at a time), distinct per band.
    private func hashBands(_ hasher: MinHasher) {
        for band in 0..<bandCount {
            var hash = QuestionSignature.mix(UInt64(band) &+ 0x6261_6E64)
            var position = band * rows
            let end = position + rows
            while position < end {
                var word: UInt64 = 0
                var shift: UInt64 = 0
                while shift < 64 && position < end {
                    word |= UInt64(hasher.lane(bandLanes[position])) << shift
                    shift += 16
                    position += 1
                }
                hash = QuestionSignature.mix(hash ^ word)
            }
            bandHashes[band] = hash
        }
    }
}

@available(*, unavailable)
extension NearDuplicateIndex: Sendable {}
