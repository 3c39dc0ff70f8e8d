import Foundation
import IFTSQLite
import TestSupport
import Testing

@Suite struct SQLiteLayerTests {
    @Test func errorCarriesExtendedCodeMessageAndSQL() throws {
        let folder = try TemporaryFolder()
        let db = try Connection(path: folder.file("a.db"), mode: .readWrite(create: true))
        let error = try #require(throws: SQLiteError.self) { try db.prepare("SELEC 1") }
        #expect(error.code == .error)
        #expect(error.message.contains("syntax error"))
        #expect(error.sql == "SELEC 1")
    }

    @Test func errorNeverCarriesBoundValues() throws {
        let folder = try TemporaryFolder()
        let db = try Connection(path: folder.file("a.db"), mode: .readWrite(create: true))
        try db.execute("CREATE TABLE t (x TEXT UNIQUE)")
        let secret = "private-text-\(UUID().uuidString)"
        try db.run("INSERT INTO t VALUES (?)", [secret])
        let error = try #require(throws: SQLiteError.self) { try db.run("INSERT INTO t VALUES (?)", [secret]) }
        #expect(error.code == .uniqueConstraint)  // extended, not just .constraint
        #expect(error.primaryCode == .constraint)
        #expect(error.sql == "INSERT INTO t VALUES (?)")
        #expect(!error.description.contains(secret))
        #expect(error.description.contains("UNIQUE constraint failed"))
    }

    @Test func throwingTransactionLeavesNothing() throws {
        struct Boom: Error {}
        let folder = try TemporaryFolder()
        let db = try Connection(path: folder.file("a.db"), mode: .readWrite(create: true))
        try db.execute("CREATE TABLE t (x INTEGER)")
        #expect(throws: Boom.self) {
            try db.transaction {
                try db.run("INSERT INTO t VALUES (1)")
                try db.run("INSERT INTO t VALUES (2)")
                throw Boom()
            }
        }
        #expect(try db.scalarInt("SELECT count(*) FROM t") == 0)
        // The connection is usable afterwards and a good transaction commits.
        try db.transaction { try db.run("INSERT INTO t VALUES (3)") }
        #expect(try db.scalarInt("SELECT count(*) FROM t") == 1)
    }

    @Test func aNestedTransactionIsASavepoint() throws {
        struct Boom: Error {}
        let folder = try TemporaryFolder()
        let db = try Connection(path: folder.file("a.db"), mode: .readWrite(create: true))
        try db.execute("CREATE TABLE t (x INTEGER)")
        try db.transaction {
            try db.transaction { try db.run("INSERT INTO t VALUES (1)") }
            var caught = false
            do {
                try db.transaction {
                    try db.run("INSERT INTO t VALUES (2)")
                    throw Boom()
                }
            } catch is Boom {
                caught = true
            }
            #expect(caught)
            try db.transaction { try db.run("INSERT INTO t VALUES (3)") }
        }
        #expect(!db.isInTransaction)
        let statement = try db.prepare("SELECT x FROM t ORDER BY x")
        var values: [Int] = []
        while try statement.step() { values.append(statement.int(0)) }
        #expect(values == [1, 3])
    }

    @Test func readOnlyGuardChecksEveryStatementFirst() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("s.db")
        try Connection(path: path, mode: .readWrite(create: true)).execute("CREATE TABLE sources (x)")
        let readOnly = try ReadOnlyGuard(Connection(path: path, mode: .readOnly))
        #expect(try readOnly.prepare("SELECT 1; -- a comment\n SELECT 2;  ").count == 2)
        #expect(throws: ReadOnlyRefusal.notAllowed(statement: "DELETE FROM sources")) { try readOnly.prepare("SELECT 1; DELETE FROM sources") }
        #expect(throws: ReadOnlyRefusal.notAllowed(statement: "ATTACH 'x.db' AS x")) { try readOnly.prepare("ATTACH 'x.db' AS x") }
        #expect(throws: ReadOnlyRefusal.empty) { try readOnly.prepare("  -- nothing\n") }
        #expect(throws: ReadOnlyRefusal.holdsNUL) { try readOnly.prepare("SELECT 1;\u{0}SELECT 2") }
    }

    @Test(arguments: [
        ("select 1", "SELECT"), ("  -- c\n/* d */ with x as (select 1) select * from x", "WITH"),
        ("/* unterminated", ""), ("\n\tPRAGMA x", "PRAGMA"),
    ])
    func firstKeyword(sql: String, keyword: String) {
        #expect(ReadOnlyGuard.firstKeyword(sql) == keyword)
    }
}
