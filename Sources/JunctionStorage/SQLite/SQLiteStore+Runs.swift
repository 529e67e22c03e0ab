import Foundation
import GRDB
import JunctionCore

/// The run queue: claimed in a write transaction (SQLite has one writer, so two workers never
/// take the same run), leased, and re-queued when a lease expires.
extension SQLiteStore {
    public func insertRuns(_ runs: [Run], audit: AuditEvent?) async throws {
        let rows = try runs.map { run -> StatementArguments in
            [
                run.id, run.tenantID, run.agent.rawValue, run.trigger.kind, run.trigger.connector?.rawValue, run.status.rawValue,
                SQLiteJSON.text(run.input), run.output.map(SQLiteJSON.text), run.failure?.code.rawValue, run.failure?.message,
                SQLiteJSON.text(.array(run.trace)), run.usage.inputTokens, run.usage.outputTokens, run.attempts,
                run.createdAt, run.startedAt, run.finishedAt,
            ]
        }
        try await write { db in
            let statement = try db.cachedStatement(sql: """
                INSERT INTO runs (id, tenant_id, agent_name, trigger_kind, trigger_connector, status, input, output, failure_code,
                    failure_message, trace, input_tokens, output_tokens, attempts, created_at, started_at, finished_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for arguments in rows { try statement.execute(arguments: arguments) }
            if let audit { try Self.insert(audit, in: db) }
        }
    }

    public func run(tenantID: String?, id: String) async throws -> Run? {
        try await read { db in
            var filter = SQLFilter()
            filter.equal("id", id)
            filter.equal("tenant_id", tenantID)
            return try Row.fetchOne(db, sql: "SELECT * FROM runs \(filter.sql)", arguments: filter.arguments).map(Self.run(from:))
        }
    }

    public func runs(_ query: RunQuery) async throws -> [Run] {
        try await read { db in
            var filter = SQLFilter()
            filter.equal("tenant_id", query.tenantID)
            filter.equal("agent_name", query.agent?.rawValue)
            filter.oneOf("status", Set(query.statuses.map(\.rawValue)))
            filter.equal("trigger_connector", query.connector?.rawValue)
            filter.atLeast("created_at", query.since)
            filter.less("created_at", query.until)
            if let after = query.after {
                // Runs strictly after `after` in the listing's order (created_at, id descending).
                filter.raw(
                    "(created_at, id) < (SELECT created_at, id FROM runs WHERE id = ?)", arguments: [after])
            }
            var arguments = filter.arguments
            arguments += [query.limit]
            return try Row.fetchAll(
                db, sql: "SELECT * FROM runs \(filter.sql) ORDER BY created_at DESC, id DESC LIMIT ?", arguments: arguments
            ).map(Self.run(from:))
        }
    }

    public func claimRun(worker: String, now: Date, leaseUntil: Date, maximumAttempts: Int) async throws -> Run? {
        try await write { db in
            while let row = try Self.nextClaimable(now: now, in: db) {
                var run = try Self.run(from: row)
                guard run.attempts < maximumAttempts else {
                    let failure = Run.Failure(
                        code: .abandoned, message: "The run was abandoned: its worker stopped \(run.attempts) times before finishing it.")
                    try db.execute(
                        sql: """
                            UPDATE runs SET status = 'failed', failure_code = 'abandoned', failure_message = ?, finished_at = ?,
                                lease_owner = NULL, lease_until = NULL
                            WHERE id = ?
                            """,
                        arguments: [failure.message, now, run.id])
                    try Self.queueDeliveries(runID: run.id, outcome: .failed(failure), at: now, in: db)
                    continue
                }
                run.status = .running
                run.attempts += 1
                run.startedAt = run.startedAt ?? now
                try db.execute(
                    sql: "UPDATE runs SET status = 'running', attempts = ?, started_at = ?, lease_owner = ?, lease_until = ? WHERE id = ?",
                    arguments: [run.attempts, run.startedAt, worker, leaseUntil, run.id])
                return run
            }
            return nil
        }
    }

    /// The oldest run that is queued, or running on an expired lease: the older of the first of
    /// each, both read in `runs_queue` order, so the cost does not grow with the queue. (The
    /// `IN` term repeats the index's condition: SQLite uses a partial index only then.)
    private static func nextClaimable(now: Date, in db: Database) throws -> Row? {
        let queued = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT * FROM runs WHERE status IN ('queued', 'running') AND status = 'queued' ORDER BY created_at, id LIMIT 1
            """))
        let expired = try Row.fetchOne(
            db.cachedStatement(sql: """
                SELECT * FROM runs WHERE status IN ('queued', 'running') AND status = 'running' AND lease_until < ?
                ORDER BY created_at, id LIMIT 1
                """),
            arguments: [now])
        guard let queued, let expired else { return queued ?? expired }
        let queuedOrder = (queued["created_at"] as Date, queued["id"] as String)
        let expiredOrder = (expired["created_at"] as Date, expired["id"] as String)
        return expiredOrder < queuedOrder ? expired : queued
    }

    public func renewLease(runID: String, worker: String, until: Date) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: "UPDATE runs SET lease_until = ? WHERE id = ? AND status = 'running' AND lease_owner = ?",
                arguments: [until, runID, worker])
            return db.changesCount == 1
        }
    }

    public func finishRun(runID: String, worker: String, outcome: RunOutcome, trace: [JSONValue], usage: Run.Usage, at: Date) async throws -> Bool {
        let traceText = SQLiteJSON.text(.array(trace))
        let (status, output, failure): (Run.Status, String?, Run.Failure?)
        switch outcome {
        case .completed(let value): (status, output, failure) = (.completed, SQLiteJSON.text(value), nil)
        case .failed(let reason): (status, output, failure) = (.failed, nil, reason)
        case .waiting(let approvalID, let checkpoint):
            return try await write { db in
                // Decided before the run got here (by a quick approver, or an approval another
                // call raised earlier): queued again at once, or nothing would wake it.
                try db.execute(
                    sql: """
                        UPDATE runs SET
                            status = CASE WHEN (SELECT status FROM approvals WHERE id = ?1) = 'pending' THEN 'waiting_approval' ELSE 'queued' END,
                            attempts = CASE WHEN (SELECT status FROM approvals WHERE id = ?1) = 'pending' THEN attempts ELSE 0 END,
                            approval_id = ?1, checkpoint = ?2, trace = ?3, input_tokens = ?4, output_tokens = ?5, lease_owner = NULL, lease_until = NULL
                        WHERE id = ?6 AND status = 'running' AND lease_owner = ?7
                        """,
                    arguments: [approvalID, SQLiteJSON.text(checkpoint), traceText, usage.inputTokens, usage.outputTokens, runID, worker])
                return db.changesCount == 1
            }
        }
        return try await write { db in
            try db.execute(
                sql: """
                    UPDATE runs SET status = ?, output = ?, failure_code = ?, failure_message = ?, trace = ?, input_tokens = ?,
                        output_tokens = ?, finished_at = ?, lease_owner = NULL, lease_until = NULL, checkpoint = NULL
                    WHERE id = ? AND status = 'running' AND lease_owner = ?
                    """,
                arguments: [
                    status.rawValue, output, failure?.code.rawValue, failure?.message, traceText, usage.inputTokens, usage.outputTokens, at,
                    runID, worker,
                ])
            guard db.changesCount == 1 else { return false }
            try Self.queueDeliveries(runID: runID, outcome: outcome, at: at, in: db)
            return true
        }
    }

    public func failRunsWaitingOnExpiredApprovals(now: Date) async throws -> Int {
        try await write { db in
            let waiting = try Row.fetchAll(
                db,
                sql: """
                    SELECT r.id, a.id AS approval_id, a.expires_at FROM runs r JOIN approvals a ON a.id = r.approval_id
                    WHERE r.status = 'waiting_approval' AND a.status = 'pending' AND a.expires_at <= ?
                    """,
                arguments: [now])
            for row in waiting {
                let runID: String = row["id"]
                let approvalID: String = row["approval_id"]
                let failure = Run.Failure(
                    code: .approvalRequired, message: "Approval \(approvalID) expired before anyone decided it; the run stopped waiting.")
                try db.execute(
                    sql: """
                        UPDATE runs SET status = 'failed', failure_code = ?, failure_message = ?, finished_at = ?, checkpoint = NULL
                        WHERE id = ?
                        """,
                    arguments: [failure.code.rawValue, failure.message, now, runID])
                try Self.queueDeliveries(runID: runID, outcome: .failed(failure), at: now, in: db)
            }
            return waiting.count
        }
    }

    public func releaseRun(runID: String, worker: String) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE runs SET status = 'queued', attempts = MAX(attempts - 1, 0), lease_owner = NULL, lease_until = NULL
                    WHERE id = ? AND status = 'running' AND lease_owner = ?
                    """,
                arguments: [runID, worker])
            return db.changesCount == 1
        }
    }

    public func requeueExpiredRuns(now: Date) async throws -> Int {
        try await write { db in
            try db.execute(
                sql: "UPDATE runs SET status = 'queued', lease_owner = NULL, lease_until = NULL WHERE status = 'running' AND lease_until < ?",
                arguments: [now])
            return db.changesCount
        }
    }

    static func run(from row: Row) throws -> Run {
        guard let status = Run.Status(rawValue: row["status"]) else {
            throw JunctionError.internal("Stored run has unknown status \(row["status"] as String).")
        }
        let connector: String? = row["trigger_connector"]
        let output: String? = row["output"]
        let failureCode: String? = row["failure_code"]
        return Run(
            id: row["id"], tenantID: row["tenant_id"], agent: try Slug(validating: row["agent_name"], field: "agent_name"),
            trigger: Run.Trigger(kind: row["trigger_kind"], connector: connector.flatMap(Slug.init)),
            input: try SQLiteJSON.value(row["input"]), status: status, output: try output.map(SQLiteJSON.value),
            failure: failureCode.map { Run.Failure(code: ErrorCode(rawValue: $0), message: row["failure_message"] ?? "") },
            trace: try SQLiteJSON.value(row["trace"]).arrayValue ?? [],
            usage: Run.Usage(inputTokens: row["input_tokens"], outputTokens: row["output_tokens"]), attempts: row["attempts"],
            createdAt: date(row, "created_at"), startedAt: optionalDate(row, "started_at"), finishedAt: optionalDate(row, "finished_at"),
            approvalID: row["approval_id"], checkpoint: try (row["checkpoint"] as String?).map(SQLiteJSON.value))
    }
}
