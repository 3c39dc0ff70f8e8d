import Foundation
internal import IFTSQLite

/// What a run claims: while it runs, no other run asks the model for this kind of result
/// with this prompt version and this model (name and parameters).
public struct ClaimKey: Sendable, Hashable {
    public let kind: GenerationKind
    public let promptID: Int64
    public let modelID: Int64
}

/// The process a claim names, as its row records it, and whether it still holds the claim.
public struct ClaimHolder: Sendable, Equatable {
    /// How often a running run refreshes `heartbeat_at`.
    public static let heartbeatInterval: Duration = .seconds(30)
    /// A claim whose process cannot be checked here (another pid namespace or machine) holds
    /// until its heartbeat is older than this.
    public static let heartbeatLimit: TimeInterval = 600

    public let process: ProcessIdentity
    /// When the run last said it was alive (ISO 8601); nil on a store from before heartbeats.
    public let heartbeatAt: String?

    /// The claim's columns, in the order `init(_:at:)` reads them.
    static let columns = "c.pid, c.pid_start, c.pid_ns, c.boot_id, c.heartbeat_at"
    /// The same places filled for a store without `claims`: a run's pid alone.
    static let runColumns = "r.pid, NULL, NULL, NULL, NULL"

    public init(process: ProcessIdentity, heartbeatAt: String?) {
        self.process = process
        self.heartbeatAt = heartbeatAt
    }

    /// Reads `columns` starting at `index`; nil when there is no pid (no claim row).
    init?(_ statement: Statement, at index: Int) {
        guard let pid = statement.optionalInt(index) else { return nil }
        process = ProcessIdentity(
            pid: pid, startTime: statement.optionalInt(index + 1), pidNamespace: statement.optionalInt(index + 2),
            bootID: statement.optionalString(index + 3))
        heartbeatAt = statement.optionalString(index + 4)
    }

    /// Whether the claim still holds: its process runs, checked by pid, start time and state
    /// when it is in our pid namespace and boot; else its heartbeat is under the limit.
    public func isAlive(now: Date = Date()) -> Bool {
        if process.isCheckableHere { return process.isRunning }
        return secondsSinceHeartbeat(now: now).map { $0 < Self.heartbeatLimit } ?? false
    }

    func secondsSinceHeartbeat(now: Date = Date()) -> TimeInterval? {
        heartbeatAt.flatMap(Timestamp.parse).map { now.timeIntervalSince($0) }
    }
}

/// A claim held by a live process: the `claims` row with the names a person reads.
public struct RunClaim: Sendable, Equatable, CustomStringConvertible {
    public let key: ClaimKey
    public let runID: Int64
    public let prompt: String
    public let model: String
    public let holder: ClaimHolder

    public var process: ProcessIdentity { holder.process }

    /// "run 3 (questions with questions@1 and smollm2-135m) is already running in process 4242",
    /// and, for a process that cannot be checked here, where it is and its last heartbeat.
    public var description: String {
        var text = "run \(runID) (\(key.kind.rawValue) with \(prompt) and \(model)) is already running in process \(process.pid)"
        if !process.isCheckableHere {
            let age = holder.secondsSinceHeartbeat().map { " \(Int($0.rounded())) s ago" } ?? " unknown"
            text += " (in another pid namespace or machine; its last heartbeat was\(age), and it counts as gone once that is over \(Int(ClaimHolder.heartbeatLimit / 60)) minutes)"
        }
        return text
    }
}

/// A run that holds its claim, with its plan made under the claim.
public struct StartedRun: Sendable {
    public let id: Int64
    public let modelID: Int64
    public let plan: GenerationPlan

    public var key: ClaimKey { ClaimKey(kind: plan.kind, promptID: plan.prompt.id, modelID: modelID) }
    var target: ResultTarget { ResultTarget(runID: id, promptID: plan.prompt.id, modelID: modelID) }
}

/// What `startRun` found.
public enum RunStart: Sendable {
    /// The run is recorded and holds its claim: ask the model for `plan.pending`.
    case started(StartedRun)
    /// Nothing is left to ask (another run may have just finished it); no run recorded.
    case nothingToDo(GenerationPlan)
    /// A live process holds the claim; nothing written.
    case held(RunClaim)
}

extension StoreWriter {
    /// Starts a run for `request`: in one `BEGIN IMMEDIATE` transaction, takes over claims
    /// whose process is gone, plans, and, unless a live run holds the claim or nothing is
    /// left, records the model row, the run (`running`, owned by this process) and its
    /// claim. Planning under the write lock means the plan sees every result of the run
    /// that held the claim before, so no item is asked twice.
    public func startRun(
        _ request: GenerationRequest, modelName: String, parametersJSON: String, endpoint: String, optionsJSON: String
    ) throws -> RunStart {
        try guarded {
            try db.transaction(.immediate) {
                try releaseAbandonedClaims()
                let plan = try planGeneration(request, modelName: modelName, parametersJSON: parametersJSON)
                if let modelID = plan.modelID,
                   let holder = try claim(ClaimKey(kind: request.kind, promptID: plan.prompt.id, modelID: modelID)) {
                    return .held(holder)
                }
                guard !plan.pending.isEmpty else { return .nothingToDo(plan) }
                let modelID = try plan.modelID ?? modelRow(name: modelName, parametersJSON: parametersJSON)
                let me = ProcessIdentity.current
                let now = Timestamp.now()
                try db.run("""
                    INSERT INTO runs (kind, prompt_id, model_id, endpoint, options, status, pid, started_at, items_total, items_skipped)
                    VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)
                    """, [request.kind.rawValue, plan.prompt.id, modelID, endpoint, optionsJSON, me.pid, now,
                          plan.pending.count, plan.alreadyDone])
                let runID = db.lastInsertRowID
                try db.run("""
                    INSERT INTO claims (kind, prompt_id, model_id, run_id, pid, pid_start, pid_ns, boot_id, claimed_at, heartbeat_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, [request.kind.rawValue, plan.prompt.id, modelID, runID, me.pid, me.startTime, me.pidNamespace, me.bootID, now, now])
                var resolved = plan
                resolved.modelID = modelID
                return .started(StartedRun(id: runID, modelID: modelID, plan: resolved))
            }
        }
    }

    /// Ends a run and lets go of its claim, in one transaction. `error` says why it ended
    /// early, when something ended it.
    func finishRun(_ runID: Int64, status: RunStatus, error: String? = nil) throws {
        try db.transaction {
            try db.run("UPDATE runs SET status = ?, ended_at = ?, error = ? WHERE id = ?", [status.rawValue, Timestamp.now(), error, runID])
            try db.run("DELETE FROM claims WHERE run_id = ?", [runID])
        }
    }

    /// Says that run `runID` is alive: its claim's heartbeat is now. The engine calls this
    /// every `ClaimHolder.heartbeatInterval`, in a short transaction of its own.
    public func refreshClaim(of runID: Int64) throws {
        try guarded {
            try db.transaction { try db.run("UPDATE claims SET heartbeat_at = ? WHERE run_id = ?", [Timestamp.now(), runID]) }
        }
    }

    /// Drops every claim whose holder is gone (`ClaimHolder.isAlive`: a process that ended,
    /// is a zombie or whose pid now names a process started at another time; in another pid
    /// namespace or machine, a heartbeat over the limit) and marks its run `interrupted`, as
    /// are `running` runs without a claim. Inside `startRun`'s transaction.
    private func releaseAbandonedClaims() throws {
        let statement = try db.prepare("SELECT c.run_id, \(ClaimHolder.columns) FROM claims c")
        var abandoned: [Int64] = []
        while try statement.step() {
            if ClaimHolder(statement, at: 1)?.isAlive() != true {
                abandoned.append(Int64(statement.int(0)))
            }
        }
        for runID in abandoned { try db.run("DELETE FROM claims WHERE run_id = ?", [runID]) }
        try db.run("UPDATE runs SET status = 'interrupted' WHERE status = 'running' AND id NOT IN (SELECT run_id FROM claims)")
    }
}

extension StoreReader {
    /// The live claim on `key`, if a running process holds it. Reads only: a `--wait`
    /// polls this, and tries `startRun` when it is nil.
    public func claim(_ key: ClaimKey) throws -> RunClaim? {
        try guarded {
            let statement = try db.cached("""
                SELECT c.run_id, p.name || '@' || p.version, m.name, \(ClaimHolder.columns)
                FROM claims c JOIN prompts p ON p.id = c.prompt_id JOIN models m ON m.id = c.model_id
                WHERE c.kind = ? AND c.prompt_id = ? AND c.model_id = ?
                """)
            defer { statement.reset() }
            try statement.bind([key.kind.rawValue, key.promptID, key.modelID])
            guard try statement.step(), let holder = ClaimHolder(statement, at: 3), holder.isAlive() else { return nil }
            return RunClaim(key: key, runID: Int64(statement.int(0)), prompt: statement.string(at: 1), model: statement.string(at: 2), holder: holder)
        }
    }

    /// Whether the store has the `claims` table; a store opened read-only may be older.
    func hasClaims() throws -> Bool {
        try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'claims'") == 1
    }
}
