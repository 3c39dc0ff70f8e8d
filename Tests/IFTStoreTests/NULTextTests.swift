import Foundation
import TestSupport
import Testing
@testable import IFTStore

/// U+0000 is a character like any other in a reply, a question or a chunk: text is bound
/// and read by its byte length, never as a C string that ends at the first NUL.
@Suite struct NULTextTests {
    static let reply = "The fee is 40\u{0}euros"

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
