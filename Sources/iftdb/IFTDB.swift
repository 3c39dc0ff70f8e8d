import ArgumentParser
import Foundation
import IFTStore

@main
struct IFTDB: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "iftdb",
        abstract: "Build instruction-fine-tuning data from your documents, with a memory.",
        discussion: """
            iftdb keeps every source file, chunk, question and answer as a versioned row in one \
            SQLite file, linked to the prompt version, model and raw model call that made it.

            The store is --db PATH, else $IFTDB_DB, else ./iftdb.sqlite. --db may also come \
            before the subcommand (iftdb --db s.sqlite stats).
            --color auto|always|never (before or after the subcommand): colour on a terminal \
            (auto, the default, also honours NO_COLOR), always, or never.
            Exit codes: 0 success; 1 ran but not clean; 2 error; 64 usage error.
            """,
        version: IFTDBVersion.line,
        subcommands: [Init.self, Load.self, Sources.self, Prompts.self, Generate.self, Runs.self, Show.self, Export.self, Dataset.self, Stats.self, Diff.self, SQL.self, Check.self]
    )

    /// A `UserFacingError` from `run()` exits with code 2 and its one line on stderr; parsing
    /// and validation errors keep the parser's usage output and code 64.
    static func main() async {
        // A parent may hand us Ctrl-C blocked (a spawn from a thread that blocks signals):
        // unblock it before any thread starts, so the stop handlers can hear it.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGINT)
        sigaddset(&stopSignals, SIGTERM)
        sigprocmask(SIG_UNBLOCK, &stopSignals, nil)
        // A reader that leaves (`| head`, a FIFO closed early) makes a write fail with EPIPE,
        // which ends the command with one line and exit 2, instead of killing it silently.
        signal(SIGPIPE, SIG_IGN)
        let global: GlobalArguments
        do {
            global = try GlobalArguments(Array(CommandLine.arguments.dropFirst()))
        } catch let error as GlobalArguments.UsageError {
            Console.error(error.message)
            Foundation.exit(ExitCode.validationFailure.rawValue)
        } catch {
            fail("internal error: \(error); please report it")
        }
        if let color = global.color { Console.colorChoice = color }
        do {
            var command = try parseAsRoot(global.arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as any UserFacingError {
            fail(error.message)
        } catch let error as InternalError {
            // Not the user's doing: say so, and still one line and exit 2.
            fail("internal error: \(error); please report it")
        } catch {
            exit(withError: error)
        }
    }

    static func fail(_ message: String) -> Never {
        Console.error(message)
        Foundation.exit(2)
    }
}

/// Options every command that touches a store takes.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The store file. Default: $IFTDB_DB, else ./iftdb.sqlite.", valueName: "path"))
    var db: String?

    var path: String { StoreFile.resolvePath(db) }
}
