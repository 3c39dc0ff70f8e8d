import Foundation
internal import IFTSQLite

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
    func resolve(in db: Connection) throws -> ResolvedPrompt {
        guard let latest = try db.scalarInt("SELECT max(version) FROM prompts WHERE name = ?", [name]) else {
            throw PromptError.noSuchPrompt(name: name, known: nil)
        }
        let wanted = version ?? latest
        let statement = try db.prepare("SELECT id, role FROM prompts WHERE name = ? AND version = ?")
        try statement.bind([name, wanted])
        guard try statement.step() else {
            throw PromptError.noSuchVersion(name: name, version: wanted, latest: latest)
        }
        return ResolvedPrompt(id: Int64(statement.int(0)), name: name, version: wanted, role: statement.string(at: 1))
    }
}
