import Foundation
import IFTStore
import TestSupport
import Testing

/// A `generate` run claims its (kind, prompt, model): a second run for the same exits 2 at
/// once, or waits with `--wait`, and a claim whose process is gone is taken over.
@Suite struct RunClaimTests {
    /// One file of five 80-character chunks, markers `first` … `first + 4`.
    static func writeFile(_ folder: TemporaryFolder, _ name: String, first: Int) throws {
        var text = ""
        for marker in first..<(first + 5) {
            let head = String(format: "ZQ%04d The Ørsted lab in Zürich logged sample %d on day %d. ", marker, marker * 7, marker % 28 + 1)
            text += head.padding(toLength: GenerationCommandTests.segment, withPad: "~", startingAt: 0)
        }
        try folder.write("docs/\(name).txt", text)
    }

    static func load(_ folder: TemporaryFolder) async throws {
        let result = try await iftdb(["load", "docs", "--chunker", "window", "--chunk-size", "\(GenerationCommandTests.segment)"], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
    }

    static func scalar(_ sql: String, in folder: TemporaryFolder) async throws -> String {
        let result = try await iftdb(["sql", "--csv", sql], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: "\r\n").dropFirst().first.map(String.init) ?? ""
    }

    /// Changes the store behind iftdb's back, as another process could.
    static func sqlite(_ sql: String, in folder: TemporaryFolder) async throws {
        let result = try await runProgram("sqlite3", [folder.file("iftdb.sqlite"), sql], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
    }

    /// This process's start time, /proc/self/stat field 22.
    static func ownStartTime() throws -> String {
        String(try #require(ProcessIdentity.stat(Int(getpid()))).startTime)
    }

    static func markers(_ server: TestModelServer) -> [String] {
        GenerationCommandTests.chatRequests(server).compactMap { GenerationCommandTests.marker(in: $0.body) }
    }

    /// A server that never answers a chat request.
    static func hangingReply(_ request: TestModelServer.RecordedRequest) -> TestModelServer.Action {
        request.uri.hasSuffix("/chat/completions") ? .hang : .respond(status: 200, body: #"{"data":[]}"#)
    }

    /// The current pair's overlap, and whether its first reply was held yet.
    /// `@unchecked Sendable`: every access holds `lock`.
    final class Contention: @unchecked Sendable {
        private let lock = NSLock()
        private var overlap = Occurrence()
        private var held = false

        /// A new pair, whose first reply waits for the overlap returned.
        func startPair() -> Occurrence { lock.withLock { (overlap, held) = (Occurrence(), false); return overlap } }

        /// The overlap to wait for, for the pair's first chat request only.
        func holdFirst() -> Occurrence? { lock.withLock { defer { held = true }; return held ? nil : overlap } }
    }

    /// Waits until one of `runs` says that another holds the claim; false if none does.
    static func oneSaysAnotherHoldsTheClaim(_ runs: [ChildProcess]) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            for run in runs {
                group.addTask { await run.waitForOutput { $0.contains("is already running in process") || $0.contains("waiting for run") } }
            }
            for await said in group where said {
                group.cancelAll()
                return true
            }
            return false
        }
    }

    @Test func tenPairsOfConcurrentRunsAskEveryItemExactlyOnce() async throws {
        let folder = try TemporaryFolder()
        // Each pair's first reply is held until one run has said the other holds the claim:
        // the two runs overlap for certain, not by luck of timing.
        let contention = Contention()
        try await withTestModelServer(fallback: { request in
            guard request.uri.hasSuffix("/chat/completions") else { return .respond(status: 200, body: #"{"data":[]}"#) }
            guard case .respond(let status, _, let body) = GenerationCommandTests.reply(request) else { return .hang }
            guard let overlap = contention.holdFirst() else { return .respond(status: status, body: body) }
            return .respondWhen({ await overlap.waitForSignal() }, status: status, body: body)
        }) { server in
            for pair in 0..<10 {
                try Self.writeFile(folder, "pair\(pair)", first: pair * 5 + 1)
                try await Self.load(folder)
                // Even pairs: the second run exits 2. Odd pairs: both wait their turn.
                let wait = pair % 2 == 1 ? ["--wait"] : []
                let arguments = ["generate", "questions", "--base-url", server.baseURL, "--concurrency", "2", "--quiet"] + wait
                let overlap = contention.startPair()
                let first = try startIftdb(arguments, in: folder.path)
                let second = try startIftdb(arguments, in: folder.path)
                let overlapped = await Self.oneSaysAnotherHoldsTheClaim([first, second])
                overlap.signal()
                let results = [await first.exit(), await second.exit()]
                let statuses = results.map(\.status), stderrs = results.map(\.stderr)
                #expect(overlapped, "pair \(pair): the runs did not overlap: \(stderrs)")
                let items = (pair + 1) * 5
                let asked = Self.markers(server)
                #expect(asked.count == items, "pair \(pair): \(asked.count) calls for \(items) items; \(stderrs)")
                #expect(Set(asked).count == asked.count, "pair \(pair): an item was asked twice")
                #expect(try await Self.scalar("SELECT count(*) FROM questions", in: folder) == "\(items * 3)")
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
            #expect(try await Self.scalar("SELECT count(*) FROM runs WHERE status = 'running'", in: folder) == "0")
        }
    }

    @Test func aSecondRunExits2NamingTheRunningRunAndWaitsWithWait() async throws {
        let folder = try TemporaryFolder()
        try GenerationCommandTests.writeCorpus(folder)
        try await Self.load(folder)
        try await withTestModelServer(fallback: Self.hangingReply) { hanging in
            try await withTestModelServer(fallback: GenerationCommandTests.reply) { server in
                let holder = try startIftdb(["generate", "questions", "--base-url", hanging.baseURL, "--concurrency", "1", "--quiet"], in: folder.path)
                await GenerationCommandTests.waitForChatRequests(hanging, 1)

                // The same kind, prompt and model, even at another server: refused at once, nothing asked.
                let second = try await iftdb(["generate", "questions", "--base-url", server.baseURL, "--quiet"], in: folder.path)
                expectOneLineError(second, containing: "run 1 (questions with questions@1 and ")
                #expect(second.stderr.contains("is already running in process \(holder.pid)"), "\(second.stderr)")
                #expect(second.stderr.contains("--wait"), "\(second.stderr)")
                #expect(GenerationCommandTests.chatRequests(server).isEmpty)

                // Another model (other parameters) is another claim: it runs.
                let other = try await iftdb(["generate", "questions", "--base-url", server.baseURL, "--temperature", "0.5", "--limit", "2", "--quiet"], in: folder.path)
                #expect(other.status == 0, "\(other.stderr)")
                #expect(GenerationCommandTests.chatRequests(server).count == 2)

                // --wait waits, saying so once, and starts when the holder lets go.
                let waiter = try startIftdb(["generate", "questions", "--base-url", server.baseURL, "--wait", "--quiet"], in: folder.path)
                #expect(await waiter.waitForOutput("waiting"), "\(waiter.stderr)")
                #expect(waiter.isRunning)
                kill(holder.pid, SIGINT)
                // The second Ctrl-C only once the first was heard, or it would count as the first.
                #expect(await holder.waitForOutput("stopping:"), "\(holder.stderr)")
                kill(holder.pid, SIGINT)
                #expect(await holder.exit().status == 1, "\(holder.stderr)")
                #expect(await waiter.exit().status == 0, "\(waiter.stderr)")
                let waitLines = waiter.stderr.split(separator: "\n").filter { $0.contains("waiting") }
                #expect(waitLines.count == 1, "\(waiter.stderr)")
                #expect(waitLines.first?.contains("run 1") == true && waitLines.first?.contains("process \(holder.pid)") == true, "\(waiter.stderr)")
                #expect(GenerationCommandTests.chatRequests(server).count == 2 + 25)
                #expect(try await Self.scalar("SELECT count(*) FROM questions q JOIN models m ON m.id = q.model_id WHERE m.params NOT LIKE '%temperature%'", in: folder) == "75")
                #expect(try await Self.scalar("SELECT group_concat(status, ' ') FROM (SELECT status FROM runs ORDER BY id)", in: folder) == "interrupted done done")
            }
        }
    }

    @Test func aClaimWhoseProcessIsGoneIsTakenOverAndAReusedPidDoesNotHoldIt() async throws {
        let folder = try TemporaryFolder()
        try GenerationCommandTests.writeCorpus(folder)
        try await Self.load(folder)
        try await withTestModelServer(fallback: Self.hangingReply) { hanging in
            try await withTestModelServer(fallback: GenerationCommandTests.reply) { server in
                /// Starts a run that hangs on its first call, kills it with SIGKILL: its claim stays behind.
                func killedHolder() async throws -> Int32 {
                    let before = GenerationCommandTests.chatRequests(hanging).count
                    let holder = try startIftdb(["generate", "questions", "--base-url", hanging.baseURL, "--concurrency", "1", "--quiet"], in: folder.path)
                    await GenerationCommandTests.waitForChatRequests(hanging, before + 1)
                    kill(holder.pid, SIGKILL)
                    await holder.exit()
                    #expect(try await Self.scalar("SELECT pid FROM claims", in: folder) == "\(holder.pid)")
                    return holder.pid
                }

                // A dead process: its claim is taken over, its run marked interrupted.
                _ = try await killedHolder()
                let takeover = try await iftdb(["generate", "questions", "--base-url", server.baseURL, "--limit", "2", "--quiet"], in: folder.path)
                #expect(takeover.status == 0, "\(takeover.stderr)")
                #expect(GenerationCommandTests.chatRequests(server).count == 2)
                #expect(try await Self.scalar("SELECT status FROM runs WHERE id = 1", in: folder) == "interrupted")
                #expect(try await Self.scalar("SELECT count(*) FROM claims", in: folder) == "0")

                // The pid now belongs to a live process (this one) that started at another time: not the holder.
                _ = try await killedHolder()
                try await Self.sqlite("UPDATE claims SET pid = \(getpid())", in: folder)
                let reused = try await iftdb(["generate", "questions", "--base-url", server.baseURL, "--limit", "2", "--quiet"], in: folder.path)
                #expect(reused.status == 0, "\(reused.stderr)")
                #expect(GenerationCommandTests.chatRequests(server).count == 4)

                // The same pid and the same start time: that process holds the claim.
                _ = try await killedHolder()
                try await Self.sqlite("UPDATE claims SET pid = \(getpid()), pid_start = \(try Self.ownStartTime())", in: folder)
                let held = try await iftdb(["generate", "questions", "--base-url", server.baseURL, "--quiet"], in: folder.path)
                expectOneLineError(held, containing: "is already running in process \(getpid())")
                #expect(GenerationCommandTests.chatRequests(server).count == 4)
                #expect(try await iftdb(["runs", "--json"], in: folder.path).stdout.contains("\"status\":\"running\""))
            }
        }
    }

    // MARK: holders that are gone in other ways

    /// `iftdb` started by `sh`, which then becomes `sleep`: nothing reaps `iftdb` once it
    /// ends, so killed it stays a zombie (state Z) until `sleep` is killed. Returns the
    /// `sleep` (our child) and the pid of `iftdb`.
    static func startUnreaped(_ arguments: [String], in folder: TemporaryFolder) async throws -> (parent: ChildProcess, pid: Int32) {
        let quoted = arguments.map { "'" + $0 + "'" }.joined(separator: " ")
        let script = "\"$0\" \(quoted) >zombie.out 2>zombie.err & echo $!; exec sleep 600"
        let parent = try ChildProcess("/bin/sh", ["-c", script, iftdbBinary], in: folder.path, environment: iftdbEnvironment())
        #expect(await parent.waitForOutput(on: .stdout) { $0.hasSuffix("\n") }, "sh did not say the pid: \(parent.stderr)")
        return (parent, try #require(Int32(parent.stdout.trimmingCharacters(in: .whitespacesAndNewlines))))
    }

    @Test func aZombieHolderIsTakenOver() async throws {
        let folder = try TemporaryFolder()
        try GenerationCommandTests.writeCorpus(folder)
        try await Self.load(folder)
        try await withTestModelServer(fallback: Self.hangingReply) { hanging in
            try await withTestModelServer(fallback: GenerationCommandTests.reply) { server in
                let (parent, pid) = try await Self.startUnreaped(["generate", "questions", "--base-url", hanging.baseURL, "--concurrency", "1", "--quiet"], in: folder)
                await GenerationCommandTests.waitForChatRequests(hanging, 1)
                kill(pid, SIGKILL)
                // Nothing announces that another process's child became a zombie: /proc is polled.
                #expect(await pollUntil { ProcessIdentity.stat(Int(pid))?.state == "Z" }, "iftdb (pid \(pid)) never became a zombie")
                #expect(kill(pid, 0) == 0, "a zombie still answers kill 0")
                #expect(try await Self.scalar("SELECT pid FROM claims", in: folder) == "\(pid)")

                let takeover = try await iftdb(["generate", "questions", "--base-url", server.baseURL, "--limit", "2", "--quiet"], in: folder.path)
                #expect(takeover.status == 0, "\(takeover.stderr)")
                #expect(GenerationCommandTests.chatRequests(server).count == 2)
                #expect(try await Self.scalar("SELECT status FROM runs WHERE id = 1", in: folder) == "interrupted")
                kill(parent.pid, SIGKILL)
                await parent.exit()
            }
        }
    }

    /// A claim written in another pid namespace (another container on the same volume) or on
    /// another machine: its pid says nothing here, so it holds while its heartbeat is fresh.
    @Test func aClaimFromAnotherPidNamespaceHoldsUntilItsHeartbeatIsStale() async throws {
        let folder = try TemporaryFolder()
        try GenerationCommandTests.writeCorpus(folder)
        try await Self.load(folder)
        try await withTestModelServer(fallback: Self.hangingReply) { hanging in
            try await withTestModelServer(fallback: GenerationCommandTests.reply) { server in
                // A claim left by a killed holder, then moved to another namespace.
                let holder = try startIftdb(["generate", "questions", "--base-url", hanging.baseURL, "--concurrency", "1", "--quiet"], in: folder.path)
                await GenerationCommandTests.waitForChatRequests(hanging, 1)
                kill(holder.pid, SIGKILL)
                await holder.exit()
                let now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
                // A dead pid here, but a fresh heartbeat there: held.
                try await Self.sqlite("UPDATE claims SET pid_ns = 4026531836 + 1000, heartbeat_at = \(now)", in: folder)
                let fresh = try await iftdb(["generate", "questions", "--base-url", server.baseURL, "--quiet"], in: folder.path)
                expectOneLineError(fresh, containing: "is already running in process \(holder.pid)")
                #expect(fresh.stderr.contains("another pid namespace or machine"), "\(fresh.stderr)")
                #expect(GenerationCommandTests.chatRequests(server).isEmpty)
                #expect(try await iftdb(["runs", "--json"], in: folder.path).stdout.contains("\"status\":\"running\""))

                // A heartbeat older than the limit (10 minutes): the holder is taken for gone, even
                // when its pid and start time match a live process here.
                try await Self.sqlite("UPDATE claims SET pid = \(getpid()), pid_start = \(try Self.ownStartTime()), heartbeat_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-11 minutes')", in: folder)
                #expect(try await iftdb(["runs", "--json"], in: folder.path).stdout.contains("\"status\":\"interrupted\""))
                let stale = try await iftdb(["generate", "questions", "--base-url", server.baseURL, "--limit", "2", "--quiet"], in: folder.path)
                #expect(stale.status == 0, "\(stale.stderr)")
                #expect(GenerationCommandTests.chatRequests(server).count == 2)
                #expect(try await Self.scalar("SELECT status FROM runs WHERE id = 1", in: folder) == "interrupted")

                // Another machine (another boot id), same namespace number: the same rule.
                let second = try startIftdb(["generate", "questions", "--base-url", hanging.baseURL, "--concurrency", "1", "--quiet"], in: folder.path)
                await GenerationCommandTests.waitForChatRequests(hanging, 2)
                kill(second.pid, SIGKILL)
                await second.exit()
                try await Self.sqlite("UPDATE claims SET boot_id = 'another-machine', heartbeat_at = \(now)", in: folder)
                expectOneLineError(try await iftdb(["generate", "questions", "--base-url", server.baseURL, "--quiet"], in: folder.path),
                                   containing: "is already running in process \(second.pid)")
                try await Self.sqlite("UPDATE claims SET heartbeat_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-11 minutes')", in: folder)
                let afterBoot = try await iftdb(["generate", "questions", "--base-url", server.baseURL, "--limit", "2", "--quiet"], in: folder.path)
                #expect(afterBoot.status == 0, "\(afterBoot.stderr)")
            }
        }
    }

    /// A program name ending in U+0600 (a prepended mark that glues to the `)` after it as
    /// text): the start time must still be read, from the bytes of /proc/PID/stat.
    @Test func aHolderWhoseNameEndsInAPrependedMarkIsRecordedWithItsStartTime() async throws {
        let folder = try TemporaryFolder()
        try GenerationCommandTests.writeCorpus(folder)
        try await Self.load(folder)
        try await withTestModelServer(fallback: Self.hangingReply) { hanging in
            let named = folder.file("iftdb\u{0600}")
            #expect(symlink(iftdbBinary, named) == 0)
            let process = try startIftdb(["generate", "questions", "--base-url", hanging.baseURL, "--concurrency", "1", "--quiet"], in: folder.path, executable: named)
            await GenerationCommandTests.waitForChatRequests(hanging, 1)
            let line = try String(decoding: Data(contentsOf: URL(fileURLWithPath: "/proc/\(process.pid)/stat")), as: UTF8.self)
            #expect(line.contains("(iftdb\u{0600})"), "\(line)")
            let startTime = try #require(ProcessIdentity.stat(Int(process.pid))).startTime
            let recorded = try await Self.scalar("SELECT pid_start FROM claims", in: folder)
            kill(process.pid, SIGKILL)
            await process.exit()
            #expect(recorded == "\(startTime)", "claims.pid_start is '\(recorded)'; the process started at \(startTime)")
        }
    }

    @Test func waitStartsWhenTheHolderIsKilledWithKill9() async throws {
        let folder = try TemporaryFolder()
        try GenerationCommandTests.writeCorpus(folder)
        try await Self.load(folder)
        try await withTestModelServer(fallback: Self.hangingReply) { hanging in
            try await withTestModelServer(fallback: GenerationCommandTests.reply) { server in
                let holder = try startIftdb(["generate", "questions", "--base-url", hanging.baseURL, "--concurrency", "1", "--quiet"], in: folder.path)
                await GenerationCommandTests.waitForChatRequests(hanging, 1)
                let waiter = try startIftdb(["generate", "questions", "--base-url", server.baseURL, "--wait", "--quiet"], in: folder.path)
                #expect(await waiter.waitForOutput("waiting"), "\(waiter.stderr)")
                #expect(waiter.isRunning)
                kill(holder.pid, SIGKILL)
                await holder.exit()
                #expect(await waiter.exit().status == 0, "\(waiter.stderr)")
                #expect(GenerationCommandTests.chatRequests(server).count == 25)
                #expect(try await Self.scalar("SELECT group_concat(status, ' ') FROM (SELECT status FROM runs ORDER BY id)", in: folder) == "interrupted done")
                #expect(try await Self.scalar("SELECT count(*) FROM questions", in: folder) == "75")
            }
        }
    }
}
