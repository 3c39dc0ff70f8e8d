import Foundation
import IFTStore
import TestSupport
import Testing

/// A `generate` run claims its (kind, prompt, model): a second run for the same exits 2 at
/// once, or waits with `--wait`, and a claim whose process is gone is taken over.
@Suite struct RunClaimTests {
    /// `iftdb` in the background, its stderr in a file of the test's folder.
    struct BackgroundRun {
        let process: Process
        let stderrPath: String

        var pid: Int32 { process.processIdentifier }
        var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

        func wait() -> Int32 {
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    static func start(_ arguments: [String], in folder: TemporaryFolder, name: String) throws -> BackgroundRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: iftdbBinary)
        process.arguments = arguments
        process.currentDirectoryURL = folder.url
        var environment = ProcessInfo.processInfo.environment
        for key in ["IFTDB_DB", "IFTDB_BASE_URL", "IFTDB_MODEL", "IFTDB_API_KEY", "OPENAI_API_KEY"] { environment.removeValue(forKey: key) }
        process.environment = environment
        let stdoutPath = folder.file("\(name).out"), stderrPath = folder.file("\(name).err")
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
        return BackgroundRun(process: process, stderrPath: stderrPath)
    }

    /// Polls on this thread (see GenerationCommandTests.waitUntil).
    static func waitUntil(_ condition: () -> Bool, sourceLocation: SourceLocation = #_sourceLocation) {
        for _ in 0..<6000 where !condition() { usleep(10_000) }
        #expect(condition(), "timed out waiting", sourceLocation: sourceLocation)
    }

    /// One file of five 80-character chunks, markers `first` … `first + 4`.
    static func writeFile(_ folder: TemporaryFolder, _ name: String, first: Int) throws {
        var text = ""
        for marker in first..<(first + 5) {
            let head = String(format: "ZQ%04d The Ørsted lab in Zürich logged sample %d on day %d. ", marker, marker * 7, marker % 28 + 1)
            text += head.padding(toLength: GenerationCommandTests.segment, withPad: "~", startingAt: 0)
        }
        try folder.write("docs/\(name).txt", text)
    }

    static func load(_ folder: TemporaryFolder) throws {
        let result = try iftdb(["load", "docs", "--chunker", "window", "--chunk-size", "\(GenerationCommandTests.segment)"], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
    }

    static func scalar(_ sql: String, in folder: TemporaryFolder) throws -> String {
        let result = try iftdb(["sql", "--csv", sql], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: "\r\n").dropFirst().first.map(String.init) ?? ""
    }

    /// Changes the store behind iftdb's back, as another process could.
    static func sqlite(_ sql: String, in folder: TemporaryFolder) throws {
        let result = try runProgram("sqlite3", [folder.file("iftdb.sqlite"), sql], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
    }

    /// This process's start time, /proc/self/stat field 22.
    static func ownStartTime() throws -> String {
        String(try #require(ProcessIdentity.stat(Int(getpid()))).startTime)
    }

    static func markers(_ server: TestModelServer) -> [String] {
        GenerationCommandTests.chatRequests(server).compactMap { GenerationCommandTests.marker(in: $0.body) }
    }

    static func hangingServer() async throws -> TestModelServer {
        try await TestModelServer(fallback: { request in
            request.uri.hasSuffix("/chat/completions") ? .hang : .respond(status: 200, body: #"{"data":[]}"#)
        })
    }

    /// Which stderr files the current pair writes, and whether its first reply was held yet.
    /// `@unchecked Sendable`: every access holds `lock`.
    final class Contention: @unchecked Sendable {
        private let lock = NSLock()
        private var paths: [String] = []
        private var held = false

        func startPair(_ stderrPaths: [String]) { lock.withLock { (paths, held) = (stderrPaths, false) } }

        /// True for the pair's first chat request only.
        func holdFirst() -> Bool { lock.withLock { defer { held = true }; return !held } }

        /// Whether one of the pair has said that the other holds the claim.
        var happened: Bool {
            let paths = lock.withLock { self.paths }
            return paths.contains { path in
                let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
                return text.contains("is already running in process") || text.contains("waiting for run")
            }
        }
    }

    @Test func tenPairsOfConcurrentRunsAskEveryItemExactlyOnce() async throws {
        let folder = try TemporaryFolder()
        // Each pair's first reply is held until one run has said the other holds the claim:
        // the two runs overlap for certain, not by luck of timing.
        let contention = Contention()
        let server = try await TestModelServer(fallback: { request in
            guard request.uri.hasSuffix("/chat/completions") else { return .respond(status: 200, body: #"{"data":[]}"#) }
            guard case .respond(let status, _, let body) = GenerationCommandTests.reply(request) else { return .hang }
            guard contention.holdFirst() else { return .respond(status: status, body: body) }
            return .respondWhen({ contention.happened }, status: status, body: body)
        })
        defer { Task { await server.shutdown() } }
        for pair in 0..<10 {
            try Self.writeFile(folder, "pair\(pair)", first: pair * 5 + 1)
            try Self.load(folder)
            // Even pairs: the second run exits 2. Odd pairs: both wait their turn.
            let wait = pair % 2 == 1 ? ["--wait"] : []
            let arguments = ["generate", "questions", "--base-url", server.baseURL, "--concurrency", "2", "--quiet"] + wait
            contention.startPair([folder.file("a\(pair).err"), folder.file("b\(pair).err")])
            let first = try Self.start(arguments, in: folder, name: "a\(pair)")
            let second = try Self.start(arguments, in: folder, name: "b\(pair)")
            let statuses = [first.wait(), second.wait()]
            let stderrs = [first.stderr, second.stderr]
            #expect(contention.happened, "pair \(pair): the runs did not overlap: \(stderrs)")
            let items = (pair + 1) * 5
            let asked = Self.markers(server)
            #expect(asked.count == items, "pair \(pair): \(asked.count) calls for \(items) items; \(stderrs)")
            #expect(Set(asked).count == asked.count, "pair \(pair): an item was asked twice")
            #expect(try Self.scalar("SELECT count(*) FROM questions", in: folder) == "\(items * 3)")
            if wait.isEmpty {
                #expect(statuses.sorted() == [0, 2], "pair \(pair): \(stderrs)")
                for (status, stderr) in zip(statuses, stderrs) where status != 0 {
                    #expect(status == 2 && stderr.contains("is already running in process"), "pair \(pair): \(stderr)")
                }
            } else {
                #expect(statuses == [0, 0], "pair \(pair): \(stderrs)")
            }
            if asked.count != items { break }
        }
        #expect(try Self.scalar("SELECT count(*) FROM runs WHERE status = 'running'", in: folder) == "0")
    }

    @Test func aSecondRunExits2NamingTheRunningRunAndWaitsWithWait() async throws {
        let folder = try TemporaryFolder()
        try GenerationCommandTests.writeCorpus(folder)
        try Self.load(folder)
        let hanging = try await Self.hangingServer()
        defer { Task { await hanging.shutdown() } }
        let server = try await TestModelServer(fallback: GenerationCommandTests.reply)
        defer { Task { await server.shutdown() } }

        let holder = try Self.start(["generate", "questions", "--base-url", hanging.baseURL, "--concurrency", "1", "--quiet"], in: folder, name: "holder")
        Self.waitUntil { !GenerationCommandTests.chatRequests(hanging).isEmpty }

        // The same kind, prompt and model, even at another server: refused at once, nothing asked.
        let second = try iftdb(["generate", "questions", "--base-url", server.baseURL, "--quiet"], in: folder.path)
        expectOneLineError(second, containing: "run 1 (questions with questions@1 and ")
        #expect(second.stderr.contains("is already running in process \(holder.pid)"), "\(second.stderr)")
        #expect(second.stderr.contains("--wait"), "\(second.stderr)")
        #expect(GenerationCommandTests.chatRequests(server).isEmpty)

        // Another model (other parameters) is another claim: it runs.
        let other = try iftdb(["generate", "questions", "--base-url", server.baseURL, "--temperature", "0.5", "--limit", "2", "--quiet"], in: folder.path)
        #expect(other.status == 0, "\(other.stderr)")
        #expect(GenerationCommandTests.chatRequests(server).count == 2)

        // --wait waits, saying so once, and starts when the holder lets go.
        let waiter = try Self.start(["generate", "questions", "--base-url", server.baseURL, "--wait", "--quiet"], in: folder, name: "waiter")
        Self.waitUntil { waiter.stderr.contains("waiting") }
        #expect(waiter.process.isRunning)
        kill(holder.pid, SIGINT)
        // The second Ctrl-C only once the first was heard, or it would count as the first.
        Self.waitUntil { holder.stderr.contains("stopping:") }
        kill(holder.pid, SIGINT)
        #expect(holder.wait() == 1, "\(holder.stderr)")
        #expect(waiter.wait() == 0, "\(waiter.stderr)")
        let waitLines = waiter.stderr.split(separator: "\n").filter { $0.contains("waiting") }
        #expect(waitLines.count == 1, "\(waiter.stderr)")
        #expect(waitLines.first?.contains("run 1") == true && waitLines.first?.contains("process \(holder.pid)") == true, "\(waiter.stderr)")
        #expect(GenerationCommandTests.chatRequests(server).count == 2 + 25)
        #expect(try Self.scalar("SELECT count(*) FROM questions q JOIN models m ON m.id = q.model_id WHERE m.params NOT LIKE '%temperature%'", in: folder) == "75")
        #expect(try Self.scalar("SELECT group_concat(status, ' ') FROM (SELECT status FROM runs ORDER BY id)", in: folder) == "interrupted done done")
    }

    @Test func aClaimWhoseProcessIsGoneIsTakenOverAndAReusedPidDoesNotHoldIt() async throws {
        let folder = try TemporaryFolder()
        try GenerationCommandTests.writeCorpus(folder)
        try Self.load(folder)
        let hanging = try await Self.hangingServer()
        defer { Task { await hanging.shutdown() } }
        let server = try await TestModelServer(fallback: GenerationCommandTests.reply)
        defer { Task { await server.shutdown() } }

        /// Starts a run that hangs on its first call, kills it with SIGKILL: its claim stays behind.
        func killedHolder(_ name: String) throws -> Int32 {
            let before = GenerationCommandTests.chatRequests(hanging).count
            let holder = try Self.start(["generate", "questions", "--base-url", hanging.baseURL, "--concurrency", "1", "--quiet"], in: folder, name: name)
            Self.waitUntil { GenerationCommandTests.chatRequests(hanging).count > before }
            kill(holder.pid, SIGKILL)
            _ = holder.wait()
            #expect(try Self.scalar("SELECT pid FROM claims", in: folder) == "\(holder.pid)")
            return holder.pid
        }

        // A dead process: its claim is taken over, its run marked interrupted.
        _ = try killedHolder("dead")
        let takeover = try iftdb(["generate", "questions", "--base-url", server.baseURL, "--limit", "2", "--quiet"], in: folder.path)
        #expect(takeover.status == 0, "\(takeover.stderr)")
        #expect(GenerationCommandTests.chatRequests(server).count == 2)
        #expect(try Self.scalar("SELECT status FROM runs WHERE id = 1", in: folder) == "interrupted")
        #expect(try Self.scalar("SELECT count(*) FROM claims", in: folder) == "0")

        // The pid now belongs to a live process (this one) that started at another time: not the holder.
        _ = try killedHolder("reused")
        try Self.sqlite("UPDATE claims SET pid = \(getpid())", in: folder)
        let reused = try iftdb(["generate", "questions", "--base-url", server.baseURL, "--limit", "2", "--quiet"], in: folder.path)
        #expect(reused.status == 0, "\(reused.stderr)")
        #expect(GenerationCommandTests.chatRequests(server).count == 4)

        // The same pid and the same start time: that process holds the claim.
        _ = try killedHolder("alive")
        try Self.sqlite("UPDATE claims SET pid = \(getpid()), pid_start = \(try Self.ownStartTime())", in: folder)
        let held = try iftdb(["generate", "questions", "--base-url", server.baseURL, "--quiet"], in: folder.path)
        expectOneLineError(held, containing: "is already running in process \(getpid())")
        #expect(GenerationCommandTests.chatRequests(server).count == 4)
        #expect(try iftdb(["runs", "--json"], in: folder.path).stdout.contains("\"status\":\"running\""))
    }

    // MARK: holders that are gone in other ways

    /// `iftdb` started by `sh`, which then becomes `sleep`: nothing reaps `iftdb` once it
    /// ends, so killed it stays a zombie (state Z) until `sleep` is killed. Returns the
    /// `sleep` (our child) and the pid of `iftdb`.
    static func startUnreaped(_ arguments: [String], in folder: TemporaryFolder) throws -> (parent: Process, pid: Int32) {
        let parent = Process()
        parent.executableURL = URL(fileURLWithPath: "/bin/sh")
        let quoted = arguments.map { "'" + $0 + "'" }.joined(separator: " ")
        parent.arguments = ["-c", "\"$0\" \(quoted) 2>zombie.err & echo $! > zombie.pid; exec sleep 600", iftdbBinary]
        parent.currentDirectoryURL = folder.url
        var environment = ProcessInfo.processInfo.environment
        for key in ["IFTDB_DB", "IFTDB_BASE_URL", "IFTDB_MODEL", "IFTDB_API_KEY", "OPENAI_API_KEY"] { environment.removeValue(forKey: key) }
        parent.environment = environment
        try parent.run()
        waitUntil { ((try? String(contentsOfFile: folder.file("zombie.pid"), encoding: .utf8)) ?? "").hasSuffix("\n") }
        let text = try String(contentsOfFile: folder.file("zombie.pid"), encoding: .utf8)
        return (parent, try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))))
    }

    @Test func aZombieHolderIsTakenOver() async throws {
        let folder = try TemporaryFolder()
        try GenerationCommandTests.writeCorpus(folder)
        try Self.load(folder)
        let hanging = try await Self.hangingServer()
        defer { Task { await hanging.shutdown() } }
        let server = try await TestModelServer(fallback: GenerationCommandTests.reply)
        defer { Task { await server.shutdown() } }

        let (parent, pid) = try Self.startUnreaped(["generate", "questions", "--base-url", hanging.baseURL, "--concurrency", "1", "--quiet"], in: folder)
        defer {
            kill(parent.processIdentifier, SIGKILL)
            parent.waitUntilExit()
        }
        Self.waitUntil { !GenerationCommandTests.chatRequests(hanging).isEmpty }
        kill(pid, SIGKILL)
        Self.waitUntil { ProcessIdentity.stat(Int(pid))?.state == "Z" }
        #expect(kill(pid, 0) == 0, "a zombie still answers kill 0")
        #expect(try Self.scalar("SELECT pid FROM claims", in: folder) == "\(pid)")

        let takeover = try iftdb(["generate", "questions", "--base-url", server.baseURL, "--limit", "2", "--quiet"], in: folder.path)
        #expect(takeover.status == 0, "\(takeover.stderr)")
        #expect(GenerationCommandTests.chatRequests(server).count == 2)
        #expect(try Self.scalar("SELECT status FROM runs WHERE id = 1", in: folder) == "interrupted")
    }

    /// A claim written in another pid namespace (another container on the same volume) or on
    /// another machine: its pid says nothing here, so it holds while its heartbeat is fresh.
    @Test func aClaimFromAnotherPidNamespaceHoldsUntilItsHeartbeatIsStale() async throws {
        let folder = try TemporaryFolder()
        try GenerationCommandTests.writeCorpus(folder)
        try Self.load(folder)
        let hanging = try await Self.hangingServer()
        defer { Task { await hanging.shutdown() } }
        let server = try await TestModelServer(fallback: GenerationCommandTests.reply)
        defer { Task { await server.shutdown() } }

        // A claim left by a killed holder, then moved to another namespace.
        let holder = try Self.start(["generate", "questions", "--base-url", hanging.baseURL, "--concurrency", "1", "--quiet"], in: folder, name: "holder")
        Self.waitUntil { !GenerationCommandTests.chatRequests(hanging).isEmpty }
        kill(holder.pid, SIGKILL)
        _ = holder.wait()
        let now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
        // A dead pid here, but a fresh heartbeat there: held.
        try Self.sqlite("UPDATE claims SET pid_ns = 4026531836 + 1000, heartbeat_at = \(now)", in: folder)
        let fresh = try iftdb(["generate", "questions", "--base-url", server.baseURL, "--quiet"], in: folder.path)
        expectOneLineError(fresh, containing: "is already running in process \(holder.pid)")
        #expect(fresh.stderr.contains("another pid namespace or machine"), "\(fresh.stderr)")
        #expect(GenerationCommandTests.chatRequests(server).isEmpty)
        #expect(try iftdb(["runs", "--json"], in: folder.path).stdout.contains("\"status\":\"running\""))

        // A heartbeat older than the limit (10 minutes): the holder is taken for gone, even
        // when its pid and start time match a live process here.
        try Self.sqlite("UPDATE claims SET pid = \(getpid()), pid_start = \(try Self.ownStartTime()), heartbeat_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-11 minutes')", in: folder)
        #expect(try iftdb(["runs", "--json"], in: folder.path).stdout.contains("\"status\":\"interrupted\""))
        let stale = try iftdb(["generate", "questions", "--base-url", server.baseURL, "--limit", "2", "--quiet"], in: folder.path)
        #expect(stale.status == 0, "\(stale.stderr)")
        #expect(GenerationCommandTests.chatRequests(server).count == 2)
        #expect(try Self.scalar("SELECT status FROM runs WHERE id = 1", in: folder) == "interrupted")

        // Another machine (another boot id), same namespace number: the same rule.
        let second = try Self.start(["generate", "questions", "--base-url", hanging.baseURL, "--concurrency", "1", "--quiet"], in: folder, name: "second")
        Self.waitUntil { GenerationCommandTests.chatRequests(hanging).count == 2 }
        kill(second.pid, SIGKILL)
        _ = second.wait()
        try Self.sqlite("UPDATE claims SET boot_id = 'another-machine', heartbeat_at = \(now)", in: folder)
        expectOneLineError(try iftdb(["generate", "questions", "--base-url", server.baseURL, "--quiet"], in: folder.path),
                           containing: "is already running in process \(second.pid)")
        try Self.sqlite("UPDATE claims SET heartbeat_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-11 minutes')", in: folder)
        let afterBoot = try iftdb(["generate", "questions", "--base-url", server.baseURL, "--limit", "2", "--quiet"], in: folder.path)
        #expect(afterBoot.status == 0, "\(afterBoot.stderr)")
    }

    /// A program name ending in U+0600 (a prepended mark that glues to the `)` after it as
    /// text): the start time must still be read, from the bytes of /proc/PID/stat.
    @Test func aHolderWhoseNameEndsInAPrependedMarkIsRecordedWithItsStartTime() async throws {
        let folder = try TemporaryFolder()
        try GenerationCommandTests.writeCorpus(folder)
        try Self.load(folder)
        let hanging = try await Self.hangingServer()
        defer { Task { await hanging.shutdown() } }
        let named = folder.file("iftdb\u{0600}")
        #expect(symlink(iftdbBinary, named) == 0)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: named)
        process.arguments = ["generate", "questions", "--base-url", hanging.baseURL, "--concurrency", "1", "--quiet"]
        process.currentDirectoryURL = folder.url
        var environment = ProcessInfo.processInfo.environment
        for key in ["IFTDB_DB", "IFTDB_BASE_URL", "IFTDB_MODEL", "IFTDB_API_KEY", "OPENAI_API_KEY"] { environment.removeValue(forKey: key) }
        process.environment = environment
        _ = FileManager.default.createFile(atPath: folder.file("named.err"), contents: nil)
        process.standardError = FileHandle(forWritingAtPath: folder.file("named.err"))
        try process.run()
        Self.waitUntil { !GenerationCommandTests.chatRequests(hanging).isEmpty }
        let line = try String(decoding: Data(contentsOf: URL(fileURLWithPath: "/proc/\(process.processIdentifier)/stat")), as: UTF8.self)
        #expect(line.contains("(iftdb\u{0600})"), "\(line)")
        let startTime = try #require(ProcessIdentity.stat(Int(process.processIdentifier))).startTime
        let recorded = try Self.scalar("SELECT pid_start FROM claims", in: folder)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(recorded == "\(startTime)", "claims.pid_start is '\(recorded)'; the process started at \(startTime)")
    }

    @Test func waitStartsWhenTheHolderIsKilledWithKill9() async throws {
        let folder = try TemporaryFolder()
        try GenerationCommandTests.writeCorpus(folder)
        try Self.load(folder)
        let hanging = try await Self.hangingServer()
        defer { Task { await hanging.shutdown() } }
        let server = try await TestModelServer(fallback: GenerationCommandTests.reply)
        defer { Task { await server.shutdown() } }

        let holder = try Self.start(["generate", "questions", "--base-url", hanging.baseURL, "--concurrency", "1", "--quiet"], in: folder, name: "holder")
        Self.waitUntil { !GenerationCommandTests.chatRequests(hanging).isEmpty }
        let waiter = try Self.start(["generate", "questions", "--base-url", server.baseURL, "--wait", "--quiet"], in: folder, name: "waiter")
        Self.waitUntil { waiter.stderr.contains("waiting") }
        #expect(waiter.process.isRunning)
        kill(holder.pid, SIGKILL)
        _ = holder.wait()
        #expect(waiter.wait() == 0, "\(waiter.stderr)")
        #expect(GenerationCommandTests.chatRequests(server).count == 25)
        #expect(try Self.scalar("SELECT group_concat(status, ' ') FROM (SELECT status FROM runs ORDER BY id)", in: folder) == "interrupted done")
        #expect(try Self.scalar("SELECT count(*) FROM questions", in: folder) == "75")
    }
}
