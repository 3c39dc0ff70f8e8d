import Foundation

/// The reading half of a load, on a thread of its own: it walks the folders, reads each file,
/// decodes it, hashes its text and cuts and hashes its chunks, and hands the results over in
/// walk order, up to `maxWaitingBytes` ahead of the writer, which does everything else
/// (decisions, the store) as before. Reading, hashing and cutting so overlap with SQLite's work.
final class ReadAhead: @unchecked Sendable {
    /// One step of the walk, in order.
    enum Step: Sendable {
        case found(CorpusFile, Read)
        case skipped(String, CorpusWalker.Skip)
        /// Every file under the root given at this position was handed over.
        case rootDone
    }

    /// A found file, read.
    enum Read: Sendable {
        case failed(CorpusWalker.Skip)
        case rejected(DocumentText.Rejection, bytes: Int)
        /// Its text (HTML already turned into text), the text's SHA-256 and scalar count,
        /// the file's size in bytes, and the text cut under the load's chunking.
        case text(String, sha256: String, chars: Int, bytes: Int, chunks: [SourceLoader.CutChunk])
    }

    /// At most this many bytes of read files wait for the writer (one file always may).
    static let maxWaitingBytes = 2 << 20
    static let maxWaitingSteps = 256

    private let condition = NSCondition()
    private var waiting: [(step: Step, bytes: Int)] = []
    private var waitingBytes = 0
    private var done = false
    private var stopped = false
    /// Without read-ahead, a file is read only while the writer waits for it.
    private let readsAhead: Bool
    private var writerWaits = false

    /// Starts reading `roots` (checked folders) as `options` say, never yielding
    /// `storeFiles`; without `options.readsAhead` each file is read only when the writer
    /// asks for the next step.
    init(roots: [String], options: LoadOptions, storeFiles: StoreFiles) {
        readsAhead = options.readsAhead
        let walk = options.walk, chunking = options.chunking
        let thread = Thread { [self] in
            defer { finish() }
            for root in roots {
                var walker = CorpusWalker(root: root, options: walk)
                walker.storeFiles = storeFiles
                do {
                    try walker.walk(found: { file in
                        guard awaitTurn() else { throw CancellationError() }
                        let read = Self.read(file, maxSize: walk.maxFileSize, chunking: chunking)
                        let bytes = switch read {
                        case .text(_, _, _, let bytes, _), .rejected(_, let bytes): bytes
                        case .failed: 0
                        }
                        guard put(.found(file, read), bytes: bytes) else { throw CancellationError() }
                    }, skipped: { path, reason in
                        _ = put(.skipped(path, reason), bytes: 0)
                    })
                } catch {
                    return  // stopped by the writer
                }
                guard put(.rootDone, bytes: 0) else { return }
            }
        }
        thread.name = "iftdb load reader"
        thread.start()
    }

    /// The next step, waiting for it; nil once every root is done (or after `stop`).
    func next() -> Step? {
        condition.lock()
        defer { condition.unlock() }
        while waiting.isEmpty && !done {
            writerWaits = true
            condition.broadcast()
            condition.wait()
        }
        writerWaits = false
        guard !waiting.isEmpty else { return nil }
        let (step, bytes) = waiting.removeFirst()
        waitingBytes -= bytes
        condition.broadcast()
        return step
    }

    /// Tells the reader to stop and waits until its thread is done with the walk.
    func stop() {
        condition.lock()
        defer { condition.unlock() }
        stopped = true
        waiting.removeAll()
        waitingBytes = 0
        condition.broadcast()
        while !done { condition.wait() }
    }

    /// Whether to read the next file now: at once when reading ahead, else once the writer
    /// waits for it; false once the writer has stopped.
    private func awaitTurn() -> Bool {
        guard !readsAhead else { return true }
        condition.lock()
        defer { condition.unlock() }
        while !stopped && !(writerWaits && waiting.isEmpty) { condition.wait() }
        return !stopped
    }

    /// Hands `step` over, waiting while too much waits; false once the writer has stopped.
    private func put(_ step: Step, bytes: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !stopped && !waiting.isEmpty
            && (waitingBytes + bytes > Self.maxWaitingBytes || waiting.count >= Self.maxWaitingSteps) {
            condition.wait()
        }
        guard !stopped else { return false }
        waiting.append((step, bytes))
        waitingBytes += bytes
        condition.broadcast()
        return true
    }

    private func finish() {
        condition.lock()
        done = true
        condition.broadcast()
        condition.unlock()
    }

    /// Strict UTF-8 (see `DocumentText.decode`), HTML as its text, then hashed, counted and cut.
    static func read(_ file: CorpusFile, maxSize: Int, chunking: ChunkingConfig) -> Read {
        let data: [UInt8]
        switch file.read(maxSize: maxSize) {
        case .success(let bytes): data = bytes
        case .failure(let reason): return .failed(reason)
        }
        switch data.withUnsafeBytes({ DocumentText.decode($0) }) {
        case .failure(let rejection):
            return .rejected(rejection, bytes: data.count)
        case .success(var text):
            if DocumentText.isHTML(file.relativePath) { text = DocumentText.htmlToText(text) }
            let (sha256, chars) = text.withUTF8 { (ContentHash.hex(UnsafeRawBufferPointer($0)), SourceLoader.scalarCount($0)) }
            return .text(text, sha256: sha256, chars: chars, bytes: data.count, chunks: SourceLoader.cut(text, chunking))
        }
    }
}
