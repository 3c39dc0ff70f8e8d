/// How to load: which files to take and how to cut them into chunks.
public struct LoadOptions: Sendable {
    public var walk: WalkOptions
    public var chunking: ChunkingConfig
    /// Files are read and hashed on a second thread ahead of the writer (true), or each when
    /// the writer asks for it (false): a test that stops the load after its N-th file knows
    /// then that the walk has read no further.
    public var readsAhead = true

    public init(walk: WalkOptions = WalkOptions(), chunking: ChunkingConfig = .default) {
        self.walk = walk
        self.chunking = chunking
    }
}

/// What a load says while it runs.
public enum LoadEvent: Sendable {
    /// A file was read (`done` files, `bytes` so far).
    case progress(done: Int, bytes: Int)
    /// A file was passed over; the message names it and says why.
    case skipped(path: String, reason: String, message: String)
    case warning(String)
}
