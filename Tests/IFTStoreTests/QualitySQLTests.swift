import Foundation
import IFTSQLite
import TestSupport
import Testing
@testable import IFTStore

/// `iftdb_flag_mask` keeps each answer's mask per setting (`FlagMemo`), so an export's funnel
/// and its rows, and each of `stats`'s figures, run the checks once per pair.
@Suite struct QualitySQLTests {
    static let chunk = "The warehouse in Boise opened in 2019 with forty staff."
    static let question = "When did the warehouse in Boise open?"
    /// Half its content terms are in the chunk ("warehouse", "opened"; not "Denver", "March").
    static let halfSupported = "The warehouse opened in Denver in March."
    static let clean = "The warehouse in Boise opened in 2019."

    func connection(_ folder: TemporaryFolder, remembersMasks: Bool) throws -> Connection {
        let db = try Connection(path: folder.file("q.db"), mode: .readWrite(create: true))
        try QualitySQL.register(on: db, remembersMasks: remembersMasks)
        return db
    }

    func mask(_ db: Connection, id: Int, answer: String, minSupport: Double) throws -> Int {
        try #require(try db.scalarInt("SELECT iftdb_flag_mask(?, ?, ?, ?, ?)", [id, Self.question, answer, Self.chunk, minSupport]))
    }

    @Test func eachSettingHasItsOwnMaskForOneAnswer() throws {
        let folder = try TemporaryFolder()
        let db = try connection(folder, remembersMasks: true)
        let supported = Int(QualityCheck.answerSupported.bit)
        let strict = try mask(db, id: 7, answer: Self.halfSupported, minSupport: 0.9)
        let lenient = try mask(db, id: 7, answer: Self.halfSupported, minSupport: 0.1)
        #expect(strict & supported != 0)
        #expect(lenient & supported == 0)
        // Asked again, each setting answers as it did: the masks do not overwrite each other.
        #expect(try mask(db, id: 7, answer: Self.halfSupported, minSupport: 0.9) == strict)
        #expect(try mask(db, id: 7, answer: Self.halfSupported, minSupport: 0.1) == lenient)
        #expect(try mask(db, id: 8, answer: Self.clean, minSupport: 0.9) == 0)
    }

    @Test func anIDStandsForItsAnswerOnlyWhereMasksAreKept() throws {
        let folder = try TemporaryFolder()
        // Kept: an answer id is worked out once (answers never change once written).
        let kept = try connection(folder, remembersMasks: true)
        let flagged = try mask(kept, id: 3, answer: Self.halfSupported, minSupport: 0.9)
        #expect(flagged != 0)
        #expect(try mask(kept, id: 3, answer: Self.clean, minSupport: 0.9) == flagged)
        // `iftdb sql`'s connection keeps nothing: a user's SQL may pass any id beside any text.
        let plain = try connection(folder, remembersMasks: false)
        #expect(try mask(plain, id: 3, answer: Self.halfSupported, minSupport: 0.9) == flagged)
        #expect(try mask(plain, id: 3, answer: Self.clean, minSupport: 0.9) == 0)
    }

    @Test func aKnownMaskIsFoundByIDAloneAndOnlyOnceWorkedOut() throws {
        let folder = try TemporaryFolder()
        let db = try connection(folder, remembersMasks: true)
        let known = "SELECT iftdb_flag_known(?, ?, ?)"
        #expect(try db.scalar(known, [7, 0.9, 0]) == .null)
        let flagged = try mask(db, id: 7, answer: Self.halfSupported, minSupport: 0.9)
        #expect(try db.scalar(known, [7, 0.9, 0]) == .integer(Int64(flagged)))
        // Another setting, or an id never worked out, is not known.
        #expect(try db.scalar(known, [7, 0.1, 0]) == .null)
        #expect(try db.scalar(known, [8, 0.9, 0]) == .null)
        // Where masks are not kept, nothing is ever known.
        let plain = try connection(folder, remembersMasks: false)
        _ = try mask(plain, id: 7, answer: Self.halfSupported, minSupport: 0.9)
        #expect(try plain.scalar(known, [7, 0.9, 0]) == .null)
    }
}
