import Foundation

/// Where `generate --batch-file` writes its requests and in which form.
public struct BatchFile: Sendable, Equatable {
    /// The file as given: `requests.jsonl`, or with `batchSize` the stem of the numbered files
    /// (`requests-0001.jsonl`, `requests-0002.jsonl` …).
    public var path: String
    /// At most this many requests per file (OpenAI takes at most 50,000 per file); nil for
    /// one file.
    public var batchSize: Int?
    /// The request form: `response_format` (`json_schema`, `json_object` or none) and the
    /// name of the token limit (`max_completion_tokens` unless asked otherwise).
    public var form: RequestForm

    public init(path: String, batchSize: Int? = nil, responseFormat: RequestForm.ResponseFormat = .jsonSchema,
                maxTokensField: String = "max_completion_tokens") {
        self.path = path
        self.batchSize = batchSize
        var form = RequestForm()
        form.responseFormat = responseFormat
        form.maxTokensField = maxTokensField
        self.form = form
    }

    /// What a batch run records as its endpoint.
    var endpoint: String { "batch:" + path }

    /// The path of file `part` (from 0): the path itself, or with a batch size the path with
    /// `-0001` … before its extension.
    func path(ofPart part: Int) -> String {
        guard batchSize != nil else { return path }
        let number = "-" + String(format: "%04d", part + 1)
        let slash = path.lastIndex(of: "/")
        let name = slash.map { path[path.index(after: $0)...] } ?? path[...]
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            return String(path[..<dot]) + number + String(path[dot...])
        }
        return path + number
    }
}

extension RequestForm.ResponseFormat {
    /// The name `runs.options` records (the one `--response-format` takes).
    var name: String {
        switch self {
        case .jsonSchema: "json_schema"
        case .jsonObject: "json_object"
        case .none: "none"
        }
    }
}

/// The requests files of one batch run, written atomically: each goes to a temporary file
/// beside its target and all are renamed into place only once every request is written
/// (`AtomicOutputFile`), so no half-written requests file is ever seen. A file that would
/// be the store, or one of SQLite's files beside it, is refused.
final class BatchRequestFiles {
    let batch: BatchFile
    private let storeFiles: StoreFiles
    private var files: [AtomicOutputFile] = []
    /// Requests written to each file.
    private(set) var lines: [Int] = []

    /// Opens the first file, so a path that cannot be written fails before any row is.
    init(_ batch: BatchFile, storePath: String) throws {
        self.batch = batch
        storeFiles = StoreFiles(storePath: storePath)
        try open(part: 0)
    }

    deinit { discard() }

    var paths: [String] { files.map(\.path) }

    private func open(part: Int) throws {
        let path = batch.path(ofPart: part)
        do {
            files.append(try AtomicOutputFile(path: path, checking: { [storeFiles] in try storeFiles.refuse(path, at: $0) }))
        } catch OutputError.isTheStore {
            throw BatchError.isTheStore(path: path)
        } catch OutputError.isAFolder {
            throw BatchError.isAFolder(path: path)
        }
        lines.append(0)
    }

    /// Writes request number `index` (from 0) of the run to its file, opening the next file
    /// when the batch size is reached.
    func write(request index: Int, customID: String, body: String) throws {
        let part = batch.batchSize.map { index / $0 } ?? 0
        while files.count <= part { try open(part: files.count) }
        let sink = files[part].sink
        try sink.write(#"{"custom_id":"#)
        var id = customID
        try id.withUTF8 { try sink.writeJSONString($0) }
        try sink.write(#","method":"POST","url":"/v1/chat/completions","body":"#)
        try sink.write(body)
        try sink.write("}\n")
        lines[part] += 1
    }

    /// Syncs every file and renames each into place.
    func commit() throws {
        for file in files { try file.commit() }
    }

    /// Removes every temporary file not yet renamed into place.
    func discard() {
        for file in files { file.discard() }
    }
}

@available(*, unavailable)
extension BatchRequestFiles: Sendable {}
