import ArgumentParser
import IFTStore

extension IFTDB {
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a store, or upgrade an existing one to this iftdb's schema.",
            discussion: """
                Safe to run on an existing store: it applies only the migrations the store lacks, \
                each in its own transaction, and refuses a store written by a newer iftdb.
                """
        )

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let path = store.path
            let writer = try StoreFile.open(path, for: .writing(create: true))
            writer.close()
            switch writer.migrationOutcome {
            case .created(let version):
                Console.info("created store \(path) (schema version \(version))")
            case .upgraded(let from, let to):
                Console.info("upgraded store \(path) from schema version \(from) to \(to)")
            case .upToDate(let version):
                Console.info("store \(path) is up to date (schema version \(version))")
            }
        }
    }
}
