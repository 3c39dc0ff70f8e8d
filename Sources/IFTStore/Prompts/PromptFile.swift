import Foundation

/// A template or system prompt kept in a file (`prompts add --template-file`).
public enum PromptFile {
    /// The text of the file at `path`, which holds the prompt's `part` ("template", "system
    /// prompt"): it must exist, be a readable file, and be UTF-8.
    public static func read(_ path: String, part: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw PromptError.fileMissing(path: path, part: part)
        }
        if isDirectory.boolValue { throw PromptError.fileIsAFolder(path: path, part: part) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PromptError.fileUnreadable(path: path, part: part)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PromptError.fileNotUTF8(path: path, part: part)
        }
        return text
    }
}
