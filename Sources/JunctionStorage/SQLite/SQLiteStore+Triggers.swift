import Foundation
import GRDB
import JunctionCore

/// Inbound events (runs queued for every linked agent, idempotency keys remembered) and the
/// outbound delivery queue.
extension SQLiteStore {
    public func connector(id: String) async throws -> ConnectorRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM connectors WHERE id = ?", arguments: [id]).map(Self.connector(from:))
        }
    }

    /// Every event in one write transaction (see `TriggerStore.acceptEvents`).
    public func acceptEvents(_ events: [TriggerEvent], limits: RunQueueLimits) async throws -> [Result<AcceptedEvent, JunctionError>] {
        let inputs = events.map { SQLiteJSON.text($0.input) }
        return try await write { db in
            try zip(events, inputs).map { event, input in try Self.accept(event, input: input, limits: limits, in: db) }
        }
    }

    private static func accept(
        _ event: TriggerEvent, input: String, limits: RunQueueLimits, in db: Database
    ) throws -> Result<AcceptedEvent, JunctionError> {
        if let key = event.idempotencyKey {
            if let notBefore = event.keyNotBefore {
                try db.cachedStatement(
                    sql: "DELETE FROM trigger_events WHERE connector_id = ? AND idempotency_key = ? AND created_at < ?"
                ).execute(arguments: [event.connectorID, key, notBefore])
            }
            if let ids = try String.fetchOne(
                db.cachedStatement(sql: "SELECT run_ids FROM trigger_events WHERE connector_id = ? AND idempotency_key = ?"),
                arguments: [event.connectorID, key])
            {
                let runIDs = try SQLiteJSON.value(ids).arrayValue?.compactMap(\.stringValue) ?? []
                return .success(AcceptedEvent(runs: try Self.runs(ids: runIDs, in: db), repeated: true))
            }
        }
        let agents = try String.fetchAll(
            db.cachedStatement(sql: "SELECT agent_name FROM agent_links WHERE connector_id = ? ORDER BY agent_name"),
            arguments: [event.connectorID])
        if !agents.isEmpty, limits != .unlimited {
            let (connectorQueued, totalQueued) = try queuedRuns(tenantID: event.tenantID, connector: event.connector.rawValue, in: db)
            if let refusal = limits.refusal(
                adding: agents.count, connector: event.connector, connectorQueued: connectorQueued, totalQueued: totalQueued)
            {
                return .failure(refusal)
            }
        }
        let now = Timestamp.now()
        var runs: [Run] = []
        let statement = try db.cachedStatement(sql: """
            INSERT INTO runs (id, tenant_id, agent_name, trigger_kind, trigger_connector, status, input, trace, input_tokens,
                output_tokens, attempts, created_at)
            VALUES (?, ?, ?, ?, ?, 'queued', ?, '[]', 0, 0, 0, ?)
            """)
        for agent in agents {
            let run = Run(
                tenantID: event.tenantID, agent: try Slug(validating: agent, field: "agent_name"),
                trigger: Run.Trigger(kind: event.kind, connector: event.connector), input: event.input, createdAt: now)
            try statement.execute(arguments: [
                run.id, run.tenantID, agent, event.kind, event.connector.rawValue, input, now,
            ])
            runs.append(run)
        }
        if let key = event.idempotencyKey {
            try db.cachedStatement(
                sql: "INSERT INTO trigger_events (connector_id, idempotency_key, run_ids, created_at) VALUES (?, ?, ?, ?)"
            ).execute(arguments: [event.connectorID, key, SQLiteJSON.text(.array(runs.map { .string($0.id) })), now])
        }
        return .success(AcceptedEvent(runs: runs, repeated: false))
    }

    /// The runs queued for the connector's events and in all (`run_queue`, kept by triggers on `runs`).
    private static func queuedRuns(tenantID: String, connector: String, in db: Database) throws -> (connector: Int, total: Int) {
        let row = try Row.fetchOne(
            db.cachedStatement(sql: """
                SELECT COALESCE(SUM(CASE WHEN tenant_id = ? AND connector = ? THEN queued END), 0) AS mine,
                       COALESCE(SUM(queued), 0) AS total
                FROM run_queue
                """),
            arguments: [tenantID, connector])
        return (row?["mine"] ?? 0, row?["total"] ?? 0)
    }

    public func latestEventTime(connectorID: String) async throws -> Date? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT MAX(created_at) AS latest FROM trigger_events WHERE connector_id = ?", arguments: [connectorID]
            ).flatMap { Self.optionalDate($0, "latest") }
        }
    }

    /// The runs with these ids, in this order (missing ones left out).
    private static func runs(ids: [String], in db: Database) throws -> [Run] {
        guard !ids.isEmpty else { return [] }
        let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ", ")
        let found = try Row.fetchAll(db, sql: "SELECT * FROM runs WHERE id IN (\(placeholders))", arguments: StatementArguments(ids))
            .map(Self.run(from:))
        let byID = Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return ids.compactMap { byID[$0] }
    }

    /// Queues the delivery of a finished run to every enabled connector in `outbound` mode
    /// linked to its agent (inside `finishRun`'s transaction).
    static func queueDeliveries(runID: String, outcome: RunOutcome, at now: Date, in db: Database) throws {
        guard let row = try Row.fetchOne(db, sql: "SELECT tenant_id, agent_name FROM runs WHERE id = ?", arguments: [runID]) else {
            return
        }
        let tenantID: String = row["tenant_id"]
        let agent: String = row["agent_name"]
        let targets = try Row.fetchAll(
            db,
            sql: """
                SELECT c.id FROM agent_links l JOIN connectors c ON c.id = l.connector_id
                WHERE l.tenant_id = ? AND l.agent_name = ? AND c.mode = 'outbound' AND c.enabled
                ORDER BY c.name
                """,
            arguments: [tenantID, agent])
        guard !targets.isEmpty else { return }
        var payload: [String: JSONValue] = ["run_id": .string(runID), "agent_name": .string(agent)]
        switch outcome {
        case .completed(let output):
            payload["status"] = "completed"
            payload["output"] = output
        case .failed(let failure):
            payload["status"] = "failed"
            payload["output"] = .null
            payload["error"] = ["code": .string(failure.code.rawValue), "message": .string(failure.message)]
        case .waiting:
            return
        }
        let text = SQLiteJSON.text(.object(payload))
        for target in targets {
            let connectorID: String = target["id"]
            try db.execute(
                sql: """
                    INSERT INTO deliveries (id, tenant_id, connector_id, run_id, status, payload, attempts, next_attempt_at, created_at)
                    VALUES (?, ?, ?, ?, 'pending', ?, 0, ?, ?)
                    """,
                arguments: [Identifier.make("dlv"), tenantID, connectorID, runID, text, now, now])
        }
    }

    public func claimDelivery(now: Date, leaseUntil: Date) async throws -> Delivery? {
        // Most looks find nothing due: a read answers them without taking the writer.
        let due = try await read { db in
            try Bool.fetchOne(
                db, sql: "SELECT 1 FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? LIMIT 1", arguments: [now]) ?? false
        }
        guard due else { return nil }
        return try await write { db in
            guard let row = try Row.fetchOne(
                db,
                sql: """
                    \(Self.deliveryColumns)
                    WHERE d.status = 'pending' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at LIMIT 1
                    """,
                arguments: [now])
            else { return nil }
            var delivery = try Self.delivery(from: row)
            delivery.nextAttemptAt = leaseUntil
            try db.execute(sql: "UPDATE deliveries SET next_attempt_at = ? WHERE id = ?", arguments: [leaseUntil, delivery.id])
            return delivery
        }
    }

    public func recordDelivery(_ delivery: Delivery, attempt: DeliveryAttempt, at now: Date) async throws {
        // The claim's lease end is its token: a claim that ran out (and was taken again) records nothing.
        let claim = "WHERE id = ? AND status = 'pending' AND next_attempt_at = ?"
        try await write { db in
            switch attempt {
            case .delivered:
                try db.execute(
                    sql: """
                        UPDATE deliveries SET status = 'delivered', attempts = attempts + 1, next_attempt_at = NULL, delivered_at = ?,
                            last_error = NULL \(claim)
                        """,
                    arguments: [now, delivery.id, delivery.nextAttemptAt])
            case .failed(let error, let retryAt):
                try db.execute(
                    sql: "UPDATE deliveries SET status = ?, attempts = attempts + 1, next_attempt_at = ?, last_error = ? \(claim)",
                    arguments: [retryAt == nil ? "dead" : "pending", retryAt, String(error.prefix(1000)), delivery.id, delivery.nextAttemptAt])
            case .postponed(let reason, let until):
                try db.execute(
                    sql: "UPDATE deliveries SET next_attempt_at = ?, last_error = ? \(claim)",
                    arguments: [until, String(reason.prefix(1000)), delivery.id, delivery.nextAttemptAt])
            }
        }
    }

    public func purgeTriggerHistory(keysBefore: Date, deliveredBefore: Date) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    DELETE FROM trigger_events WHERE created_at < ? AND created_at < (
                        SELECT MAX(latest.created_at) FROM trigger_events latest WHERE latest.connector_id = trigger_events.connector_id)
                    """,
                arguments: [keysBefore])
            try db.execute(
                sql: "DELETE FROM deliveries WHERE status = 'delivered' AND delivered_at < ?", arguments: [deliveredBefore])
        }
    }

    public func deliveries(_ query: DeliveryQuery) async throws -> [Delivery] {
        try await read { db in
            var filter = SQLFilter()
            filter.equal("d.tenant_id", query.tenantID)
            filter.oneOf("d.status", Set(query.statuses.map(\.rawValue)))
            filter.equal("c.name", query.connector?.rawValue)
            filter.equal("d.run_id", query.runID)
            var arguments = filter.arguments
            arguments += [query.limit]
            return try Row.fetchAll(
                db,
                sql: """
                    \(Self.deliveryColumns)
                    \(filter.sql) ORDER BY d.created_at DESC, d.id DESC LIMIT ?
                    """,
                arguments: arguments
            ).map(Self.delivery(from:))
        }
    }

    public func redriveDelivery(tenantID: String, id: String, now: Date, audit: AuditEvent) async throws -> Delivery {
        try await write { db in
            let select = """
                \(Self.deliveryColumns)
                WHERE d.id = ? AND d.tenant_id = ?
                """
            guard let row = try Row.fetchOne(db, sql: select, arguments: [id, tenantID]) else {
                throw JunctionError.notFound("No delivery '\(id.prefix(64))'.")
            }
            let delivery = try Self.delivery(from: row)
            guard delivery.status == .dead else {
                throw JunctionError.conflict("Only a dead delivery can be re-driven; this one is \(delivery.status.rawValue).")
            }
            try db.execute(
                sql: "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ? WHERE id = ?", arguments: [now, id])
            try Self.insert(audit, in: db)
            return try Self.delivery(from: try Row.fetchOne(db, sql: select, arguments: [id, tenantID]) ?? row)
        }
    }

    /// Deliveries with their connector's name, for `delivery(from:)`.
    private static let deliveryColumns = "SELECT d.*, c.name AS connector_name FROM deliveries d JOIN connectors c ON c.id = d.connector_id"

    private static func delivery(from row: Row) throws -> Delivery {
        guard let status = Delivery.Status(rawValue: row["status"]) else {
            throw JunctionError.internal("Stored delivery has unknown status \(row["status"] as String).")
        }
        return Delivery(
            id: row["id"], tenantID: row["tenant_id"], connectorID: row["connector_id"],
            connector: try Slug(validating: row["connector_name"], field: "connector_name"), runID: row["run_id"], status: status,
            payload: try SQLiteJSON.value(row["payload"]), attempts: row["attempts"], nextAttemptAt: optionalDate(row, "next_attempt_at"),
            lastError: row["last_error"], createdAt: date(row, "created_at"), deliveredAt: optionalDate(row, "delivered_at"))
    }
}
