import Foundation

/// What `--split-by` keeps together: every pair of one unit lands in the same split. Each
/// unit is named by an identity that survives re-loading, so the same pair always hashes to
/// the same split.
public enum SplitUnit: String, CaseIterable, Sendable, Codable {
    /// The source path: every version of a file, and every pair about it, stays in one split.
    case source
    /// The chunk's text (its SHA-256): pairs about one chunk stay together, and so do pairs
    /// about identical text in two places; an unchanged chunk of an edited file keeps its split.
    case chunk
    /// The answer id: each pair on its own (ids are never reused or rewritten).
    case pair

    /// The column whose text is the unit's identity.
    var column: PairColumn {
        switch self {
        case .source: .sourcePath
        case .chunk: .chunkHash
        case .pair: .answerID
        }
    }
}

/// `train=0.9,valid=0.1`: named parts with ratios that sum to 1. A unit goes to the part
/// whose cumulative range holds a number drawn from SHA-256 of the seed and the unit's
/// identity, so assignment is a pure function of (unit, seed, spec): adding data never moves
/// an existing pair, and the same command gives the same files every time.
public struct SplitSpec: Sendable, Hashable {
    public struct Part: Sendable, Hashable {
        public let name: String
        public let ratio: Double
    }

    public let parts: [Part]
    /// Upper bounds of each part's range in [0, 1); the last is 1.
    private let bounds: [Double]

    /// Throws `SelectionError.badSplit` for a malformed spec: a missing `=`, a bad or repeated
    /// name, a ratio outside (0, 1], fewer than two parts, or ratios that do not sum to 1
    /// (within 1e-9).
    public init(parsing text: String) throws {
        var parts: [Part] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = item.split(separator: "=", omittingEmptySubsequences: false)
            guard pieces.count == 2 else {
                throw SelectionError.badSplit(spec: text, .notNameRatio(String(item)))
            }
            let name = pieces[0].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, name.count <= 64,
                  name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-") })
            else {
                throw SelectionError.badSplit(spec: text, .badName(name))
            }
            guard !parts.contains(where: { $0.name == name }) else {
                throw SelectionError.badSplit(spec: text, .repeatedName(name))
            }
            guard let ratio = Double(pieces[1].trimmingCharacters(in: .whitespaces)), ratio.isFinite, ratio > 0, ratio <= 1 else {
                throw SelectionError.badSplit(spec: text, .badRatio(name: name, ratio: String(pieces[1])))
            }
            parts.append(Part(name: name, ratio: ratio))
        }
        guard parts.count >= 2 else {
            throw SelectionError.badSplit(spec: text, .onePart)
        }
        let sum = parts.reduce(0) { $0 + $1.ratio }
        guard abs(sum - 1) <= 1e-9 else {
            throw SelectionError.badSplit(spec: text, .ratiosSum(sum))
        }
        var bounds: [Double] = []
        var cumulative = 0.0
        for part in parts {
            cumulative += part.ratio
            bounds.append(cumulative)
        }
        bounds[bounds.count - 1] = 1  // the last part takes what rounding left over
        self.parts = parts
        self.bounds = bounds
    }

    /// The index of the part a unit belongs to.
    public func part(forUnit identity: UnsafeBufferPointer<UInt8>, seed: UInt64) -> Int {
        let point = Self.point(forUnit: identity, seed: seed)
        return bounds.firstIndex { point < $0 } ?? bounds.count - 1
    }

    public func part(forUnit identity: String, seed: UInt64) -> Int {
        Array(identity.utf8).withUnsafeBufferPointer { part(forUnit: $0, seed: seed) }
    }

    /// A number in [0, 1) from SHA-256 of "iftdb-split", the seed (decimal) and the identity,
    /// NUL-separated: the same on every machine and in every process (unlike Swift's Hasher).
    static func point(forUnit identity: UnsafeBufferPointer<UInt8>, seed: UInt64) -> Double {
        let prefix = Array("iftdb-split\u{0}\(seed)\u{0}".utf8)
        let digest = prefix.withUnsafeBytes { ContentHash.digest($0, UnsafeRawBufferPointer(identity)) }
        let top = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Double(top >> 11) / Double(UInt64(1) << 53)
    }
}
