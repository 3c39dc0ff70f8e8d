internal import Crypto

/// SHA-256 as lowercase hex: the identity of a source text, a chunk (and so a split unit)
/// and a prompt. Computed by swift-crypto (BoringSSL's accelerated code).
public enum ContentHash {
    /// The lowercase hex SHA-256 of `bytes`.
    public static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        hex(digest: SHA256.hash(data: bytes))
    }

    public static func hex(_ string: String) -> String {
        var string = string
        return string.withUTF8 { hex(UnsafeRawBufferPointer($0)) }
    }

    public static func hex(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { hex($0) }
    }

    /// The digest of `parts` one after another, as raw bytes.
    static func digest(_ parts: UnsafeRawBufferPointer...) -> [UInt8] {
        var hasher = SHA256()
        for part in parts { hasher.update(bufferPointer: part) }
        return Array(hasher.finalize())
    }

    private static let digits = Array("0123456789abcdef".utf8)

    private static func hex(digest: SHA256.Digest) -> String {
        String(unsafeUninitializedCapacity: SHA256.byteCount * 2) { out in
            var index = 0
            digest.withUnsafeBytes { bytes in
                for byte in bytes {
                    out[index] = digits[Int(byte >> 4)]
                    out[index + 1] = digits[Int(byte & 0x0F)]
                    index += 2
                }
            }
            return index
        }
    }
}
