import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A buffered writer to a file descriptor: data streams out in 64 KiB writes, so exports and
/// `sql` keep flat memory however many rows go out.
public final class ByteSink {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private let capacity: Int
    private let ownsDescriptor: Bool
    public private(set) var bytesWritten = 0

    public init(descriptor: Int32, ownsDescriptor: Bool = false, capacity: Int = 1 << 16) {
        self.descriptor = descriptor
        self.ownsDescriptor = ownsDescriptor
        self.capacity = capacity
        buffer.reserveCapacity(capacity)
    }

    public static func standardOutput() -> ByteSink { ByteSink(descriptor: STDOUT_FILENO) }

    deinit {
        try? flush()
        if ownsDescriptor { Glibc.close(descriptor) }
    }

    public func write(_ string: String) throws {
        var string = string
        try string.withUTF8 { try write($0) }
    }

    public func write(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        if buffer.count + bytes.count > capacity { try flush() }
        if bytes.count >= capacity {
            try writeAll(UnsafeRawBufferPointer(bytes))
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBufferPointer { try write($0) }
    }

    public func write(byte: UInt8) throws {
        if buffer.count + 1 > capacity { try flush() }
        buffer.append(byte)
    }

    public func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and asks the kernel to put the bytes on disk (before a rename makes them visible).
    public func sync() throws {
        try flush()
        _ = fsync(descriptor)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw OutputError.writeFailed(reason: String(cString: strerror(errno)))
            }
            offset += n
        }
        bytesWritten += bytes.count
    }
}

@available(*, unavailable)
extension ByteSink: Sendable {}
