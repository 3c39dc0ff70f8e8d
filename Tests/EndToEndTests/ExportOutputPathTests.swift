import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What `export -o PATH` does with what is already at PATH: a FIFO, a character device or a
/// socket is written into (never replaced), a folder is refused, a symlink is written
/// through, a regular file keeps its permissions, and the store under any name is refused.
/// Every special file lives in a temporary folder: nothing here touches /dev.
@Suite struct ExportOutputPathTests {
    static let arguments = ["export", "--format", "csv", "--answer-prompt", "answers@1"]

    func fixtureStore(extraSQL: String = "") async throws -> TemporaryFolder { try await ExportCommandTests().fixtureStore(extraSQL: extraSQL) }

    /// The export as it goes to standard output, to compare with what reached a file.
    func expectedCSV(_ folder: TemporaryFolder) async throws -> String {
        let result = try await iftdb(Self.arguments, in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout
    }

    static func fileType(_ path: String) -> mode_t? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return info.st_mode & S_IFMT
    }

    static func mode(_ path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o7777
    }

    /// Files in the folder besides the store and the special file: no temporary file left.
    func leftovers(_ folder: TemporaryFolder, besides names: Set<String>) throws -> [String] {
        try folder.listing().filter { !$0.hasPrefix("iftdb.sqlite") && !names.contains($0) }
    }

    @Test func aFIFOIsWrittenIntoNotReplaced() async throws {
        let folder = try await fixtureStore()
        let expected = try await expectedCSV(folder)
        #expect(mkfifo(folder.file("pipe"), 0o600) == 0)
        // Open the read end first (without blocking), so the export's open finds a reader and
        // the bytes wait in the pipe until read here.
        let reader = open(folder.file("pipe"), O_RDONLY | O_NONBLOCK)
        #expect(reader >= 0)
        defer { close(reader) }
        let result = try await iftdb(Self.arguments + ["-o", "pipe"], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("wrote 6 pairs as csv to pipe ("), "\(result.stderr)")
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = read(reader, &buffer, buffer.count)
            if n <= 0 { break }
            received += buffer[0..<n]
        }
        #expect(String(decoding: received, as: UTF8.self) == expected)
        #expect(Self.fileType(folder.file("pipe")) == S_IFIFO)
        #expect(try leftovers(folder, besides: ["pipe"]).isEmpty)
    }

    @Test(.enabled(if: getuid() == 0, "mknod needs root"))
    func aCharacterDeviceIsWrittenIntoNotReplaced() async throws {
        let folder = try await fixtureStore()
        // A null device of our own, inside the temporary folder.
        let made = try await runProgram("mknod", [folder.file("null"), "c", "1", "3"], in: folder.path)
        #expect(made.status == 0, "\(made.stderr)")
        #expect(Self.fileType(folder.file("null")) == S_IFCHR)
        let result = try await iftdb(Self.arguments + ["-o", "null"], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("wrote 6 pairs as csv to null ("), "\(result.stderr)")
        #expect(Self.fileType(folder.file("null")) == S_IFCHR)
        #expect(try leftovers(folder, besides: ["null"]).isEmpty)
    }

    @Test func aSocketIsNotReplaced() async throws {
        let folder = try await fixtureStore()
        let path = folder.file("sock")
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #expect(listener >= 0)
        defer { close(listener) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8.prefix(raw.count - 1))
            raw.copyBytes(from: bytes)
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        #expect(Self.fileType(path) == S_IFSOCK)
        // As `> sock` would: a socket cannot be opened for writing, so the export fails in one line.
        let result = try await iftdb(Self.arguments + ["-o", "sock"], in: folder.path)
        expectOneLineError(result, containing: "cannot write sock")
        #expect(Self.fileType(path) == S_IFSOCK)
        #expect(try leftovers(folder, besides: ["sock"]).isEmpty)
    }

    @Test func aFolderIsRefusedUnlessSplitting() async throws {
        let folder = try await fixtureStore()
        try FileManager.default.createDirectory(atPath: folder.file("out"), withIntermediateDirectories: false)
        expectOneLineError(try await iftdb(Self.arguments + ["-o", "out"], in: folder.path), containing: "it is a folder")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("out")).isEmpty)
        let split = try await iftdb(Self.arguments + ["--split", "train=0.5,valid=0.5", "--split-by", "pair", "-o", "out"], in: folder.path)
        #expect(split.status == 0, "\(split.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("out")).sorted() == ["README.md", "train.csv", "valid.csv"])
    }

    @Test func aSymlinkIsWrittenThroughToItsTargetAtomically() async throws {
        let folder = try await fixtureStore()
        let expected = try await expectedCSV(folder)
        try FileManager.default.createDirectory(atPath: folder.file("real"), withIntermediateDirectories: false)
        try folder.write("real/pairs.csv", "earlier\n")
        #expect(chmod(folder.file("real/pairs.csv"), 0o640) == 0)
        #expect(symlink("real/pairs.csv", folder.file("link.csv")) == 0)
        // A chain: link2 -> link.csv -> real/pairs.csv.
        #expect(symlink("link.csv", folder.file("link2.csv")) == 0)

        let result = try await iftdb(Self.arguments + ["-o", "link2.csv"], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Self.fileType(folder.file("link2.csv")) == S_IFLNK)
        #expect(Self.fileType(folder.file("link.csv")) == S_IFLNK)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: folder.file("link2.csv")) == "link.csv")
        #expect(try String(contentsOfFile: folder.file("real/pairs.csv"), encoding: .utf8) == expected)
        #expect(Self.mode(folder.file("real/pairs.csv")) == 0o640)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("real")) == ["pairs.csv"])
        #expect(try leftovers(folder, besides: ["link.csv", "link2.csv", "real"]).isEmpty)

        // A dangling symlink: the target is made, beside where the link points.
        #expect(symlink("real/new.csv", folder.file("new-link.csv")) == 0)
        let dangling = try await iftdb(Self.arguments + ["-o", "new-link.csv"], in: folder.path)
        #expect(dangling.status == 0, "\(dangling.stderr)")
        #expect(Self.fileType(folder.file("new-link.csv")) == S_IFLNK)
        #expect(try String(contentsOfFile: folder.file("real/new.csv"), encoding: .utf8) == expected)

        // A symlink to a FIFO is written straight into the FIFO.
        #expect(mkfifo(folder.file("real/pipe"), 0o600) == 0)
        #expect(symlink("real/pipe", folder.file("pipe-link")) == 0)
        let reader = open(folder.file("real/pipe"), O_RDONLY | O_NONBLOCK)
        defer { close(reader) }
        let piped = try await iftdb(Self.arguments + ["-o", "pipe-link"], in: folder.path)
        #expect(piped.status == 0, "\(piped.stderr)")
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        let n = read(reader, &buffer, buffer.count)
        #expect(n > 0 && String(decoding: buffer[0..<max(n, 0)], as: UTF8.self) == expected)
        #expect(Self.fileType(folder.file("real/pipe")) == S_IFIFO)
    }

    @Test func replacingARegularFileKeepsItsPermissionBits() async throws {
        let folder = try await fixtureStore()
        let expected = try await expectedCSV(folder)
        for mode: mode_t in [0o600, 0o640, 0o604] {
            try folder.write("pairs.csv", "earlier\n")
            #expect(chmod(folder.file("pairs.csv"), mode) == 0)
            let result = try await iftdb(Self.arguments + ["-o", "pairs.csv"], in: folder.path)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(try String(contentsOfFile: folder.file("pairs.csv"), encoding: .utf8) == expected)
            #expect(Self.mode(folder.file("pairs.csv")) == mode, "mode \(String(mode, radix: 8))")
        }
        // A new file gets 0666 less the umask, like any file the user makes.
        // Read from /proc, not by setting it: other tests run in this process at the same time.
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let umaskLine = try #require(status.split(separator: "\n").first { $0.hasPrefix("Umask:") })
        let umaskNow = try #require(mode_t(umaskLine.dropFirst("Umask:".count).trimmingCharacters(in: .whitespaces), radix: 8))
        let fresh = try await iftdb(Self.arguments + ["-o", "fresh.csv"], in: folder.path)
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(Self.mode(folder.file("fresh.csv")) == 0o666 & ~umaskNow)
    }

    @Test func theStoreByAnotherNameIsRefused() async throws {
        let folder = try await fixtureStore()
        let store = folder.file("iftdb.sqlite")
        let before = try Data(contentsOf: URL(fileURLWithPath: store))
        #expect(link(store, folder.file("hl.sqlite")) == 0)
        #expect(symlink("iftdb.sqlite", folder.file("sym.sqlite")) == 0)
        // The store opened by its hard link, written to by its own name, and the other way round.
        expectOneLineError(try await iftdb(Self.arguments + ["--db", "hl.sqlite", "-o", "iftdb.sqlite"], in: folder.path), containing: "is the store itself")
        expectOneLineError(try await iftdb(Self.arguments + ["-o", "hl.sqlite"], in: folder.path), containing: "is the store itself")
        // Through a symlink, either way.
        expectOneLineError(try await iftdb(Self.arguments + ["-o", "sym.sqlite"], in: folder.path), containing: "is the store itself")
        expectOneLineError(try await iftdb(Self.arguments + ["--db", "sym.sqlite", "-o", "hl.sqlite"], in: folder.path), containing: "is the store itself")
        // A split file that is the store by another name.
        try FileManager.default.createDirectory(atPath: folder.file("splits"), withIntermediateDirectories: false)
        #expect(link(store, folder.file("splits/train.csv")) == 0)
        expectOneLineError(try await iftdb(Self.arguments + ["--split", "train=0.5,valid=0.5", "--split-by", "pair", "-o", "splits"], in: folder.path),
                           containing: "is the store itself")
        #expect(try Data(contentsOf: URL(fileURLWithPath: store)) == before)
        #expect(Self.fileType(folder.file("sym.sqlite")) == S_IFLNK)
        let check = try await runProgram("sqlite3", ["iftdb.sqlite", "PRAGMA integrity_check"], in: folder.path)
        #expect(check.stdout == "ok\n")
    }
    // MARK: the store's files through a link that leads nowhere yet

    /// A symlink whose target does not exist yet, pointing at the store's `-journal` or `-wal`:
    /// writing through it would make that file, which SQLite would then take for its own.
    @Test func aDanglingLinkToTheStoresJournalOrWALIsRefused() async throws {
        let folder = try await fixtureStore()
        let store = folder.file("iftdb.sqlite")
        let before = try Data(contentsOf: URL(fileURLWithPath: store))
        try FileManager.default.createDirectory(atPath: folder.file("sub"), withIntermediateDirectories: false)
        #expect(symlink("iftdb.sqlite-journal", folder.file("journal-link")) == 0)
        #expect(symlink("iftdb.sqlite-wal", folder.file("wal-link")) == 0)
        // Another spelling of the store's folder, and a chain.
        #expect(symlink("../sub/../iftdb.sqlite-journal", folder.file("sub/journal-link")) == 0)
        #expect(symlink("wal-link", folder.file("wal-chain")) == 0)
        // SQLite's own empty -wal and -shm, which the export's read may leave, aside.
        func files() throws -> [String] { try folder.listing().filter { !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") } }
        func walSize() -> Int { (try? FileManager.default.attributesOfItem(atPath: store + "-wal"))?[.size] as? Int ?? 0 }
        let listing = try files()
        for link in ["journal-link", "wal-link", "sub/journal-link", "wal-chain"] {
            let result = try await iftdb(Self.arguments + ["-o", link], in: folder.path)
            expectOneLineError(result, containing: "is the store itself")
            let after = try files()
            #expect(after == listing, "-o \(link) wrote something: \(after)")
            #expect(!FileManager.default.fileExists(atPath: store + "-journal"))
            #expect(walSize() == 0, "-o \(link) wrote into the -wal")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: store)) == before)
        // The store still reads: read-only commands work after the refusals.
        for arguments in [["sources"], ["sql", "SELECT count(*) FROM answers"], ["stats"], Self.arguments] {
            let result = try await iftdb(arguments, in: folder.path)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
        }
    }

    // MARK: a FIFO without a reader is never waited on for nothing

    /// Runs `iftdb` in the background and gives it `seconds` to end; a command still running
    /// then (blocked on a FIFO's open) is killed and counted as blocked.
    func runBounded(_ arguments: [String], in folder: TemporaryFolder, seconds: Int = 60) async throws -> (blocked: Bool, outcome: CommandResult) {
        let outcome = try await startIftdb(arguments, in: folder.path).exit(killingAfter: .seconds(seconds))
        return (outcome.wasKilledAtLimit, outcome)
    }

    @Test func aFIFOWithoutAReaderIsNotOpenedWhenThereIsNothingToWrite() async throws {
        let folder = try await fixtureStore()
        #expect(mkfifo(folder.file("pipe"), 0o600) == 0)
        try FileManager.default.createDirectory(atPath: folder.file("splits"), withIntermediateDirectories: false)
        #expect(mkfifo(folder.file("splits/train.csv"), 0o600) == 0)
        #expect(mkfifo(folder.file("splits/valid.csv"), 0o600) == 0)
        let cases: [(arguments: [String], error: String)] = [
            (Self.arguments + ["--source", "no-such/*", "-o", "pipe"], "no pairs match"),
            (["export", "--format", "csv", "--answer-prompt", "nosuch@9", "-o", "pipe"], "no prompt named 'nosuch'"),
            (Self.arguments + ["--dataset", "nosuch", "-o", "pipe"], "nosuch"),
            (Self.arguments + ["--split", "train=0.999,valid=0.001", "--split-by", "pair", "-o", "splits"], "would be empty"),
        ]
        for (arguments, error) in cases {
            let (blocked, outcome) = try await runBounded(arguments, in: folder)
            #expect(!blocked, "\(arguments.joined(separator: " ")) blocked on the FIFO waiting for a reader")
            #expect(outcome.status == 2, "\(arguments.joined(separator: " ")): exit \(outcome.status), \(outcome.stderr)")
            #expect(outcome.stderr.contains(error), "\(arguments.joined(separator: " ")): \(outcome.stderr)")
            #expect(Self.fileType(folder.file("pipe")) == S_IFIFO)
        }
    }

    @Test(.enabled(if: getuid() == 0, "mknod needs root"))
    func aBlockDeviceExits2AndIsNeverOpened() async throws {
        let folder = try await fixtureStore()
        // A loop device node of our own, inside the temporary folder; never opened by the test.
        let made = try await runProgram("mknod", [folder.file("b"), "b", "7", "0"], in: folder.path)
        #expect(made.status == 0, "\(made.stderr)")
        expectOneLineError(try await iftdb(Self.arguments + ["-o", "b"], in: folder.path), containing: "block device")
        #expect(Self.fileType(folder.file("b")) == S_IFBLK)
        #expect(try leftovers(folder, besides: ["b"]).isEmpty)
    }

    // MARK: a reader that leaves

    /// The reader of a FIFO closes it after the first bytes: the export gets EPIPE (SIGPIPE is
    /// ignored) and exits 2 with one line, instead of dying of the signal.
    @Test func aFIFOWhoseReaderLeavesEndsWithOneLineAndExit2() async throws {
        // One answer of about 1 MB: far more than a pipe holds, so the export is still
        // writing when the reader leaves.
        let folder = try await fixtureStore(extraSQL: "UPDATE answers SET text = replace(hex(zeroblob(500000)), '00', 'ab') WHERE id = 7;\n")
        #expect(mkfifo(folder.file("pipe"), 0o600) == 0)
        let reader = open(folder.file("pipe"), O_RDONLY | O_NONBLOCK)
        #expect(reader >= 0)
        let export = try startIftdb(Self.arguments + ["-o", "pipe"], in: folder.path)
        let received = await Self.firstBytes(from: reader)
        close(reader)
        let outcome = await export.exit()
        #expect(received > 0)
        #expect(outcome.signal == nil, "the export died of signal \(outcome.signal ?? 0)")
        #expect(outcome.status == 2, "exit \(outcome.status): \(outcome.stderr)")
        let lines = outcome.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines.first?.hasPrefix("iftdb: error: ") == true, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("Broken pipe"), "\(outcome.stderr)")
        #expect(Self.fileType(folder.file("pipe")) == S_IFIFO)
    }

    /// How many bytes the first read of the FIFO `reader` (opened O_NONBLOCK) gets, once its
    /// writer has written: poll(2) wakes on the data, on a thread of its own. 0 when the
    /// writer left without writing, or wrote nothing for a minute (a guard against hanging).
    static func firstBytes(from reader: Int32) async -> Int {
        await withCheckedContinuation { (done: CheckedContinuation<Int, Never>) in
            Thread {
                var descriptor = pollfd(fd: reader, events: Int16(POLLIN), revents: 0)
                var buffer = [UInt8](repeating: 0, count: 4096)
                while poll(&descriptor, 1, 60_000) > 0 {
                    let count = read(reader, &buffer, buffer.count)
                    if count > 0 { return done.resume(returning: count) }
                    if count == 0 || errno != EAGAIN { break }
                }
                done.resume(returning: 0)
            }.start()
        }
    }

    /// `iftdb export | head -c 1`: standard output is a pipe whose reader leaves.
    @Test func aStandardOutputPipeWhoseReaderLeavesEndsWithOneLineAndExit2() async throws {
        let folder = try await fixtureStore(extraSQL: "UPDATE answers SET text = replace(hex(zeroblob(500000)), '00', 'ab') WHERE id = 7;\n")
        let script = "set -o pipefail; \"$0\" export --format csv --answer-prompt answers@1 2>err.txt | head -c 1 >head.txt; echo \"status ${PIPESTATUS[0]}\""
        let result = try await runProgram("bash", ["-c", script, iftdbBinary], in: folder.path)
        let stderr = (try? String(contentsOfFile: folder.file("err.txt"), encoding: .utf8)) ?? ""
        #expect(result.stdout == "status 2\n", "\(result.stdout) \(stderr)")
        #expect(stderr.hasPrefix("iftdb: error: ") && stderr.contains("Broken pipe"), "\(stderr)")
    }
}
