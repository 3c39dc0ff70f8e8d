import Foundation
import TestSupport
import Testing

/// The judge filters and where judgments show, from the command line, on
/// `Tests/Fixtures/quality/quality-store.sql` and `judgments.sql`: judge@1 with llama gave
/// answer 1 a mean of 4.5 (two samples), answer 2 4, answer 3 2, answer 4 1, and did not
/// grade answer 5 ("I don't know"). Answers 3 and 4 are the ones the quality checks flag.
@Suite struct JudgmentCommandTests {
    func store(judged: Bool = true) async throws -> TemporaryFolder {
        try await initializedStore(loading: ["quality/quality-store.sql"] + (judged ? ["quality/judgments.sql"] : []))
    }

    func sql(_ text: String, in folder: TemporaryFolder) async throws {
        let result = try await runProgram("sqlite3", ["iftdb.sqlite"], in: folder.path, stdin: Data(text.utf8))
        #expect(result.status == 0, "\(result.stderr)")
    }

    /// judge@2 with llama graded answers 1 and 2 (3 each); judge@1 with qwen graded answer 3 (5).
    func addOtherJudges(_ folder: TemporaryFolder) async throws {
        try await sql("""
            INSERT INTO prompts (id, name, version, role, template, sha256, created_at) VALUES (4, 'judge', 2, 'judge', 'x {{answer}}', 'p4', 'x');
            INSERT INTO models (id, name, params, created_at) VALUES (2, 'qwen', '{}', 'x');
            INSERT INTO runs (id, kind, prompt_id, model_id, endpoint, status, started_at) VALUES (4, 'judgments', 4, 1, 'x', 'done', 'x'), (5, 'judgments', 3, 2, 'x', 'done', 'x');
            INSERT INTO calls (id, run_id, request, started_at) VALUES (4, 4, '{}', 'x'), (5, 5, '{}', 'x');
            INSERT INTO judgments (answer_id, prompt_id, model_id, run_id, call_id, sample, score, reason, created_at) VALUES
              (1, 4, 1, 4, 4, 1, 3, 'r', 'x'), (2, 4, 1, 4, 4, 1, 3, 'r', 'x'), (3, 3, 2, 5, 5, 1, 5, 'r', 'x');
            """, in: folder)
    }

    @Test func minScoreKeepsPairsTheJudgeGradedWellAndCountsTheUngraded() async throws {
        let folder = try await store()
        let four = try await iftdb(["export", "--format", "jsonl", "--min-score", "4"], in: folder.path)
        #expect(four.status == 0, "\(four.stderr)")
        #expect(try answerIDs(four.stdout) == [1, 2])
        #expect(four.stderr.contains("  pairs judge@1 with llama has not graded: removed 1\n"), "\(four.stderr)")
        #expect(four.stderr.contains("  --min-score 4 (mean score from judge@1 with llama): removed 2\n"), "\(four.stderr)")
        // The mean over samples: 4.5 passes 4.5, 4 does not.
        #expect(try answerIDs(try await iftdb(["export", "--format", "jsonl", "--min-score", "4.5"], in: folder.path).stdout) == [1])
        // Choosing a judge without --min-score keeps what it graded.
        let judged = try await iftdb(["export", "--format", "jsonl", "--judge", "judge@1", "--judge-model", "llama"], in: folder.path)
        #expect(try answerIDs(judged.stdout) == [1, 2, 3, 4])
        #expect(judged.stderr.contains("pairs judge@1 with llama has not graded: removed 1"), "\(judged.stderr)")
        // Nothing left: the summary names the judge's conditions.
        let none = try await iftdb(["export", "--format", "csv", "--min-score", "5"], in: folder.path)
        expectOneLineError(none, containing: "--min-score 5 (mean score from judge@1 with llama) removed 4")
    }

    @Test func judgeFiltersComposeWithTheOtherFilters() async throws {
        let folder = try await store()
        // The checks flag 3 and 4; the judge has not graded 5.
        let flagged = try await iftdb(["export", "--format", "jsonl", "--min-score", "1", "--exclude-flagged"], in: folder.path)
        #expect(try answerIDs(flagged.stdout) == [1, 2])
        let all = try await iftdb(["export", "--format", "jsonl", "--min-score", "2", "--exclude-idk", "--dedupe"], in: folder.path)
        #expect(try answerIDs(all.stdout) == [1, 2, 3])
        #expect(all.stderr.contains("--exclude-idk: removed 1") && all.stderr.contains("has not graded: removed 0"), "\(all.stderr)")

        let split = try await iftdb(["export", "--format", "csv", "--min-score", "2", "--split", "train=0.5,valid=0.5", "--split-by", "pair", "--seed", "3", "-o", "splits"], in: folder.path)
        #expect(split.status == 0, "\(split.stderr)")
        let rows = try ["train", "valid"].map { try String(contentsOfFile: folder.file("splits/\($0).csv"), encoding: .utf8).split(separator: "\r\n").count - 1 }
        #expect(rows.reduce(0, +) == 3)

        #expect(try await iftdb(["dataset", "save", "every"], in: folder.path).status == 0)
        let fromDataset = try await iftdb(["export", "--format", "jsonl", "--dataset", "every", "--min-score", "4", "--exclude-flagged"], in: folder.path)
        #expect(fromDataset.status == 0, "\(fromDataset.stderr)")
        #expect(try answerIDs(fromDataset.stdout) == [1, 2])

        let stats = try await iftdb(["stats", "--json", "--min-score", "4"], in: folder.path)
        let selection = (try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as! [String: Any])["selection"] as! [String: Any]
        #expect(selection["pairs"] as? Int == 2)
        #expect(selection["filters"] as? [String] == ["--min-score 4"])
    }

    @Test func judgeFlagsThatCannotWorkSayWhy() async throws {
        for command in [["export", "--format", "csv"], ["stats"], ["dataset", "save", "d"], ["diff", "answers@1", "answers@1"]] {
            let folder = try await store()
            for (arguments, text) in [
                (["--min-score", "6"], "--min-score must be from 1 to 5"),
                (["--min-score", "0.5"], "--min-score must be from 1 to 5"),
                (["--min-score", "nan"], "--min-score must be from 1 to 5"),
            ] {
                let result = try await iftdb(command + arguments, in: folder.path)
                #expect(result.status == 64, "\(command + arguments): \(result.stderr)")
                #expect(result.stderr.contains(text), "\(command + arguments): \(result.stderr)")
            }
            expectOneLineError(try await iftdb(command + ["--min-score", "3", "--judge", "answers"], in: folder.path),
                               containing: "prompt answers@1 is an answer prompt; --judge takes a judge prompt")
            expectOneLineError(try await iftdb(command + ["--min-score", "3", "--judge", "judge@7"], in: folder.path),
                               containing: "no prompt named 'judge' has version 7")
            expectOneLineError(try await iftdb(command + ["--judge-model", "qwen"], in: folder.path), containing: "no model named 'qwen'")
            try await sql("INSERT INTO models (id, name, params, created_at) VALUES (2, 'qwen', '{}', 'x')", in: folder)
            expectOneLineError(try await iftdb(command + ["--judge-model", "qwen"], in: folder.path),
                               containing: "no judgments by --judge-model qwen in this store (there are judgments by judge@1 with llama)")
        }
        // A store with no judgments names the command that makes them.
        let bare = try await store(judged: false)
        expectOneLineError(try await iftdb(["export", "--format", "csv", "--min-score", "3"], in: bare.path),
                           containing: "--min-score 3 needs judgments, and this store has none; make them with `iftdb generate judgments`")
        expectOneLineError(try await iftdb(["stats", "--judge", "judge"], in: bare.path), containing: "make them with `iftdb generate judgments`")
    }

    @Test func severalJudgesAreRefusedUntilNarrowed() async throws {
        let folder = try await store()
        try await addOtherJudges(folder)
        expectOneLineError(try await iftdb(["export", "--format", "csv", "--min-score", "3"], in: folder.path),
                           containing: "the selected pairs were graded by several judges (judge@1 with llama, judge@1 with qwen, judge@2 with llama); choose one with --judge and --judge-model")
        expectOneLineError(try await iftdb(["export", "--format", "csv", "--min-score", "3", "--judge", "judge@1"], in: folder.path),
                           containing: "several judges (judge@1 with llama, judge@1 with qwen); choose one with --judge-model")
        let narrowed = try await iftdb(["export", "--format", "jsonl", "--min-score", "3", "--judge", "judge@2"], in: folder.path)
        #expect(narrowed.status == 0, "\(narrowed.stderr)")
        #expect(try answerIDs(narrowed.stdout) == [1, 2])
        let qwen = try await iftdb(["export", "--format", "jsonl", "--min-score", "5", "--judge-model", "qwen"], in: folder.path)
        #expect(try answerIDs(qwen.stdout) == [3])
        // Only the judges of the selected pairs count: answers 4 and 5 only judge@1 with llama graded.
        let late = try await iftdb(["export", "--format", "jsonl", "--min-score", "1", "--since", "2026-01-03T10:00:04Z"], in: folder.path)
        #expect(late.status == 0, "\(late.stderr)")
        #expect(try answerIDs(late.stdout) == [4])
        // Judges exist, but none of them graded the selection.
        try await sql("UPDATE judgments SET answer_id = 1, sample = 9 WHERE answer_id = 4", in: folder)
        expectOneLineError(try await iftdb(["export", "--format", "csv", "--min-score", "1", "--since", "2026-01-03T10:00:04Z"], in: folder.path),
                           containing: "no judge graded the selected pairs (this store has judgments by judge@1 with llama, judge@1 with qwen, judge@2 with llama of other pairs)")
    }

    @Test func aDatasetSavedWithMinScorePinsTheJudgeAndExportsTheSameLater() async throws {
        let folder = try await store()
        let saved = try await iftdb(["dataset", "save", "good", "--min-score", "4"], in: folder.path)
        #expect(saved.status == 0, "\(saved.stderr)")
        #expect(saved.stderr.contains("--judge judge@1 --judge-model llama --min-score 4"), "\(saved.stderr)")
        let filter = try await iftdb(["sql", "SELECT filter FROM datasets WHERE name = 'good'"], in: folder.path)
        #expect(filter.stdout.contains(#"""judge"":{""min_score"":4,""model"":""llama"",""prompt"":{""name"":""judge"",""version"":1}}"#), "\(filter.stdout)")
        let direct = try await iftdb(["export", "--format", "openai", "--min-score", "4"], in: folder.path)
        let first = try await iftdb(["export", "--format", "openai", "--dataset", "good"], in: folder.path)
        // New judgments change what --min-score selects, not the frozen dataset.
        try await addOtherJudges(folder)
        try await sql("UPDATE judgments SET score = 1 WHERE answer_id = 2", in: folder)
        let later = try await iftdb(["export", "--format", "openai", "--dataset", "good"], in: folder.path)
        #expect(first.status == 0 && later.status == 0)
        #expect(first.stdout == direct.stdout)
        #expect(later.stdout == first.stdout)
        #expect(first.stdout.split(separator: "\n").count == 2)
        #expect(try await iftdb(["export", "--format", "openai", "--min-score", "4", "--judge", "judge@1", "--judge-model", "llama"], in: folder.path).stdout.split(separator: "\n").count == 1)
        let shown = try await iftdb(["dataset", "show", "good"], in: folder.path)
        #expect(shown.stdout.contains("--judge judge@1 --judge-model llama --min-score 4"), "\(shown.stdout)")
    }

    @Test func jsonlWithQualityListsEveryJudgmentAndWithoutItTheBytesStay() async throws {
        let folder = try await store()
        let bare = try await store(judged: false)
        // Judgments change nothing in an export that does not ask for them.
        let plain = try await iftdb(["export", "--format", "jsonl"], in: folder.path)
        #expect(plain.stdout == (try await iftdb(["export", "--format", "jsonl"], in: bare.path)).stdout)
        #expect(!plain.stdout.contains("judgments"))
        try await addOtherJudges(folder)
        let with = try await iftdb(["export", "--format", "jsonl", "--with-quality"], in: folder.path)
        #expect(with.status == 0, "\(with.stderr)")
        let lines = with.stdout.split(separator: "\n")
        #expect(lines[0].hasSuffix(#","judgments":[{"prompt":"judge@1","model":"llama","score":5,"reason":"States the fee the text gives."},{"prompt":"judge@1","model":"llama","score":4,"reason":"Right, but terse."},{"prompt":"judge@2","model":"llama","score":3,"reason":"r"}]}"#), "\(lines[0])")
        #expect(lines[1].contains(#"{"prompt":"judge@1","model":"llama","score":4,"reason":"Grounded and answers the question, \"10% off\"."}"#), "\(lines[1])")
        #expect(lines[2].hasSuffix(#""judgments":[{"prompt":"judge@1","model":"llama","score":2,"reason":"The text names no January 31."},{"prompt":"judge@1","model":"qwen","score":5,"reason":"r"}]}"#), "\(lines[2])")
        #expect(lines[3].hasSuffix(#""judgments":[{"prompt":"judge@1","model":"llama","score":1,"reason":null}]}"#), "\(lines[3])")
        #expect(lines[4].hasSuffix(#""judgments":[]}"#), "\(lines[4])")
        for (a, b) in zip(plain.stdout.split(separator: "\n"), lines) { #expect(b.hasPrefix(a.dropLast())) }
        // With a split too, and each line is JSON.
        let split = try await iftdb(["export", "--format", "jsonl", "--with-quality", "--split", "a=0.5,b=0.5", "--split-by", "pair", "-o", "parts"], in: folder.path)
        #expect(split.status == 0, "\(split.stderr)")
        for part in ["a", "b"] {
            for line in try String(contentsOfFile: folder.file("parts/\(part).jsonl"), encoding: .utf8).split(separator: "\n") {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                #expect(object?["judgments"] is [Any])
            }
        }
    }

    @Test func showListsAnAnswersJudgments() async throws {
        let folder = try await store()
        let shown = try await iftdb(["show", "answer:1"], in: folder.path)
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.hasSuffix("""
            judgments (score 1 to 5)
              judge@1 with llama, sample 1: 5 · States the fee the text gives. · run 3, call 3, 2026-01-04T10:00:01.000Z
              judge@1 with llama, sample 2: 4 · Right, but terse. · run 3, call 3, 2026-01-04T10:00:02.000Z

            """), "\(shown.stdout)")
        #expect(try await iftdb(["show", "answer:4"], in: folder.path).stdout.contains("judge@1 with llama, sample 1: 1 · (no reason given)"))
        #expect(try await iftdb(["show", "answer:5"], in: folder.path).stdout.hasSuffix("judgments: none\n"))

        let json = try await iftdb(["show", "answer:1", "--json"], in: folder.path)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        let judgments = try #require(object["judgments"] as? [[String: Any]], "\(json.stdout)")
        #expect(judgments.map { $0["score"] as? Int } == [5, 4])
        #expect(judgments[0]["prompt"] as? String == "judge@1" && judgments[0]["model"] as? String == "llama")
        #expect(judgments[1]["sample"] as? Int == 2 && judgments[1]["run_id"] as? Int == 3 && judgments[1]["call_id"] as? Int == 3)
        #expect(judgments[1]["reason"] as? String == "Right, but terse.")
        let four = try JSONSerialization.jsonObject(with: Data(try await iftdb(["show", "answer:4", "--json"], in: folder.path).stdout.utf8)) as! [String: Any]
        #expect((four["judgments"] as? [[String: Any]])?.first?["reason"] is NSNull)
        let question = try await iftdb(["show", "question:1", "--json"], in: folder.path)
        #expect(!question.stdout.contains("\"judgments\""))
    }

    func stats(_ arguments: [String], in folder: TemporaryFolder) async throws -> (selection: [String: Any], group: [String: Any]) {
        let result = try await iftdb(["stats", "--json"] + arguments, in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        return (object["selection"] as! [String: Any], (object["groups"] as! [[String: Any]])[0])
    }

    @Test func statsShowTheJudgesMeanScoreAndHistogramPerRow() async throws {
        let folder = try await store()
        // The one judge in the store: a mean of the pairs' means ((4.5 + 4 + 2 + 1) / 4), and
        // its five judgments by score.
        let (selection, group) = try await stats([], in: folder)
        #expect(selection["judge"] as? String == "judge@1 with llama")
        #expect(group["judged"] as? Int == 4)
        #expect(group["mean_score"] as? Double == 2.875)
        #expect(group["score_histogram"] as? [Int] == [1, 1, 0, 2, 1])
        let text = try await iftdb(["stats"], in: folder.path)
        #expect(text.stdout.contains("scores     from judge@1 with llama\n"), "\(text.stdout)")
        #expect(text.stdout.contains("judged  mean score  scores 1/2/3/4/5") && text.stdout.contains("4       2.88        1/1/0/2/1"), "\(text.stdout)")
        let filtered = try await stats(["--min-score", "4"], in: folder)
        #expect(filtered.group["mean_score"] as? Double == 4.25 && filtered.group["score_histogram"] as? [Int] == [0, 0, 0, 2, 1])

        // Several judges and none chosen: no scores, and the judges named.
        try await addOtherJudges(folder)
        let several = try await stats([], in: folder)
        #expect(several.selection["judge"] is NSNull)
        #expect(several.selection["several_judges"] as? [String] == ["judge@1 with llama", "judge@1 with qwen", "judge@2 with llama"])
        #expect(several.group["mean_score"] is NSNull && several.group["judged"] as? Int == 0 && several.group["score_histogram"] as? [Int] == [0, 0, 0, 0, 0])
        let severalText = try await iftdb(["stats"], in: folder.path)
        #expect(severalText.stdout.contains("choose one with --judge or --judge-model") && !severalText.stdout.contains("mean score"), "\(severalText.stdout)")
        // Choosing one keeps the pairs it graded and shows its scores.
        let second = try await stats(["--judge", "judge@2"], in: folder)
        #expect(second.selection["judge"] as? String == "judge@2 with llama" && second.selection["pairs"] as? Int == 2)
        #expect(second.group["mean_score"] as? Double == 3 && second.group["score_histogram"] as? [Int] == [0, 0, 2, 0, 0])
        // Only the judges of the selected pairs count.
        let late = try await stats(["--since", "2026-01-03T10:00:04Z"], in: folder)
        #expect(late.selection["judge"] as? String == "judge@1 with llama" && late.group["mean_score"] as? Double == 1)

        // A store without judgments.
        let bare = try await stats([], in: try await store(judged: false))
        #expect(bare.selection["judge"] is NSNull && bare.group["judged"] as? Int == 0 && bare.group["mean_score"] is NSNull)
    }

    /// answers@2 repeats answers 1-3 (11-13), with 13 shorter; the judge gave 11 and 13 a 5
    /// and did not grade 12.
    func addSecondAnswers(_ folder: TemporaryFolder) async throws {
        try await sql("""
            INSERT INTO prompts (id, name, version, role, template, sha256, created_at) VALUES (5, 'answers', 2, 'answer', 'x', 'p5', 'x');
            INSERT INTO runs (id, kind, prompt_id, model_id, endpoint, status, started_at) VALUES (6, 'answers', 5, 1, 'x', 'done', 'x');
            INSERT INTO answers (id, question_id, prompt_id, model_id, run_id, call_id, sample, text, created_at)
              SELECT id + 10, question_id, 5, 1, 6, 2, 1, text, '2026-01-05T10:00:00.000Z' FROM answers WHERE id <= 3;
            UPDATE answers SET text = 'It is due each January.' WHERE id = 13;
            INSERT INTO judgments (answer_id, prompt_id, model_id, run_id, call_id, sample, score, reason, created_at) VALUES
              (11, 3, 1, 3, 3, 1, 5, 'r', 'x'), (13, 3, 1, 3, 3, 1, 5, 'r', 'x');
            """, in: folder)
    }

    func json(_ arguments: [String], in folder: TemporaryFolder) async throws -> [String: Any] {
        let result = try await iftdb(arguments + ["--json"], in: folder.path)
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    }

    @Test func diffGivesEachSidesMeanScoreAndThePairsWhoseScoreChanged() async throws {
        let folder = try await store()
        try await addSecondAnswers(folder)
        let answers = try await json(["diff", "answers@1", "answers@2"], in: folder)
        #expect(answers["judge"] as? String == "judge@1 with llama")
        let (a, b) = (answers["a"] as! [String: Any], answers["b"] as! [String: Any])
        #expect(a["judged"] as? Int == 4 && a["mean_score"] as? Double == 2.875)
        #expect(b["judged"] as? Int == 2 && b["mean_score"] as? Double == 5)
        // Answer 1 (4.5 -> 5) and answer 3 (2 -> 5); answer 12 is not graded.
        #expect((answers["summary"] as! [String: Any])["score_changed"] as? Int == 2)

        let listed = try await json(["diff", "answers@1", "answers@2", "--show", "score-changed"], in: folder)
        let items = listed["items"] as! [[String: Any]]
        #expect(items.map { ($0["a"] as! [String: Any])["answer_id"] as? Int } == [1, 3])
        #expect(items.map { ($0["a"] as! [String: Any])["score"] as? Double } == [4.5, 2])
        #expect(items.map { ($0["b"] as! [String: Any])["score"] as? Double } == [5, 5])
        let text = try await iftdb(["diff", "answers@1", "answers@2", "--show", "score-changed"], in: folder.path)
        #expect(text.stdout.contains("  graded by judge@1 with llama          4         2\n  mean score                         2.88      5.00\n"), "\(text.stdout)")
        #expect(text.stdout.contains("  score changed                         2\n"), "\(text.stdout)")
        #expect(text.stdout.contains("  A answer:3 (score 2.00): It is due each January, by January 31.\n  B answer:13 (score 5.00): It is due each January.\n"), "\(text.stdout)")

        // A judge filter narrows both sides, by the judge's scores.
        let good = try await json(["diff", "answers@1", "answers@2", "--min-score", "4"], in: folder)
        #expect((good["a"] as! [String: Any])["mean_score"] as? Double == 4.25)
        #expect((good["summary"] as! [String: Any])["score_changed"] as? Int == 1)

        // Two filter sets match by content and compare scores the same way.
        let sets = try await json(["diff", "--a-answer-prompt", "answers@1", "--b-answer-prompt", "answers@2", "--show", "score-changed"], in: folder)
        #expect(sets["judge"] as? String == "judge@1 with llama")
        #expect((sets["summary"] as! [String: Any])["score_changed"] as? Int == 2)
        #expect((sets["b"] as! [String: Any])["mean_score"] as? Double == 5)
        #expect((sets["items"] as! [[String: Any]]).map { ($0["b"] as! [String: Any])["score"] as? Double } == [5, 5])
        // So do two datasets; without a judge in common there are no scores.
        #expect(try await iftdb(["dataset", "save", "one", "--answer-prompt", "answers@1"], in: folder.path).status == 0)
        #expect(try await iftdb(["dataset", "save", "two", "--answer-prompt", "answers@2"], in: folder.path).status == 0)
        #expect((try await json(["diff", "dataset:one", "dataset:two"], in: folder)["summary"] as! [String: Any])["score_changed"] as? Int == 2)
        try await addOtherJudges(folder)
        let unscored = try await json(["diff", "answers@1", "answers@2"], in: folder)
        #expect(unscored["judge"] == nil && (unscored["a"] as! [String: Any])["mean_score"] == nil)
        expectOneLineError(try await iftdb(["diff", "answers@1", "answers@2", "--show", "score-changed"], in: folder.path),
                           containing: "--show score-changed needs one judge's scores")
        let chosen = try await json(["diff", "answers@1", "answers@2", "--judge", "judge@2"], in: folder)
        #expect((chosen["a"] as! [String: Any])["mean_score"] as? Double == 3)
        // Judge prompts are not diffed; judge filters are about answers.
        expectOneLineError(try await iftdb(["diff", "judge@1", "judge@2"], in: folder.path), containing: "judge@1 is a judge prompt")
        expectOneLineError(try await iftdb(["diff", "questions@1", "questions@1", "--min-score", "3", "--judge", "judge@1", "--judge-model", "llama"], in: folder.path),
                           containing: "pairs judge@1 with llama has not graded is about answers")
        #expect(try await iftdb(["diff", "questions@1", "questions@1", "--show", "score-changed"], in: folder.path).status != 0)
    }
}
