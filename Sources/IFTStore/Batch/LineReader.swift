import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Reads a regular file line by line through one descriptor, in 1 MiB reads, so memory stays
/// flat however long the file is. A line longer than `maxLineBytes` is not held: it is
/// reported as too long and skipped up to its newline.
final class LineReader {
    /// The longest line read: the largest reply iftdb reads (16 MiB) and room for its envelope.
    static let maxLineBytes = (16 << 20) + (64 << 10)
    private static let readSize = 1 << 20

    enum Line {
        /// The line's bytes without its newline (valid only inside the call), and whether a
        /// newline ended it (the last line of a file may have none).
        case text(UnsafeBufferPointer<UInt8>, endsWithNewline: Bool)
        /// Longer than `maxLineBytes`; its bytes were skipped.
        case tooLong
    }

    let path: String
    private let descriptor: Int32
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var atEnd = false
    /// The number of the line last handed out, from 1.
    private(set) var lineNumber = 0

    /// Opens `path`, which must be a regular file (it is read twice: checked, then ingested).
    init(path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw BatchError.cannotRead(path: path, reason: String(cString: strerror(errno))) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw BatchError.notARegularFile(path: path)
        }
        self.descriptor = descriptor
        buffer = [UInt8](repeating: 0, count: Self.readSize)
    }

    deinit { close(descriptor) }

    /// Calls `body` with the next line; false at the end of the file.
    func next(_ body: (Line) throws -> Void) throws -> Bool {
        while true {
            if let newline = findNewline() {
                lineNumber += 1
                let lineStart = start
                start = newline + 1
                try buffer.withUnsafeBufferPointer { try body(.text(UnsafeBufferPointer(rebasing: $0[lineStart..<newline]), endsWithNewline: true)) }
                return true
            }
            if atEnd {
                guard start < end else { return false }
                lineNumber += 1
                let lineStart = start, lineEnd = end
                start = end
                try buffer.withUnsafeBufferPointer { try body(.text(UnsafeBufferPointer(rebasing: $0[lineStart..<lineEnd]), endsWithNewline: false)) }
                return true
            }
            if end - start >= Self.maxLineBytes {
                lineNumber += 1
                try skipRestOfLine()
                try body(.tooLong)
                return true
            }
            try fill()
        }
    }

    private func findNewline() -> Int? {
        guard start < end else { return nil }
        return buffer.withUnsafeBufferPointer { pointer -> Int? in
            guard let base = pointer.baseAddress, let found = memchr(base + start, 0x0A, end - start) else { return nil }
            return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// Moves what is left to the front, grows the buffer when a line fills it, and reads more.
    private func fill() throws {
        if start > 0 {
            buffer.withUnsafeMutableBufferPointer { pointer in
                if end > start, let base = pointer.baseAddress { memmove(base, base + start, end - start) }
            }
            end -= start
            start = 0
        }
        if buffer.count - end < Self.readSize / 2 {
            buffer.append(contentsOf: repeatElement(0, count: min(buffer.count, Self.maxLineBytes + Self.readSize - buffer.count)))
        }
        let room = buffer.count - end
        let count = buffer.withUnsafeMutableBufferPointer { pointer -> Int in
            var n: Int
            repeat { n = read(descriptor, pointer.baseAddress! + end, room) } while n < 0 && errno == EINTR
            return n
        }
        guard count >= 0 else { throw BatchError.cannotRead(path: path, reason: String(cString: strerror(errno))) }
        if count == 0 { atEnd = true }
        end += count
    }

    /// Drops the current (too long) line up to and including its newline.
    private func skipRestOfLine() throws {
        while true {
            if let newline = findNewline() {
                start = newline + 1
                return
            }
            start = end
            if atEnd { return }
            try fill()
        }
    }
}

@available(*, unavailable)
extension LineReader: Sendable {}
