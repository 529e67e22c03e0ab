import Foundation
import GRDB
import JunctionCore
import JunctionStorage
import Testing

extension StoreKind {
    /// Runs `sql` on the store's database behind its back, as someone with access to the
    /// database file (or server) could.
    func tamper(_ sql: String, in directory: URL) throws {
        switch self {
        case .sqlite:
            let queue = try DatabaseQueue(path: directory.appendingPathComponent("junction.sqlite").path)
            try queue.write { db in try db.execute(sql: sql) }
        }
    }
}

/// Policies, approvals and the audit log's hash chain, for every store driver.
@Suite(.temporaryStores) struct GovernanceStoreTests {
    @Test(arguments: StoreKind.allCases)
    func policiesAreVersionedAndGuardedByTheExpectedVersion(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (tenant, _) = try await store.seedTenant("acme")
        #expect(try await store.policy(tenantID: tenant.id, version: nil) == nil)
        let first = try await store.savePolicy(
            tenantID: tenant.id, document: ["rules": []], expectedVersion: 0, by: "key_a", audit: auditEvent("policy.update", tenantID: tenant.id, target: tenant.id))
        #expect(first.version == 1)
        let second = try await store.savePolicy(
            tenantID: tenant.id, document: ["rules": [["effect": "deny"]]], expectedVersion: nil, by: "key_b",
            audit: auditEvent("policy.update", tenantID: tenant.id, target: tenant.id))
        #expect(second.version == 2)
        let stale = await #expect(throws: JunctionError.self) {
            try await store.savePolicy(
                tenantID: tenant.id, document: [:], expectedVersion: 1, by: "key_a", audit: auditEvent("policy.update", tenantID: tenant.id, target: tenant.id))
        }
        #expect(stale?.code == .conflict)
        #expect(try await store.policy(tenantID: tenant.id, version: nil)?.document == ["rules": [["effect": "deny"]]])
        #expect(try await store.policy(tenantID: tenant.id, version: 1)?.createdBy == "key_a")
        #expect(try await store.policyVersions(tenantID: tenant.id).map(\.version) == [2, 1])
        let audits = try await store.auditEvents(AuditQuery(tenantID: tenant.id, actions: ["policy.update"]))
        #expect(audits.map { $0.details?["version"] } == [2, 1])
    }

    static func approval(tenantID: String, digest: String = "d1", expires: Date = Date().addingTimeInterval(3600)) -> Approval {
        Approval(
            tenantID: tenantID, connector: slug("crm"), resource: slug("create-customer"), kind: .write, actor: "key_a",
            argumentsDigest: digest, arguments: ["email": "a@example.com"], rule: "writes", requestID: "req-1", expiresAt: expires)
    }

    @Test(arguments: StoreKind.allCases)
    func anApprovalIsDecidedOnceAndSpentOnce(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (tenant, _) = try await store.seedTenant("acme")
        let approval = Self.approval(tenantID: tenant.id)
        try await store.insertApproval(approval, notify: [], notice: [:], audit: auditEvent("approval.request", tenantID: tenant.id, target: approval.id))
        let now = Date()
        let open = try await store.openApproval(
            tenantID: tenant.id, connector: slug("crm"), resource: slug("create-customer"), actor: "key_a", argumentsDigest: "d1", now: now)
        #expect(open?.id == approval.id)
        #expect(try await store.openApproval(
            tenantID: tenant.id, connector: slug("crm"), resource: slug("create-customer"), actor: "key_b", argumentsDigest: "d1", now: now) == nil,
            "another actor's call is another call")
        #expect(try await store.spendApproval(id: approval.id, now: now) == false, "a pending approval cannot be spent")

        let decided = try await store.decideApproval(
            tenantID: tenant.id, id: approval.id, approve: true, by: "key_admin", reason: "looks fine", now: now,
            audit: auditEvent("approval.approve", tenantID: tenant.id, target: approval.id))
        #expect(decided.status == .approved)
        #expect(decided.decisionReason == "looks fine")
        let again = await #expect(throws: JunctionError.self) {
            try await store.decideApproval(
                tenantID: tenant.id, id: approval.id, approve: false, by: "key_admin", reason: nil, now: now,
                audit: auditEvent("approval.deny", tenantID: tenant.id, target: approval.id))
        }
        #expect(again?.code == .conflict)
        let other = await #expect(throws: JunctionError.self) {
            try await store.decideApproval(
                tenantID: "ten_other", id: approval.id, approve: true, by: "key_x", reason: nil, now: now,
                audit: auditEvent("approval.approve", tenantID: "ten_other", target: approval.id))
        }
        #expect(other?.code == .notFound, "another tenant's approval is not found")

        // Two calls race to spend it: one wins.
        async let first = store.spendApproval(id: approval.id, now: now)
        async let second = store.spendApproval(id: approval.id, now: now)
        #expect([try await first, try await second].filter { $0 }.count == 1)
        #expect(try await store.approval(tenantID: tenant.id, id: approval.id)?.status == .used)
        #expect(try await store.openApproval(
            tenantID: tenant.id, connector: slug("crm"), resource: slug("create-customer"), actor: "key_a", argumentsDigest: "d1", now: now) == nil)
        #expect(try await store.approvals(ApprovalQuery(tenantID: tenant.id, statuses: [.used]), now: now).map(\.id) == [approval.id])
    }

    @Test(arguments: StoreKind.allCases)
    func anExpiredApprovalCannotBeDecidedOrSpent(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (tenant, _) = try await store.seedTenant("acme")
        let approval = Self.approval(tenantID: tenant.id, expires: Date().addingTimeInterval(-1))
        try await store.insertApproval(approval, notify: [], notice: [:], audit: auditEvent("approval.request", tenantID: tenant.id, target: approval.id))
        let now = Date()
        #expect(try await store.approvals(ApprovalQuery(tenantID: tenant.id, statuses: [.expired]), now: now).count == 1)
        #expect(try await store.approvals(ApprovalQuery(tenantID: tenant.id, statuses: [.pending]), now: now).isEmpty)
        let refused = await #expect(throws: JunctionError.self) {
            try await store.decideApproval(
                tenantID: tenant.id, id: approval.id, approve: true, by: "key_admin", reason: nil, now: now,
                audit: auditEvent("approval.approve", tenantID: tenant.id, target: approval.id))
        }
        #expect(refused?.code == .conflict)
        #expect(try await store.openApproval(
            tenantID: tenant.id, connector: slug("crm"), resource: slug("create-customer"), actor: "key_a", argumentsDigest: "d1", now: now) == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func theAuditChainHoldsUntilAnEventIsChangedRemovedOrReordered(_ kind: StoreKind) async throws {
        for tampering in [
            "UPDATE audit_events SET outcome = 'ok' WHERE sequence = 3",
            "UPDATE audit_events SET details = '{\"n\":20}' WHERE sequence = 2",
            "DELETE FROM audit_events WHERE sequence = 3",
            "DELETE FROM audit_events WHERE sequence = 1",
            "DELETE FROM audit_events WHERE sequence = 5",
            """
            UPDATE audit_events SET sequence = 100 WHERE sequence = 2; UPDATE audit_events SET sequence = 2 WHERE sequence = 4;
            UPDATE audit_events SET sequence = 4 WHERE sequence = 100
            """,
            "UPDATE audit_events SET tenant_id = 'ten_b' WHERE sequence = 3",
            """
            INSERT INTO audit_events (at, tenant_id, actor, actor_scope, action, target_type, target, outcome)
            VALUES ('2026-12-03 10:00:00.000', 'ten_a', 'key_x', 'tenant', 'forged', 'thing', 'x', 'ok')
            """,
        ] {
            let directory = try StoreKind.freshDirectory()
            let store = try kind.make(in: directory)
            for index in 1...5 {
                var event = auditEvent("thing.\(index)", tenantID: "ten_a", target: "t\(index)")
                event.outcome = index == 3 ? "policy_denied" : "ok"
                event.details = ["n": .integer(index)]
                try await store.recordAudits([event])
            }
            try await store.recordAudit(auditEvent("other", tenantID: "ten_b", target: "x"))
            let intact = try await store.verifyAuditChain(tenantID: "ten_a")
            #expect(intact.problem == nil)
            #expect(intact.events == 5)
            #expect(intact.head?.count == 64)
            #expect(try await store.verifyAuditChain(tenantID: "ten_b").events == 1)
            #expect(try await store.verifyAuditChain(tenantID: nil).events == 0)

            try kind.tamper(tampering, in: directory)
            let found = try await store.verifyAuditChain(tenantID: "ten_a")
            #expect(found.problem != nil, "\(tampering) went unnoticed")
        }
    }

    /// An approval decided before its run recorded the wait (a quick approver) queues the run
    /// at once instead of leaving it waiting for a decision that already came.
    @Test(arguments: StoreKind.allCases)
    func aRunWhoseApprovalWasDecidedFirstIsQueuedAgain(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (tenant, _) = try await store.seedTenant("acme")
        let run = Run(tenantID: tenant.id, agent: slug("helper"), trigger: Run.Trigger(kind: "api"), input: [:])
        try await store.insertRuns([run], audit: nil)
        let now = Date()
        let claimed = try #require(try await store.claimRun(worker: "w1", now: now, leaseUntil: now.addingTimeInterval(30), maximumAttempts: 3))
        let approval = Self.approval(tenantID: tenant.id)
        try await store.insertApproval(approval, notify: [], notice: [:], audit: auditEvent("approval.request", tenantID: tenant.id, target: approval.id))
        _ = try await store.decideApproval(
            tenantID: tenant.id, id: approval.id, approve: true, by: "key_admin", reason: nil, now: now,
            audit: auditEvent("approval.approve", tenantID: tenant.id, target: approval.id))
        #expect(try await store.finishRun(
            runID: claimed.id, worker: "w1", outcome: .waiting(approvalID: approval.id, checkpoint: ["kind": "workflow"]), trace: [],
            usage: Run.Usage(), at: now))
        let stored = try #require(try await store.run(tenantID: tenant.id, id: run.id))
        #expect(stored.status == .queued)
        #expect(stored.attempts == 0)
        #expect(stored.checkpoint == ["kind": "workflow"])

        // Still pending: the run waits, and the decision queues it.
        let second = Self.approval(tenantID: tenant.id, digest: "d2")
        try await store.insertApproval(second, notify: [], notice: [:], audit: auditEvent("approval.request", tenantID: tenant.id, target: second.id))
        let again = try #require(try await store.claimRun(worker: "w1", now: now, leaseUntil: now.addingTimeInterval(30), maximumAttempts: 3))
        #expect(try await store.finishRun(
            runID: again.id, worker: "w1", outcome: .waiting(approvalID: second.id, checkpoint: [:]), trace: [], usage: Run.Usage(), at: now))
        #expect(try await store.run(tenantID: tenant.id, id: run.id)?.status == .waitingApproval)
        _ = try await store.decideApproval(
            tenantID: tenant.id, id: second.id, approve: false, by: "key_admin", reason: nil, now: now,
            audit: auditEvent("approval.deny", tenantID: tenant.id, target: second.id))
        #expect(try await store.run(tenantID: tenant.id, id: run.id)?.status == .queued)
    }
}
