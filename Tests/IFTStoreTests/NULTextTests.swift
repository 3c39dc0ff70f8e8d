import CSQLite
import Foundation
import Testing
@testable import IFTStore

/// U+0000 is a character like any other in a reply, a question or a chunk: text is bound
/// and read by its byte length, never as a C string that ends at the first NUL.
@Suite struct NULTextTests {
    static let reply = "The fee is 40\u{0}euros"

    @Test func boundTextKeepsEveryByteAfterANUL() throws {
        let folder = try TemporaryFolder()
        let db = try Connection(path: folder.file("a.db"), mode: .readWrite(create: true))
        try db.execute("CREATE TABLE t (x TEXT)")
        try db.run("INSERT INTO t VALUES (?)", [Self.reply])
        #expect(try db.scalarInt("SELECT length(CAST(x AS BLOB)) FROM t") == Self.reply.utf8.count)
        #expect(try db.scalar("SELECT x FROM t") == .text(Self.reply))
        let statement = try db.prepare("SELECT x FROM t")
        #expect(try statement.step())
        #expect(statement.string(at: 0) == Self.reply)
        #expect(statement.withUTF8(0) { Array($0) } == Array(Self.reply.utf8))
        // A bound parameter compares whole, too.
        #expect(try db.scalarInt("SELECT count(*) FROM t WHERE x = ?", ["The fee is 40"]) == 0)
        #expect(try db.scalarInt("SELECT count(*) FROM t WHERE x = ?", [Self.reply]) == 1)
        db.close()
    }

    @Test func aSQLFunctionSeesTheWholeArgument() throws {
        let folder = try TemporaryFolder()
        let db = try Connection(path: folder.file("a.db"), mode: .readWrite(create: true))
        try db.registerTextPredicate("ends_in_euros") { bytes in
            String(decoding: bytes, as: UTF8.self).hasSuffix("euros")
        }
        #expect(try db.scalarInt("SELECT ends_in_euros(?)", [Self.reply]) == 1)
        #expect(try db.scalarInt("SELECT ends_in_euros('The fee is 40' || char(0) || 'euros')") == 1)
        db.close()
    }

    @Test func theReadOnlyRunnerReadsNULsWholeAndRefusesANULInTheSQL() throws {
        let folder = try TemporaryFolder()
        let store = try StoreFile.open(folder.file("s.sqlite"), for: .writing(create: true))
        store.close()
        let reader = try StoreFile.open(folder.file("s.sqlite"), for: .reading(requiring: .anyDatabase))
        let rows = try #require(try reader.query("SELECT 'The fee is 40' || char(0) || 'euros' AS reply").first)
        #expect(try rows.next() == [.text(Self.reply)])

        // SQL text holding a NUL is refused in one line: SQLite would stop reading at it.
        let other = try StoreFile.open(folder.file("s.sqlite"), for: .reading(requiring: .anyDatabase))
        let error = try #require(throws: QueryError.self) { try other.query("SELECT 1;\u{0}SELECT 2") }
        #expect(error.description.contains("NUL"))
    }

    @Test func aFileWithNULBytesIsSkippedAsBinaryNeverCut() throws {
        let bytes = Array("Chapter one.\u{0}Chapter two.".utf8)
        let decoded = bytes.withUnsafeBytes { DocumentText.decode($0) }
        #expect(decoded == .failure(.binary))
    }
}
