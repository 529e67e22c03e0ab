import Foundation
import GRDB
import JunctionCore
import JunctionRuntime
import Testing

@testable import JunctionStorage

/// The worker pool against a real store, for what the API cannot easily provoke.
struct RunWorkersTests {
    /// Runs whatever it is given to completion with `output`.
    struct Echo: AgentRunning {
        func execute(_ run: Run, agent: AgentDefinition) async -> RunResult {
            RunResult(outcome: .completed(output: run.input), trace: [])
        }
    }

    @Test func aRunWhoseAgentCannotBeReadIsRetriedThenAbandonedNotSpunOn() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("junction-workers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: directory.appendingPathComponent("junction.sqlite").path)
        let tenant = Tenant(name: Slug("acme")!)
        try await store.insertTenant(
            tenant, firstKey: APIKeys.generate(scope: .tenant(tenant.id), name: "default").record,
            audit: AuditActor.system.event("tenant.create", tenantID: tenant.id, targetType: "tenant", target: "acme"))
        for name in ["broken", "fine"] {
            let document: JSONValue = ["name": .string(name), "type": "workflow", "steps": [["id": "s", "connector": "c", "resource": "r"]]]
            try await store.saveAgent(
                Agent(tenantID: tenant.id, definition: try AgentDefinition(json: document), document: document), replacing: false,
                audit: AuditActor.system.event("agent.create", tenantID: tenant.id, targetType: "agent", target: name))
        }
        // A stored definition that no longer validates: reading the agent fails.
        try await store.write { db in
            try db.execute(sql: "UPDATE agents SET document = '{\"name\":\"broken\",\"type\":\"robot\"}' WHERE name = 'broken'")
        }
        let broken = Run(tenantID: tenant.id, agent: Slug("broken")!, trigger: Run.Trigger(kind: "api"), input: 1)
        let fine = Run(tenantID: tenant.id, agent: Slug("fine")!, trigger: Run.Trigger(kind: "api"), input: 2)
        try await store.insertRuns([broken, fine], audit: nil)

        var configuration = RunWorkers.Configuration()
        configuration.workers = 1
        configuration.lease = .seconds(1)
        configuration.idlePoll = .milliseconds(100)
        configuration.maximumAttempts = 2
        let workers = RunWorkers(store: store, runners: [.workflow: Echo()], configuration: configuration)
        let running = Task { try await workers.run() }
        defer { running.cancel() }

        let deadline = ContinuousClock.now + .seconds(20)
        var ended: Run?
        while ContinuousClock.now < deadline {
            if let run = try await store.run(tenantID: nil, id: broken.id), run.status.isTerminal {
                ended = run
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let abandoned = try #require(ended, "the unreadable run never ended")
        #expect(abandoned.status == .failed)
        #expect(abandoned.failure?.code == .abandoned)
        #expect(abandoned.attempts == 2, "each failed read cost one attempt")
        // The one worker was not stuck on it: the other run completed meanwhile.
        let other = try #require(try await store.run(tenantID: nil, id: fine.id))
        #expect(other.status == .completed)
        #expect(other.output == 2)
    }
}
