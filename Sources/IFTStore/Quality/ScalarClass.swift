import Synchronization

/// The Unicode properties the tokenizer asks of a scalar. The Unicode data is slow to ask
/// (about a microsecond a scalar), so answers are kept in a table, filled 256 scalars at a
/// time as text needs them; ASCII never reaches it.
struct ScalarClass: OptionSet {
    let rawValue: UInt8
    /// A letter, a decimal digit or a mark: part of a word.
    static let word = ScalarClass(rawValue: 1)
    static let alphabetic = ScalarClass(rawValue: 2)
    /// A decimal digit.
    static let digit = ScalarClass(rawValue: 4)
    static let uppercase = ScalarClass(rawValue: 8)
    /// Its lower-case mapping is not itself.
    static let changesWhenLowercased = ScalarClass(rawValue: 16)
    /// Set on every entry of a filled block.
    private static let known = ScalarClass(rawValue: 128)

    @inline(__always)
    static func of(_ scalar: Unicode.Scalar) -> ScalarClass {
        scalar.isASCII ? ascii[Int(scalar.value)] : table.withLock { table in
            let index = Int(scalar.value)
            if table[index] == 0 {
                let block = index & ~0xFF
                for value in block..<block + 0x100 {
                    table[value] = (Unicode.Scalar(UInt32(value)).map(computed) ?? []).union(known).rawValue
                }
            }
            return ScalarClass(rawValue: table[index])
        }
    }

    private static let ascii: [ScalarClass] = (0..<128).map { computed(Unicode.Scalar(UInt8($0))) }
    private static let table = Mutex([UInt8](repeating: 0, count: 0x110000))

    private static func computed(_ scalar: Unicode.Scalar) -> ScalarClass {
        var classes = ScalarClass()
        if scalar.isASCII {
            let v = scalar.value
            if v >= 0x30 && v <= 0x39 { classes.formUnion([.word, .digit]) }
            if v >= 0x41 && v <= 0x5A { classes.formUnion([.word, .alphabetic, .uppercase, .changesWhenLowercased]) }
            if v >= 0x61 && v <= 0x7A { classes.formUnion([.word, .alphabetic]) }
            return classes
        }
        let properties = scalar.properties
        if properties.isAlphabetic { classes.insert(.alphabetic) }
        if properties.numericType == .decimal { classes.insert(.digit) }
        if properties.isAlphabetic || properties.numericType == .decimal
            || properties.generalCategory == .nonspacingMark || properties.generalCategory == .spacingMark {
            classes.insert(.word)
        }
        if properties.isUppercase { classes.insert(.uppercase) }
        // Changes_When_Lowercased is derived from the lower-case mapping: when it is false, the
        // mapping is the scalar itself, and the (costly) mapping need not be made.
        if properties.changesWhenLowercased {
            let lower = properties.lowercaseMapping.unicodeScalars
            if lower.count != 1 || lower.first != scalar { classes.insert(.changesWhenLowercased) }
        }
        return classes
    }
}
