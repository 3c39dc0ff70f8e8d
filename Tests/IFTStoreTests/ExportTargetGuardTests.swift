import Foundation
import TestSupport
import Testing
@testable import IFTStore

#if canImport(Glibc)
import Glibc
#endif

/// The export never writes onto the store or SQLite's files beside it, under any name: the
/// guard compares device and inode (through symlinks), not only paths.
@Suite struct ExportTargetGuardTests {
    @Test func hardLinksAndSymlinksToTheStoreOrItsWALAndSHMAreRefused() throws {
        let folder = try TemporaryFolder()
        let store = folder.file("s.sqlite")
        for suffix in ["", "-wal", "-shm"] { try folder.write("s.sqlite" + suffix, "x") }
        #expect(link(store, folder.file("hl.sqlite")) == 0)
        #expect(link(store + "-wal", folder.file("wal-link")) == 0)
        #expect(link(store + "-shm", folder.file("shm-link")) == 0)
        #expect(symlink("wal-link", folder.file("wal-symlink")) == 0)
        #expect(symlink("s.sqlite", folder.file("sym.sqlite")) == 0)
        for target in ["hl.sqlite", "wal-link", "shm-link", "wal-symlink", "sym.sqlite", "s.sqlite", "s.sqlite-wal"] {
            let error = try #require(throws: OutputError.self, "\(target)") {
                try refuseStoreAsOutput(folder.file(target), storePath: store)
            }
            #expect(error.description.contains("is the store itself"))
        }
        // The store opened by another name: its hard link or a symlink to it.
        #expect(throws: OutputError.self) { try refuseStoreAsOutput(store, storePath: folder.file("hl.sqlite")) }
        #expect(throws: OutputError.self) { try refuseStoreAsOutput(folder.file("hl.sqlite"), storePath: folder.file("sym.sqlite")) }
        // Paths that are not the store pass, existing or not.
        try folder.write("other.csv", "x")
        try refuseStoreAsOutput(folder.file("other.csv"), storePath: store)
        try refuseStoreAsOutput(folder.file("new.csv"), storePath: store)
    }

    @Test func theWALPathIsRefusedEvenBeforeItExists() throws {
        let folder = try TemporaryFolder()
        try folder.write("s.sqlite", "x")
        #expect(throws: OutputError.self) { try refuseStoreAsOutput(folder.file("s.sqlite-wal"), storePath: folder.file("s.sqlite")) }
        #expect(throws: OutputError.self) { try refuseStoreAsOutput(folder.file("s.sqlite-journal"), storePath: folder.file("s.sqlite")) }
    }

    /// `export -o` onto a FIFO: what is opened must be the FIFO first seen. Another FIFO (a new
    /// inode) or a symlink put at the path in between is refused, never written.
    @Test func aSpecialFileSwappedBeforeItIsOpenedIsRefused() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("pipe")
        #expect(mkfifo(path, 0o600) == 0)
        var seen = stat()
        #expect(lstat(path, &seen) == 0)
        // A reader on each FIFO, so opening it for writing does not wait.
        func reader(_ fifo: String) -> Int32 { open(fifo, O_RDONLY | O_NONBLOCK) }
        let first = reader(path)
        defer { close(first) }
        let same = try AtomicOutputFile.openSpecial(path, as: seen, for: "pipe")
        close(same)

        unlink(path)
        #expect(mkfifo(path, 0o600) == 0)
        let second = reader(path)
        defer { close(second) }
        let error = try #require(throws: OutputError.self) { try AtomicOutputFile.openSpecial(path, as: seen, for: "pipe") }
        #expect(error.description.contains("changed while being opened"))

        #expect(mkfifo(folder.file("other"), 0o600) == 0)
        let third = reader(folder.file("other"))
        defer { close(third) }
        unlink(path)
        #expect(symlink("other", path) == 0)
        let linked = try #require(throws: OutputError.self) { try AtomicOutputFile.openSpecial(path, as: seen, for: "pipe") }
        #expect(linked.description.contains("changed while being opened"))
    }
}
