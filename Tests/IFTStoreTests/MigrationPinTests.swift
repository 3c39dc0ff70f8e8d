import Foundation
import IFTStore
import TestSupport
import Testing

/// A store applies each migration once, so an edit to a shipped one never reaches the stores
/// that already applied it: every file in `Migrations/` is pinned here to its SHA-256.
@Suite struct MigrationPinTests {
    static let shipped: [(file: String, sha256: String)] = [
        ("0001_sources_and_chunks.sql", "4deea5193d9d3e3d141de8bbae636a32fcccc96db860cc190e98f1441ad89815"),
        ("0002_generation.sql", "77e12f0da755a0ad58508d696386a7ce7f33b1f3cf2f3488173d9bbccc30e175"),
        ("0003_pairs_view.sql", "a24ad551d9d896475e9b0fe8b686eb0dea0064aa74a12cf5051bf87f53dacec0"),
        ("0004_diff_indexes.sql", "92cd506a02b080df3db4ca3c1636504851752835b2f902f1d17f4281e699a09d"),
        ("0005_run_claims.sql", "7c90a28814489d10e7396f85ea1cfcdbb747c43feb25d09d4a3c24bfcdcc9111"),
        ("0006_judgments.sql", "996001e1dd58cdeb4a18465d6f788dcf197579f3e80b4452f8a0297241a92d12"),
        ("0007_pairs_for_datasette.sql", "c6687ec1b2184cd23c40787cf97e36d3a076d1501e8b87c1d0f265f18e1d0441"),
        ("0008_chunks_by_source_sha256.sql", "6c7881e0bb206196a7a371b26ce1a5f188bab27a6635ec92b89fff9fe0588639"),
        ("0009_batch_runs.sql", "aa4ad858c10fa84bc826fc30a18a5f953e87b3bdb497f4920444ca43d202d6d5"),
    ]

    @Test func everyShippedMigrationKeepsItsSHA256() throws {
        let folder = packageRoot.appending(path: "Migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        let next = String(format: "%04d", (files.compactMap { Int($0.prefix(4)) }.max() ?? 0) + 1)
        let pinned = Dictionary(uniqueKeysWithValues: Self.shipped.map { ($0.file, $0.sha256) })
        for file in files {
            let digest = ContentHash.hex(Array(try Data(contentsOf: folder.appending(path: file))))
            guard let pin = pinned[file] else {
                Issue.record("""
                    Migrations/\(file) has no pinned SHA-256: add ("\(file)", "\(digest)") to \
                    MigrationPinTests.shipped, so that it cannot be edited once shipped
                    """)
                continue
            }
            #expect(digest == pin, """
                Migrations/\(file) was edited (SHA-256 \(digest), shipped as \(pin)): never edit a \
                shipped migration; add a new one with the next number (Migrations/\(next)_….sql) and undo this edit
                """)
        }
        for (file, _) in Self.shipped where !files.contains(file) {
            Issue.record("Migrations/\(file) is gone: never remove or rename a shipped migration; restore it")
        }
    }
}
