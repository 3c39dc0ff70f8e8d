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
