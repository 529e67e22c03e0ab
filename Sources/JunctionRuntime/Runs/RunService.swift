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

    /// Queues one run of the tenant's agent `agent` with `input`; `not_found` when there is
    /// no such agent. The run is durable once this returns.
    public func start(tenantID: String, agent: Slug, input: JSONValue, trigger: Run.Trigger) async throws -> Run {
        guard try await store.agent(tenantID: tenantID, name: agent) != nil else {
            throw JunctionError.notFound("No agent named '\(agent)'.")
        }
        let run = Run(tenantID: tenantID, agent: agent, trigger: trigger, input: input)
        try await store.insertRuns([run])
        workers.wake()
        return run
    }
}
