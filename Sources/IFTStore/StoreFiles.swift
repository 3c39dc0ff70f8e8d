import Foundation

#if canImport(Glibc)
import Glibc
#endif

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

/// Where a path leads once its symlinks are followed: the real path of the folder that holds
/// the final target, and the target's name in it. The one resolver behind "is this one of
/// the store's files?", for `load` and for where `export -o` writes.
struct ResolvedPath: Equatable {
    enum Failure: Error {
        case tooManyLinks
        /// The folder that would hold the target does not exist (or cannot be reached).
        case missingFolder(String)
    }

    /// The real path of the folder: no symlink, no `.` or `..` in it.
    let folder: String
    let name: String

    var path: String { folder == "/" ? "/" + name : folder + "/" + name }

    /// Follows every symlink in the last component of `path` (a chain too; a relative link is
    /// read from the link's folder; a link whose target does not exist yet gives that
    /// target), then takes the real path of the folder the target is in.
    init(resolving path: String) throws(Failure) {
        var current = path
        var links = 0
        while true {
            var info = stat()
            guard lstat(current, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { break }
            links += 1
            guard links <= 40, let destination = Self.readLink(current) else { throw .tooManyLinks }
            if destination.hasPrefix("/") {
                current = destination
            } else {
                let folder = Self.split(current).folder
                current = folder.isEmpty ? destination : (folder == "/" ? "/" : folder + "/") + destination
            }
        }
        let (given, name) = Self.split(current)
        let folderPath = given.isEmpty ? "." : given
        guard let real = realpath(folderPath, nil) else { throw .missingFolder(folderPath) }
        defer { free(real) }
        folder = String(cString: real)
        self.name = name
    }

    /// `path` cut at its last '/' (by bytes; trailing slashes dropped): the folder part, ""
    /// when there is none, and the name.
    static func split(_ path: String) -> (folder: String, name: String) {
        var bytes = Array(path.utf8)
        while bytes.count > 1 && bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return ("", String(decoding: bytes, as: UTF8.self)) }
        let folder = slash == 0 ? "/" : String(decoding: bytes[..<slash], as: UTF8.self)
        return (folder, String(decoding: bytes[(slash + 1)...], as: UTF8.self))
    }

    /// `name` inside `folder` ("" is the current folder). Byte-level, like `split`: Foundation's
    /// path functions trap on some short relative paths on this toolchain.
    static func join(_ folder: String, _ name: String) -> String {
        if folder.isEmpty { return name }
        return folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    private static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The store's own files: the database and SQLite's `-wal`, `-shm` and `-journal` beside it.
/// Nothing iftdb does may read them as documents or write over them. A file is one of them
/// when its device and inode are those of one that exists (a hard link, a symlink or another
/// spelling of the path is caught), or when it has one of their names in the store's folder
/// (a companion file that does not exist yet, reached through a dangling link, say).
struct StoreFiles: Sendable {
    static let wal = "-wal"
    static let shm = "-shm"
    static let journal = "-journal"
    /// The suffixes of the store's files after its path: "" is the store itself.
    static let suffixes = ["", wal, shm, journal]

    private var identities: Set<FileIdentity> = []
    /// The folder holding the store (by the path given, and by its real path) → file names.
    private var namesByFolder: [FileIdentity: Set<String>] = [:]

    init() {}

    /// The files of the store at `storePath`, as they are now (make it after opening the
    /// store, so a `-wal` that opening made is known by its identity too).
    init(storePath: String) {
        var places = [ResolvedPath.split(storePath)]
        if let resolved = try? ResolvedPath(resolving: storePath) { places.append((resolved.folder, resolved.name)) }
        for (folder, base) in places {
            let folderPath = folder.isEmpty ? "." : folder
            for suffix in Self.suffixes {
                if let identity = FileIdentity(path: (folderPath == "/" ? "/" : folderPath + "/") + base + suffix) {
                    identities.insert(identity)
                }
            }
            if let folderIdentity = FileIdentity(path: folderPath) {
                namesByFolder[folderIdentity, default: []].formUnion(Self.suffixes.map { base + $0 })
            }
        }
    }

    /// For a walk: the entry `name` (of `identity`) in the folder of `folder`.
    func contains(_ identity: FileIdentity, named name: String, inFolder folder: FileIdentity) -> Bool {
        identities.contains(identity) || namesByFolder[folder]?.contains(name) == true
    }

    /// Whether `target` (a path resolved by `ResolvedPath`) is one of the store's files.
    func contains(_ target: ResolvedPath) -> Bool {
        if let folder = FileIdentity(path: target.folder), namesByFolder[folder]?.contains(target.name) == true { return true }
        return FileIdentity(path: target.path).map(identities.contains) ?? false
    }
}
