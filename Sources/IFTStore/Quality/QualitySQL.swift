import Foundation
internal import IFTSQLite

/// The checks as SQL functions, registered on every connection that reads pairs:
/// - `pair_flags(question, answer, chunk [, min_support])`: NULL for a clean pair (and for an
///   "I don't know" answer), else the failed checks' names, comma-separated, in table order;
/// - `answer_support(answer, chunk)`: the share of the answer's content terms found in the
///   chunk, a REAL from 0 to 1 (NULL for "I don't know");
/// - `iftdb_flag_mask(answer_id, question, answer, chunk, min_support [, stop])`: the failed
///   checks as a bit set, for `--exclude-flagged` (bit i is check i in table order). Each
///   answer's mask is worked out once per connection and setting (`FlagMemo`);
/// - `iftdb_flag_known(answer_id, min_support, stop)`: that mask when it is already worked
///   out, else NULL (`maskSQL` reads the texts only then).
enum QualitySQL {
    static let pairFlags = "pair_flags"
    static let answerSupport = "answer_support"
    static let flagMask = "iftdb_flag_mask"
    static let knownMask = "iftdb_flag_known"

    /// The failed checks' bit set for the pair of these column expressions, with `stop` (the
    /// checks that remove a pair; 0 for all worked out). An export reads its selection two or
    /// three times (the funnel, the ambiguity check, the rows): after the first, `coalesce`
    /// finds the mask by answer id and SQLite never reads the three texts. The numbers are
    /// validated ones, written in.
    static func maskSQL(answerID: String, question: String, answer: String, chunk: String, minSupport: Double, stop: QualityFlags) -> String {
        let support = String(format: "%.17g", minSupport), stop = Int(stop.rawValue)
        return "coalesce(\(knownMask)(\(answerID), \(support), \(stop)), \(flagMask)(\(answerID), \(question), \(answer), \(chunk), \(support), \(stop)))"
    }

    /// `remembersMasks`: whether `iftdb_flag_mask` keeps each answer's mask (`FlagMemo`); off
    /// for `iftdb sql`, where a user's SQL may pass any id beside any text.
    static func register(on db: Connection, remembersMasks: Bool = true) throws {
        let chunks = ChunkCache()
        let memo = remembersMasks ? FlagMemo() : nil
        func verdict(_ arguments: FunctionArguments, question: Int?, answer: Int, chunk: Int, minSupport: Double, stoppingAt stop: QualityFlags = []) -> PairVerdict? {
            if arguments.isNull(answer) || arguments.isNull(chunk) || question.map(arguments.isNull) == true { return nil }
            let checker = PairChecker(minSupport: minSupport)
            let terms = arguments.withUTF8(chunk) { chunks.terms(for: $0) }
            let answerText = arguments.withUTF8(answer) { String(decoding: $0, as: UTF8.self) }
            // A question's own checks are remembered while its answers follow one another.
            let questionFlags = question.map { index in arguments.withUTF8(index) { chunks.questionFlags(for: $0, checker: checker) } } ?? []
            return checker.check(answer: answerText, chunk: terms, questionFlags: questionFlags, stoppingAt: stop, using: chunks.scratch)
        }
        func minSupport(_ arguments: FunctionArguments, _ index: Int) throws -> Double {
            guard arguments.count > index, !arguments.isNull(index) else { return QualityChecks.defaultMinSupport }
            let value = arguments.double(index)
            guard (0...1).contains(value) else { throw SelectionError.badMinSupport(value) }
            return value
        }
        try db.registerFunction(pairFlags, arguments: 3...4) { arguments in
            guard let verdict = verdict(arguments, question: 0, answer: 1, chunk: 2, minSupport: try minSupport(arguments, 3)),
                  let names = verdict.flags.names else { return .null }
            return .text(names)
        }
        try db.registerFunction(flagMask, arguments: 5...6) { arguments in
            // A sixth argument: the checks that remove a pair; the work stops at the first that fails.
            let stop = arguments.count > 5 ? QualityFlags(rawValue: UInt8(truncatingIfNeeded: arguments.int(5))) : []
            let support = try minSupport(arguments, 4)
            let compute = { verdict(arguments, question: 1, answer: 2, chunk: 3, minSupport: support, stoppingAt: stop)?.flags ?? [] }
            let flags = memo?.flags(answer: arguments.isNull(0) ? nil : arguments.int(0), minSupport: support, stop: stop, compute) ?? compute()
            return .integer(Int64(flags.rawValue))
        }
        try db.registerFunction(knownMask, arguments: 3) { arguments in
            guard let memo, !arguments.isNull(0),
                  let flags = memo.known(answer: arguments.int(0), minSupport: try minSupport(arguments, 1),
                                         stop: QualityFlags(rawValue: UInt8(truncatingIfNeeded: arguments.int(2)))) else { return .null }
            return .integer(Int64(flags.rawValue))
        }
        try db.registerFunction(answerSupport, arguments: 2) { arguments in
            // Support does not read the question: no question flags stand in.
            guard let verdict = verdict(arguments, question: nil, answer: 0, chunk: 1, minSupport: 0), let support = verdict.support else {
                return .null
            }
            return .real(support)
        }
    }
}

/// The masks `iftdb_flag_mask` has worked out, by answer id, for each setting (minimum support
/// and the checks it stops at). An export counts what each filter removes and then reads its
/// rows, and `stats` reads its selection once per figure, so without this each pair's checks
/// would run two to six times. An answer's text, its question's and its chunk's never change
/// once written (rows are only added), so a mask holds for the connection's life. One byte per
/// answer id: a million answers take a megabyte, and no setting takes more than 64 MB; ids
/// past `limit` are worked out every time.
private final class FlagMemo {
    private struct Setting: Hashable {
        let minSupport: UInt64
        let stop: UInt8
    }
    private static let known: UInt8 = 0x80
    private static let limit = 1 << 26
    private var masks: [Setting: [UInt8]] = [:]
    private var lastSetting: Setting?
    private var last: [UInt8] = []

    /// The mask for answer `id` at this setting, if worked out already.
    func known(answer id: Int, minSupport: Double, stop: QualityFlags) -> QualityFlags? {
        guard id >= 0, id < Self.limit else { return nil }
        select(Setting(minSupport: minSupport.bitPattern, stop: stop.rawValue))
        guard id < last.count, last[id] & Self.known != 0 else { return nil }
        return QualityFlags(rawValue: last[id] & ~Self.known)
    }

    /// The masks of `setting` in `last`.
    private func select(_ setting: Setting) {
        guard setting != lastSetting else { return }
        if let lastSetting { masks[lastSetting] = last }
        last = masks.removeValue(forKey: setting) ?? []
        lastSetting = setting
    }

    func flags(answer id: Int?, minSupport: Double, stop: QualityFlags, _ compute: () -> QualityFlags) -> QualityFlags {
        guard let id, id >= 0, id < Self.limit else { return compute() }
        if let flags = known(answer: id, minSupport: minSupport, stop: stop) { return flags }
        let flags = compute()
        // Doubling keeps appends cheap; it never passes `limit`, so the masks stay at most 64 MB.
        if id >= last.count { last.append(contentsOf: repeatElement(0, count: min(Self.limit, max(id + 1, last.count * 2)) - last.count)) }
        last[id] = flags.rawValue | Self.known
        return flags
    }
}

/// The last chunk's terms and the last question's checks against it: pair rows arrive
/// grouped by chunk and question, so each is worked out once.
private final class ChunkCache {
    /// The checks' buffers, reused from pair to pair.
    let scratch = CheckScratch()
    private var bytes: [UInt8] = []
    private var cached: ChunkTerms?
    private var questionBytes: [UInt8] = []
    private var cachedQuestionFlags: QualityFlags?

    func terms(for chunk: UnsafeBufferPointer<UInt8>) -> ChunkTerms {
        if let cached, Self.equal(bytes, chunk) { return cached }
        bytes = Array(chunk)
        let terms = ChunkTerms(String(decoding: chunk, as: UTF8.self))
        cached = terms
        cachedQuestionFlags = nil
        return terms
    }

    private static func equal(_ kept: [UInt8], _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard kept.count == bytes.count else { return false }
        guard !kept.isEmpty, let base = bytes.baseAddress else { return true }
        return kept.withUnsafeBufferPointer { memcmp($0.baseAddress!, base, bytes.count) == 0 }
    }

    /// Call after `terms(for:)` for the same row. The question's checks do not read
    /// `--min-support`, so one verdict serves every threshold.
    func questionFlags(for question: UnsafeBufferPointer<UInt8>, checker: PairChecker) -> QualityFlags {
        if let cachedQuestionFlags, Self.equal(questionBytes, question) {
            return cachedQuestionFlags
        }
        questionBytes = Array(question)
        let flags = checker.questionFlags(String(decoding: question, as: UTF8.self), chunk: cached!, using: scratch)
        cachedQuestionFlags = flags
        return flags
    }
}
