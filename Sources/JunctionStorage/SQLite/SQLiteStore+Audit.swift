import Crypto
import Foundation
import GRDB
import JunctionCore

// MARK: - Audit log with a hash chain per tenant

extension SQLiteStore {
    /// Appends `event` to its tenant's chain: its digest covers its predecessor's digest and
    /// every stored column but the sequence number, exactly as stored.
    static func insert(_ event: AuditEvent, in db: Database) throws {
        let chain = event.tenantID ?? ""
        let head = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT length, head FROM audit_chains WHERE chain = ?"), arguments: [chain])
        let previous: [UInt8] = head.map { Array(($0["head"] as Data?) ?? Data()) } ?? []
        let at = String.fromDatabaseValue(event.at.databaseValue) ?? ""
        let details = event.details.map(SQLiteJSON.text)
        let digest = AuditDigest.digest(
            previous: previous, at: at, tenantID: event.tenantID, actor: event.actor, actorScope: event.actorScope.rawValue,
            action: event.action, targetType: event.targetType, target: event.target, outcome: event.outcome,
            requestID: event.requestID, details: details)
        try db.cachedStatement(sql: """
            INSERT INTO audit_events (at, tenant_id, actor, actor_scope, action, target_type, target, outcome, request_id, details,
                                      previous_digest, digest)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        ).execute(arguments: [
            at, event.tenantID, event.actor, event.actorScope.rawValue, event.action, event.targetType, event.target,
            event.outcome, event.requestID, details, Data(previous), Data(digest),
        ])
        try db.cachedStatement(sql: """
            INSERT INTO audit_chains (chain, length, head) VALUES (?, 1, ?)
            ON CONFLICT (chain) DO UPDATE SET length = length + 1, head = excluded.head
            """
        ).execute(arguments: [chain, Data(digest)])
    }

    public func recordAudit(_ event: AuditEvent) async throws {
        try await write { db in try Self.insert(event, in: db) }
    }

    public func recordAudits(_ events: [AuditEvent]) async throws {
        try await write { db in
            for event in events { try Self.insert(event, in: db) }
        }
    }

    public func auditEvents(_ query: AuditQuery) async throws -> [AuditEvent] {
        try await read { db in
            var filter = SQLFilter()
            filter.equal("tenant_id", query.tenantID)
            filter.oneOf("action", query.actions)
            filter.oneOf("actor", query.actors)
            filter.oneOf("actor_scope", Set(query.actorScopes.map(\.rawValue)))
            filter.oneOf("target", query.targets)
            filter.oneOf("outcome", query.outcomes)
            filter.atLeast("at", query.since)
            filter.less("at", query.until)
            filter.less("sequence", query.before)
            if let after = query.after { filter.raw("sequence > ?", arguments: [after]) }
            var arguments = filter.arguments
            arguments += [query.limit]
            let order = query.after == nil ? "DESC" : "ASC"
            return try Row.fetchAll(
                db,
                sql: "SELECT * FROM audit_events \(filter.sql) ORDER BY sequence \(order) LIMIT ?",
                arguments: arguments
            ).map(Self.auditEvent)
        }
    }

    private static func auditEvent(_ row: Row) throws -> AuditEvent {
        var event = AuditEvent(
            at: Self.date(row, "at"),
            tenantID: row["tenant_id"],
            actor: row["actor"],
            actorScope: AuditEvent.ActorScope(rawValue: row["actor_scope"]) ?? .tenant,
            action: row["action"],
            targetType: row["target_type"],
            target: row["target"],
            outcome: row["outcome"],
            requestID: row["request_id"],
            details: try (row["details"] as String?).map(SQLiteJSON.value)
        )
        event.sequence = row["sequence"]
        event.digest = (row["digest"] as Data?).map { HexDigits.lowercase($0) }
        return event
    }

    public func verifyAuditChain(tenantID: String?) async throws -> AuditVerification {
        try await read { db in
            let chain = tenantID ?? ""
            let tenantClause = tenantID == nil ? "tenant_id IS NULL" : "tenant_id = ?"
            let tenantArguments: StatementArguments = tenantID.map { [$0] } ?? []
            let unchained = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM audit_events WHERE \(tenantClause) AND digest IS NULL", arguments: tenantArguments) ?? 0
            // Events before chaining began have no digest; one without a digest after it did was put there.
            let intruder = try Int64.fetchOne(
                db,
                sql: """
                    SELECT MIN(sequence) FROM audit_events WHERE \(tenantClause) AND digest IS NULL
                      AND sequence > (SELECT MIN(sequence) FROM audit_events WHERE \(tenantClause) AND digest IS NOT NULL)
                    """,
                arguments: tenantArguments + tenantArguments)
            var head: [UInt8] = []
            var count = 0
            var problem: AuditVerification.Problem? = intruder.map {
                .init(sequence: $0, message: "This event has no digest but lies inside the chain: it was inserted after it was written.")
            }
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT sequence, CAST(at AS TEXT) AS at_text, tenant_id, actor, actor_scope, action, target_type, target, outcome,
                           request_id, details, previous_digest, digest
                    FROM audit_events WHERE \(tenantClause) AND digest IS NOT NULL ORDER BY sequence
                    """,
                arguments: tenantArguments)
            while problem == nil, let row = try rows.next() {
                let sequence: Int64 = row["sequence"]
                let previous = Array((row["previous_digest"] as Data?) ?? Data())
                let stored = Array((row["digest"] as Data?) ?? Data())
                guard previous == head else {
                    problem = .init(
                        sequence: sequence,
                        message: count == 0
                            ? "The chain's first event links to an event that is not there: events were removed from its start."
                            : "This event does not follow the one before it: events were removed or reordered.")
                    break
                }
                let recomputed = AuditDigest.digest(
                    previous: previous, at: row["at_text"], tenantID: row["tenant_id"], actor: row["actor"],
                    actorScope: row["actor_scope"], action: row["action"], targetType: row["target_type"], target: row["target"],
                    outcome: row["outcome"], requestID: row["request_id"], details: row["details"])
                guard recomputed == stored else {
                    problem = .init(sequence: sequence, message: "This event was changed after it was written.")
                    break
                }
                head = stored
                count += 1
            }
            if problem == nil, let recorded = try Row.fetchOne(db, sql: "SELECT length, head FROM audit_chains WHERE chain = ?", arguments: [chain]) {
                let length: Int = recorded["length"]
                let recordedHead = Array((recorded["head"] as Data?) ?? Data())
                if length != count || recordedHead != head {
                    problem = .init(
                        sequence: nil,
                        message: "The chain holds \(count) events but \(length) were written: events were removed from its end.")
                }
            } else if problem == nil, count > 0 {
                problem = .init(sequence: nil, message: "The chain's recorded head is missing.")
            }
            return AuditVerification(
                events: count, unchained: unchained, head: head.isEmpty ? nil : HexDigits.lowercase(head), problem: problem)
        }
    }
}

/// The digest of one audit event in its chain: SHA-256 over the predecessor's digest and the
/// event's stored columns, each length-prefixed so no two events share an encoding.
enum AuditDigest {
    static func digest(
        previous: [UInt8], at: String, tenantID: String?, actor: String, actorScope: String, action: String, targetType: String,
        target: String, outcome: String, requestID: String?, details: String?
    ) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previous)
        for field in [at, tenantID, actor, actorScope, action, targetType, target, outcome, requestID, details] {
            guard let field else {
                hasher.update(data: [0xFF])
                continue
            }
            var length = UInt32(field.utf8.count).bigEndian
            withUnsafeBytes(of: &length) { hasher.update(bufferPointer: $0) }
            hasher.update(data: Array(field.utf8))
        }
        return Array(hasher.finalize())
    }
}
