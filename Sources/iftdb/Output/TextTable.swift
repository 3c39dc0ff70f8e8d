import Foundation
import IFTStore

/// The one aligned table for people; cells are escaped for the terminal, so each row is one
/// line. Every listing draws through it: `render()` when all rows are at hand, or `widths`
/// from the first rows and then `line(_:widths:)` for rows that stream in after them.
struct TextTable {
    enum Alignment { case left, right }

    struct Style {
        /// Written before each row.
        var indent = ""
        /// Written between cells.
        var separator = "  "
        /// Per column; columns past the list are left-aligned. A left-aligned last cell is not padded.
        var alignments: [Alignment] = []
        /// A line under the header: dashes under each column, this between them (`sql`'s `-+-`).
        var ruleJunction: String? = nil
        /// Whitespace at the end of a row is cut (a row whose last cells are empty).
        var trimsTrailingWhitespace = false
    }

    let header: [String]
    var rows: [[String]] = []
    var style: Style

    init(_ header: [String], style: Style = Style()) {
        self.header = header.map { TerminalText.escaped($0, oneLine: true) }
        self.style = style
    }

    mutating func append(_ row: [String]) { rows.append(row.map { TerminalText.escaped($0, oneLine: true) }) }

    /// Each column's width: its widest cell in the header and the rows, and in `others`
    /// (rows written with these widths that are not in the table).
    func widths(alsoFitting others: [[String]] = []) -> [Int] {
        var widths = header.map(\.count)
        for row in rows + others.map({ $0.map { TerminalText.escaped($0, oneLine: true) } }) {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        return widths
    }

    /// One row drawn with `widths`; a cell wider than its column pushes the rest along.
    func line(_ cells: [String], widths: [Int]) -> String {
        let drawn = cells.enumerated().map { i, raw in
            let cell = TerminalText.escaped(raw, oneLine: true)
            switch i < style.alignments.count ? style.alignments[i] : .left {
            case .right: return String(repeating: " ", count: max(0, widths[i] - cell.count)) + cell
            case .left: return i == cells.count - 1 ? cell : cell.padding(toLength: max(widths[i], cell.count), withPad: " ", startingAt: 0)
            }
        }
        let text = style.indent + drawn.joined(separator: style.separator)
        return (style.trimsTrailingWhitespace ? text.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) : text) + "\n"
    }

    /// The header (and its rule) drawn with `widths`.
    func headerLines(widths: [Int]) -> String {
        let rule = style.ruleJunction.map { junction in widths.map { String(repeating: "-", count: $0) }.joined(separator: junction) + "\n" }
        return line(header, widths: widths) + (rule ?? "")
    }

    func render() -> String {
        let widths = widths()
        return headerLines(widths: widths) + rows.map { line($0, widths: widths) }.joined()
    }
}
