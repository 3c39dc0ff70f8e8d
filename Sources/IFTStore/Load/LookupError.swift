/// Why `show` finds nothing at a reference.
public enum LookupError: UserFacingError, Equatable {
    case noSource(path: String)
    case noSourceVersion(path: String, version: Int, latest: Int)
    case noChunk(Int64)
    case noQuestion(Int64)
    case noAnswer(Int64)

    public var message: String {
        switch self {
        case .noSource(let path):
            return "no source with the path '\(path)'; see `iftdb sources --all` for the paths in the store"
        case .noSourceVersion(let path, let version, let latest):
            return "'\(path)' has no version \(version) (latest is \(latest)); see `iftdb sources --all`"
        case .noChunk(let id):
            return "no chunk with id \(id); list chunks with `iftdb sql \"SELECT id, source_id, ordinal FROM chunks\"`"
        case .noQuestion(let id):
            return "no question with id \(id); list some with `iftdb sql \"SELECT id, text FROM questions LIMIT 20\"`"
        case .noAnswer(let id):
            return "no answer with id \(id); list some with `iftdb sql \"SELECT id, text FROM answers LIMIT 20\"`"
        }
    }
}
