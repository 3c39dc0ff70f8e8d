import ArgumentParser
import Foundation
import IFTStore

extension IFTDB {
    struct Sources: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the loaded sources: path, current version, versions, chunks, bytes, loaded at.",
            discussion: "Removed paths (gone from their folder at the last load) show only with --all."
        )

        @OptionGroup var store: StoreOptions
        @Flag(help: "Include removed sources.") var all = false
        @Flag(help: "Print JSON on stdout.") var json = false

        func run() async throws {
            let reader = try StoreFile.open(store.path, for: .reading)
            defer { reader.close() }
            let rows = try reader.sources(includeRemoved: all)
            let sink = ByteSink.standardOutput()
            if json {
                try sink.writeJSON(rows)
            } else {
                var table = TextTable(["path", "version", "status", "versions", "chunks", "bytes", "loaded at"])
                for row in rows {
                    table.append([row.path, String(row.currentVersion), row.status, String(row.versions), String(row.chunks), String(row.bytes), row.loadedAt])
                }
                try sink.write(table.render())
                if rows.isEmpty { Console.info("no sources yet; load a folder with `iftdb load DIR`") }
            }
            try sink.flush()
        }
    }
}

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
