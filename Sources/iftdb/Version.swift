/// iftdb's version number: the one place it is written. `iftdb --version` adds the commit
/// the binary was built from (`BuildCommit`, stamped by the CommitPlugin at build time).
enum IFTDBVersion {
    static let number = "0.1.0"

    static var line: String { "iftdb \(number) (\(BuildCommit.stamp))" }
}
