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
    /// What the temporary file is renamed to: `path` with its symlinks followed.
    let targetPath: String
    public let sink: ByteSink
    private var finished = false

    public init(path: String) throws {
        let target = try Self.followingSymlinks(path)
        var info = stat()
        let exists = stat(target, &info) == 0
        if !exists && errno != ENOENT {
            throw OutputError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        self.path = path
        targetPath = target
        if exists {
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                throw OutputError.isAFolder(path: path)
            case S_IFBLK:
                throw OutputError.isABlockDevice(path: path)
            case S_IFIFO, S_IFCHR, S_IFSOCK:
                // Nothing to replace: the bytes go into it as they are made (a FIFO waits for its reader).
                let descriptor = open(target, O_WRONLY | O_CLOEXEC | O_NOCTTY)
                guard descriptor >= 0 else {
                    throw OutputError.cannotOpen(path: path, reason: String(cString: strerror(errno)), isSocket: info.st_mode & S_IFMT == S_IFSOCK)
                }
                temporaryPath = nil
                sink = ByteSink(descriptor: descriptor, ownsDescriptor: true)
                return
            default:
                break
            }
        }
        let folder = (target as NSString).deletingLastPathComponent.isEmpty ? "." : (target as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw OutputError.noFolder(path: path, folder: folder)
        }
        let temporary = (folder as NSString).appendingPathComponent(".\((target as NSString).lastPathComponent).\(UUID().uuidString.prefix(8)).tmp")
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

    /// `path` with every symlink in its last component followed (a chain too), relative
    /// links read from the link's folder. A dangling link gives the path it points to.
    static func followingSymlinks(_ path: String) throws -> String {
        var current = path
        for _ in 0..<40 {
            var info = stat()
            guard lstat(current, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return current }
            let destination = try FileManager.default.destinationOfSymbolicLink(atPath: current)
            if destination.hasPrefix("/") {
                current = destination
            } else {
                let folder = (current as NSString).deletingLastPathComponent
                current = folder.isEmpty ? destination : (folder as NSString).appendingPathComponent(destination)
            }
        }
        throw OutputError.symlinkLoop(path: path)
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
