import Foundation
import TestSupport
import Testing

/// The quality checks from the command line, on `Tests/Fixtures/quality/quality-store.sql`:
/// answers 1 and 2 are good, 3 invents a date, 4 is boilerplate about nothing, 5 is
/// "I don't know".
@Suite struct QualityCommandTests {
    func store() async throws -> TemporaryFolder { try await initializedStore(loading: ["quality/quality-store.sql"]) }

    @Test func excludeFlaggedKeepsPassingPairsAndComposesWithTheOtherFilters() async throws {
        let folder = try await store()
        let all = try await iftdb(["export", "--format", "jsonl"], in: folder.path)
        #expect(try answerIDs(all.stdout) == [1, 2, 3, 4, 5])

        // "I don't know" is not judged: --exclude-flagged keeps it, --exclude-idk drops it.
        let flagged = try await iftdb(["export", "--format", "jsonl", "--exclude-flagged"], in: folder.path)
        #expect(flagged.status == 0, "\(flagged.stderr)")
        #expect(try answerIDs(flagged.stdout) == [1, 2, 5])
        #expect(flagged.stderr.contains("--exclude-flagged (pairs a quality check flags): removed 2"), "\(flagged.stderr)")

        let both = try await iftdb(["export", "--format", "jsonl", "--exclude-idk", "--exclude-flagged", "--dedupe"], in: folder.path)
        #expect(try answerIDs(both.stdout) == [1, 2])

        // Answer 3 fails two checks: allowing one is not enough.
        let oneAllowed = try await iftdb(["export", "--format", "jsonl", "--exclude-flagged", "--allow-flag", "answer-numbers", "--exclude-idk"], in: folder.path)
        #expect(try answerIDs(oneAllowed.stdout) == [1, 2])
        let allowed = try await iftdb(["export", "--format", "jsonl", "--exclude-flagged", "--allow-flag", "answer-numbers", "--allow-flag", "answer-supported", "--exclude-idk"], in: folder.path)
        #expect(try answerIDs(allowed.stdout) == [1, 2, 3])
        #expect(allowed.stderr.contains("--exclude-flagged --allow-flag answer-supported --allow-flag answer-numbers"), "\(allowed.stderr)")

        // Support: "$40." has one term, found; a threshold of 1 still keeps it.
        let strict = try await iftdb(["export", "--format", "jsonl", "--exclude-flagged", "--min-support", "1", "--exclude-idk"], in: folder.path)
        #expect(try answerIDs(strict.stdout) == [1, 2])

        let split = try await iftdb(["export", "--format", "csv", "--exclude-flagged", "--exclude-idk", "--split", "train=0.5,valid=0.5", "--split-by", "pair", "--seed", "3", "-o", "splits"], in: folder.path)
        #expect(split.status == 0, "\(split.stderr)")
        let rows = try ["train", "valid"].map { try String(contentsOfFile: folder.file("splits/\($0).csv"), encoding: .utf8).split(separator: "\r\n").count - 1 }
        #expect(rows == [1, 1])
    }

    @Test func qualityFlagsWithoutExcludeFlaggedOrOutOfRangeAreUsageErrors() async throws {
        let folder = try await store()
        for (arguments, text) in [
            (["--allow-flag", "answer-form"], "--allow-flag only changes --exclude-flagged"),
            (["--min-support", "0.5"], "--min-support only changes --exclude-flagged"),
            (["--exclude-flagged", "--min-support", "1.5"], "--min-support must be from 0 to 1"),
            (["--exclude-flagged", "--min-support=-0.1"], "--min-support must be from 0 to 1"),
            (["--exclude-flagged", "--min-support", "nan"], "--min-support must be from 0 to 1"),
            (["--exclude-flagged", "--allow-flag", "answer-length"], "the checks are question-form, question-grounded, answer-supported, answer-numbers, answer-form"),
        ] {
            for command in [["export", "--format", "csv"], ["stats"], ["dataset", "save", "d"]] {
                let result = try await iftdb(command + arguments, in: folder.path)
                #expect(result.status == 64, "\(command + arguments): \(result.stderr)")
                #expect(result.stderr.contains(text), "\(command + arguments): \(result.stderr)")
            }
        }
        let jsonOnly = try await iftdb(["export", "--format", "csv", "--with-quality"], in: folder.path)
        #expect(jsonOnly.status == 64)
        #expect(!FileManager.default.fileExists(atPath: folder.file("splits")))
    }

    @Test func sqlHasPairFlagsAndAnswerSupport() async throws {
        let folder = try await store()
        let result = try await iftdb(["sql", "--json", """
            SELECT a.id, pair_flags(q.text, a.text, c.text) AS flags, answer_support(a.text, c.text) AS support,
                   pair_flags(q.text, a.text, c.text, 0) AS lenient
            FROM answers a JOIN questions q ON q.id = a.question_id JOIN chunks c ON c.id = q.chunk_id ORDER BY a.id
            """], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [[String: Any]]
        #expect(rows.map { $0["flags"] as? String } == [nil, nil, "answer-supported,answer-numbers", "question-grounded,answer-form", nil])
        #expect(rows[0]["support"] as? Double == 1)
        #expect(rows[2]["support"] as? Double == 0.5)
        #expect(rows[4]["support"] is NSNull)
        #expect(rows[2]["lenient"] as? String == "answer-numbers")

        // NULL in, NULL out; text that is not UTF-8 is read with replacement characters, not refused.
        let odd = try await iftdb(["sql", "--csv", "SELECT pair_flags(NULL, 'b', 'c') IS NULL, answer_support('x', NULL) IS NULL, pair_flags('Why is it so?', CAST(x'ff00fe' AS TEXT), 'It is so.') IS NOT NULL"], in: folder.path)
        #expect(odd.status == 0, "\(odd.stderr)")
        #expect(odd.stdout.hasSuffix("1,1,1\r\n"), "\(odd.stdout)")  // RFC 4180 rows end in CRLF
        let bad = try await iftdb(["sql", "SELECT pair_flags('a?', 'b', 'c', 7)"], in: folder.path)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--min-support must be from 0 to 1"), "\(bad.stderr)")
    }

    @Test func statsShowTheFlaggedShareAndACountPerCheck() async throws {
        let folder = try await store()
        let json = try await iftdb(["stats", "--json"], in: folder.path)
        #expect(json.status == 0, "\(json.stderr)")
        let stats = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        let group = (stats["groups"] as! [[String: Any]])[0]
        #expect(group["flagged"] as? Int == 2)
        #expect(group["flagged_rate"] as? Double == 0.4)
        #expect(group["flags"] as? [String: Int] == ["question-form": 0, "question-grounded": 1, "answer-supported": 1, "answer-numbers": 1, "answer-form": 1])
        let text = try await iftdb(["stats"], in: folder.path)
        #expect(text.stdout.contains("flagged") && text.stdout.contains("40.0%") && text.stdout.contains("0/1/1/1/1"), "\(text.stdout)")
    }

    @Test func showMarksTheTermsTheChunkLacks() async throws {
        let folder = try await store()
        let shown = try await iftdb(["show", "answer:3"], in: folder.path)
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("answer-numbers     FLAGGED · not in the chunk: --01-31"), "\(shown.stdout)")
        #expect(shown.stdout.contains("support 0.50"))
        #expect(shown.stdout.contains("terms the chunk lacks: It is due each January, by ⟦January 31⟧."), "\(shown.stdout)")
        let idk = try await iftdb(["show", "answer:5"], in: folder.path)
        #expect(idk.stdout.contains("not judged"))

        let json = try await iftdb(["show", "answer:3", "--json"], in: folder.path)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        let quality = try #require(object["quality"] as? [String: Any], "\(json.stdout)")
        #expect(quality["flags"] as? [String] == ["answer-supported", "answer-numbers"])
        #expect(quality["support"] as? Double == 0.5)
        #expect(quality["unsupported_terms"] as? [String] == ["January 31"])
        #expect(quality["unsupported_numbers"] as? [String] == ["--01-31"])
        #expect(quality["checks_version"] as? Int == 1 && quality["judged"] as? Bool == true)
        let question = try await iftdb(["show", "question:3", "--json"], in: folder.path)
        #expect(!question.stdout.contains("\"quality\""))
    }

    @Test func jsonlWithQualityAddsFlagsAndSupportAndWithoutItTheBytesStay() async throws {
        let folder = try await store()
        let plain = try await iftdb(["export", "--format", "jsonl"], in: folder.path)
        #expect(!plain.stdout.contains("\"flags\""))
        let with = try await iftdb(["export", "--format", "jsonl", "--with-quality"], in: folder.path)
        let lines = with.stdout.split(separator: "\n")
        #expect(lines[3].hasSuffix(",\"flags\":[\"question-grounded\",\"answer-form\"],\"support\":1.0,\"judgments\":[]}"), "\(lines[3])")
        #expect(lines[0].hasSuffix(",\"flags\":[],\"support\":1.0,\"judgments\":[]}"), "\(lines[0])")
        #expect(lines[4].hasSuffix(",\"flags\":[],\"support\":null,\"judgments\":[]}"), "\(lines[4])")
        // The fields before are the plain export's.
        for (a, b) in zip(plain.stdout.split(separator: "\n"), lines) { #expect(b.hasPrefix(a.dropLast())) }
    }

    @Test func aDatasetSavedWithExcludeFlaggedRecordsTheChecksVersionAndExportsTheSameLater() async throws {
        let folder = try await store()
        let saved = try await iftdb(["dataset", "save", "clean", "--exclude-flagged", "--exclude-idk", "--allow-flag", "answer-form"], in: folder.path)
        #expect(saved.status == 0, "\(saved.stderr)")
        let filter = try await iftdb(["sql", "SELECT filter FROM datasets WHERE name = 'clean'"], in: folder.path)
        #expect(filter.stdout.contains(#"""quality"":{""allowed"":[""answer-form""],""checks_version"":1,""min_support"":0.6}"#), "\(filter.stdout)")
        let direct = try await iftdb(["export", "--format", "openai", "--exclude-flagged", "--exclude-idk", "--allow-flag", "answer-form"], in: folder.path)
        let first = try await iftdb(["export", "--format", "openai", "--dataset", "clean"], in: folder.path)
        // A pair the checks would flag today stays in the frozen dataset: change a chunk's text.
        let changed = try await runProgram("sqlite3", ["iftdb.sqlite", "UPDATE chunks SET text = 'Nothing about fees.'"], in: folder.path)
        #expect(changed.status == 0)
        let later = try await iftdb(["export", "--format", "openai", "--dataset", "clean"], in: folder.path)
        #expect(first.status == 0 && later.status == 0)
        #expect(first.stdout == direct.stdout)
        #expect(later.stdout == first.stdout)
        #expect(first.stdout.split(separator: "\n").count == 2)
        let shown = try await iftdb(["dataset", "show", "clean"], in: folder.path)
        #expect(shown.stdout.contains("--exclude-flagged --allow-flag answer-form"), "\(shown.stdout)")
    }

    /// Adds prompt answers@2 (id 3, run 3) with, for each answer of answers@1 that `where`
    /// keeps, an answer whose text is the SQL expression `text` over that answer's row.
    func addAnswersV2(in folder: TemporaryFolder, text: String, where condition: String = "1") async throws {
        let sql = """
            INSERT INTO prompts (id, name, version, role, system, template, sha256, created_at) VALUES (3, 'answers', 2, 'answer', NULL, 'x', 'p3', '2026-01-01T09:00:00.000Z');
            INSERT INTO runs (id, kind, prompt_id, model_id, endpoint, status, started_at) VALUES (3, 'answers', 3, 1, 'x', 'done', '2026-01-05T10:00:00.000Z');
            INSERT INTO answers (id, question_id, prompt_id, model_id, run_id, call_id, sample, text, created_at)
              SELECT id + 10, question_id, 3, 1, 3, 2, 1, \(text), '2026-01-05T10:00:00.000Z' FROM answers WHERE \(condition);
            """
        let added = try await runProgram("sqlite3", ["iftdb.sqlite"], in: folder.path, stdin: Data(sql.utf8))
        #expect(added.status == 0, "\(added.stderr)")
    }

    @Test func diffTakesTheQualityFilters() async throws {
        let folder = try await store()
        // answers@2 repeats answers 1-3 of answers@1.
        try await addAnswersV2(in: folder, text: "text", where: "id <= 3")
        // An answer diff reads only answers unless a condition needs more: the checks read the
        // question and the chunk too (before: "no such column: q.text").
        let diff = try await iftdb(["diff", "answers@1", "answers@2", "--exclude-flagged", "--json"], in: folder.path)
        #expect(diff.status == 0, "\(diff.stderr)")
        #expect(diff.stdout.contains("\"only_a\":1"), "\(diff.stdout)")
        let questions = try await iftdb(["diff", "questions@1", "questions@1", "--exclude-flagged"], in: folder.path)
        // As for every answer-level filter (--exclude-idk too): refused, naming the flag.
        #expect(questions.status != 0)
        #expect(questions.stderr.contains("--exclude-flagged (pairs a quality check flags) is about answers"), "\(questions.stderr)")
    }

    @Test func diffSummariesCountEachSidesFlaggedAnswers() async throws {
        let folder = try await store()
        // answers@2 answers question 3 from the chunk, without answer 3's invented date, and
        // question 4 without boilerplate; it keeps answers 1, 2 and 5. Question 4 itself is
        // not grounded in the chunk, so its pair stays flagged on both sides.
        try await addAnswersV2(
            in: folder, text: "CASE id WHEN 3 THEN 'It is due each January.' WHEN 4 THEN 'The annual membership fee is $40.' ELSE text END")
        func side(_ json: String, _ name: String) throws -> [String: Any] {
            let object = try JSONSerialization.jsonObject(with: Data(json.split(separator: "\n")[0].utf8)) as! [String: Any]
            return object[name] as! [String: Any]
        }
        let diff = try await iftdb(["diff", "answers@1", "answers@2", "--json"], in: folder.path)
        #expect(diff.status == 0, "\(diff.stderr)")
        #expect(try side(diff.stdout, "a")["flagged"] as? Int == 2, "\(diff.stdout)")
        #expect(try side(diff.stdout, "b")["flagged"] as? Int == 1, "\(diff.stdout)")
        #expect(try side(diff.stdout, "a")["flagged_rate"] as? Double == 0.4, "\(diff.stdout)")
        let text = try await iftdb(["diff", "answers@1", "answers@2"], in: folder.path)
        #expect(text.stdout.contains("flagged (quality checks)"), "\(text.stdout)")

        // With --exclude-flagged the flagged answers are gone from the counts.
        let allowed = try await iftdb(["diff", "answers@1", "answers@2", "--exclude-flagged", "--allow-flag", "answer-form", "--json"], in: folder.path)
        #expect(try side(allowed.stdout, "a")["flagged"] as? Int == 0, "\(allowed.stdout)")
        #expect(try side(allowed.stdout, "a")["answers"] as? Int == 3, "\(allowed.stdout)")

        // Filter sets: each side judged with its own settings.
        let sets = try await iftdb(["diff", "--a-answer-prompt", "answers@1", "--b-answer-prompt", "answers@2", "--json"], in: folder.path)
        #expect(sets.status == 0, "\(sets.stderr)")
        #expect(try side(sets.stdout, "a")["flagged"] as? Int == 2, "\(sets.stdout)")
        #expect(try side(sets.stdout, "b")["flagged"] as? Int == 1, "\(sets.stdout)")
    }
}
