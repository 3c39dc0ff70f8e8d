/// Why `load` cannot load: a folder it was given, or a store another process holds.
public enum LoadError: UserFacingError, Equatable {
    case noFolder(String)
    case isAFile(String)
    case unreadableFolder(String)
    /// Another process held the write lock of the store at `store` past the busy timeout.
    case writeLockHeld(store: String)

    public var message: String {
        switch self {
        case .noFolder(let folder):
            return "no folder at \(folder); pass the folder that holds your documents"
        case .isAFile(let folder):
            return "\(folder) is a file; `iftdb load` takes folders (put the file in a folder and load that)"
        case .unreadableFolder(let folder):
            return "cannot read the folder \(folder); check its permissions"
        case .writeLockHeld(let store):
            return "another process held the write lock of \(store) for longer than iftdb waits; the files committed so far are kept: run the same load again"
        }
    }
}
