import Foundation
import TestSupport
import Testing

/// `export --split` and `--card`: the Hugging Face dataset card, as a user meets it.
/// (`scripts/test` loads these folders with `datasets` itself: `scripts/check-hf-card.py`.)
@Suite(.serialized) struct DatasetCardCommandTests {
    /// The fixture store and 51 more answers to question 3, every fifth "I don't know".
    func store() async throws -> TemporaryFolder {
        let folder = try await initializedStore(loading: ["pairs-store.sql"])
        let more = try await runProgram("sqlite3", ["iftdb.sqlite", """
            WITH RECURSIVE n(i) AS (SELECT 10 UNION ALL SELECT i + 1 FROM n WHERE i < 60)
            INSERT INTO answers (question_id, prompt_id, model_id, run_id, call_id, sample, text, created_at)
            SELECT 3, 2, 1, 2, 2, i, CASE WHEN i % 5 = 0 THEN 'I don''t know.' ELSE 'Answer ' || i || ' about the board.' END,
                   '2026-02-01T00:00:00.000Z' FROM n;
            """], in: folder.path)
        #expect(more.status == 0, "\(more.stderr)")
        return folder
    }

    @Test func aSplitFolderGetsACardNamingEverySplit() async throws {
        let folder = try await store()
        let result = try await iftdb(["export", "--format", "alpaca", "--split", "train=0.6,holdout=0.2,eval=0.2", "--split-by", "pair",
                                      "--exclude-idk", "-o", "ds"], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("dataset card (Hugging Face): ds/README.md"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("ds")).sorted() == ["README.md", "eval.jsonl", "holdout.jsonl", "train.jsonl"])
        let card = try String(contentsOfFile: folder.file("ds/README.md"), encoding: .utf8)
        for split in ["train", "holdout", "eval"] {
            #expect(card.contains("  - split: \"\(split)\"\n    path: \"\(split).jsonl\"\n"))
        }
        #expect(card.contains("- Store: `iftdb.sqlite`") && card.contains("- Filters: `--exclude-idk`"))
        #expect(card.contains("| all | | | 44 | 0 (0.0%) | "))

        // Without --exclude-idk the card counts the "I don't know" answers: 2 of the fixture's and 11 more.
        #expect(try await iftdb(["export", "--format", "csv", "--split", "a=0.5,b=0.5", "--split-by", "pair", "-o", "all"], in: folder.path).status == 0)
        let all = try String(contentsOfFile: folder.file("all/README.md"), encoding: .utf8)
        #expect(all.contains("| all | | | 57 | 13 (22.8%) | ") && all.contains("    path: \"a.csv\""))
    }

    @Test func namesAndFormatsACardCannotTakeAreRefusedOrSkipped() async throws {
        let folder = try await store()
        // A name HF refuses is a usage error when a card would be written, and fine without one.
        let dashed = try await iftdb(["export", "--format", "openai", "--split", "train=0.5,valid-1=0.5", "-o", "ds"], in: folder.path)
        #expect(dashed.status == 64 && dashed.stderr.contains("the split name 'valid-1' is not one Hugging Face accepts"), "\(dashed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("ds")))
        let noCard = try await iftdb(["export", "--format", "openai", "--split", "train=0.5,valid-1=0.5", "--split-by", "pair", "--no-card", "-o", "ds"], in: folder.path)
        #expect(noCard.status == 0, "\(noCard.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("ds")).sorted() == ["train.jsonl", "valid-1.jsonl"])

        // json and lamini: the splits, no card, and a line that says why.
        for format in ["json", "lamini"] {
            let result = try await iftdb(["export", "--format", format, "--split", "train=0.5,valid-1=0.5", "--split-by", "pair", "-o", format], in: folder.path)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("no dataset card (README.md): Hugging Face's JSON loader cannot turn \(format)'s arrays of arrays into named columns"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file(format)).sorted() == ["train.json", "valid-1.json"])
            let card = try await iftdb(["export", "--format", format, "-o", "x.json", "--card", "README.md"], in: folder.path)
            #expect(card.status == 64 && card.stderr.contains("no dataset card for --format \(format)"), "\(card.stderr)")
        }

        for (arguments, says) in [
            (["--format", "csv", "--card", "README.md"], "--card describes the file -o writes"),
            (["--format", "csv", "-o", "-", "--card", "README.md"], "--card describes the file -o writes"),
            (["--format", "csv", "-o", "x.csv", "--card", "x.csv"], "is the file -o writes"),
            (["--format", "csv", "--split", "a=0.5,b=0.5", "-o", "s", "--card", "README.md"], "leave out --card"),
            (["--format", "csv", "-o", "x.csv", "--no-card"], "--no-card applies to --split only"),
        ] {
            let result = try await iftdb(["export"] + arguments, in: folder.path)
            #expect(result.status == 64 && result.stderr.contains(says), "\(arguments): \(result.stderr)")
        }
        #expect(try folder.listing().filter { !$0.hasPrefix("iftdb.sqlite") } == ["ds", "json", "lamini"])
    }

    @Test func aSingleFileCardPointsAtItsDataFromWhereItIs() async throws {
        let folder = try await store()
        try FileManager.default.createDirectory(atPath: folder.file("data"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder.file("card"), withIntermediateDirectories: true)
        let result = try await iftdb(["export", "--format", "sharegpt", "-o", "data/train.jsonl", "--card", "card/README.md"], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        let card = try String(contentsOfFile: folder.file("card/README.md"), encoding: .utf8)
        #expect(card.contains("  - split: \"train\"\n    path: \"../data/train.jsonl\"\n"))
        #expect(card.contains("| train | ../data/train.jsonl | 57 | 100.0% |"))

        // A card that cannot be written leaves the data file unwritten too.
        let missing = try await iftdb(["export", "--format", "sharegpt", "-o", "data/other.jsonl", "--card", "nowhere/README.md"], in: folder.path)
        #expect(missing.status == 2 && missing.stderr.contains("the folder nowhere does not exist"), "\(missing.stderr)")
        let pattern = try await iftdb(["export", "--format", "sharegpt", "-o", "data/pairs[1].jsonl", "--card", "README.md"], in: folder.path)
        #expect(pattern.status == 2 && pattern.stderr.contains("Hugging Face reads data_files as glob patterns"), "\(pattern.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("data")) == ["train.jsonl"])
        #expect(!FileManager.default.fileExists(atPath: folder.file("README.md")))
    }
}
