/// An error a user can act on. `message` is one line: what is wrong and what to do.
/// `iftdb` prints it on stderr and exits 2. Each area of iftdb has its own enum of these
/// (`StoreError`, `PromptError`, `SelectionError`, `OutputError`, `LoadError`,
/// `GenerationError` …) whose cases carry the data the message is made of.
public protocol UserFacingError: Error, Sendable, CustomStringConvertible {
    var message: String { get }
}

extension UserFacingError {
    public var description: String { message }
}

/// A broken invariant of iftdb itself, such as a row that must exist and does not: not
/// something the user did or can fix, so not a `UserFacingError`.
public struct InternalError: Error, Sendable, CustomStringConvertible {
    public let description: String

    init(_ description: String) { self.description = description }
}
