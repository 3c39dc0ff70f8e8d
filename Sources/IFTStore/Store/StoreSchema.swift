/// What a command needs of a store's schema, by name rather than migration number.
public enum SchemaRequirement: Sendable, Hashable {
    /// The generation tables (runs, calls, questions, answers, datasets): every command that
    /// reads what generation made.
    case generation

    /// The migration that makes what this requirement needs, by its name (`0002_generation.sql`).
    var migrationName: String {
        switch self {
        case .generation: "generation"
        }
    }

    /// The tables a store lacking this has none of, for people.
    var tables: String {
        switch self {
        case .generation: "answers"
        }
    }

    /// Whether a store that records these migrations meets the requirement.
    func isMet(byMigrationsNamed names: some Sequence<String>) -> Bool {
        names.contains(migrationName)
    }
}
