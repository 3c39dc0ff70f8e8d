import Foundation

/// A template or system prompt kept in a file (`prompts add --template-file`).
public enum PromptFile {
    /// The text of the file at `path`, which holds the prompt's `part` ("template", "system
    /// prompt"): it must exist, be a readable file, and be UTF-8. `-` is standard input; a
    /// pipe, FIFO or `/dev/stdin` is read to its end.
    public static func read(_ path: String, part: String) throws -> String {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw PromptError.fileMissing(path: path, part: part)
            }
            if isDirectory.boolValue { throw PromptError.fileIsAFolder(path: path, part: part) }
            // Read to the end through a handle, which also drains what is not a regular file.
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw PromptError.fileUnreadable(path: path, part: part)
            }
            defer { try? handle.close() }
            do {
                // nil at once for an empty file: an empty template, which the caller names.
                data = try handle.readToEnd() ?? Data()
            } catch {
                throw PromptError.fileUnreadable(path: path, part: part)
            }
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PromptError.fileNotUTF8(path: path, part: part)
        }
        return text
    }
}
