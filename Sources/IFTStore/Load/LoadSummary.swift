/// What a load did: files read, new, changed, unchanged and removed versions, chunks added.
public struct LoadSummary: Sendable, Equatable {
    public var filesSeen = 0
    public var new = 0
    public var changed = 0
    public var unchanged = 0
    public var removed = 0
    /// Files passed over, by reason ("binary", "not UTF-8", "too large" …).
    public var skipped: [String: Int] = [:]
    public var chunksAdded = 0
    public var bytesRead = 0
    /// The chunking recorded; 0 when nothing was loaded (nothing is recorded then).
    public var chunkingID: Int64 = 0
    public var chunking: ChunkingConfig = .default
    /// Folders given from which no file was loaded: empty, or every file in them skipped.
    public var foldersWithNothingLoaded: [UnloadedFolder] = []

    /// No file was loaded (new, changed or unchanged): the store was left as it was.
    public var loadedNothing: Bool { new + changed + unchanged == 0 }
}

/// A folder given to `load` that yielded no file to load.
public struct UnloadedFolder: Sendable, Equatable {
    /// As given on the command line.
    public let folder: String
    /// Files selected there but skipped (binary, not UTF-8, too large, unreadable …); 0 when
    /// there was nothing to select (empty, or everything hidden or filtered out).
    public let skippedFiles: Int
}
