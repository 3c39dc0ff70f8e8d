import ArgumentParser
import Foundation
import IFTStore

extension IFTDB {
    struct SQL: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sql",
            abstract: "Run read-only SQL against the store.",
            discussion: """
                Every statement is checked before any runs; anything that could change the store \
                or write a file beside it (INSERT, CREATE TEMP TABLE, ATTACH, VACUUM INTO, setting \
                pragmas, load_extension …) is refused with exit code 2. Several statements \
                separated by ';' run in order, each printing its own result.

                Output: a table on a terminal (long values cut to --width characters; control \
                characters, newlines and tabs shown as \\u{…} escapes), CSV in a pipe; --csv or \
                --json to choose. --json prints one JSON array of row objects per statement, each \
                on its own line. Rows stream: memory stays flat.

                Tables: sources, chunkings, chunks, prompts, models, runs, calls, questions, \
                answers, datasets; the view pairs joins each answer to its provenance (see \
                `iftdb sql "SELECT name FROM sqlite_master"`). is_idk(text) is the \
                "I don't know" rule --exclude-idk uses.
                """
        )

        @OptionGroup var store: StoreOptions

        @Argument(help: "The SQL to run, e.g. \"SELECT path, version FROM sources\".")
        var query: String

        @Flag(help: "Print CSV (RFC 4180, with a header row).") var csv = false
        @Flag(help: "Print JSON: an array of objects per statement.") var json = false
        @Flag(help: "Print a table even in a pipe.") var table = false
        @Option(help: "Table mode: cut values longer than this many characters.") var width = 60

        func validate() throws {
            if [csv, json, table].filter({ $0 }).count > 1 {
                throw ValidationError("choose one of --csv, --json and --table")
            }
            if width < 4 { throw ValidationError("--width must be at least 4") }
        }

        func run() async throws {
            let reader = try StoreFile.open(store.path, for: .reading(requiring: .anyDatabase))
            defer { reader.close() }
            let results = try reader.query(query)
            let sink = ByteSink.standardOutput()
            let format: ResultFormat = json ? .json : csv ? .csv : (table || Console.stdoutIsTerminal) ? .table : .csv
            for (index, result) in results.enumerated() {
                if index > 0 && format != .json { try sink.write("\n") }
                let rows = try ResultPrinter(format: format, width: width).print(result, to: sink)
                if format == .table { try sink.flush(); Console.info("(\(rows) row\(rows == 1 ? "" : "s"))") }
            }
            try sink.flush()
        }
    }
}

enum ResultFormat { case table, csv, json }

/// Streams a statement's rows as a table, CSV or JSON.
struct ResultPrinter {
    let format: ResultFormat
    let width: Int

    func print(_ result: QueryRows, to sink: ByteSink) throws -> Int {
        let names = result.columns
        switch format {
        case .csv:
            try sink.write(CSVText.record(names))
            var count = 0
            while let row = try result.next() {
                try sink.write(CSVText.record(row.map(csvText)))
                count += 1
            }
            return count
        case .json:
            try sink.write("[")
            var count = 0
            while let row = try result.next() {
                if count > 0 { try sink.write(",\n") }
                try sink.writeJSON(QueryRowObject(columns: names, values: row), .ordered, newline: false)
                count += 1
            }
            try sink.write("]\n")
            return count
        case .table:
            return try printTable(result, names: names, to: sink)
        }
    }

    /// Column widths come from the first rows; later rows stream with those widths.
    private func printTable(_ result: QueryRows, names: [String], to sink: ByteSink) throws -> Int {
        var table = TextTable(names, style: .init(separator: " | ", ruleJunction: "-+-", trimsTrailingWhitespace: true))
        let sampleSize = 200
        var next = try result.next()
        while let row = next, table.rows.count < sampleSize {
            table.append(row.map(cell))
            next = try result.next()
        }
        let widths = table.widths()
        try sink.write(table.headerLines(widths: widths))
        for row in table.rows { try sink.write(table.line(row, widths: widths)) }
        var count = table.rows.count
        while let row = next {
            try sink.write(table.line(row.map(cell), widths: widths))
            count += 1
            next = try result.next()
        }
        return count
    }

    private func cell(_ value: QueryValue) -> String {
        var text: String
        switch value {
        case .null: text = "NULL"
        case .integer(let v): text = String(v)
        case .real(let v): text = String(v)
        case .text(let v): text = TerminalText.escaped(v, oneLine: true)
        case .blob(let v): text = "<\(v.count) bytes>"
        }
        if text.count > width {
            var cut = text.prefix(width - 1)
            // Never half an escape: cut before a `\u{…}` the width would split.
            if let open = cut.range(of: "\\u{", options: .backwards), !cut[open.upperBound...].contains("}") { cut = cut[..<open.lowerBound] }
            text = String(cut) + "…"
        }
        return text
    }

    private func csvText(_ value: QueryValue) -> String {
        switch value {
        case .null: return ""
        case .integer(let v): return String(v)
        case .real(let v): return String(v)
        case .text(let v): return v
        case .blob(let v): return v.map { String(format: "%02x", $0) }.joined()
        }
    }
}
