/// Why output cannot be written where it was asked to go (`-o`, standard output, a split folder).
public enum OutputError: UserFacingError, Equatable {
    /// `path` cannot be written (SQLite's or the system's `reason`).
    case cannotWrite(path: String, reason: String)
    case isAFolder(path: String)
    case isABlockDevice(path: String)
    /// A FIFO, character device or socket at `path` that cannot be opened for writing.
    case cannotOpen(path: String, reason: String, isSocket: Bool)
    case noFolder(path: String, folder: String)
    case symlinkLoop(path: String)
    /// What is at `path` changed between looking and opening (a swap, a new link).
    case changedWhileOpening(path: String)
    /// The finished file could not be moved into place.
    case cannotReplace(path: String, reason: String)
    /// Writing the bytes failed (a full disk, a closed pipe …).
    case writeFailed(reason: String)
    /// `-o` is the store itself, or one of SQLite's files beside it.
    case isTheStore(path: String)
    case splitsNeedAFolder
    case splitFolderIsAFile(folder: String)
    case cannotCreateSplitFolder(folder: String, reason: String)
    /// A split name Hugging Face refuses, in an export that writes a dataset card.
    case splitNameRefusedByCard(name: String)
    /// The data file's path from the card holds a glob character (Hugging Face reads
    /// `data_files` as patterns).
    case dataFileIsAPattern(path: String)
    /// `--card` names the file `-o` writes.
    case cardIsTheOutput(path: String)
    /// A dataset card asked of standard output, or of a single file without its path.
    case cardNeedsAFile
    /// A dataset card asked of a format Hugging Face cannot load as columns (`reason` says so).
    case noCardForFormat(reason: String)

    public var message: String {
        switch self {
        case .cannotWrite(let path, let reason):
            return "cannot write \(path): \(reason); choose a writable folder"
        case .isAFolder(let path):
            return "cannot write \(path): it is a folder; give -o a file path"
        case .isABlockDevice(let path):
            return "cannot write \(path): it is a block device; give -o a file path"
        case .cannotOpen(let path, let reason, let isSocket):
            let what = isSocket ? " (it is a socket, which cannot be written as a file)" : ""
            return "cannot write \(path): \(reason)\(what); give -o a file path"
        case .noFolder(let path, let folder):
            return "cannot write \(path): the folder \(folder) does not exist; create it first"
        case .symlinkLoop(let path):
            return "cannot write \(path): too many levels of symbolic links; give -o a file path"
        case .changedWhileOpening(let path):
            return "cannot write \(path): it changed while being opened; try again"
        case .cannotReplace(let path, let reason):
            return "cannot write \(path): \(reason)"
        case .writeFailed(let reason):
            return "cannot write output: \(reason)"
        case .isTheStore(let path):
            return "-o \(path) is the store itself; write the export to another file"
        case .splitsNeedAFolder:
            return "--split writes one file per split; give -o a folder"
        case .splitFolderIsAFile(let folder):
            return "cannot write splits into \(folder): it is a file; with --split, -o names a folder"
        case .cannotCreateSplitFolder(let folder, let reason):
            return "cannot create the folder \(folder) for the splits (\(reason)); create it or its parent first"
        case .splitNameRefusedByCard(let name):
            return "the split name '\(name)' is not one Hugging Face accepts in a dataset card (letters, digits and _, in parts joined by dots: ^\\w+(\\.\\w+)*$); rename the split, or pass --no-card"
        case .dataFileIsAPattern(let path):
            return "cannot write a dataset card for \(path): Hugging Face reads data_files as glob patterns, and the path holds * ? [ or ]; rename the file or its folder"
        case .cardNeedsAFile:
            return "a dataset card names the file it describes; give -o a file (and --card FILE), or use --split with a folder"
        case .noCardForFormat(let reason):
            return "no dataset card for this format: \(reason)"
        case .cardIsTheOutput(let path):
            return "--card \(path) is the file -o writes; give the card another name, e.g. README.md"
        }
    }
}
