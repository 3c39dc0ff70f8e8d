import Foundation
import IFTSQLite
import TestSupport
import Testing
@testable import IFTStore

/// The `pairs` view as tools that know only SQLite see it: boolean columns that match a
/// filter sent as text (Datasette's `?source_is_current=1`), and an `is_idk` column in plain
/// SQL that must agree with iftdb's `is_idk()`.
@Suite struct PairsViewTests {
    @Test func booleanColumnsMatchTheTextOneAsTheyMatchOne() throws {
        let fixture = try PairStoreFixture()
        let db = fixture.db
        for column in ["source_is_current", "is_idk"] {
            for value in [0, 1] {
                let asInteger = try #require(try db.scalarInt("SELECT count(*) FROM pairs WHERE \(column) = \(value)"))
                let asText = try db.scalarInt("SELECT count(*) FROM pairs WHERE \(column) = '\(value)'")
                #expect(asInteger > 0, "\(column) = \(value) matches no row of the fixture")
                #expect(asText == asInteger, "\(column) = '\(value)' (as Datasette sends it) matches \(asText ?? -1) rows, = \(value) matches \(asInteger)")
            }
            #expect(try db.scalarInt("SELECT count(*) FROM pairs WHERE typeof(\(column)) <> 'integer'") == 0)
        }
        // The fixture's own: answers 4 and 6 are "I don't know"; 2 of 8 pairs are on a superseded version.
        #expect(try db.scalar("SELECT group_concat(answer_id) FROM (SELECT answer_id FROM pairs WHERE is_idk = '1' ORDER BY 1)") == .text("4,6"))
        #expect(try db.scalarInt("SELECT count(*) FROM pairs WHERE source_is_current = '0'") == 2)
    }

    @Test func isIDKEqualsTheRuleOnEveryGeneratedReply() throws {
        let replies = IDKReplies.generated
        #expect(replies.count == IDKReplies.phrases.count * IDKReplies.quotes.count * IDKReplies.emphases.count
            * IDKReplies.punctuation.count * IDKReplies.Case.allCases.count * IDKReplies.whitespace.count)
        try expectColumnAgrees(on: replies, atLeast: (idk: 5_000, answers: 5_000))
    }

    @Test func isIDKEqualsTheRuleOnTenThousandFixtureAnswers() throws {
        let answers = try IDKReplies.fixtureAnswers(count: 10_000)
        #expect(Set(answers).count > 8_000)
        try expectColumnAgrees(on: answers, atLeast: (idk: 500, answers: 5_000))
    }

    /// Stores `replies` as answers of one question and compares the view's column with the
    /// registered function on each: no reply may differ, and each side must have at least
    /// `atLeast` of them (a comparison of nothing proves nothing).
    func expectColumnAgrees(on replies: [String], atLeast: (idk: Int, answers: Int), sourceLocation: SourceLocation = #_sourceLocation) throws {
        let fixture = try PairStoreFixture()
        let db = fixture.db
        let run = try fixture.addAnswerRun(prompt: 2, model: 1)
        let firstID = try #require(try db.scalarInt("SELECT max(id) FROM answers")) + 1
        try db.transaction {
            let insert = try db.prepare("""
                INSERT INTO answers (question_id, prompt_id, model_id, run_id, call_id, sample, text, created_at)
                VALUES (3, 2, 1, ?, ?, ?, ?, '2026-02-01T00:00:00.000Z')
                """)
            for (offset, reply) in replies.enumerated() {
                try insert.bind([run.run, run.call, offset + 10, reply])
                try insert.runToCompletion()
                insert.reset()
            }
        }
        try IDKRule.standard.register(on: db)
        let differing = try db.prepare("""
            SELECT answer, is_idk, is_idk(answer) FROM pairs WHERE answer_id >= ? AND is_idk IS NOT is_idk(answer) LIMIT 10
            """)
        try differing.bind([firstID])
        var examples: [String] = []
        while try differing.step() {
            examples.append("\(differing.string(at: 0).debugDescription): view \(differing.value(at: 1)), is_idk() \(differing.value(at: 2))")
        }
        #expect(examples.isEmpty, "the view's is_idk differs from is_idk() on:\n\(examples.joined(separator: "\n"))", sourceLocation: sourceLocation)
        let idk = try #require(try db.scalarInt("SELECT count(*) FROM pairs WHERE answer_id >= ? AND is_idk", [firstID]))
        let total = try #require(try db.scalarInt("SELECT count(*) FROM pairs WHERE answer_id >= ?", [firstID]))
        #expect(total == replies.count, sourceLocation: sourceLocation)
        #expect(idk >= atLeast.idk && total - idk >= atLeast.answers, "\(idk) of \(total) replies are \"I don't know\"", sourceLocation: sourceLocation)
    }

    /// What 0007 changes in a store made before it: the same rows, two columns typed as
    /// integers, and `is_idk` added last.
    @Test func aStoreUpgradedToTheNewViewKeepsEveryRow() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("store.sqlite")
        let viewMigration = try #require(StoreSchema.migrations.last { $0.sql.contains("CREATE VIEW pairs") })
        let before = try StoreFile.open(path, for: .writing(create: true), migrations: StoreSchema.migrations.filter { $0.id < viewMigration.id })
        try before.db.execute(try String(contentsOf: packageRoot.appending(path: "Tests/Fixtures/pairs-store.sql"), encoding: .utf8))
        let oldRows = try rows(before.db, "SELECT * FROM pairs ORDER BY answer_id")
        before.close()

        let after = try StoreFile.open(path, for: .writing)
        #expect(after.migrationOutcome == .upgraded(from: viewMigration.id - 1, to: try #require(StoreSchema.migrations.last).id))
        let columns = try after.db.prepare("SELECT name FROM pragma_table_info('pairs')")
        var names: [String] = []
        while try columns.step() { names.append(columns.string(at: 0)) }
        #expect(names.count == 27 && names.last == "is_idk")
        let newRows = try rows(after.db, "SELECT * FROM pairs ORDER BY answer_id").map { Array($0.dropLast()) }
        #expect(newRows == oldRows)
        #expect(try after.db.scalarInt("SELECT count(*) FROM pairs WHERE is_idk") == 2)
    }

    func rows(_ db: Connection, _ sql: String) throws -> [[String]] {
        let statement = try db.prepare(sql)
        var out: [[String]] = []
        while try statement.step() { out.append((0..<statement.columnCount).map { "\(statement.value(at: $0))" }) }
        return out
    }
}
