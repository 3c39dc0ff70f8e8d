import Foundation
import IFTSQLite
import Testing
@testable import IFTStore

/// `--split`: stable, hash-based assignment on a store of 10,000 pairs made by SQL inserts.
@Suite struct SplitTests {
    /// Sources `range` (ids and paths `docNNNN.txt`), 10 chunks each, 5 questions per chunk,
    /// one answer per question: 50 pairs per source. Ids are derived from the source number,
    /// so adding a later range keeps every earlier id.
    static func addPairs(sources range: ClosedRange<Int>, to db: Connection) throws {
        let lo = range.lowerBound, hi = range.upperBound
        try db.execute("""
            INSERT OR IGNORE INTO models (id, name, params, created_at) VALUES (1, 'm', '{}', 't');
            INSERT OR IGNORE INTO chunkings (id, method, size, step, created_at, last_used_at) VALUES (1, 'window', 100, 100, 't', 't');
            INSERT OR IGNORE INTO runs (id, kind, prompt_id, model_id, endpoint, status, started_at)
                VALUES (1, 'questions', (SELECT id FROM prompts WHERE name = 'questions'), 1, 'x', 'done', 't'),
                       (2, 'answers', (SELECT id FROM prompts WHERE name = 'answers'), 1, 'x', 'done', 't');
            INSERT OR IGNORE INTO calls (id, run_id, request, started_at) VALUES (1, 1, '{}', 't'), (2, 2, '{}', 't');
            WITH RECURSIVE n(i) AS (SELECT \(lo) UNION ALL SELECT i + 1 FROM n WHERE i < \(hi))
            INSERT INTO sources (id, path, version, status, text, sha256, bytes, chars, root, loaded_at)
            SELECT i, printf('doc%04d.txt', i), 1, 'present', 'text ' || i, 'hs' || i, 9, 9, 'docs', 't' FROM n;
            WITH RECURSIVE n(i) AS (SELECT \(lo * 10) UNION ALL SELECT i + 1 FROM n WHERE i < \(hi * 10 + 9))
            INSERT INTO chunks (id, source_id, chunking_id, ordinal, start, end, text, sha256)
            SELECT i, i / 10, 1, i % 10, 0, 5, 'chunk ' || i, 'hc' || i FROM n;
            WITH RECURSIVE n(i) AS (SELECT \(lo * 50) UNION ALL SELECT i + 1 FROM n WHERE i < \(hi * 50 + 49))
            INSERT INTO questions (id, chunk_id, prompt_id, model_id, run_id, call_id, sample, ordinal, text, normalized, created_at)
            SELECT i, i / 5, (SELECT id FROM prompts WHERE name = 'questions'), 1, 1, 1, 1, i % 5, 'Question ' || i || '?', 'question ' || i, 't' FROM n;
            WITH RECURSIVE n(i) AS (SELECT \(lo * 50) UNION ALL SELECT i + 1 FROM n WHERE i < \(hi * 50 + 49))
            INSERT INTO answers (id, question_id, prompt_id, model_id, run_id, call_id, sample, text, created_at)
            SELECT i, i, (SELECT id FROM prompts WHERE name = 'answers'), 1, 2, 2, 1, 'Answer ' || i, 't' FROM n;
            """)
    }

    struct Assigned {
        /// answer id → split name.
        var splitOf: [Int: String] = [:]
        /// split name → source paths and chunk ids seen there.
        var sources: [String: Set<String>] = [:]
        var chunks: [String: Set<Int>] = [:]
        var bytes: [String: Data] = [:]
    }

    /// Exports with `--split` into a fresh folder and reads back where each pair went.
    static func split(_ store: PairStoreFixture, spec: String = "train=0.8,valid=0.1,test=0.1", seed: UInt64 = 0, unit: SplitUnit) throws -> Assigned {
        let folder = store.folder.file("split-\(UUID().uuidString)")
        let summary = try exportPairs(
            storePath: store.path, filter: PairFilter(), options: ExportOptions(format: .jsonl), output: folder,
            split: ExportSplit(spec: try SplitSpec(parsing: spec), seed: seed, unit: unit))
        var assigned = Assigned()
        for file in summary.splits {
            let data = try Data(contentsOf: URL(fileURLWithPath: file.path))
            assigned.bytes[file.name] = data
            var count = 0
            for line in data.split(separator: UInt8(ascii: "\n")) {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
                let answer = try #require(object["answer_id"] as? Int)
                assigned.splitOf[answer] = file.name
                assigned.sources[file.name, default: []].insert(try #require(object["source_path"] as? String))
                assigned.chunks[file.name, default: []].insert(try #require(object["chunk_id"] as? Int))
                count += 1
            }
            #expect(count == file.pairs)
        }
        return assigned
    }

    static func share(_ assigned: Assigned, _ name: String) -> Double {
        Double(assigned.splitOf.values.filter { $0 == name }.count) / Double(assigned.splitOf.count)
    }

    @Test func tenThousandPairsSplitCloseToTheRatiosTheSameEveryTimeAndNothingMovesWhenDataIsAdded() throws {
        let store = try PairStoreFixture(loaded: false)
        try Self.addPairs(sources: 1...200, to: store.db)
        #expect(try store.db.scalarInt("SELECT count(*) FROM answers") == 10_000)

        // Tolerances (absolute share): pair ±0.015 (10,000 units, 5σ for 0.1), chunk ±0.03
        // (2,000 units, 4.5σ), source ±0.08 (200 units, 3.8σ).
        let tolerance: [SplitUnit: Double] = [.pair: 0.015, .chunk: 0.03, .source: 0.08]
        for unit in SplitUnit.allCases {
            let first = try Self.split(store, unit: unit)
            #expect(first.splitOf.count == 10_000)
            for (name, ratio) in [("train", 0.8), ("valid", 0.1), ("test", 0.1)] {
                let share = Self.share(first, name)
                #expect(abs(share - ratio) <= tolerance[unit] ?? 0, "\(unit) \(name): \(share) for \(ratio)")
            }
            let again = try Self.split(store, unit: unit)
            #expect(again.bytes == first.bytes, "\(unit): the same files every time")
            if unit == .source {
                // No source in two splits.
                let all = first.sources.values.flatMap { $0 }
                #expect(all.count == Set(all).count)
            }
            if unit == .chunk {
                let all = first.chunks.values.flatMap { $0 }
                #expect(all.count == Set(all).count)
            }
            let otherSeed = try Self.split(store, seed: 7, unit: unit)
            #expect(otherSeed.splitOf != first.splitOf, "\(unit): the seed changes the assignment")
        }

        var before: [SplitUnit: Assigned] = [:]
        for unit in SplitUnit.allCases { before[unit] = try Self.split(store, unit: unit) }
        // 20 % more data: 40 new sources, 2,000 pairs.
        try Self.addPairs(sources: 201...240, to: store.db)
        #expect(try store.db.scalarInt("SELECT count(*) FROM answers") == 12_000)
        for unit in SplitUnit.allCases {
            let after = try Self.split(store, unit: unit)
            #expect(after.splitOf.count == 12_000)
            let moved = before[unit]?.splitOf.filter { after.splitOf[$0.key] != $0.value } ?? [:]
            #expect(moved.isEmpty, "\(unit): \(moved.count) earlier pairs moved")
            if unit == .source {
                let all = after.sources.values.flatMap { $0 }
                #expect(all.count == Set(all).count)
            }
        }
    }

    @Test func aSourceSplitSurvivesANewVersionOfTheSource() throws {
        let store = try PairStoreFixture(loaded: false)
        try Self.addPairs(sources: 1...20, to: store.db)
        let before = try Self.split(store, spec: "train=0.5,valid=0.5", unit: .source)
        // doc0001.txt gets version 2 with one chunk, question and answer: it keeps its split.
        try store.db.execute("""
            INSERT INTO sources (id, path, version, status, text, sha256, bytes, chars, root, loaded_at) VALUES (9001, 'doc0001.txt', 2, 'present', 'new', 'n', 3, 3, 'docs', 't');
            INSERT INTO chunks (id, source_id, chunking_id, ordinal, start, end, text, sha256) VALUES (90010, 9001, 1, 0, 0, 3, 'new', 'hn');
            INSERT INTO questions (id, chunk_id, prompt_id, model_id, run_id, call_id, sample, ordinal, text, normalized, created_at)
                VALUES (900100, 90010, (SELECT id FROM prompts WHERE name = 'questions'), 1, 1, 1, 1, 0, 'New?', 'new', 't');
            INSERT INTO answers (id, question_id, prompt_id, model_id, run_id, call_id, sample, text, created_at)
                VALUES (900100, 900100, (SELECT id FROM prompts WHERE name = 'answers'), 1, 2, 2, 1, 'New.', 't');
            """)
        let after = try Self.split(store, spec: "train=0.5,valid=0.5", unit: .source)
        let oldSplit = try #require(before.sources.first { $0.value.contains("doc0001.txt") }?.key)
        #expect(after.splitOf[900100] == oldSplit)
    }

    @Test func specsAreParsedStrictly() throws {
        let good = try SplitSpec(parsing: "train=0.9,valid=0.1")
        #expect(good.parts.map(\.name) == ["train", "valid"])
        _ = try SplitSpec(parsing: "a=0.3333333333,b=0.3333333333,c=0.3333333334")
        for bad in ["train=0.9,valid=0.2", "train=0.9", "train=0.5,train=0.5", "train=0.5,valid", "train=x,valid=0.5",
                    "train=0,valid=1", "tr ain=0.5,valid=0.5", "a/b=0.5,c=0.5", "", "train=0.9,valid=0.1,"] {
            #expect(throws: SelectionError.self, "\(bad)") { try SplitSpec(parsing: bad) }
        }
        // Sums within 1e-9 count as 1.
        _ = try SplitSpec(parsing: "a=0.7,b=0.2,c=0.1")
        // The same unit and seed always land in the same part; the point is a real hash.
        #expect(good.part(forUnit: "docs/a.md", seed: 1) == good.part(forUnit: "docs/a.md", seed: 1))
        let points = (0..<1000).map { i in Array("u\(i)".utf8).withUnsafeBufferPointer { SplitSpec.point(forUnit: $0, seed: 0) } }
        #expect(points.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(Set(points).count == 1000)
    }
}
