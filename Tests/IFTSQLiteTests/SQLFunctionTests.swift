import Foundation
import IFTSQLite
import TestSupport
import Testing

/// SQL functions registered from Swift: 1 to 8 arguments read in place (text as UTF-8
/// bytes, numbers as numbers), returning NULL, an integer, a real or text.
@Suite struct SQLFunctionTests {
    func connection(_ folder: TemporaryFolder) throws -> Connection {
        try Connection(path: folder.file("f.db"), mode: .readWrite(create: true))
    }

    @Test func aFunctionReadsItsArgumentsAndReturnsEachKindOfValue() throws {
        let folder = try TemporaryFolder()
        let db = try connection(folder)
        try db.registerFunction("pick", arguments: 4) { arguments in
            let kind = arguments.withUTF8(0) { String(decoding: $0, as: UTF8.self) }
            switch kind {
            case "int": return .integer(Int64(arguments.int(2)))
            case "real": return .real(arguments.double(3))
            case "text": return .text(arguments.withUTF8(1) { String(decoding: $0, as: UTF8.self) } + "!")
            case "empty": return .text("")
            default: return arguments.isNull(1) ? .null : .integer(-1)
            }
        }
        #expect(try db.scalar("SELECT pick('int', 'a', 7, 0.5)") == .integer(7))
        #expect(try db.scalar("SELECT pick('real', 'a', 7, 0.5)") == .real(0.5))
        // Text goes in and out by byte length: a NUL inside is kept both ways.
        #expect(try db.scalar("SELECT pick('text', 'a' || char(0) || 'b', 0, 0)") == .text("a\u{0}b!"))
        #expect(try db.scalar("SELECT pick('text', ?, 0, 0)", ["café"]) == .text("café!"))
        #expect(try db.scalar("SELECT pick('empty', 'a', 0, 0)") == .text(""))
        #expect(try db.scalar("SELECT pick('null', NULL, 0, 0)") == .null)
        #expect(try db.scalar("SELECT pick('null', 'a', 0, 0)") == .integer(-1))
    }

    @Test func anOptionalLastArgumentRegistersOneFunctionPerCount() throws {
        let folder = try TemporaryFolder()
        let db = try connection(folder)
        try db.registerFunction("support", arguments: 2...3) { arguments in
            .real(arguments.count == 3 ? arguments.double(2) : 0.65)
        }
        #expect(try db.scalar("SELECT support('answer', 'chunk')") == .real(0.65))
        #expect(try db.scalar("SELECT support('answer', 'chunk', 0.8)") == .real(0.8))
        let error = try #require(throws: SQLiteError.self) { try db.scalar("SELECT support('answer')") }
        #expect(error.message.contains("wrong number of arguments"))
    }

    @Test func aFunctionThatThrowsFailsItsStatementWithTheMessage() throws {
        struct Refusal: Error, CustomStringConvertible { var description: String { "no verdict for this pair" } }
        let folder = try TemporaryFolder()
        let db = try connection(folder)
        try db.registerFunction("refuse", arguments: 1) { _ in throw Refusal() }
        let error = try #require(throws: SQLiteError.self) { try db.scalar("SELECT refuse('x')") }
        #expect(error.message == "no verdict for this pair")
    }

    @Test func functionsAreDeterministicAndTakeOneToFiveArguments() throws {
        let folder = try TemporaryFolder()
        let db = try connection(folder)
        try db.registerFunction("twice", arguments: 1) { .integer(Int64($0.int(0) * 2)) }
        // Only a deterministic function may appear in an index expression.
        try db.execute("CREATE TABLE t (x INTEGER); CREATE INDEX t_twice ON t (twice(x)); INSERT INTO t VALUES (21)")
        #expect(try db.scalarInt("SELECT x FROM t WHERE twice(x) = 42") == 21)
        for counts in [0...1, 8...9, 9...9] {
            let error = try #require(throws: SQLiteError.self, "\(counts)") {
                try db.registerFunction("f", arguments: counts) { _ in .null }
            }
            #expect(error.code == .misuse)
        }
    }
}
