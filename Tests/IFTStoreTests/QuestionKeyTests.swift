import Testing
@testable import IFTStore

/// The key of a question: ASCII text takes a path of its own, which must give what the
/// Unicode path gives.
@Suite struct QuestionKeyTests {
    @Test func asciiTextFoldsAsTheUnicodePathFoldsIt() {
        let ascii = (0..<128).map { Character(Unicode.Scalar(UInt8($0))) }
        var state: UInt64 = 7
        for length in [0, 1, 2, 5, 20, 80] {
            for _ in 0..<200 {
                var text = ""
                for _ in 0..<length {
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    text.append(ascii[Int(state >> 33) % ascii.count])
                }
                #expect(QuestionKey.normalizeASCII(text) == QuestionKey.normalizeUnicode(text), "\(Array(text.utf8))")
            }
        }
        #expect(QuestionKey.normalize("What's  the RAG-pipeline's cost, in $?") == "whats the ragpipelines cost in")
        #expect(QuestionKey.normalize("Ｗhat is ＲＡＧ？") == QuestionKey.normalize("what is rag"))
    }
}
