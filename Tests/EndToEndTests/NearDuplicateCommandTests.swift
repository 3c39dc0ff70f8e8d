import Foundation
import TestSupport
import Testing

/// `--dedupe-near` from the command line, on `Tests/Fixtures/pairs-store.sql` with the four
/// questions of `Tests/Fixtures/near/near-store.sql`: A (guide/intro.md), then B (near A),
/// C (near B, not near A) and B again (notes/café.txt), one answer each.
@Suite struct NearDuplicateCommandTests {
    func store() async throws -> TemporaryFolder {
        try await initializedStore(loading: ["pairs-store.sql", "near/near-store.sql"])
    }

    @Test func exportDropsNearQuestionsAndSaysHowMany() async throws {
        let folder = try await store()
        let all = try await iftdb(["export", "--format", "jsonl"], in: folder.path)
        let allIDs = try answerIDs(all.stdout)
        let near = try await iftdb(["export", "--format", "jsonl", "--dedupe-near"], in: folder.path)
        #expect(near.status == 0, "\(near.stderr)")
        #expect(try answerIDs(near.stdout) == allIDs.filter { ![11, 13].contains($0) })
        #expect(near.stderr.contains("--dedupe-near (questions near an earlier kept one): removed 2 pairs (2 questions)"), "\(near.stderr)")

        // Composed: --exclude-idk drops B's copy first, --dedupe has nothing left, B goes.
        let composed = try await iftdb(["export", "--format", "jsonl", "--exclude-idk", "--dedupe", "--dedupe-near", "--near-threshold", "0.75"], in: folder.path)
        #expect(composed.status == 0, "\(composed.stderr)")
        #expect(!(try answerIDs(composed.stdout)).contains(11))
        #expect(composed.stderr.contains("--dedupe-near --near-threshold 0.75 (questions near an earlier kept one): removed 1 pair (1 question)"), "\(composed.stderr)")

        // --exclude-flagged leaves out A, B and C (their amounts are not in their chunks):
        // B's copy, near nothing left, stays.
        let flagged = ["export", "--format", "jsonl", "--exclude-flagged", "--allow-flag", "question-grounded", "--allow-flag", "answer-supported"]
        let withoutNear = try await iftdb(flagged, in: folder.path)
        let withNear = try await iftdb(flagged + ["--dedupe-near"], in: folder.path)
        #expect(try answerIDs(withNear.stdout) == answerIDs(withoutNear.stdout))
        #expect(try answerIDs(withNear.stdout).contains(13))
        #expect(withNear.stderr.contains("--dedupe-near (questions near an earlier kept one): removed 0 pairs (0 questions)"), "\(withNear.stderr)")

        let split = try await iftdb(["export", "--format", "jsonl", "--dedupe-near", "--split", "train=0.5,valid=0.5", "--split-by", "pair", "-o", "splits"], in: folder.path)
        #expect(split.status == 0, "\(split.stderr)")
        let rows = try ["train", "valid"].flatMap { try answerIDs(String(contentsOfFile: folder.file("splits/\($0).jsonl"), encoding: .utf8)) }
        #expect(rows.sorted() == allIDs.filter { ![11, 13].contains($0) }.sorted())
    }

    @Test func aDatasetSavedWithItExportsTheSameBytesLater() async throws {
        let folder = try await store()
        let saved = try await iftdb(["dataset", "save", "v1", "--dedupe-near", "--near-threshold", "0.8"], in: folder.path)
        #expect(saved.status == 0, "\(saved.stderr)")
        #expect(saved.stderr.contains("--dedupe-near --near-threshold 0.8"), "\(saved.stderr)")
        let before = try await iftdb(["export", "--dataset", "v1", "--format", "openai"], in: folder.path)
        #expect(before.status == 0 && !before.stdout.isEmpty, "\(before.stderr)")
        let filter = try await iftdb(["sql", "SELECT filter FROM datasets WHERE name = 'v1'"], in: folder.path)
        // CSV doubles the JSON's quotes.
        #expect(filter.stdout.contains(#"""near"":{""signature_version"":1,""threshold"":0.8}"#), "\(filter.stdout)")

        // A later near repeat of a kept question changes nothing in the frozen dataset.
        let later = """
            INSERT INTO questions (id, chunk_id, prompt_id, model_id, run_id, call_id, sample, ordinal, text, normalized, created_at) VALUES
             (20, 2, 1, 1, 1, 1, 1, 20, 'Where did the board meet?', 'where did the board meet', '2026-03-01T00:00:00.000Z');
            INSERT INTO answers (id, question_id, prompt_id, model_id, run_id, call_id, sample, text, created_at) VALUES
             (20, 20, 2, 1, 4, 4, 1, 'In Zürich.', '2026-03-01T00:00:01.000Z');
            """
        #expect(try await runProgram("sqlite3", ["iftdb.sqlite"], in: folder.path, stdin: Data(later.utf8)).status == 0)
        let after = try await iftdb(["export", "--dataset", "v1", "--format", "openai"], in: folder.path)
        #expect(after.stdout == before.stdout)
    }

    @Test func statsShowTheNearDuplicateRate() async throws {
        let folder = try await store()
        let json = try await iftdb(["stats", "--json"], in: folder.path)
        #expect(json.status == 0, "\(json.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        let groups = object["groups"] as! [[String: Any]]
        let group = try #require(groups.first { $0["answer_prompt"] as? String == "answers@1" })
        #expect(group["near_duplicate_questions"] as? Int == 2)
        let questions = try #require(group["questions"] as? Int)
        #expect(abs((group["near_duplicate_rate"] as? Double ?? 0) - 2 / Double(questions)) < 1e-9)
        let text = try await iftdb(["stats"], in: folder.path)
        #expect(text.stdout.contains("near dups"), "\(text.stdout)")
        let strict = try await iftdb(["stats", "--json", "--dedupe-near", "--near-threshold", "0.99"], in: folder.path)
        #expect(strict.status == 0, "\(strict.stderr)")
        #expect(strict.stdout.contains(#""filters":["--dedupe-near --near-threshold 0.99"]"#) || strict.stdout.contains("--near-threshold 0.99"), "\(strict.stdout)")
    }

    @Test func diffTakesItAsAFilter() async throws {
        let folder = try await store()
        let diff = try await iftdb(["diff", "answers@1", "answers@2", "--dedupe-near"], in: folder.path)
        #expect(diff.status == 0, "\(diff.stderr)")
        let plain = try await iftdb(["diff", "answers@1", "answers@2", "--json"], in: folder.path)
        let near = try await iftdb(["diff", "answers@1", "answers@2", "--json", "--dedupe-near"], in: folder.path)
        let items = { (text: String) -> Int in
            let object = try! JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
            return (object["a"] as! [String: Any])["answers"] as! Int
        }
        #expect(items(near.stdout) == items(plain.stdout) - 2, "\(near.stdout)")

        // A question-prompt diff refuses it, as it refuses --dedupe.
        let prompt = "INSERT INTO prompts (id, name, version, role, template, sha256, created_at) VALUES (4, 'questions', 2, 'question', 't2', 'p4', '2026-01-06T09:00:00.000Z');"
        #expect(try await runProgram("sqlite3", ["iftdb.sqlite"], in: folder.path, stdin: Data(prompt.utf8)).status == 0)
        let questions = try await iftdb(["diff", "questions@1", "questions@2", "--dedupe-near"], in: folder.path)
        #expect(questions.status == 2)
        #expect(questions.stderr.contains("--dedupe-near is about answers and does not apply to a question-prompt diff"), "\(questions.stderr)")
    }

    @Test func anEmptySelectionIsSaidOnceAndWritesNothing() async throws {
        let folder = try await store()
        // No question in scope: the near scan has nothing to sign, and the commands say what
        // they say for any empty selection.
        let export = try await iftdb(["export", "--format", "jsonl", "--dedupe-near", "--source", "nothing/*", "-o", "out.jsonl"], in: folder.path)
        expectOneLineError(export)
        #expect(!FileManager.default.fileExists(atPath: folder.file("out.jsonl")))
        expectOneLineError(try await iftdb(["dataset", "save", "none", "--dedupe-near", "--source", "nothing/*"], in: folder.path))
        #expect(try await iftdb(["dataset", "list"], in: folder.path).stdout.contains("none") == false)
        let stats = try await iftdb(["stats", "--json", "--dedupe-near", "--source", "nothing/*"], in: folder.path)
        #expect(stats.status == 0, "\(stats.stderr)")
    }

    @Test func aThresholdWithoutTheFlagOrOutsideZeroToOneIsAUsageError() async throws {
        let folder = try await store()
        for (arguments, text) in [
            (["--near-threshold", "0.8"], "--near-threshold only changes --dedupe-near; add --dedupe-near or drop --near-threshold"),
            (["--dedupe-near", "--near-threshold", "0"], "--near-threshold must be above 0 and at most 1"),
            (["--dedupe-near", "--near-threshold", "1.5"], "--near-threshold must be above 0 and at most 1"),
            (["--dedupe-near", "--near-threshold=-0.2"], "--near-threshold must be above 0 and at most 1"),
            (["--dedupe-near", "--near-threshold", "nan"], "--near-threshold must be above 0 and at most 1"),
        ] {
            for command in [["export", "--format", "csv"], ["stats"], ["dataset", "save", "d"], ["diff", "answers@1", "answers@2"]] {
                let result = try await iftdb(command + arguments, in: folder.path)
                #expect(result.status == 64, "\(command + arguments): \(result.stderr)")
                #expect(result.stderr.contains(text), "\(command + arguments): \(result.stderr)")
            }
        }
        let one = try await iftdb(["export", "--format", "csv", "--dedupe-near", "--near-threshold", "1"], in: folder.path)
        #expect(one.status == 0, "\(one.stderr)")
        #expect(try await iftdb(["sql", "SELECT count(*) FROM datasets"], in: folder.path).stdout.contains("0"))
    }
}
