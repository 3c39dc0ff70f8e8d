import Foundation
import IFTSQLite
import TestSupport
import Testing
@testable import IFTStore

/// A small RFC 4180 reader: quoted fields with doubled quotes, commas, CR/LF inside quotes,
/// CRLF or LF record ends, UTF-8 throughout.
func readCSV(_ text: String) throws -> [[String]] {
    enum CSVError: Error { case quoteInUnquotedField, unterminatedQuote, textAfterQuote }
    var records: [[String]] = []
    var record: [String] = []
    var field = ""
    var scalars = Array(text.unicodeScalars)[...]
    var fieldStarted = false
    while let scalar = scalars.popFirst() {
        switch scalar {
        case "\"" where !fieldStarted && field.isEmpty:
            fieldStarted = true
            var closed = false
            while let inner = scalars.popFirst() {
                if inner == "\"" {
                    if scalars.first == "\"" { scalars.removeFirst(); field.unicodeScalars.append("\"") } else { closed = true; break }
                } else {
                    field.unicodeScalars.append(inner)
                }
            }
            guard closed else { throw CSVError.unterminatedQuote }
            if let next = scalars.first, next != ",", next != "\r", next != "\n" { throw CSVError.textAfterQuote }
        case "\"":
            throw CSVError.quoteInUnquotedField
        case ",":
            record.append(field); field = ""; fieldStarted = false
        case "\r" where scalars.first == "\n":
            break
        case "\n", "\r":
            record.append(field); records.append(record)
            record = []; field = ""; fieldStarted = false
        default:
            fieldStarted = true
            field.unicodeScalars.append(scalar)
        }
    }
    if fieldStarted || !record.isEmpty { record.append(field); records.append(record) }
    return records
}

@Suite struct PairExporterTests {
    func export(_ fixture: PairStoreFixture, _ options: ExportOptions, filter: PairFilter = PairFilter()) throws -> String {
        let output = fixture.folder.file("out.\(options.format.rawValue)")
        let summary = try exportPairs(storePath: fixture.path, filter: filter, options: options, output: output)
        #expect(summary.written == summary.funnel.selected)
        return try String(contentsOfFile: output, encoding: .utf8)
    }

    func jsonLines(_ text: String) throws -> [[String: Any]] {
        #expect(text.hasSuffix("\n"))
        return try text.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    @Test func csvRoundTrips() throws {
        let fixture = try PairStoreFixture()
        let text = try export(fixture, ExportOptions(format: .csv))
        let records = try readCSV(text)
        #expect(records.first == ["Data", "Questions", "Answers"])
        let expected = try fixture.expectedTriples()
        #expect(expected.count == 6)
        #expect(Array(records.dropFirst()) == expected)
    }

    @Test func jsonAndLaminiRoundTrip() throws {
        let fixture = try PairStoreFixture()
        let expected = try fixture.expectedTriples()
        let json = try JSONDecoder().decode([[String]].self, from: Data(try export(fixture, ExportOptions(format: .json)).utf8))
        #expect(json == expected)

        struct Prompt: Decodable { let data: String; let question: String }
        struct Answer: Decodable { let answer: String }
        enum Part: Decodable {
            case prompt(Prompt), answer(Answer)
            init(from decoder: Decoder) throws {
                if let prompt = try? Prompt(from: decoder) { self = .prompt(prompt) } else { self = .answer(try Answer(from: decoder)) }
            }
        }
        let lamini = try JSONDecoder().decode([[Part]].self, from: Data(try export(fixture, ExportOptions(format: .lamini)).utf8))
        let triples = lamini.map { pair -> [String] in
            guard pair.count == 2, case .prompt(let p) = pair[0], case .answer(let a) = pair[1] else { return [] }
            return [p.data, p.question, a.answer]
        }
        #expect(triples == expected)
    }

    @Test func openAIRoundTripsWithSystemAndContext() throws {
        let fixture = try PairStoreFixture()
        let expected = try fixture.expectedTriples()
        struct Line: Decodable { struct Message: Decodable, Equatable { let role: String; let content: String }; let messages: [Message] }
        let plain = try export(fixture, ExportOptions(format: .openai)).split(separator: "\n").map {
            try JSONDecoder().decode(Line.self, from: Data($0.utf8))
        }
        #expect(plain.map { $0.messages.map(\.role) } == Array(repeating: ["user", "assistant"], count: expected.count))
        #expect(plain.map { [$0.messages[0].content, $0.messages[1].content] } == expected.map { [$0[1], $0[2]] })

        let system = "Réponds en français / \"briefly\"."
        let rich = try export(fixture, ExportOptions(format: .openai, system: system, includeContext: true)).split(separator: "\n").map {
            try JSONDecoder().decode(Line.self, from: Data($0.utf8))
        }
        for (line, triple) in zip(rich, expected) {
            #expect(line.messages == [
                .init(role: "system", content: system), .init(role: "user", content: triple[0] + "\n\n" + triple[1]),
                .init(role: "assistant", content: triple[2]),
            ])
        }
    }

    @Test func alpacaAndShareGPTRoundTrip() throws {
        let fixture = try PairStoreFixture()
        let expected = try fixture.expectedTriples()
        let alpaca = try jsonLines(try export(fixture, ExportOptions(format: .alpaca)))
        #expect(alpaca.map { [$0["input"] as? String ?? "-", $0["instruction"] as? String ?? "-", $0["output"] as? String ?? "-"] } == expected)

        struct Line: Decodable { struct Turn: Decodable { let from: String; let value: String }; let conversations: [Turn] }
        let share = try export(fixture, ExportOptions(format: .sharegpt, system: "Be kind.")).split(separator: "\n").map {
            try JSONDecoder().decode(Line.self, from: Data($0.utf8))
        }
        #expect(share.map { $0.conversations.map(\.from) } == Array(repeating: ["system", "human", "gpt"], count: expected.count))
        #expect(share.map { [$0.conversations[1].value, $0.conversations[2].value] } == expected.map { [$0[1], $0[2]] })
    }

    @Test func jsonlCarriesEveryProvenanceField() throws {
        let fixture = try PairStoreFixture()
        let text = try export(fixture, ExportOptions(format: .jsonl), filter: PairFilter(allVersions: true))
        let objects = try jsonLines(text)
        #expect(objects.count == 8)
        let statement = try fixture.db.prepare("""
            SELECT answer_id, question_id, chunk_id, source_id, source_path, source_version, chunking_id, chunk_ordinal,
                   chunk_start, chunk_end, question_prompt, question_model, question_run_id, question_call_id, question_ordinal,
                   answer_prompt, model, model_params, answer_run_id, answer_call_id, answer_sample, created_at, chunk, question, answer
            FROM pairs ORDER BY source_path, source_version, chunking_id, chunk_ordinal, question_ordinal, answer_sample
            """)
        var index = 0
        while try statement.step() {
            let object = objects[index]
            for column in 0..<statement.columnCount {
                let name = statement.columnName(column)
                switch statement.value(at: column) {
                case .integer(let value): #expect((object[name] as? NSNumber)?.int64Value == value, "\(name)")
                case .text(let value): #expect(object[name] as? String == value, "\(name)")
                default: Issue.record("unexpected value for \(name)")
                }
            }
            #expect(object["is_idk"] as? Bool == [4, 6].contains(object["answer_id"] as? Int ?? 0))
            index += 1
        }
        #expect(index == 8)
        // Keys in a fixed order, no escaped slashes, UTF-8 as is.
        let first = try #require(text.split(separator: "\n").first)
        #expect(first.hasPrefix("{\"answer_id\":1,\"question_id\":1,\"chunk_id\":1,\"source_id\":1,\"source_path\":\"guide/intro.md\","))
        #expect(text.contains("Zürich") && !text.contains("\\/") && !text.contains("\\u00fc"))
        #expect(text.contains("\\u2028"))
    }

    @Test func escapingMatchesJSONTextAndCSVText() throws {
        let samples = ["", "plain", "a,b", "say \"hi\"", "line\nbreak", "cr\r\nlf", " lead", "trail ", "tab\tback\\slash/",
                       "\u{01}\u{1F}ctl", "sep\u{2028}par\u{2029}", "é中🙂", "\u{E2}"]
        for sample in samples {
            let json = try bytesWritten { sink in var copy = sample; try copy.withUTF8 { try sink.writeJSONString($0) } }
            #expect(json == JSONText.quoted(sample), "\(sample.debugDescription)")
            #expect(try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed) as? String == sample)
            let csv = try bytesWritten { sink in var copy = sample; try copy.withUTF8 { try sink.writeCSVField($0) } }
            #expect(csv == CSVText.field(sample), "\(sample.debugDescription)")
        }
    }

    func bytesWritten(_ body: (ByteSink) throws -> Void) throws -> String {
        let folder = try TemporaryFolder()
        let file = try AtomicOutputFile(path: folder.file("bytes"))
        try body(file.sink)
        try file.commit()
        return try String(contentsOfFile: folder.file("bytes"), encoding: .utf8)
    }

    @Test func emptySelectionWritesNothingAndNamesTheFilters() throws {
        let fixture = try PairStoreFixture()
        let output = fixture.folder.file("empty.csv")
        do {
            _ = try exportPairs(storePath: fixture.path, filter: PairFilter(sourceGlob: "nothing/*", excludeIDK: true),
                                   options: ExportOptions(format: .csv), output: output)
            Issue.record("expected an error")
        } catch let error as SelectionError {
            #expect(error.description.contains("no pairs match"))
            #expect(error.description.contains("--source 'nothing/*' removed 6"))
            #expect(error.description.contains("nothing written"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.folder.path).filter { !$0.hasPrefix("store.sqlite") } == [])

        let empty = try PairStoreFixture(loaded: false)
        #expect(throws: SelectionError.self) {
            _ = try exportPairs(storePath: empty.path, filter: PairFilter(), options: ExportOptions(format: .json), output: nil)
        }
    }

    @Test func outputAppearsOnlyWhenCompleteAndAnErrorLeavesNothing() throws {
        let fixture = try PairStoreFixture()
        let output = fixture.folder.file("pairs.jsonl")
        try "old contents".write(toFile: output, atomically: false, encoding: .utf8)
        // An ambiguous selection fails after the store is open: the old file stays, no temp file.
        let run = try fixture.addAnswerRun(prompt: 3, model: 1)
        try fixture.addAnswer(question: 2, prompt: 3, model: 1, run: run, text: "Zürich.")
        #expect(throws: SelectionError.self) {
            _ = try exportPairs(storePath: fixture.path, filter: PairFilter(), options: ExportOptions(format: .jsonl), output: output)
        }
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "old contents")
        let listing = { try FileManager.default.contentsOfDirectory(atPath: fixture.folder.path).filter { !$0.hasPrefix("store.sqlite") }.sorted() }
        #expect(try listing() == ["pairs.jsonl"])

        // A sink that fails mid-write: the temporary file goes, the target is untouched.
        let file = try AtomicOutputFile(path: output)
        try file.sink.write("partial")
        try file.sink.flush()
        #expect(try listing().count == 2)
        file.discard()
        #expect(try listing() == ["pairs.jsonl"])
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "old contents")

        let summary = try exportPairs(storePath: fixture.path, filter: PairFilter(answerPrompt: PromptRef(name: "answers", version: 1)),
                                         options: ExportOptions(format: .jsonl), output: output)
        #expect(summary.written == 6)
        #expect(try listing() == ["pairs.jsonl"])
        #expect(try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").count == 6)

        #expect(throws: OutputError.self) { try AtomicOutputFile(path: fixture.folder.file("no/such/folder/x.csv")) }
    }

    @Test func orderIsStableAndIndexDriven() throws {
        let fixture = try PairStoreFixture()
        let selection = try PairSelection(PairFilter(excludeIDK: true), in: fixture.db)
        let details = try queryPlan(selection.query(columns: PairExporter.columns(for: ExportOptions(format: .csv))), in: fixture.db)
        #expect(!details.contains { $0.contains("TEMP B-TREE") }, "\(details)")
        let a = try export(fixture, ExportOptions(format: .csv))
        let b = try export(fixture, ExportOptions(format: .csv))
        #expect(a == b)
    }
}
