import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A file that appears only when complete: bytes go to a hidden temporary file beside the
/// target, and `commit()` syncs it and renames it over the target. Released without a commit
/// (an error, an empty selection), the temporary file is removed and the target is untouched.
///
/// What is already at `path` decides the rest, as `> path` would, without ever turning
/// something else into a regular file:
/// - a symlink (or a chain of them) is followed: its final target is written, atomically,
///   through a temporary file beside that target, and the link stays a link;
/// - a FIFO, a character device or a socket is written straight into, with no temporary file
///   and no rename (a socket cannot be opened, so that fails in one line);
/// - a folder or a block device is refused;
/// - a regular file is replaced, keeping its permission bits (and, as root, its owner).
public final class AtomicOutputFile {
    public let path: String
    /// The temporary file, or nil when writing straight into a FIFO, device or socket.
    let temporaryPath: String?
    /// What the temporary file is renamed to: `path` with its symlinks followed (the real path
    /// of its folder, and its name).
    let targetPath: String
    public let sink: ByteSink
    private var finished = false

    public convenience init(path: String) throws {
        try self.init(path: path, checking: { _ in })
    }

    /// As `init(path:)`; `check` is shown where the bytes would go (`path` with its symlinks
    /// followed: the real path of its folder, and its name there) before anything is opened
    /// or made, and refuses by throwing.
    init(path: String, checking check: (ResolvedPath) throws -> Void) throws {
        let target: ResolvedPath
        do {
            target = try ResolvedPath(resolving: path)
        } catch .tooManyLinks {
            throw OutputError.symlinkLoop(path: path)
        } catch .missingFolder(let folder) {
            throw OutputError.noFolder(path: path, folder: folder)
        }
        try check(target)
        var info = stat()
        let exists = lstat(target.path, &info) == 0
        if !exists && errno != ENOENT {
            throw OutputError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        self.path = path
        targetPath = target.path
        if exists {
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                throw OutputError.isAFolder(path: path)
            case S_IFBLK:
                throw OutputError.isABlockDevice(path: path)
            case S_IFLNK:
                // It was followed a moment ago: something is changing it.
                throw OutputError.changedWhileOpening(path: path)
            case S_IFIFO, S_IFCHR, S_IFSOCK:
                // Nothing to replace: the bytes go into it as they are made (a FIFO waits for its reader).
                sink = ByteSink(descriptor: try Self.openSpecial(target.path, as: info, for: path), ownsDescriptor: true)
                temporaryPath = nil
                return
            default:
                break
            }
        }
        let folder = target.folder
        let temporary = (folder == "/" ? "/" : folder + "/") + ".\(target.name).\(UUID().uuidString.prefix(8)).tmp"
        // 0666 less the umask, like any new file the user makes.
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else {
            throw OutputError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        if exists {
            // The replacement keeps the old file's permission bits (and, for root, its owner),
            // as writing into it with `>` would. The owner first: chown clears set-id bits.
            if geteuid() == 0 { _ = fchown(descriptor, info.st_uid, info.st_gid) }
            _ = fchmod(descriptor, info.st_mode & 0o7777)
        }
        temporaryPath = temporary
        sink = ByteSink(descriptor: descriptor, ownsDescriptor: true)
        PendingFiles.shared.insert(temporary)
    }

    /// Opens the FIFO, character device or socket at `target` (never through a symlink) and
    /// checks that what opened is what `expected` described: the same type, device and inode.
    /// Anything swapped in between (a link, another file) is refused, never written.
    static func openSpecial(_ target: String, as expected: stat, for path: String) throws -> Int32 {
        let descriptor = open(target, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW)
        guard descriptor >= 0 else {
            if errno == ELOOP { throw OutputError.changedWhileOpening(path: path) }
            throw OutputError.cannotOpen(path: path, reason: String(cString: strerror(errno)), isSocket: expected.st_mode & S_IFMT == S_IFSOCK)
        }
        var opened = stat()
        guard fstat(descriptor, &opened) == 0, opened.st_mode & S_IFMT == expected.st_mode & S_IFMT,
              opened.st_dev == expected.st_dev, opened.st_ino == expected.st_ino else {
            close(descriptor)
            throw OutputError.changedWhileOpening(path: path)
        }
        return descriptor
    }

    /// Flushes and, for a temporary file, syncs it and renames it over the target.
    public func commit() throws {
        guard !finished else { return }
        guard let temporaryPath else {
            try sink.flush()
            finished = true
            return
        }
        do {
            try sink.sync()
        } catch {
            discard()
            throw error
        }
        guard rename(temporaryPath, targetPath) == 0 else {
            let reason = String(cString: strerror(errno))
            discard()
            throw OutputError.cannotReplace(path: path, reason: reason)
        }
        finished = true
        PendingFiles.shared.remove(temporaryPath)
    }

    /// Removes the temporary file; the target is left as it was. (Bytes already written
    /// into a FIFO or device cannot be taken back.)
    public func discard() {
        guard !finished else { return }
        finished = true
        guard let temporaryPath else { return }
        unlink(temporaryPath)
        PendingFiles.shared.remove(temporaryPath)
    }

    /// Removes every temporary file not yet committed or discarded. For a signal handler
    /// (Ctrl-C) that is about to exit, since deinit does not run then.
    public static func discardAllPending() {
        for path in PendingFiles.shared.drain() { unlink(path) }
    }

    deinit { discard() }
}

@available(*, unavailable)
extension AtomicOutputFile: Sendable {}

/// Temporary files in progress, for `discardAllPending()`.
/// `@unchecked Sendable`: `paths` is only read or written while `lock` is held.
private final class PendingFiles: @unchecked Sendable {
    static let shared = PendingFiles()
    private let lock = NSLock()
    private var paths: Set<String> = []

    func insert(_ path: String) { lock.withLock { _ = paths.insert(path) } }
    func remove(_ path: String) { lock.withLock { _ = paths.remove(path) } }
    func drain() -> Set<String> {
        lock.withLock {
            defer { paths.removeAll() }
            return paths
        }
    }
}
