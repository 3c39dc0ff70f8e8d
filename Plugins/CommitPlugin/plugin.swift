import Foundation
import PackagePlugin

/// Stamps the git commit the binary is built from (`iftdb --version`) into one generated
/// Swift file. Its declared inputs are `.git/HEAD` and the ref HEAD names (the loose ref
/// file, else `packed-refs`), so a commit or a checkout always rebuilds it; the index and the
/// package's source files are inputs too, so `-dirty` follows an edited tree. A worktree's
/// `.git` is a file naming its git folder, whose `commondir` holds the refs; both work.
/// Outside a checkout the stamp is `unknown`.
@main
struct CommitPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        let root = context.package.directoryURL
        let output = context.pluginWorkDirectoryURL.appending(path: "BuildCommit.swift")
        var arguments = [output.path(), root.path()]
        var inputs: [URL] = [root.appending(path: "Package.swift")]
        if let git = GitFolder(packageRoot: root) {
            arguments += [git.head.path(), git.refs.path()]
            inputs += [git.head, git.index] + git.refInputs
        }
        for case let module as SourceModuleTarget in context.package.targets {
            inputs += module.sourceFiles.map(\.url)
        }
        return [
            .buildCommand(
                displayName: "Stamping the git commit",
                executable: try context.tool(named: "EmbedCommit").url,
                arguments: arguments,
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}

/// Where a checkout keeps HEAD and its refs.
struct GitFolder {
    /// The folder holding HEAD and the index (`.git`, or `.git/worktrees/NAME` for a worktree).
    let gitDir: URL
    /// The folder holding the refs and `packed-refs` (the same as `gitDir` outside a worktree).
    let refs: URL

    var head: URL { gitDir.appending(path: "HEAD") }
    var index: URL { gitDir.appending(path: "index") }

    init?(packageRoot: URL) {
        let dotGit = packageRoot.appending(path: ".git")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dotGit.path(), isDirectory: &isDirectory) else { return nil }
        if isDirectory.boolValue {
            gitDir = dotGit
            refs = dotGit
            return
        }
        // A worktree or submodule: "gitdir: PATH", relative to the checkout when not absolute.
        guard let text = try? String(contentsOf: dotGit, encoding: .utf8), text.hasPrefix("gitdir:") else { return nil }
        let path = text.dropFirst("gitdir:".count).trimmingCharacters(in: .whitespacesAndNewlines)
        gitDir = path.hasPrefix("/") ? URL(fileURLWithPath: path) : packageRoot.appending(path: path)
        if let common = try? String(contentsOf: gitDir.appending(path: "commondir"), encoding: .utf8) {
            let commonPath = common.trimmingCharacters(in: .whitespacesAndNewlines)
            refs = commonPath.hasPrefix("/") ? URL(fileURLWithPath: commonPath) : gitDir.appending(path: commonPath).standardizedFileURL
        } else {
            refs = gitDir
        }
    }

    /// The file the ref HEAD names lives in: its loose file, else `packed-refs`.
    var refInputs: [URL] {
        guard let head = try? String(contentsOf: head, encoding: .utf8), head.hasPrefix("ref:") else { return [] }
        let name = head.dropFirst("ref:".count).trimmingCharacters(in: .whitespacesAndNewlines)
        let loose = refs.appending(path: name)
        if FileManager.default.fileExists(atPath: loose.path()) { return [loose] }
        let packed = refs.appending(path: "packed-refs")
        return FileManager.default.fileExists(atPath: packed.path()) ? [packed] : []
    }
}
