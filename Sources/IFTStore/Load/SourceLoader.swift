import Foundation
internal import IFTSQLite

extension StoreWriter {
    /// Checks that each path is a readable folder, before anything is opened or written.
    public static func checkLoadFolders(_ folders: [String]) throws {
        for folder in folders { _ = try SourceLoader.checkedFolder(folder) }
    }

    /// Loads the files under `folders` as source versions and cuts every current version
    /// into chunks under `options.chunking`. Paths are relative to their folder; loading
    /// the same content again adds nothing.
    public func load(folders: [String], options: LoadOptions, events: (LoadEvent) -> Void = { _ in }) throws -> LoadSummary {
        try guarded {
            do {
                return try withoutActuallyEscaping(events) { events in
                    try SourceLoader(writer: self, options: options, events: events).load(folders: folders)
                }
            } catch let error as SQLiteError where error.primaryCode == .busy {
                throw LoadError.writeLockHeld(store: path)
            }
        }
    }
}

struct SourceLoader {
    /// A batch of new versions is written (and committed) once this many files or bytes wait.
    static let filesPerBatch = 512
    static let bytesPerBatch = 6 << 20

    let writer: StoreWriter
    let options: LoadOptions
    let events: (LoadEvent) -> Void
    var db: Connection { writer.db }

    struct LatestVersion {
        let version: Int
        let status: String
        let sha256: String?

        func isPresent(sha256 wanted: String) -> Bool { status == "present" && sha256 == wanted }
    }

    func load(folders: [String]) throws -> LoadSummary {
        let roots = try folders.map(Self.checkedFolder)
        if options.chunking.method == .window && options.chunking.step > options.chunking.size {
            events(.warning("step \(options.chunking.step) is larger than the chunk size \(options.chunking.size): the text between chunks is left out"))
        }
        var summary = LoadSummary(chunking: options.chunking)
        let now = Timestamp.now()
        let batch = WriteBatch(db)
        let insertSource = try db.prepare("""
            INSERT INTO sources (path, version, status, text, sha256, bytes, chars, root, loaded_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let insertChunk = try db.prepare("""
            INSERT INTO chunks (source_id, chunking_id, ordinal, start, end, text, sha256)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        let latestOfPath = try db.prepare("SELECT version, status, sha256 FROM sources WHERE path = ? ORDER BY version DESC LIMIT 1")
        func latestVersion(_ path: String) throws -> LatestVersion? {
            try latestOfPath.bind([path])
            defer { latestOfPath.reset() }
            guard try latestOfPath.step() else { return nil }
            return LatestVersion(version: latestOfPath.int(0), status: latestOfPath.string(at: 1), sha256: latestOfPath.optionalString(2))
        }
        // Recorded with the first write, so a load that loads nothing records nothing.
        var recordedChunking: Int64?
        func recordChunking() throws -> Int64 {
            if let recordedChunking { return recordedChunking }
            let id = try chunkingRow(now: now)
            recordedChunking = id
            return id
        }
        var seen = Set<String>()
        // Folders that could not be read, or links not followed: what was loaded from under
        // them is not "gone".
        var unreadableFolders: [String] = []
        // Folders at least one file was loaded from: only these can have files gone from them.
        var loadedRoots: [String] = []

        // The store and its -wal, -shm and -journal are never documents, whatever path reaches them.
        let storeFiles = StoreFiles(storePath: writer.path)

        // Files to write, read and hashed without holding the write lock: they are written
        // together, under it, when `filesPerBatch` files or `bytesPerBatch` bytes wait, and at
        // the end. So another writer (a load, a generate) gets in between batches, however
        // long this load reads.
        struct PendingFile {
            let relativePath: String
            let root: String
            let text: String
            let sha256: String
            let bytes: Int
            /// Unicode scalars in `text`.
            let chars: Int
            /// `text` cut under the load's chunking.
            let chunks: [CutChunk]
        }
        var pending: [PendingFile] = []
        var pendingBytes = 0
        func writePending() throws {
            for file in pending {
                // Decide again under the write lock, which another load may have held since
                // the read: its version of this path is the one to follow.
                let wasPresent = try batch.write(bytes: file.bytes) { () -> Bool? in
                    let previous = try latestVersion(file.relativePath)
                    if let previous, previous.isPresent(sha256: file.sha256) { return nil }
                    let version = (previous?.version ?? 0) + 1
                    try insertSource.bind([file.relativePath, version, "present", file.text, file.sha256, file.bytes, file.chars, file.root, now])
                    try insertSource.runToCompletion()
                    let sourceID = db.lastInsertRowID
                    summary.chunksAdded += try insertChunks(sourceID: sourceID, text: file.text, chunkingID: try recordChunking(), statement: insertChunk, cut: file.chunks)
                    return previous?.status == "present"
                }
                switch wasPresent {
                case nil: summary.unchanged += 1
                case true?: summary.changed += 1
                case false?: summary.new += 1
                }
            }
            try batch.commit()
            pending.removeAll(keepingCapacity: true)
            pendingBytes = 0
        }

        // Files are read, decoded and hashed on a thread of their own, in walk order.
        let reader = ReadAhead(roots: roots, options: options, storeFiles: storeFiles)
        defer { reader.stop() }
        for (root, given) in zip(roots, folders) {
            var loadedHere = 0
            let skippedBefore = summary.skipped.values.reduce(0, +)
            func passOver(_ path: String, _ reason: CorpusWalker.Skip) {
                // A file skipped for a reason still exists: it must not get a removed version.
                seen.insert(path)
                switch reason {
                case .unreadable, .externalLink: unreadableFolders.append(path == "." ? "" : path + "/")
                default: break
                }
                switch reason {
                case .tooLarge(let size):
                    skip(&summary, path, "too large", "skipped \(path): \(size) bytes is over --max-file-size \(options.walk.maxFileSize)")
                case .unreadable(let why):
                    skip(&summary, path, "unreadable", "skipped \(path): \(why)")
                case .symlinkLoop:
                    skip(&summary, path, "symlink loop", "skipped \(path): a symlink back into a folder already being walked")
                case .notRegular:
                    skip(&summary, path, "not a regular file", "skipped \(path): not a regular file")
                case .externalLink(let target):
                    skip(&summary, path, "outside the folder", "skipped \(path): a symlink to \(target), outside the folder \(root); pass --follow-external-links to load it")
                case .nameNotUTF8:
                    skip(&summary, path, "name not UTF-8", "skipped \(path): the name is not valid UTF-8 (its bad bytes shown as \\xNN); rename it, e.g. with convmv")
                case .changed:
                    skip(&summary, path, "changed while loading", "skipped \(path): it was replaced while being loaded; run the load again")
                }
            }
            func found(_ file: CorpusFile, _ read: ReadAhead.Read) throws {
                summary.filesSeen += 1
                guard seen.insert(file.relativePath).inserted else {
                    skip(&summary, file.relativePath, "duplicate path", "\(file.relativePath) exists in two of the folders given; loaded the first, skipped the one in \(root)")
                    return
                }
                let text: String, sha: String, chars: Int, bytes: Int, chunks: [CutChunk]
                switch read {
                case .failed(let reason):
                    passOver(file.relativePath, reason)
                    return
                case .rejected(let rejection, let size):
                    summary.bytesRead += size
                    skip(&summary, file.relativePath, rejection.reason, "skipped \(file.relativePath): \(rejection)")
                    return
                case .text(let read, let sha256, let count, let size, let cut):
                    (text, sha, chars, bytes, chunks) = (read, sha256, count, size, cut)
                }
                summary.bytesRead += bytes
                loadedHere += 1
                // A plain read settles "unchanged" without the write lock: it was true when read.
                if let previous = try latestVersion(file.relativePath), previous.isPresent(sha256: sha) {
                    summary.unchanged += 1
                } else {
                    pending.append(PendingFile(relativePath: file.relativePath, root: root, text: text, sha256: sha, bytes: bytes, chars: chars, chunks: chunks))
                    pendingBytes += bytes
                    if pending.count >= Self.filesPerBatch || pendingBytes >= Self.bytesPerBatch { try writePending() }
                }
                events(.progress(done: summary.filesSeen, bytes: summary.bytesRead))
            }
            walk: while let step = reader.next() {
                switch step {
                case .found(let file, let read): try found(file, read)
                case .skipped(let path, let reason): passOver(path, reason)
                case .rootDone: break walk
                }
            }
            if loadedHere > 0 {
                loadedRoots.append(root)
            } else {
                summary.foldersWithNothingLoaded.append(UnloadedFolder(folder: given, skippedFiles: summary.skipped.values.reduce(0, +) - skippedBefore))
            }
        }
        try writePending()
        // Nothing loaded: nothing was written, and the chunking generate uses stays as it was.
        guard !loadedRoots.isEmpty else { return summary }

        // Files gone from a folder loaded before under the same name get a removed version,
        // decided under the write lock so two loads at once remove a file once.
        let rootNames = Set(loadedRoots.map(Self.name))
        summary.removed = try batch.write {
            let present = try db.prepare("SELECT path, version, root FROM current_sources WHERE status = 'present' AND root IS NOT NULL ORDER BY path")
            var gone: [(path: String, version: Int, root: String?)] = []
            while try present.step() {
                let path = present.string(at: 0), rootName = Self.name(of: present.string(at: 2))
                guard !seen.contains(path), rootNames.contains(rootName), options.walk.selects(path),
                      !unreadableFolders.contains(where: { path.hasPrefix($0) }) else { continue }
                gone.append((path, present.int(1), loadedRoots.first { Self.name(of: $0) == rootName }))
            }
            for file in gone {
                try insertSource.bind([file.path, file.version + 1, "removed", SQLiteValue.null, SQLiteValue.null, 0, 0, file.root, now])
                try insertSource.runToCompletion()
            }
            return gone.count
        }
        let chunkingID = try batch.write { try recordChunking() }
        try batch.commit()

        // Current versions loaded before, under another chunking, get this chunking's chunks.
        let missing = try db.prepare("""
            SELECT s.id FROM current_sources s
            WHERE s.status = 'present' AND s.chars > 0
              AND NOT EXISTS (SELECT 1 FROM chunks c WHERE c.source_id = s.id AND c.chunking_id = ?)
            ORDER BY s.path
            """)
        try missing.bind([chunkingID])
        var missingIDs: [Int64] = []
        while try missing.step() { missingIDs.append(Int64(missing.int(0))) }
        let textOf = try db.prepare("SELECT text FROM sources WHERE id = ?")
        let hasChunks = try db.prepare("SELECT EXISTS (SELECT 1 FROM chunks WHERE source_id = ? AND chunking_id = ?)")
        for sourceID in missingIDs {
            try textOf.bind([sourceID])
            guard try textOf.step() else { continue }
            let text = textOf.string(at: 0)
            textOf.reset()
            try batch.write(bytes: text.utf8.count) {
                // Another load with this chunking may have cut it since the list was read.
                try hasChunks.bind([sourceID, chunkingID])
                defer { hasChunks.reset() }
                guard try hasChunks.step(), hasChunks.int(0) == 0 else { return }
                summary.chunksAdded += try insertChunks(sourceID: sourceID, text: text, chunkingID: chunkingID, statement: insertChunk)
            }
        }
        try batch.commit()
        // Only now is this chunking complete: generation picks the most recently used one.
        try db.transaction { try db.run("UPDATE chunkings SET last_used_at = ? WHERE id = ?", [Timestamp.now(), chunkingID]) }
        summary.chunkingID = chunkingID
        return summary
    }

    private func skip(_ summary: inout LoadSummary, _ path: String, _ reason: String, _ message: String) {
        summary.skipped[reason, default: 0] += 1
        events(.skipped(path: path, reason: reason, message: message))
    }

    /// One chunk of a text, cut and hashed (on the reading thread, for a file read now).
    struct CutChunk: Sendable {
        let span: ChunkSpan
        /// Its bytes in the text's UTF-8.
        let bytes: Range<Int>
        let sha256: String
    }

    /// Cuts `text` under `chunking`. Works on the UTF-8 bytes: chunk text and its hash come
    /// straight from byte ranges, found through the byte offsets of the spans' ends.
    static func cut(_ text: String, _ chunking: ChunkingConfig) -> [CutChunk] {
        var text = text
        return text.withUTF8 { bytes in
            let spans: [ChunkSpan]
            switch chunking.method {
            case .window:
                spans = Chunker.window(length: scalarCount(bytes), size: chunking.size, step: chunking.step)
            case .boundary:
                spans = Chunker.boundary(Array(String(decoding: bytes, as: UTF8.self).unicodeScalars), size: chunking.size)
            }
            // The byte range of each span, from the offsets of its ends (found in one pass).
            let ends = Array(Set(spans.flatMap { [$0.start, $0.end] })).sorted()
            let offsets = byteOffsets(ofScalars: ends, in: bytes)
            func byteOffset(_ scalar: Int) -> Int {
                var low = 0, high = ends.count - 1
                while low < high {
                    let middle = (low + high) / 2
                    if ends[middle] < scalar { low = middle + 1 } else { high = middle }
                }
                return offsets[low]
            }
            return spans.map { span in
                let range = byteOffset(span.start)..<byteOffset(span.end)
                return CutChunk(span: span, bytes: range, sha256: ContentHash.hex(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[range])))
            }
        }
    }

    /// Inserts the chunks of `text` (cut now unless `cut` brings them).
    private func insertChunks(sourceID: Int64, text: String, chunkingID: Int64, statement: Statement, cut: [CutChunk]? = nil) throws -> Int {
        let chunks = cut ?? Self.cut(text, options.chunking)
        var text = text
        try text.withUTF8 { bytes in
            for (ordinal, chunk) in chunks.enumerated() {
                try statement.bind([], leading: true)
                for (index, value) in [sourceID, chunkingID, Int64(ordinal), Int64(chunk.span.start), Int64(chunk.span.end)].enumerated() {
                    try statement.bind(.integer(value), at: Int32(index + 1))
                }
                try statement.bind(utf8: UnsafeBufferPointer(rebasing: bytes[chunk.bytes]), at: 6)
                try statement.bind(.text(chunk.sha256), at: 7)
                try statement.runToCompletion()
            }
        }
        return chunks.count
    }

    /// Unicode scalars in valid UTF-8: the bytes that are not continuation bytes (10xxxxxx).
    static func scalarCount(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        var count = 0, index = 0
        while index + 8 <= bytes.count {
            count += scalarsStarting(in: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
            index += 8
        }
        while index < bytes.count {
            if bytes[index] & 0xC0 != 0x80 { count += 1 }
            index += 1
        }
        return count
    }

    /// How many of a word's 8 bytes start a scalar: 8 less its continuation bytes.
    @inline(__always)
    private static func scalarsStarting(in word: UInt64) -> Int {
        let continuation = (word & 0x8080_8080_8080_8080) >> 1 & ~word & 0x4040_4040_4040_4040
        return 8 - continuation.nonzeroBitCount
    }

    /// The byte offset in valid UTF-8 of each scalar index in `targets` (ascending, none
    /// above the scalar count; the count itself gives the byte count). Whole words of 8
    /// bytes that hold no target are counted, not walked.
    static func byteOffsets(ofScalars targets: [Int], in bytes: UnsafeBufferPointer<UInt8>) -> [Int] {
        guard let base = bytes.baseAddress else { return targets.map { _ in 0 } }
        var offsets: [Int] = []
        offsets.reserveCapacity(targets.count)
        var index = 0, scalar = 0
        for target in targets {
            while index + 8 <= bytes.count {
                let starting = scalarsStarting(in: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
                if scalar + starting > target { break }
                scalar += starting
                index += 8
            }
            // Here scalar `target` starts within the next 8 bytes, or the text ends first.
            while index < bytes.count {
                if bytes[index] & 0xC0 != 0x80 {
                    if scalar == target { break }
                    scalar += 1
                }
                index += 1
            }
            offsets.append(index)
        }
        return offsets
    }

    private func chunkingRow(now: String) throws -> Int64 {
        let config = options.chunking
        try db.run("""
            INSERT INTO chunkings (method, size, step, created_at, last_used_at) VALUES (?, ?, ?, ?, '')
            ON CONFLICT (method, size, step) DO NOTHING
            """, [config.method.rawValue, config.size, config.step, now])
        guard let id = try db.scalarInt("SELECT id FROM chunkings WHERE method = ? AND size = ? AND step = ?", [config.method.rawValue, config.size, config.step]) else {
            throw InternalError("could not record the chunking \(config)")
        }
        return Int64(id)
    }

    static func name(of root: String) -> String {
        URL(fileURLWithPath: root).standardizedFileURL.lastPathComponent
    }

    static func checkedFolder(_ folder: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) else {
            throw LoadError.noFolder(folder)
        }
        guard isDirectory.boolValue else {
            throw LoadError.isAFile(folder)
        }
        guard FileManager.default.isReadableFile(atPath: folder) else {
            throw LoadError.unreadableFolder(folder)
        }
        let url = URL(fileURLWithPath: folder).standardizedFileURL
        var path = url.path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }
}
