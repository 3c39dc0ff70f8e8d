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
    /// The file the walk found there.
    let identity: FileIdentity
    /// The real path of the folder walked, when the file must be inside it (links outside
    /// not followed); nil when it may be anywhere.
    let realRoot: String?

    /// The file's bytes, read through one open descriptor that is checked against what the
    /// walk found: the same device and inode (not a file swapped in since), and, unless links
    /// outside are followed, a real path inside the folder (not reached through a folder
    /// swapped for a link since). More than `maxSize` bytes is `.tooLarge`.
    func read(maxSize: Int) -> Result<[UInt8], CorpusWalker.Skip> {
        // O_NONBLOCK: a FIFO swapped in must not stall the load (a regular file ignores it).
        let descriptor = open(absolutePath, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard descriptor >= 0 else { return .failure(.unreadable(String(cString: strerror(errno)))) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return .failure(.unreadable(String(cString: strerror(errno)))) }
        guard info.st_mode & S_IFMT == S_IFREG, FileIdentity(info) == identity else { return .failure(.changed) }
        if let realRoot {
            guard let real = CorpusWalker.realPath(ofDescriptor: descriptor) else { return .failure(.unreadable("cannot tell where it is")) }
            guard CorpusWalker.isInside(real, realRoot: realRoot) else { return .failure(.externalLink(target: real)) }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(Int(info.st_size), maxSize) + 1)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while bytes.count <= maxSize {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { return .failure(.unreadable(String(cString: strerror(errno)))) }
            if count == 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        if bytes.count > maxSize { return .failure(.tooLarge(size: max(bytes.count, Int(info.st_size)))) }
        return .success(bytes)
    }
}

public struct WalkOptions: Sendable {
    public var includes: [String] = []
    public var excludes: [String] = []
    public var hidden = false
    public var maxFileSize = 10 * 1024 * 1024
    /// Follow symlinks that lead outside the folder's real path (skipped and named by default).
    public var followExternalLinks = false

    public init(includes: [String] = [], excludes: [String] = [], hidden: Bool = false, maxFileSize: Int = 10 * 1024 * 1024, followExternalLinks: Bool = false) {
        self.includes = includes
        self.excludes = excludes
        self.hidden = hidden
        self.maxFileSize = maxFileSize
        self.followExternalLinks = followExternalLinks
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
/// loops, nor out of the folder unless asked.
public struct CorpusWalker {
    public enum Skip: Sendable, Error {
        case tooLarge(size: Int)
        case unreadable(String)
        case symlinkLoop
        case notRegular
        /// A symlink (or a chain of them) that ends outside the folder's real path.
        case externalLink(target: String)
        /// The name's bytes are not UTF-8; the path it is reported under shows them as `\xNN`.
        case nameNotUTF8
        /// The file at the path is no longer the one the walk found (replaced while loading).
        case changed
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
        let realRoot = Self.realPath(root) ?? root
        try walkFolder(root, relative: "", realRoot: realRoot, visited: &visited, found: found, skipped: skipped)
    }

    private func walkFolder(
        _ folder: String, relative: String, realRoot: String, visited: inout Set<FileIdentity>,
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
        guard let names = Self.names(in: folder) else {
            skipped(relative.isEmpty ? "." : relative, .unreadable("cannot list the folder"))
            return
        }
        for nameBytes in names {
            if !options.hidden && nameBytes.first == UInt8(ascii: ".") { continue }
            guard let name = String(validating: nameBytes, as: UTF8.self) else {
                let shown = TerminalText.escaped(bytes: nameBytes)
                let shownPath = relative.isEmpty ? shown : relative + "/" + shown
                // A folder is always named (what it holds is unknown); a file only when selected.
                var entry = stat()
                let path = Array(folder.utf8) + [UInt8(ascii: "/")] + nameBytes + [0]
                let isFolder = path.withUnsafeBufferPointer { bytes in
                    bytes.withMemoryRebound(to: CChar.self) { stat($0.baseAddress!, &entry) == 0 && entry.st_mode & S_IFMT == S_IFDIR }
                }
                if isFolder || options.selects(shownPath) { skipped(shownPath, .nameNotUTF8) }
                continue
            }
            let relativePath = relative.isEmpty ? name : relative + "/" + name
            let absolute = folder + "/" + name
            var link = stat()
            // A symlink is matched against the store's files where it leads, even where
            // nothing is yet (a -journal SQLite has not made).
            if lstat(absolute, &link) == 0, link.st_mode & S_IFMT == S_IFLNK,
               let target = try? ResolvedPath(resolving: absolute), storeFiles.contains(target) { continue }
            var entry = stat()
            guard stat(absolute, &entry) == 0 else {
                // A dangling symlink or a file that vanished mid-walk.
                skipped(relativePath, .unreadable(String(cString: strerror(errno))))
                continue
            }
            if storeFiles.contains(FileIdentity(entry), named: name, inFolder: identity) { continue }
            let kind = entry.st_mode & S_IFMT
            if !options.followExternalLinks, let target = externalTarget(of: absolute, realRoot: realRoot) {
                if kind == S_IFDIR || options.selects(relativePath) { skipped(relativePath, .externalLink(target: target)) }
                continue
            }
            switch kind {
            case S_IFDIR:
                try walkFolder(absolute, relative: relativePath, realRoot: realRoot, visited: &visited, found: found, skipped: skipped)
            case S_IFREG:
                guard options.selects(relativePath) else { continue }
                let size = Int(entry.st_size)
                if size > options.maxFileSize {
                    skipped(relativePath, .tooLarge(size: size))
                    continue
                }
                try found(CorpusFile(
                    relativePath: relativePath, absolutePath: absolute, size: size, identity: FileIdentity(entry),
                    realRoot: options.followExternalLinks ? nil : realRoot))
            default:
                if options.selects(relativePath) { skipped(relativePath, .notRegular) }
            }
        }
    }

    /// Where a symlink at `path` ends, when that is outside `realRoot`; nil for anything else.
    private func externalTarget(of path: String, realRoot: String) -> String? {
        var link = stat()
        guard lstat(path, &link) == 0, link.st_mode & S_IFMT == S_IFLNK, let target = Self.realPath(path) else { return nil }
        return Self.isInside(target, realRoot: realRoot) ? nil : target
    }

    static func isInside(_ path: String, realRoot: String) -> Bool {
        path == realRoot || path.hasPrefix(realRoot == "/" ? "/" : realRoot + "/")
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Where an open file is, as the kernel names it (`/proc/self/fd/N`).
    static func realPath(ofDescriptor descriptor: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/fd/\(descriptor)", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A folder's entries as bytes (a name need not be UTF-8), in byte order; nil when the
    /// folder cannot be listed.
    static func names(in folder: String) -> [[UInt8]]? {
        guard let directory = opendir(folder) else { return nil }
        defer { closedir(directory) }
        var names: [[UInt8]] = []
        while true {
            errno = 0
            guard let entry = readdir(directory) else { break }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            names.append(name)
        }
        guard errno == 0 else { return nil }
        return names.sorted { $0.lexicographicallyPrecedes($1) }
    }
}
