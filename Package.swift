// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "iftdb",
    products: [
        .executable(name: "iftdb", targets: ["iftdb"]),
        .library(name: "IFTStore", targets: ["IFTStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // Already resolved through async-http-client (swift-certificates): SHA-256 from
        // BoringSSL's accelerated code, so the project carries no hand-written crypto.
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // The SQLite layer: connection, statement, values, errors, a generic migrator, the
        // read-only guard. `package` access only; IFTStore imports it with `internal import`.
        .target(name: "IFTSQLite", dependencies: ["CSQLite"]),
        // Turns Migrations/*.sql into one Swift source at build time, so the binary carries them.
        .executableTarget(name: "EmbedMigrations", path: "Sources/EmbedMigrations"),
        .plugin(
            name: "MigrationsPlugin",
            capability: .buildTool(),
            dependencies: ["EmbedMigrations"],
            path: "Plugins/MigrationsPlugin"
        ),
        // Stamps the git commit into the binary for `iftdb --version`.
        .executableTarget(name: "EmbedCommit", path: "Sources/EmbedCommit"),
        .plugin(
            name: "CommitPlugin",
            capability: .buildTool(),
            dependencies: ["EmbedCommit"],
            path: "Plugins/CommitPlugin"
        ),
        .target(
            name: "IFTStore",
            dependencies: [
                "IFTSQLite",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            plugins: ["MigrationsPlugin"]
        ),
        .executableTarget(
            name: "iftdb",
            dependencies: [
                "IFTStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            plugins: ["CommitPlugin"]
        ),
        // What every test target shares: temporary folders, child processes awaited off the
        // task pool (the built iftdb among them), and a scriptable OpenAI-compatible server on
        // 127.0.0.1, which the benchmarks use too.
        .target(
            name: "TestSupport",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/TestSupport"
        ),
        .executableTarget(name: "BenchModelServer", dependencies: ["TestSupport"]),
        .testTarget(
            name: "IFTStoreTests",
            dependencies: ["IFTStore", "IFTSQLite", "TestSupport"]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["iftdb", "IFTStore", "TestSupport"]
        ),
        .testTarget(name: "IFTSQLiteTests", dependencies: ["IFTSQLite", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
