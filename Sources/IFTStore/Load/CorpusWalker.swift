import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A file found under a folder given to `load`.
public struct CorpusFile: Sendable {
    /// The path relative to the folder, with '/' separators: the source's identity.
    public let relativePath: String
    public let absolutePath: String
    public let size: Int
}

public struct WalkOptions: Sendable {
    public var includes: [String] = []
    public var excludes: [String] = []
    public var hidden = false
    public var maxFileSize = 10 * 1024 * 1024

    public init(includes: [String] = [], excludes: [String] = [], hidden: Bool = false, maxFileSize: Int = 10 * 1024 * 1024) {
        self.includes = includes
        self.excludes = excludes
        self.hidden = hidden
        self.maxFileSize = maxFileSize
    }

    /// Whether a relative path is one this walk would take (used to decide which vanished
    /// files count as removed: a file filtered out now is not "gone").
    public func selects(_ relativePath: String) -> Bool {
        if !hidden && relativePath.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { return false }
        if !includes.isEmpty && !includes.contains(where: { Self.glob($0, matches: relativePath) }) { return false }
        return !excludes.contains { Self.glob($0, matches: relativePath) }
    }

    /// Shell-style globs against the relative path; `*` also crosses '/', so `*.md` matches
    /// Markdown files at any depth and `drafts/*` everything under drafts.
    static func glob(_ pattern: String, matches path: String) -> Bool {
        fnmatch(pattern, path, 0) == 0
    }
}

/// Walks a folder recursively in a stable (sorted) order, without following symlinks into
/// loops.
public struct CorpusWalker {
    public enum Skip: Sendable {
        case tooLarge(size: Int)
        case unreadable(String)
        case symlinkLoop
        case notRegular
    }

    public let root: String
    public let options: WalkOptions
    /// Never yielded, nor reported: the store being loaded into and its companion files.
    var storeFiles = StoreFiles()

    public init(root: String, options: WalkOptions) {
        self.root = root
        self.options = options
    }

    /// Calls `found` for each selected file and `skipped` for each file passed over for a
    /// reason worth telling. Hidden and filtered-out files are not reported.
    public func walk(found: (CorpusFile) throws -> Void, skipped: (String, Skip) -> Void) throws {
        var visited = Set<FileIdentity>()
        try walkFolder(root, relative: "", visited: &visited, found: found, skipped: skipped)
    }

    private func walkFolder(
        _ folder: String, relative: String, visited: inout Set<FileIdentity>,
        found: (CorpusFile) throws -> Void, skipped: (String, Skip) -> Void
    ) throws {
        var info = stat()
        guard stat(folder, &info) == 0 else {
            skipped(relative.isEmpty ? "." : relative, .unreadable(String(cString: strerror(errno))))
            return
        }
        let identity = FileIdentity(info)
        guard visited.insert(identity).inserted else {
            skipped(relative, .symlinkLoop)
            return
        }
        defer { visited.remove(identity) }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        } catch {
            skipped(relative.isEmpty ? "." : relative, .unreadable("cannot list the folder"))
            return
        }
        for name in names {
            let relativePath = relative.isEmpty ? name : relative + "/" + name
            if !options.hidden && name.hasPrefix(".") { continue }
            let absolute = folder + "/" + name
            var entry = stat()
            guard stat(absolute, &entry) == 0 else {
                // A dangling symlink or a file that vanished mid-walk.
                skipped(relativePath, .unreadable(String(cString: strerror(errno))))
                continue
            }
            if storeFiles.contains(FileIdentity(entry), named: name, inFolder: identity) { continue }
            switch entry.st_mode & S_IFMT {
            case S_IFDIR:
                try walkFolder(absolute, relative: relativePath, visited: &visited, found: found, skipped: skipped)
            case S_IFREG:
                guard options.selects(relativePath) else { continue }
                let size = Int(entry.st_size)
                if size > options.maxFileSize {
                    skipped(relativePath, .tooLarge(size: size))
                    continue
                }
                try found(CorpusFile(relativePath: relativePath, absolutePath: absolute, size: size))
            default:
                if options.selects(relativePath) { skipped(relativePath, .notRegular) }
            }
        }
    }
}

/// A file as the file system knows it, whatever path reaches it (symlinks followed).
struct FileIdentity: Hashable {
    let device: UInt64
    let inode: UInt64

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        self.init(info)
    }
}

/// The store's own files (the database and its -wal, -shm and -journal), which a load must
/// never take for documents. Matched by device and inode, so a hard link, a symlink or another
/// spelling of the path is caught; and by name in the store's folder, for a companion file
/// that appears only after the walk began.
struct StoreFiles {
    private static let suffixes = ["", "-wal", "-shm", "-journal"]
    private var identities: Set<FileIdentity> = []
    /// The folder holding the store (its own path and its symlink-resolved one) → file names.
    private var namesByFolder: [FileIdentity: Set<String>] = [:]

    init() {}

    init(storePath: String) {
        var paths = [storePath]
        if let resolved = realpath(storePath, nil) {
            paths.append(String(cString: resolved))
            free(resolved)
        }
        for path in paths {
            let base = (path as NSString).lastPathComponent
            let folder = (path as NSString).deletingLastPathComponent
            for suffix in Self.suffixes {
                if let identity = FileIdentity(path: path + suffix) { identities.insert(identity) }
            }
            if let folderIdentity = FileIdentity(path: folder.isEmpty ? "." : folder) {
                namesByFolder[folderIdentity, default: []].formUnion(Self.suffixes.map { base + $0 })
            }
        }
    }

    func contains(_ identity: FileIdentity, named name: String, inFolder folder: FileIdentity) -> Bool {
        identities.contains(identity) || namesByFolder[folder]?.contains(name) == true
    }
}
