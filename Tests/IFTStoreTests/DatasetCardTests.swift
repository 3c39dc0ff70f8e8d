import Foundation
import IFTSQLite
import TestSupport
import Testing
@testable import IFTStore

/// The Hugging Face dataset card an export writes beside its data.
@Suite struct DatasetCardTests {
    @Test func splitNamesAreCheckedAsHuggingFaceChecksThem() {
        for name in ["train", "holdout", "eval", "valid_1", "_", "test.small", "a.b.c", "caf\u{E9}", "\u{4E2D}\u{6587}", "x\u{2167}"] {
            #expect(DatasetCard.acceptsSplitName(name), "\(name)")
        }
        for name in ["valid-1", "", "a..b", ".a", "a.", "a b", "e\u{301}", "train!"] {
            #expect(!DatasetCard.acceptsSplitName(name), "\(name)")
        }
    }

    @Test func dataFilesAreRelativeToTheCardsFolder() {
        #expect(DatasetCard.relativePath(from: "/w/ds", to: "/w/ds/train.jsonl") == "train.jsonl")
        #expect(DatasetCard.relativePath(from: "/w/ds", to: "/w/ds/data/train.jsonl") == "data/train.jsonl")
        #expect(DatasetCard.relativePath(from: "/w/card", to: "/w/data/train.jsonl") == "../data/train.jsonl")
        #expect(DatasetCard.relativePath(from: "/w/a/b", to: "/x.csv") == "../../../x.csv")
        #expect(DatasetCard.relativePath(from: "/", to: "/x.csv") == "x.csv")
        #expect(DatasetCard.relativePath(from: "/w/train.jsonl", to: "/w/train.jsonl/x") == "x")
    }

    @Test func yamlStringsAreQuotedInASCII() {
        #expect(DatasetCard.yamlQuoted("train.jsonl") == #""train.jsonl""#)
        #expect(DatasetCard.yamlQuoted("a\"b\\c \u{E9}\u{1F642}\n") == #""a\"b\\c \u00E9\U0001F642\u000A""#)
    }

    @Test func jsonAndLaminiGetNoCard() {
        #expect(DatasetCard.refusal(for: .json)?.contains("\"text\"") == true)
        #expect(DatasetCard.refusal(for: .lamini)?.contains("\"0\" and \"1\"") == true)
        for format in [ExportFormat.csv, .openai, .alpaca, .sharegpt, .jsonl] { #expect(DatasetCard.refusal(for: format) == nil) }
    }

    /// The fixture's six current pairs split in two, with a card that names every split, the
    /// store, the filters, the prompts and models, and counts what was written.
    @Test func aSplitExportWritesACardWithItsConfigsAndProvenance() throws {
        let fixture = try PairStoreFixture()
        let folder = fixture.folder.file("splits")
        let summary = try exportPairs(
            storePath: fixture.path, filter: PairFilter(), options: ExportOptions(format: .openai), output: folder,
            split: ExportSplit(spec: try SplitSpec(parsing: "train=0.5,holdout=0.5"), seed: 3, unit: .pair),
            card: DatasetCard.Request(generator: "iftdb 9.9.9 (test)"))
        #expect(summary.card == folder + "/README.md")
        let card = try String(contentsOfFile: folder + "/README.md", encoding: .utf8)
        let counts = Dictionary(uniqueKeysWithValues: summary.splits.map { ($0.name, $0.pairs) })
        #expect(counts.values.reduce(0, +) == 6 && counts.values.allSatisfy { $0 > 0 })
        #expect(card.hasPrefix("""
            ---
            configs:
            - config_name: default
              data_files:
              - split: "train"
                path: "train.jsonl"
              - split: "holdout"
                path: "holdout.jsonl"
            ---

            """))
        #expect(card.contains("Written by iftdb 9.9.9 (test) as `openai`"))
        #expect(card.contains("- Store: `\(fixture.path)`"))
        #expect(card.contains("- Filters: none (each source path's current version)"))
        #expect(card.contains("- Splits: `--split train=0.5,holdout=0.5 --split-by pair --seed 3`"))
        #expect(card.contains("- Question prompts: `questions@1`"))
        #expect(card.contains("- Answer prompts: `answers@1`"))
        #expect(card.contains("- Models (name and parameters): `llama {\"temperature\":0.2}`"))
        #expect(card.contains("| train | train.jsonl | \(counts["train"] ?? 0) | "))
        // Answers 4 and 6 are "I don't know" (2 of 6); flagged as `stats` counts it.
        let stats = try fixture.store.stats(filter: PairFilter())
        #expect(stats.groups.count == 1 && stats.groups[0].idk == 2)
        let flagged = stats.groups[0].flagged
        #expect(flagged > 0 && flagged < 4)
        #expect(card.contains("| questions@1 | answers@1 | llama | 6 | 2 (33.3%) | \(flagged) (\(String(format: "%.1f", Double(flagged) / 6 * 100))%) |"))
        #expect(card.contains("| all | | | 6 | 2 (33.3%) | \(flagged) ("))

        // With --exclude-idk --exclude-flagged the card says so, and counts none of either.
        let kept = fixture.folder.file("kept")
        _ = try exportPairs(
            storePath: fixture.path, filter: PairFilter(excludeIDK: true, quality: QualityFilter(allowed: [.questionForm, .questionGrounded, .answerSupported, .answerNumbers])),
            options: ExportOptions(format: .jsonl), output: kept,
            split: ExportSplit(spec: try SplitSpec(parsing: "a=0.5,b=0.5"), seed: 1, unit: .pair), card: DatasetCard.Request(generator: "iftdb"))
        let keptCard = try String(contentsOfFile: kept + "/README.md", encoding: .utf8)
        #expect(keptCard.contains("- Filters: `--exclude-idk --exclude-flagged --allow-flag question-form --allow-flag question-grounded --allow-flag answer-supported --allow-flag answer-numbers`"))
        #expect(keptCard.contains("| all | | | 4 | 0 (0.0%) | 0 (0.0%) |"))
        #expect(keptCard.contains("Flagged is 0: the export left out"))
    }

    @Test func aBadSplitNameOrAFailedCardLeavesNothing() throws {
        let fixture = try PairStoreFixture()
        let folder = fixture.folder.file("splits")
        #expect(throws: OutputError.splitNameRefusedByCard(name: "valid-1")) {
            try exportPairs(storePath: fixture.path, filter: PairFilter(), options: ExportOptions(format: .csv), output: folder,
                            split: ExportSplit(spec: try SplitSpec(parsing: "train=0.5,valid-1=0.5"), unit: .pair), card: DatasetCard.Request(generator: "x"))
        }
        #expect(!FileManager.default.fileExists(atPath: folder))
        // A data file whose name HF would read as a pattern: neither file appears.
        let data = fixture.folder.file("pairs[1].jsonl"), card = fixture.folder.file("README.md")
        #expect(throws: OutputError.dataFileIsAPattern(path: "pairs[1].jsonl")) {
            try exportPairs(storePath: fixture.path, filter: PairFilter(), options: ExportOptions(format: .jsonl), output: data,
                            card: DatasetCard.Request(path: card, generator: "x"))
        }
        #expect(try fixture.folder.listing().filter { !$0.hasPrefix("store.sqlite") } == [])
        #expect(throws: OutputError.noCardForFormat(reason: try #require(DatasetCard.refusal(for: .lamini)))) {
            try exportPairs(storePath: fixture.path, filter: PairFilter(), options: ExportOptions(format: .lamini), output: data,
                            card: DatasetCard.Request(path: card, generator: "x"))
        }
        #expect(throws: OutputError.cardNeedsAFile) {
            try exportPairs(storePath: fixture.path, filter: PairFilter(), options: ExportOptions(format: .jsonl), output: nil,
                            card: DatasetCard.Request(path: card, generator: "x"))
        }
        #expect(throws: OutputError.cardIsTheOutput(path: card)) {
            try exportPairs(storePath: fixture.path, filter: PairFilter(), options: ExportOptions(format: .jsonl), output: card,
                            card: DatasetCard.Request(path: card, generator: "x"))
        }
        #expect(try fixture.folder.listing().filter { !$0.hasPrefix("store.sqlite") } == [])
    }
}
