import Foundation
import GRDB
import JunctionCore

// MARK: - Policies

extension SQLiteStore {
    public func savePolicy(
        tenantID: String, document: JSONValue, expectedVersion: Int?, by actor: String, audit: AuditEvent
    ) async throws -> StoredPolicy {
        try await write { db in
            let current = try Int.fetchOne(
                db, sql: "SELECT MAX(version) FROM policies WHERE tenant_id = ?", arguments: [tenantID]) ?? 0
            if let expectedVersion, expectedVersion != current {
                throw JunctionError.conflict(
                    "The policy is at version \(current), not \(expectedVersion): read it again and reapply your change.",
                    field: "expected_version", details: ["version": .integer(current)])
            }
            let policy = StoredPolicy(
                tenantID: tenantID, version: current + 1, document: document, createdAt: audit.at, createdBy: actor)
            try db.execute(
                sql: "INSERT INTO policies (tenant_id, version, document, created_at, created_by) VALUES (?, ?, ?, ?, ?)",
                arguments: [tenantID, policy.version, SQLiteJSON.text(document), policy.createdAt, actor])
            var audit = audit
            var details = audit.details?.objectValue ?? [:]
            details["version"] = .integer(policy.version)
            audit.details = .object(details)
            try Self.insert(audit, in: db)
            return policy
        }
    }

    public func policy(tenantID: String, version: Int?) async throws -> StoredPolicy? {
        try await read { db in
            let row = if let version {
                try Row.fetchOne(db, sql: "SELECT * FROM policies WHERE tenant_id = ? AND version = ?", arguments: [tenantID, version])
            } else {
                try Row.fetchOne(
                    db, sql: "SELECT * FROM policies WHERE tenant_id = ? ORDER BY version DESC LIMIT 1", arguments: [tenantID])
            }
            return try row.map(Self.policy)
        }
    }

    public func policyVersions(tenantID: String) async throws -> [StoredPolicy] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM policies WHERE tenant_id = ? ORDER BY version DESC", arguments: [tenantID])
                .map(Self.policy)
        }
    }

    private static func policy(_ row: Row) throws -> StoredPolicy {
        StoredPolicy(
            tenantID: row["tenant_id"], version: row["version"], document: try SQLiteJSON.value(row["document"]),
            createdAt: date(row, "created_at"), createdBy: row["created_by"])
    }
}

// MARK: - Approvals

extension SQLiteStore {
    public func insertApproval(_ approval: Approval, notify: [Slug], notice: JSONValue, audit: AuditEvent) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO approvals (id, tenant_id, connector, resource, kind, actor, arguments_digest, arguments, credential, rule,
                                           run_id, request_id, status, created_at, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    approval.id, approval.tenantID, approval.connector.rawValue, approval.resource.rawValue, approval.kind.rawValue,
                    approval.actor, approval.argumentsDigest, SQLiteJSON.text(approval.arguments), approval.credential?.rawValue,
                    approval.rule, approval.runID,
                    approval.requestID, approval.status.rawValue, approval.createdAt, approval.expiresAt,
                ])
            try Self.queueNotices(of: approval, notify: notify, notice: notice, in: db)
            try Self.insert(audit, in: db)
        }
    }

    /// Queues `notice` for the approval's outbound connectors; a delivery's `run_id` is the
    /// run that made the call, else the approval's id.
    private static func queueNotices(of approval: Approval, notify: [Slug], notice: JSONValue, in db: Database) throws {
        var targets = try outboundConnectorIDs(tenantID: approval.tenantID, names: notify, in: db)
        if let runID = approval.runID {
            targets += try String.fetchAll(
                db,
                sql: """
                    SELECT c.id FROM runs r JOIN agent_links l ON l.tenant_id = r.tenant_id AND l.agent_name = r.agent_name
                    JOIN connectors c ON c.id = l.connector_id
                    WHERE r.id = ? AND c.mode = 'outbound' AND c.enabled ORDER BY c.name
                    """,
                arguments: [runID])
        }
        try queueDeliveries(
            of: notice, to: targets, tenantID: approval.tenantID, reference: approval.runID ?? approval.id, at: approval.createdAt, in: db)
    }

    /// The ids of the enabled outbound connectors of the tenant among `names`.
    static func outboundConnectorIDs(tenantID: String, names: [Slug], in db: Database) throws -> [String] {
        guard !names.isEmpty else { return [] }
        let placeholders = Array(repeating: "?", count: names.count).joined(separator: ", ")
        var arguments: StatementArguments = [tenantID]
        arguments += StatementArguments(names.map(\.rawValue))
        return try String.fetchAll(
            db,
            sql: "SELECT id FROM connectors WHERE tenant_id = ? AND name IN (\(placeholders)) AND mode = 'outbound' AND enabled ORDER BY name",
            arguments: arguments)
    }

    /// Queues one delivery of `payload` to each connector of `connectorIDs` (once each); its
    /// `run_id` column holds `reference`.
    static func queueDeliveries(
        of payload: JSONValue, to connectorIDs: [String], tenantID: String, reference: String, at time: Date, in db: Database
    ) throws {
        var seen: Set<String> = []
        let text = SQLiteJSON.text(payload)
        for connectorID in connectorIDs where seen.insert(connectorID).inserted {
            try db.execute(
                sql: """
                    INSERT INTO deliveries (id, tenant_id, connector_id, run_id, status, payload, attempts, next_attempt_at, created_at)
                    VALUES (?, ?, ?, ?, 'pending', ?, 0, ?, ?)
                    """,
                arguments: [Identifier.make("dlv"), tenantID, connectorID, reference, text, time, time])
        }
    }

    public func approval(tenantID: String?, id: String) async throws -> Approval? {
        try await read { db in
            var filter = SQLFilter()
            filter.equal("id", id)
            filter.equal("tenant_id", tenantID)
            return try Row.fetchOne(db, sql: "SELECT * FROM approvals \(filter.sql)", arguments: filter.arguments).map(Self.approval)
        }
    }

    public func approvals(_ query: ApprovalQuery, now: Date) async throws -> [Approval] {
        try await read { db in
            var filter = SQLFilter()
            filter.equal("tenant_id", query.tenantID)
            filter.equal("run_id", query.runID)
            if !query.statuses.isEmpty {
                // What each status means at `now` (stored pending/approved past expiry are expired).
                var clauses: [String] = []
                var arguments: StatementArguments = []
                for status in query.statuses.sorted(by: { $0.rawValue < $1.rawValue }) {
                    switch status {
                    case .pending, .approved:
                        clauses.append("(status = ? AND expires_at > ?)")
                        arguments += [status.rawValue, now]
                    case .expired:
                        clauses.append("(status IN ('pending', 'approved') AND expires_at <= ?)")
                        arguments += [now]
                    case .denied, .used:
                        clauses.append("status = ?")
                        arguments += [status.rawValue]
                    }
                }
                filter.raw("(" + clauses.joined(separator: " OR ") + ")", arguments: arguments)
            }
            var arguments = filter.arguments
            arguments += [query.limit]
            return try Row.fetchAll(
                db, sql: "SELECT * FROM approvals \(filter.sql) ORDER BY created_at DESC, id DESC LIMIT ?", arguments: arguments
            ).map(Self.approval)
        }
    }

    public func openApproval(
        tenantID: String, connector: Slug, resource: Slug, actor: String, argumentsDigest: String, now: Date
    ) async throws -> Approval? {
        try await read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: """
                    SELECT * FROM approvals
                    WHERE tenant_id = ? AND connector = ? AND resource = ? AND actor = ? AND arguments_digest = ? AND used_at IS NULL
                      AND (status = 'denied' OR (status IN ('pending', 'approved') AND expires_at > ?))
                    ORDER BY CASE status WHEN 'approved' THEN 0 WHEN 'denied' THEN 1 ELSE 2 END, created_at DESC LIMIT 1
                    """),
                arguments: [tenantID, connector.rawValue, resource.rawValue, actor, argumentsDigest, now]
            ).map(Self.approval)
        }
    }

    public func decideApproval(
        tenantID: String, id: String, approve: Bool, by actor: String, reason: String?, now: Date, audit: AuditEvent
    ) async throws -> Approval {
        try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM approvals WHERE id = ? AND tenant_id = ?", arguments: [id, tenantID])
            else { throw JunctionError.notFound("No approval '\(id.prefix(64))'.") }
            var approval = try Self.approval(row)
            switch approval.effectiveStatus(at: now) {
            case .pending: break
            case .expired: throw JunctionError.conflict("This approval expired at \(Timestamp.format(approval.expiresAt)); the call must be made again.")
            case let status: throw JunctionError.conflict("This approval was decided already: it is \(status.rawValue).")
            }
            approval.status = approve ? .approved : .denied
            approval.decidedAt = now
            approval.decidedBy = actor
            approval.decisionReason = reason
            try db.execute(
                sql: "UPDATE approvals SET status = ?, decided_at = ?, decided_by = ?, decision_reason = ? WHERE id = ?",
                arguments: [approval.status.rawValue, now, actor, reason, id])
            try db.execute(
                sql: "UPDATE runs SET status = 'queued', attempts = 0 WHERE approval_id = ? AND status = 'waiting_approval'",
                arguments: [id])
            try Self.insert(audit, in: db)
            return approval
        }
    }

    public func spendApproval(id: String, now: Date) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE approvals SET used_at = ?, status = CASE status WHEN 'approved' THEN 'used' ELSE status END
                    WHERE id = ? AND used_at IS NULL AND (status = 'denied' OR (status = 'approved' AND expires_at > ?))
                    """,
                arguments: [now, id, now])
            return db.changesCount == 1
        }
    }

    private static func approval(_ row: Row) throws -> Approval {
        guard let status = Approval.Status(rawValue: row["status"]), let kind = ResourceKind(rawValue: row["kind"]) else {
            throw JunctionError.internal("Stored approval has unknown status or kind.")
        }
        return Approval(
            id: row["id"], tenantID: row["tenant_id"], connector: try Slug(validating: row["connector"], field: "connector"),
            resource: try Slug(validating: row["resource"], field: "resource"), kind: kind, actor: row["actor"],
            argumentsDigest: row["arguments_digest"], arguments: try SQLiteJSON.value(row["arguments"]),
            credential: (row["credential"] as String?).flatMap(Slug.init), rule: row["rule"],
            runID: row["run_id"], requestID: row["request_id"], status: status, createdAt: date(row, "created_at"),
            expiresAt: date(row, "expires_at"), decidedAt: optionalDate(row, "decided_at"), decidedBy: row["decided_by"],
            decisionReason: row["decision_reason"], usedAt: optionalDate(row, "used_at"))
    }
}
