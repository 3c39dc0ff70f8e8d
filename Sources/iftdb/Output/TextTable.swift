import Foundation
import IFTStore

/// A small aligned table for people; cells are escaped for the terminal, so each row is one line.
struct TextTable {
    let header: [String]
    var rows: [[String]] = []

    init(_ header: [String]) { self.header = header.map { TerminalText.escaped($0, oneLine: true) } }

    mutating func append(_ row: [String]) { rows.append(row.map { TerminalText.escaped($0, oneLine: true) }) }

    func render() -> String {
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in i == cells.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ") + "\n"
        }
        return line(header) + rows.map(line).joined()
    }
}
