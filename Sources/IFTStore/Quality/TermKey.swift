/// A folded word or stem as a 64-bit FNV-1a hash: the checks compare words by these, with no
/// string made per word. Two different words meet by chance with odds of about 1 in 2^64.
enum TermKey {
    static let offset: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    static func of(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash = offset
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* prime }
        return hash
    }

    static func of(_ text: String) -> UInt64 { of(text.utf8) }
}
