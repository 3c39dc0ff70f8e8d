/// The text between two tokens, as much as the checks ask of it: its length, its first byte,
/// and which of space, `.`, `,`, `:` and anything else it holds. Plain data: tokens copy freely.
struct TokenGap {
    let length: Int
    /// The first byte (0 when empty).
    let first: UInt8
    private let holds: UInt8

    private static let space: UInt8 = 1, point: UInt8 = 2, comma: UInt8 = 4, colon: UInt8 = 8, other: UInt8 = 16

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        length = bytes.count
        first = bytes.first ?? 0
        var holds: UInt8 = 0
        for byte in bytes { holds |= Self.kind(byte) }
        self.holds = holds
    }

    private static func kind(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: " "): space
        case UInt8(ascii: "."): point
        case UInt8(ascii: ","): comma
        case UInt8(ascii: ":"): colon
        default: other
        }
    }

    var isEmpty: Bool { length == 0 }

    /// Whether the gap is exactly this one ASCII character.
    func isOnly(_ character: Unicode.Scalar) -> Bool { length == 1 && first == UInt8(character.value) }

    /// Whether the gap starts with this ASCII character.
    func starts(with character: Unicode.Scalar) -> Bool { length > 0 && first == UInt8(character.value) }

    /// Whether the gap holds a space (`" "`) or a colon (`":"`); other characters are not tracked.
    func contains(_ character: Unicode.Scalar) -> Bool {
        precondition(character == " " || character == ":", "TokenGap tracks only spaces and colons")
        return holds & Self.kind(UInt8(character.value)) != 0
    }

    /// Whether every character of the gap is a space or one of `allowed` (of spaces, `.` and `,`).
    func isMade(of allowed: StaticString) -> Bool {
        var mask = Self.space
        for byte in UnsafeBufferPointer(start: allowed.utf8Start, count: allowed.utf8CodeUnitCount) {
            precondition(Self.kind(byte) & (Self.space | Self.point | Self.comma) != 0, "TokenGap tracks only spaces, points and commas")
            mask |= Self.kind(byte)
        }
        return holds & ~mask == 0
    }
}
