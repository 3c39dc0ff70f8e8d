import ArgumentParser
import Foundation

/// The command line as people type it, turned into what the parser reads: `--db PATH` and
/// `--color WHEN` may come before the subcommand (as `git -C` does), `--color` anywhere, and a
/// mistyped subcommand gets a suggestion instead of a confusing complaint about its options.
struct GlobalArguments {
    /// The arguments for `parseAsRoot`, `--db` moved after the subcommand, `--color` removed.
    var arguments: [String]
    var color: ColorChoice?

    struct UsageError: Error {
        let message: String
    }

    init(_ given: [String]) throws {
        // The completion entry point carries the words of a command line being typed: as is.
        if given.first?.hasPrefix("---") == true {
            arguments = given
            return
        }
        var index = 0
        var dbValues: [String] = []
        var colors: [String] = []
        // Leading `--db PATH` / `--color WHEN`, in either spelling.
        while index < given.count, let (name, value, width) = Self.option(given, at: index, names: ["--db", "--color"]) {
            if name == "--db" { dbValues.append(value) } else { colors.append(value) }
            index += width
        }
        // The subcommand path (`generate answers`), checked against the command tree.
        var command = CommandNode(IFTDB.self)
        var path: [String] = []
        while index < given.count {
            let word = given[index]
            guard !command.children.isEmpty, !word.hasPrefix("-") else { break }
            if let next = command.children.first(where: { $0.name == word }) {
                command = next
                path.append(word)
                index += 1
                continue
            }
            if path.isEmpty && word == "help" { break }
            let names = command.children.map(\.name)
            if let guess = Self.closest(to: word, in: names) {
                let prefix = path.map { $0 + " " }.joined()
                throw UsageError(message: "unknown command '\(prefix)\(word)'; did you mean '\(prefix)\(guess)'?")
            }
            if !command.hasDefault {
                let prefix = (["iftdb"] + path).joined(separator: " ")
                throw UsageError(message: "unknown command '\(word)'; \(prefix) has: \(names.joined(separator: ", ")) (see \(prefix) --help)")
            }
            break
        }
        // The rest: `--color` is taken out wherever it is; every `--db` must agree.
        var rest: [String] = []
        var restHasDB = false
        while index < given.count {
            if given[index] == "--" {
                rest += given[index...]
                break
            }
            if let (name, value, width) = Self.option(given, at: index, names: ["--db", "--color"]) {
                if name == "--color" {
                    colors.append(value)
                } else {
                    dbValues.append(value)
                    restHasDB = true
                    rest += given[index..<(index + width)]
                }
                index += width
                continue
            }
            rest.append(given[index])
            index += 1
        }
        if Set(dbValues).count > 1 {
            throw UsageError(message: "--db is given twice with different stores ('\(dbValues[0])' and '\(dbValues.first { $0 != dbValues[0] }!)'); give it once")
        }
        if Set(colors).count > 1 {
            throw UsageError(message: "--color is given twice with different values; give it once")
        }
        if let value = colors.first {
            guard let choice = ColorChoice(rawValue: value) else {
                throw UsageError(message: "--color is auto, always or never, not '\(value)'")
            }
            color = choice
        }
        let moved = !restHasDB && !dbValues.isEmpty ? ["--db", dbValues[0]] : []
        arguments = path + moved + rest
    }

    /// A command's name and subcommands, read once from the parser's configuration.
    struct CommandNode {
        let name: String
        let children: [CommandNode]
        let hasDefault: Bool

        init(_ type: any ParsableCommand.Type) {
            let configuration = type.configuration
            name = type._commandName
            children = configuration.subcommands.map { CommandNode($0) }
            hasDefault = configuration.defaultSubcommand != nil
        }
    }

    /// `--name VALUE` or `--name=VALUE` at `index`: the name, the value and how many words it took.
    private static func option(_ words: [String], at index: Int, names: [String]) -> (String, String, Int)? {
        let word = words[index]
        for name in names {
            if word == name, index + 1 < words.count { return (name, words[index + 1], 2) }
            if word.hasPrefix(name + "=") { return (name, String(word.dropFirst(name.count + 1)), 1) }
        }
        return nil
    }

    /// The one name within edit distance 2 of `word` that is nearest (the first on a tie).
    static func closest(to word: String, in names: [String]) -> String? {
        let scored = names.map { ($0, editDistance(word, $0)) }.filter { $0.1 <= 2 }
        return scored.min { $0.1 < $1.1 }?.0
    }

    /// Levenshtein distance, with a swap of two neighbours counting as one edit (`exprot`).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
