import Foundation
internal import IFTSQLite

/// The one way from a reference (or a row id) to a stored `Prompt`: every command that
/// names a prompt (generate, prompts, export filters, diff, dataset save) comes through here.
extension PromptRef {
    /// The prompt this reference names: the version given, else the latest. An unknown name
    /// or version is a one-line error; `listingNames` adds the names there are to the first.
    func resolve(in db: Connection, listingNames: Bool = true) throws -> Prompt {
        guard let latest = try db.scalarInt("SELECT max(version) FROM prompts WHERE name = ?", [name]) else {
            throw PromptError.noSuchPrompt(name: name, known: listingNames ? try Prompt.names(in: db) : nil)
        }
        let wanted = version ?? latest
        let statement = try db.prepare("SELECT \(Prompt.columns) FROM prompts WHERE name = ? AND version = ?")
        try statement.bind([name, wanted])
        guard try statement.step() else {
            throw PromptError.noSuchVersion(name: name, version: wanted, latest: latest)
        }
        return Prompt(row: statement)
    }
}

extension Prompt {
    /// The columns `init(row:)` reads, in its order.
    static let columns = "id, name, version, role, system, template, sha256, created_at"

    init(row statement: Statement) {
        self.init(
            id: Int64(statement.int(0)), name: statement.string(at: 1), version: statement.int(2),
            role: PromptRole(rawValue: statement.string(at: 3)) ?? .question,
            system: statement.optionalString(4), template: statement.string(at: 5),
            sha256: statement.string(at: 6), createdAt: statement.string(at: 7))
    }

    static func resolve(id: Int64, in db: Connection) throws -> Prompt {
        let statement = try db.prepare("SELECT \(columns) FROM prompts WHERE id = ?")
        try statement.bind([id])
        guard try statement.step() else { throw InternalError("no prompt with id \(id)") }
        return Prompt(row: statement)
    }

    static func names(in db: Connection) throws -> [String] {
        let statement = try db.prepare("SELECT DISTINCT name FROM prompts ORDER BY name")
        var names: [String] = []
        while try statement.step() { names.append(statement.string(at: 0)) }
        return names
    }
}
