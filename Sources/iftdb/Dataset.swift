import ArgumentParser
import Foundation
import IFTStore

extension IFTDB {
    struct Dataset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dataset",
            abstract: "Save, list and show named, frozen selections of pairs.",
            discussion: """
                `dataset save NAME [filters]` freezes the answers the filters select, in export \
                order, with the filter that chose them. `export --dataset NAME` then writes the \
                same bytes every time: new answers, edited and re-loaded sources and the \
                current-version default do not change a saved dataset.
                """,
            subcommands: [Save.self, List.self, Show.self],
            defaultSubcommand: List.self
        )
    }
}

/// JSON for `dataset list --json` and `dataset show --json`: snake_case keys, sorted.
private func writeJSON(_ value: some Encodable) throws {
    let sink = ByteSink.standardOutput()
    try sink.writeJSON(value)
    try sink.flush()
}

extension IFTDB.Dataset {
    struct Save: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Freeze the pairs the filters select as a named dataset.",
            discussion: """
                A name that exists is refused unless --replace. An empty or ambiguous selection \
                is refused (as export refuses it) and nothing is saved.
                """
        )

        @OptionGroup var store: StoreOptions
        @Argument(help: ArgumentHelp("The dataset's name: letters, digits, '.', '_' and '-'.", valueName: "name"))
        var name: String
        @OptionGroup var filters: PairFilterOptions
        @Flag(help: "Overwrite a dataset of this name.") var replace = false

        func validate() throws {
            do {
                try SavedDataset.checkName(name)
            } catch let error as SelectionError {
                throw ValidationError(error.message)
            }
        }

        func run() async throws {
            let filter = try filters.pairFilter()
            let writer = try StoreFile.open(store.path, for: .writing)
            defer { writer.close() }
            let saved = try writer.saveDataset(name: name, filter: filter, replace: replace)
            let flags = saved.flags.isEmpty ? "no filters" : saved.flags
            Console.info("saved dataset '\(saved.name)': \(saved.pairs) pair\(saved.pairs == 1 ? "" : "s") (\(flags)); export it with `iftdb export --dataset \(saved.name) --format …`")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List saved datasets: name, pairs, created, filter.")

        @OptionGroup var store: StoreOptions
        @Flag(help: "Print JSON: one array of objects.") var json = false

        func run() async throws {
            let reader = try StoreFile.open(store.path, for: .reading)
            defer { reader.close() }
            let datasets = try reader.datasets()
            if json { return try writeJSON(datasets) }
            var table = TextTable(["name", "pairs", "created", "filter"])
            for dataset in datasets {
                table.append([dataset.name, String(dataset.pairs), dataset.createdAt, dataset.flags.isEmpty ? "-" : dataset.flags])
            }
            let sink = ByteSink.standardOutput()
            try sink.write(table.render())
            try sink.flush()
            if datasets.isEmpty { Console.info("no datasets yet; save one with `iftdb dataset save NAME [filters]`") }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one dataset: its filter and what its pairs are made of.")

        @OptionGroup var store: StoreOptions
        @Argument(help: ArgumentHelp("The dataset: NAME or dataset:NAME.", valueName: "name"), completion: StoreCompletion.datasets)
        var name: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let reader = try StoreFile.open(store.path, for: .reading)
            defer { reader.close() }
            let detail = try reader.dataset(named: SavedDataset.name(fromReference: name))
            if json { return try writeJSON(detail) }
            let dataset = detail.dataset
            var text = """
                dataset   \(dataset.name)
                pairs     \(dataset.pairs)
                created   \(dataset.createdAt)
                filter    \(dataset.flags.isEmpty ? "(none)" : dataset.flags)
                sources   \(detail.sources) paths, \(detail.sourceVersions) versions
                chunks    \(detail.chunks)
                questions \(detail.questions)

                """
            var table = TextTable(["question prompt", "answer prompt", "model", "pairs"])
            for group in detail.groups { table.append([group.questionPrompt, group.answerPrompt, group.model, String(group.pairs)]) }
            text += table.render()
            let sink = ByteSink.standardOutput()
            try sink.write(TerminalText.escaped(text))
            try sink.flush()
        }
    }
}
