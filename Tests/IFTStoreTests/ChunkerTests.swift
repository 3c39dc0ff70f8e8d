import Foundation
import Testing
@testable import IFTStore

@Suite struct ChunkerTests {
    /// Text with emoji (one scalar and ZWJ sequences), combining marks and CRLF line ends.
    static let tricky: [Unicode.Scalar] = {
        let pieces = ["Hello", "wörld", "e\u{301}te\u{301}", "👩‍👩‍👧", "🎉", "東京", "line\r\nbreak", "naïve.", "Paragraph\r\n\r\nnext", "x"]
        var text = ""
        var i = 0
        while text.unicodeScalars.count < 5_200 {
            text += pieces[i % pieces.count] + (i % 7 == 6 ? "\n\n" : " ")
            i += 1
        }
        return Array(text.unicodeScalars)
    }()

    /// The classic loader's rule, written the way the script wrote it.
    static func reference(_ text: [Unicode.Scalar], size: Int, step: Int) -> [String] {
        var chunks: [String] = []
        var start = 0
        while start < text.count {
            chunks.append(String(String.UnicodeScalarView(text[start..<min(start + size, text.count)])))
            start += step
        }
        return chunks
    }

    @Test(arguments: [256, 512, 700])
    func windowMatchesTheClassicSlicingForEveryLength(step: Int) {
        for length in 0...5_000 {
            let text = Array(Self.tricky[0..<length])
            let spans = ChunkingConfig(method: .window, size: 512, step: step).spans(text)
            let ours = spans.map { String(String.UnicodeScalarView(text[$0.start..<$0.end])) }
            let expected = Self.reference(text, size: 512, step: step)
            if ours != expected {
                Issue.record("length \(length), step \(step): \(ours.count) chunks, expected \(expected.count)")
                return
            }
        }
    }

    @Test func windowOf3380At512Gives7ChunksTheLast308() {
        let spans = Chunker.window(length: 3_380, size: 512, step: 512)
        #expect(spans.count == 7)
        #expect(spans.last?.length == 308)
    }

    /// Random texts of words (some longer than the size) and mixed whitespace.
    static func randomText(seed: UInt64, words: Int) -> [Unicode.Scalar] {
        var generator = SeededGenerator(seed: seed)
        let alphabet = Array("abcdeéfghijklmnopqrstuvwxyz東京🎉".unicodeScalars)
        let separators = [" ", " ", " ", "\n", "\n\n", "\r\n", ". ", "? ", ".\n\n", "\t"]
        var text: [Unicode.Scalar] = []
        for _ in 0..<words {
            let length = Int.random(in: 1...(Int.random(in: 0..<40, using: &generator) == 0 ? 120 : 12), using: &generator)
            for _ in 0..<length { text.append(alphabet.randomElement(using: &generator)!) }
            text.append(contentsOf: separators.randomElement(using: &generator)!.unicodeScalars)
        }
        return text
    }

    @Test(arguments: [16, 64, 100, 512])
    func boundaryNeverCutsAWordNeverOverflowsAndCoversTheText(size: Int) {
        for seed in 0..<40 as Range<UInt64> {
            let text = Self.randomText(seed: seed, words: 400)
            let spans = Chunker.boundary(text, size: size)
            var covered = [Bool](repeating: false, count: text.count)
            var previousEnd = 0
            for span in spans {
                #expect(span.start >= previousEnd, "chunks overlap or go backwards")
                previousEnd = span.end
                // Never cuts a word: the scalars either side of the chunk are whitespace or the text's edge.
                #expect(span.start == 0 || Chunker.isWhitespace(text[span.start - 1]))
                #expect(span.end == text.count || Chunker.isWhitespace(text[span.end]))
                #expect(!Chunker.isWhitespace(text[span.start]) && !Chunker.isWhitespace(text[span.end - 1]))
                if span.length > size {
                    // Only allowed when the chunk is a single word longer than the size.
                    #expect(!text[span.start..<span.end].contains(where: Chunker.isWhitespace), "chunk of \(span.length) > \(size) holds several words")
                }
                for i in span.start..<span.end { covered[i] = true }
            }
            for (i, scalar) in text.enumerated() where !Chunker.isWhitespace(scalar) {
                if !covered[i] {
                    Issue.record("seed \(seed) size \(size): scalar \(i) not in any chunk")
                    return
                }
            }
        }
    }

    @Test func boundaryPrefersParagraphsThenSentences() {
        let text = Array("First paragraph is here.\n\nSecond one follows. It has two sentences and more words".unicodeScalars)
        let spans = Chunker.boundary(text, size: 50)
        let chunks = spans.map { String(String.UnicodeScalarView(text[$0.start..<$0.end])) }
        #expect(chunks.first == "First paragraph is here.")
        #expect(chunks.dropFirst().first == "Second one follows.")
    }

    @Test func boundaryOnEmptyAndBlankText() {
        #expect(Chunker.boundary([], size: 10).isEmpty)
        #expect(Chunker.boundary(Array(" \n\n \t".unicodeScalars), size: 10).isEmpty)
    }
}

/// SplitMix64: reproducible randomness for property tests.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E3779B97F4A7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}
