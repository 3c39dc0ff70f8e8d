import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A file that appears only when complete: bytes go to a hidden temporary file in the same
/// folder, and `commit()` syncs it and renames it over `path`. Released without a commit (an
/// error, an empty selection), the temporary file is removed and `path` is untouched.
public final class AtomicOutputFile {
    public let path: String
    let temporaryPath: String
    public let sink: ByteSink
    private var finished = false

    public init(path: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw StoreError.invalidInput("cannot write \(path): it is a folder; give -o a file path")
        }
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StoreError.invalidInput("cannot write \(path): the folder \(folder) does not exist; create it first")
        }
        temporaryPath = url.deletingLastPathComponent().appending(path: ".\(url.lastPathComponent).\(UUID().uuidString.prefix(8)).tmp").path
        // 0666 less the umask, like any new file the user makes.
        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else {
            throw StoreError.invalidInput("cannot write \(path): \(String(cString: strerror(errno))); choose a writable folder")
        }
        self.path = path
        sink = ByteSink(descriptor: descriptor, ownsDescriptor: true)
        PendingFiles.shared.insert(temporaryPath)
    }

    /// Flushes, syncs and renames the temporary file to `path`.
    public func commit() throws {
        guard !finished else { return }
        do {
            try sink.sync()
        } catch {
            discard()
            throw error
        }
        guard rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            discard()
            throw StoreError.invalidInput("cannot write \(path): \(reason)")
        }
        finished = true
        PendingFiles.shared.remove(temporaryPath)
    }

    /// Removes the temporary file; `path` is left as it was.
    public func discard() {
        guard !finished else { return }
        finished = true
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
