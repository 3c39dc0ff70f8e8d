/// Why a batch requests file cannot be written, or a results file cannot be ingested.
public enum BatchError: UserFacingError, Equatable {
    case cannotRead(path: String, reason: String)
    /// A results file must be a regular file: it is read twice (checked, then ingested).
    case notARegularFile(path: String)
    /// Line `line` of a results file is not a JSON object: the whole command is refused.
    case notAnObject(path: String, line: Int)
    /// A requests file would replace the store, or one of SQLite's files beside it.
    case isTheStore(path: String)
    case isAFolder(path: String)
    /// The writing of a requests file was stopped (Ctrl-C) before its file was complete.
    case stopped(run: Int64)

    public var message: String {
        switch self {
        case .cannotRead(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .notARegularFile(let path):
            return "\(path) is not a regular file; save the results to a file and ingest that"
        case .notAnObject(let path, let line):
            return "\(path) line \(line) is not a JSON object, so nothing was ingested; fix or remove that line (a results file has one JSON object per line) and run the command again"
        case .isTheStore(let path):
            return "--batch-file \(path) is the store itself; write the requests to another file"
        case .isAFolder(let path):
            return "cannot write \(path): it is a folder; give --batch-file a file path"
        case .stopped(let run):
            return "stopped: no requests file was written; run \(run) is marked interrupted and its items stay pending"
        }
    }
}
