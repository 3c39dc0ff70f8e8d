import Foundation
import IFTSQLite
import TestSupport
import Testing

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
}
