import Foundation
internal import IFTSQLite

public struct SourceListing: Sendable, Codable {
    public let path: String
    public let currentVersion: Int
    public let status: String
    public let versions: Int
    public let chunks: Int
    public let bytes: Int
    public let loadedAt: String
}

public struct SourceVersion: Sendable, Codable {
    public let id: Int64
    public let path: String
    public let version: Int
    public let latestVersion: Int
    public let status: String
    public let text: String?
    public let sha256: String?
    public let bytes: Int
    public let chars: Int
    public let root: String?
    public let loadedAt: String
    public let chunks: Int
}

public struct ChunkDetail: Sendable, Codable {
    public let id: Int64
    public let sourceID: Int64
    public let path: String
    public let version: Int
    public let chunking: String
    public let chunkingID: Int64
    public let ordinal: Int
    public let start: Int
    public let end: Int
    public let text: String
    public let sha256: String
}

extension StoreReader {
    /// One row per path: its current version, how many versions and chunks, when loaded.
    /// Removed paths only with `includeRemoved`.
    public func sources(includeRemoved: Bool) throws -> [SourceListing] {
        try guarded {
            let statement = try db.prepare("""
                SELECT s.path, s.version, s.status, s.bytes, s.loaded_at,
                       (SELECT count(*) FROM sources v WHERE v.path = s.path),
                       (SELECT count(*) FROM chunks c WHERE c.source_id = s.id)
                FROM current_sources s
                WHERE ? OR s.status = 'present'
                ORDER BY s.path
                """)
            try statement.bind([includeRemoved])
            var rows: [SourceListing] = []
            while try statement.step() {
                rows.append(SourceListing(
                    path: statement.string(at: 0), currentVersion: statement.int(1), status: statement.string(at: 2),
                    versions: statement.int(5), chunks: statement.int(6), bytes: statement.int(3), loadedAt: statement.string(at: 4)))
            }
            return rows
        }
    }

    /// `path` at `version`, or its current version when nil.
    public func sourceVersion(path: String, version: Int?) throws -> SourceVersion {
        try guarded {
            guard let latest = try db.scalarInt("SELECT max(version) FROM sources WHERE path = ?", [path]) else {
                throw LookupError.noSource(path: path)
            }
            let wanted = version ?? latest
            let statement = try db.prepare("""
                SELECT id, version, status, text, sha256, bytes, chars, root, loaded_at,
                       (SELECT count(*) FROM chunks c WHERE c.source_id = sources.id)
                FROM sources WHERE path = ? AND version = ?
                """)
            try statement.bind([path, wanted])
            guard try statement.step() else {
                throw LookupError.noSourceVersion(path: path, version: wanted, latest: latest)
            }
            return SourceVersion(
                id: Int64(statement.int(0)), path: path, version: statement.int(1), latestVersion: latest,
                status: statement.string(at: 2), text: statement.optionalString(3), sha256: statement.optionalString(4),
                bytes: statement.int(5), chars: statement.int(6), root: statement.optionalString(7),
                loadedAt: statement.string(at: 8), chunks: statement.int(9))
        }
    }

    public func chunk(id: Int64) throws -> ChunkDetail {
        try guarded {
            let statement = try db.prepare("""
                SELECT c.id, c.source_id, s.path, s.version, k.method, k.size, k.step, k.id, c.ordinal, c.start, c.end, c.text, c.sha256
                FROM chunks c JOIN sources s ON s.id = c.source_id JOIN chunkings k ON k.id = c.chunking_id
                WHERE c.id = ?
                """)
            try statement.bind([id])
            guard try statement.step() else {
                throw LookupError.noChunk(id)
            }
            let config = ChunkingConfig(method: ChunkingMethod(rawValue: statement.string(at: 4)) ?? .window, size: statement.int(5), step: statement.int(6))
            return ChunkDetail(
                id: Int64(statement.int(0)), sourceID: Int64(statement.int(1)), path: statement.string(at: 2), version: statement.int(3),
                chunking: config.description, chunkingID: Int64(statement.int(7)), ordinal: statement.int(8),
                start: statement.int(9), end: statement.int(10), text: statement.string(at: 11), sha256: statement.string(at: 12))
        }
    }

    /// The source text around a chunk: up to `context` scalars before and after it.
    public func chunkContext(_ chunk: ChunkDetail, context: Int) throws -> (before: String, after: String) {
        try guarded {
            guard let text = try db.scalar("SELECT text FROM sources WHERE id = ?", [chunk.sourceID]), case .text(let source) = text else {
                return ("", "")
            }
            let scalars = Array(source.unicodeScalars)
            let start = min(chunk.start, scalars.count), end = min(chunk.end, scalars.count)
            let before = String(String.UnicodeScalarView(scalars[max(0, start - context)..<start]))
            let after = String(String.UnicodeScalarView(scalars[end..<min(scalars.count, end + context)]))
            return (before, after)
        }
    }
}
