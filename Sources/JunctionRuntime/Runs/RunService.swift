import JunctionCore
import JunctionStorage

/// Queues runs and wakes the workers.
public struct RunService: Sendable {
    private let store: any Store
    private let workers: RunWorkers

    public init(store: any Store, workers: RunWorkers) {
        self.store = store
        self.workers = workers
    }

    /// Queues one run of the tenant's agent `agent` with `input`, audited as `actor`'s;
    /// `not_found` when there is no such agent, `unavailable` when this server cannot run its
    /// kind. The run is durable once this returns.
    public func start(tenantID: String, agent: Slug, input: JSONValue, trigger: Run.Trigger, by actor: AuditActor) async throws -> Run {
        guard let stored = try await store.agent(tenantID: tenantID, name: agent) else {
            throw JunctionError.notFound("No agent named '\(agent)'.")
        }
        guard workers.runs(stored.definition.kind) else {
            throw JunctionError(.unavailable, "This server cannot run \(stored.definition.kind.rawValue) agents yet.")
        }
        let run = Run(tenantID: tenantID, agent: agent, trigger: trigger, input: input)
        let audit = actor.event(
            "agent.run", tenantID: tenantID, targetType: "agent", target: agent.rawValue, details: ["run_id": .string(run.id)])
        try await store.insertRuns([run], audit: audit)
        workers.wake()
        return run
    }
}
