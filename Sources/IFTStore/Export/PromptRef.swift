import Foundation

/// A prompt reference: `NAME@V`, or `NAME` for its latest version.
public struct PromptRef: Sendable, Hashable, Codable, CustomStringConvertible {
    public let name: String
    public let version: Int?

    public init(name: String, version: Int? = nil) {
        self.name = name
        self.version = version
    }

    /// Parses `NAME` or `NAME@V`; throws `StoreError.invalidInput` otherwise.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count <= 2, let name = parts.first, !name.isEmpty, !name.contains(where: \.isWhitespace) else {
            throw StoreError.invalidInput("'\(text)' is not a prompt reference; write NAME or NAME@VERSION, e.g. answers@2")
        }
        if parts.count == 2 {
            guard let version = Int(parts[1]), version >= 1 else {
                throw StoreError.invalidInput("'\(text)' is not a prompt reference: the version after '@' must be a whole number from 1, e.g. \(name)@2")
            }
            self.init(name: String(name), version: version)
        } else {
            self.init(name: String(name))
        }
    }

    public var description: String { version.map { "\(name)@\($0)" } ?? name }
}

/// A prompt row found for a reference.
public struct ResolvedPrompt: Sendable, Hashable {
    public let id: Int64
    public let name: String
    public let version: Int
    public let role: String

    public var ref: String { "\(name)@\(version)" }
}

extension PromptRef {
    /// Finds the prompt this reference names; an unknown name or version is a one-line error.
    public func resolve(in db: Connection) throws -> ResolvedPrompt {
        guard let latest = try db.scalarInt("SELECT max(version) FROM prompts WHERE name = ?", [name]) else {
            throw StoreError.notFound("no prompt named '\(name)'; see `iftdb prompts list`")
        }
        let wanted = version ?? latest
        let statement = try db.prepare("SELECT id, role FROM prompts WHERE name = ? AND version = ?")
        try statement.bind([name, wanted])
        guard try statement.step() else {
            throw StoreError.notFound("no prompt named '\(name)' has version \(wanted) (latest is \(latest)); see `iftdb prompts list`")
        }
        return ResolvedPrompt(id: Int64(statement.int(0)), name: name, version: wanted, role: statement.string(at: 1))
    }
}
