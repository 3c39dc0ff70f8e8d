import ArgumentParser
import Foundation
import IFTStore

extension IFTDB {
    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a folder of documents as versioned sources and cut them into chunks.",
            discussion: """
                Walks each folder recursively in a stable order. A source's identity is its path \
                relative to the folder, so loading again adds only what changed: new content is a \
                new version, identical content adds nothing, and a file gone from a folder loaded \
                before (under the same folder name) gets a "removed" version.

                Text: UTF-8, validated strictly; binary and non-UTF-8 files are skipped and named. \
                A byte-order mark is dropped; CRLF line ends are kept as they are. Empty files are \
                recorded and make no chunks. .html/.htm files are stored as their visible text \
                (tags, scripts and styles stripped, entities decoded). Symlinks are followed inside the \
                folder; one that leads outside it (its real path) is skipped and named unless \
                --follow-external-links. A file name that is not UTF-8 is skipped and named.

                Chunkers (sizes count Unicode scalars, not bytes):
                  boundary  the default: chunks of at most --chunk-size that end at a paragraph, \
                else a sentence, else a word boundary; never cuts a word (a longer word is its own chunk)
                  window    the classic loader: a chunk starts at every multiple of --step-size and \
                is text[start ..< start + size]; step < size overlaps, step > size leaves gaps

                Loading with a new chunking adds its chunks for the current versions and keeps the \
                old ones; `generate` uses the most recently loaded chunking.

                A folder from which no file is loaded (empty, all hidden or filtered out, or every \
                file skipped) gets a warning and makes the exit code 1; it marks nothing removed. \
                When no file is loaded at all, the store is left exactly as it was. The store and its \
                -wal, -shm and -journal files are never loaded. Two loads may run at once.

                Examples:
                  iftdb load docs/
                  iftdb load docs/ --include '*.md' --exclude 'drafts/*'
                  iftdb load docs/ --chunker window --chunk-size 1000 --step-size 800
                """
        )

        @OptionGroup var store: StoreOptions

        @Argument(help: "Folders to load.") var folders: [String] = []

        @Option(name: .long, help: "Chunker: boundary or window.") var chunker: String = "boundary"
        @Option(help: "Chunk size in Unicode scalars.") var chunkSize: Int = 512
        @Option(help: "Window step in Unicode scalars (window chunker; default: the chunk size).") var stepSize: Int?
        @Option(name: .customLong("include"), help: ArgumentHelp("Load only paths matching GLOB (repeatable; '*' crosses '/').", valueName: "glob"))
        var includes: [String] = []
        @Option(name: .customLong("exclude"), help: ArgumentHelp("Skip paths matching GLOB (repeatable).", valueName: "glob"))
        var excludes: [String] = []
        @Flag(help: "Also load hidden files and folders (names starting with '.').") var hidden = false
        @Option(help: "Skip files larger than this many bytes.") var maxFileSize: Int = 10 * 1024 * 1024
        @Flag(help: "Also load what symlinks lead to outside the folder (by default skipped and named).") var followExternalLinks = false
        @Flag(help: "No progress line.") var quiet = false
        @Flag(help: "Print the summary as JSON on stdout.") var json = false

        func validate() throws {
            if folders.isEmpty { throw ValidationError("name at least one folder to load, e.g. iftdb load docs/") }
            guard let method = ChunkingMethod(rawValue: chunker) else {
                throw ValidationError("unknown chunker '\(chunker)'; use boundary or window")
            }
            if chunkSize < 1 || chunkSize > 100_000_000 { throw ValidationError("--chunk-size must be between 1 and 100000000") }
            if let stepSize {
                if stepSize < 1 || stepSize > 100_000_000 { throw ValidationError("--step-size must be between 1 and 100000000") }
                if method != .window { throw ValidationError("--step-size goes with --chunker window") }
            }
            if maxFileSize < 1 { throw ValidationError("--max-file-size must be at least 1") }
        }

        func run() async throws {
            let started = Date()
            try StoreWriter.checkLoadFolders(folders)
            let writer = try StoreFile.open(store.path, for: .writing(create: true))
            defer { writer.close() }
            if case .created = writer.migrationOutcome { Console.info("created store \(store.path)") }
            var options = LoadOptions(
                walk: WalkOptions(includes: includes, excludes: excludes, hidden: hidden, maxFileSize: maxFileSize, followExternalLinks: followExternalLinks),
                chunking: ChunkingConfig(method: ChunkingMethod(rawValue: chunker) ?? .boundary, size: chunkSize, step: stepSize))
            #if DEBUG
            // Stopped after its N-th file, the load must not have read the next one already.
            if Self.testStopAfterFiles != nil { options.readsAhead = false }
            #endif
            let progress = ProgressLine(quiet: quiet)
            let summary = try writer.load(folders: folders, options: options) { event in
                switch event {
                case .progress(let done, let bytes):
                    #if DEBUG
                    if done == Self.testStopAfterFiles { raise(SIGSTOP) }
                    #endif
                    progress.update("loading: \(done) files, \(Format.bytes(bytes)), \(Format.seconds(Date().timeIntervalSince(started)))")
                case .skipped(_, _, let message):
                    progress.clear()
                    Console.warning(message)
                case .warning(let message):
                    progress.clear()
                    Console.warning(message)
                }
            }
            progress.clear()
            let took = Date().timeIntervalSince(started)
            if json {
                try ByteSink.standardOutput().writeJSON(LoadReport(summary, seconds: took), .ordered)
            }
            for unloaded in summary.foldersWithNothingLoaded {
                if unloaded.skippedFiles == 0 {
                    Console.warning("no file to load in \(unloaded.folder) (it is empty, or every file in it is hidden or left out by --include/--exclude); nothing loaded from it")
                } else {
                    Console.warning("every file selected in \(unloaded.folder) was skipped (\(unloaded.skippedFiles), named above); nothing loaded from it")
                }
            }
            if summary.loadedNothing {
                Console.info("nothing loaded; the store is unchanged")
            } else {
                let skipped = summary.skipped.values.reduce(0, +)
                let reasons = summary.skipped.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                Console.info("""
                    loaded \(summary.filesSeen) files (\(Format.bytes(summary.bytesRead))) in \(Format.seconds(took)) with chunking \(summary.chunking) [id \(summary.chunkingID)]
                      new \(summary.new) · changed \(summary.changed) · unchanged \(summary.unchanged) · removed \(summary.removed) · skipped \(skipped)\(skipped > 0 ? " (\(reasons))" : "")
                      chunks added \(summary.chunksAdded)
                    """)
            }
            // A folder that gave nothing is likely a mistake (a wrong path, an unmounted disk).
            if !summary.foldersWithNothingLoaded.isEmpty { throw ExitCode(1) }
        }

        #if DEBUG
        /// For tests only, and only in debug builds (the tests run the debug binary; a release
        /// build has no such variable): with IFTDB_TEST_STOP_AFTER_FILES=N the process stops
        /// itself (SIGSTOP) right after its N-th file, so a test can `kill -9` it at a known
        /// file count instead of a guessed moment.
        static let testStopAfterFiles = ProcessInfo.processInfo.environment["IFTDB_TEST_STOP_AFTER_FILES"].flatMap { Int($0) }
        #endif
    }
}
