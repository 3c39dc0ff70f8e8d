import ArgumentParser
import Foundation
import IFTStore

/// Shell completions from the store: prompt references, dataset names and `show`
/// references. The store is the one the words being completed name (their `--db`, else
/// `$IFTDB_DB`, else ./iftdb.sqlite), opened read-only; with no store, or one that cannot
/// be read, there are no suggestions.
enum StoreCompletion {
    /// Prompt references (`NAME` and `NAME@V`), of one role or all.
    static func prompts(_ role: PromptRole? = nil) -> CompletionKind {
        .custom { words, _, prefix in
            suggestions(words, prefix) { reader in
                let prompts = try reader.prompts().filter { role == nil || $0.role == role }
                return Array(Set(prompts.map(\.name))).sorted() + prompts.map(\.ref.description)
            }
        }
    }

    /// Saved dataset names.
    static let datasets = CompletionKind.custom { words, _, prefix in
        suggestions(words, prefix) { try $0.datasets().map(\.name) }
    }

    /// `diff` sides: prompt references and `dataset:NAME`.
    static let diffSides = CompletionKind.custom { words, _, prefix in
        suggestions(words, prefix) { reader in
            try reader.prompts().map(\.ref.description) + reader.datasets().map { "dataset:" + $0.name }
        }
    }

    /// `show` references: each loaded source path, and the other kinds' prefixes.
    static let showReferences = CompletionKind.custom { words, _, prefix in
        suggestions(words, prefix) { reader in
            try reader.sources(includeRemoved: false).map { "source:" + $0.path } + ["chunk:", "question:", "answer:"]
        }
    }

    private static func suggestions(_ words: [String], _ prefix: String, _ list: (StoreReader) throws -> [String]) -> [String] {
        let path = StoreFile.resolvePath(storeArgument(in: words))
        guard let reader = try? StoreFile.open(path, for: .reading) else { return [] }
        defer { reader.close() }
        return ((try? list(reader)) ?? []).filter { $0.hasPrefix(prefix) }
    }

    /// The `--db` among the words of the command line being completed.
    static func storeArgument(in words: [String]) -> String? {
        var found: String?
        for (index, word) in words.enumerated() {
            if word == "--db", index + 1 < words.count { found = words[index + 1] }
            if word.hasPrefix("--db=") { found = String(word.dropFirst("--db=".count)) }
        }
        return found
    }
}
