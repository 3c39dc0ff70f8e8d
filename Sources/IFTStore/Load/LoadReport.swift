import Foundation

/// What `load --json` prints: the summary, and the seconds it took (to the millisecond).
public struct LoadReport: Encodable {
    public let summary: LoadSummary
    public let seconds: Double

    public init(_ summary: LoadSummary, seconds: Double) {
        self.summary = summary
        self.seconds = (seconds * 1000).rounded() / 1000
    }

    private enum Keys: String, CodingKey {
        case files, new, changed, unchanged, removed, skipped, chunksAdded = "chunks_added", bytes
        case chunkingID = "chunking_id", chunking, seconds
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(summary.filesSeen, forKey: .files)
        try c.encode(summary.new, forKey: .new)
        try c.encode(summary.changed, forKey: .changed)
        try c.encode(summary.unchanged, forKey: .unchanged)
        try c.encode(summary.removed, forKey: .removed)
        try c.encode(SortedCounts(summary.skipped), forKey: .skipped)
        try c.encode(summary.chunksAdded, forKey: .chunksAdded)
        try c.encode(summary.bytesRead, forKey: .bytes)
        if summary.loadedNothing { try c.encodeNil(forKey: .chunkingID) } else { try c.encode(summary.chunkingID, forKey: .chunkingID) }
        try c.encode(summary.chunking.description, forKey: .chunking)
        try c.encode(seconds, forKey: .seconds)
    }
}
