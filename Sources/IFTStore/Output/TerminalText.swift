/// Text for people at a terminal. File names and model texts can hold controls that retitle
/// the window, clear lines or reorder what is shown; written as `\u{1B}`-style escapes they
/// are seen instead of obeyed. Machine output (`--json`, `--csv`, exports) never uses this.
public enum TerminalText {
    /// `text` with C0 controls other than newline and tab, DEL, C1 controls (U+0080–U+009F)
    /// and bidi overrides (U+202A–U+202E, U+2066–U+2069) escaped. `oneLine` (a table cell, a
    /// warning or an error) also escapes newline, CR and tab, so the line stays one line.
    public static func escaped(_ text: String, oneLine: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { needsEscape($0, oneLine: oneLine) }) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if needsEscape(scalar, oneLine: oneLine) {
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// A file name's bytes for a message: valid UTF-8 as text (escaped as above), each byte
    /// that is not as `\xE9`.
    public static func escaped(bytes: [UInt8]) -> String {
        var text = ""
        var valid = String.UnicodeScalarView()
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                valid.append(Unicode.UTF8.decode(encoded))
                offset += encoded.count
            case .error(let length):
                text += escaped(String(valid))
                valid = String.UnicodeScalarView()
                for byte in bytes[offset..<offset + length] {
                    let hex = String(byte, radix: 16, uppercase: true)
                    text += "\\x" + (hex.count == 1 ? "0" : "") + hex
                }
                offset += length
            case .emptyInput:
                return text + escaped(String(valid))
            }
        }
    }

    static func needsEscape(_ scalar: Unicode.Scalar, oneLine: Bool) -> Bool {
        switch scalar.value {
        case 0x0A, 0x09: return oneLine
        case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }
}
