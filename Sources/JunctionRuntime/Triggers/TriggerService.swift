import Foundation
import JunctionConnectors
import JunctionCore
import JunctionStorage
import Metrics

/// Turns inbound events into queued runs (durable once accepted), and waits for their results
/// for callers that want them (sync webhooks).
public struct TriggerService: Sendable {
    private let store: any Store
    private let registry: ConnectorRegistry
    private let invoker: Invoker
    private let workers: RunWorkers
    /// Concurrent events share a transaction; each is durable before its caller returns.
    private let intake: GroupCommit<TriggerEvent, Result<AcceptedEvent, any Error>>
    /// Request-receiving connectors found by id, each with the connector cache's generation when
    /// it was read: good while that is unchanged (no connector or credential write on this
    /// server since) and for at most 5 s (writes by other servers sharing the store).
    private let receivers = ExpiringCache<(found: Receiver, generation: Int)>(timeToLive: .seconds(5))
    private let cache: ConnectorCache
    private let refusals: RefusalCounters

    /// A connector that receives requests, with its instance.
    public typealias Receiver = (connector: ConnectorRecord, receiver: any RequestReceiving)

    /// - Parameters:
    ///   - invoker: prepares the connectors that receive requests.
    ///   - cache: its invalidations (connector and credential writes) drop the connectors
    ///     remembered between requests.
    ///   - limits: how many queued runs inbound events may leave waiting.
    public init(
        store: any Store, registry: ConnectorRegistry, invoker: Invoker, workers: RunWorkers, cache: ConnectorCache,
        limits: RunQueueLimits = RunQueueLimits(), metrics: any MetricsFactory = NOOPMetricsHandler.instance
    ) {
        self.store = store
        self.registry = registry
        self.invoker = invoker
        self.workers = workers
        self.cache = cache
        self.refusals = RefusalCounters(factory: metrics)
        self.intake = GroupCommit { events in
            // Its own task: the caller that happens to lead may be cancelled, the others' events not.
            await Task {
                do {
                    return try await store.acceptEvents(events, limits: limits).map { $0.mapError { $0 } }
                } catch let error as JunctionError where events.count > 1 && error.code != .internal && error.code != .unavailable {
                    // One event that cannot be stored (its connector just deleted, say) must not
                    // fail the others: each on its own. A store failure fails them all at once.
                    var outcomes: [Result<AcceptedEvent, any Error>] = []
                    for event in events {
                        do { outcomes.append(.success(try await store.acceptEvent(event, limits: limits))) } catch { outcomes.append(.failure(error)) }
                    }
                    return outcomes
                } catch {
                    return events.map { _ in .failure(error) }
                }
            }.value
        }
    }

    /// `junction_events_refused_total{reason}`: inbound events refused because the run queue of
    /// their connector (`connector_queue`) or of the server (`server_queue`) was full.
    private struct RefusalCounters: Sendable {
        let connectorQueue: Counter
        let serverQueue: Counter

        init(factory: any MetricsFactory) {
            connectorQueue = Counter(label: "junction_events_refused_total", dimensions: [("reason", "connector_queue")], factory: factory)
            serverQueue = Counter(label: "junction_events_refused_total", dimensions: [("reason", "server_queue")], factory: factory)
        }

        func count(_ error: any Error) {
            switch (error as? JunctionError)?.details?["limit"]?.stringValue {
            case "run_queue_per_connector": connectorQueue.increment()
            case "run_queue_max": serverQueue.increment()
            default: break
            }
        }
    }

    /// The enabled connector with this id whose type receives requests (`RequestReceiving`)
    /// in its mode, prepared; `not_found` for anything else (which callers must not tell
    /// apart). Found connectors are remembered until the next connector write on this server,
    /// or for at most 5 seconds (changes made by another server sharing the store).
    public func receiver(id: String) async throws -> Receiver {
        guard id.hasPrefix("con_"), id.count <= 64 else { throw Self.noReceiver }
        let generation = cache.generation
        if let known = receivers.value(for: id), known.generation == generation { return known.found }
        // The type is checked before anything is prepared: no other connector is built for a caller.
        guard let connector = try await store.connector(id: id), connector.enabled,
              registry.receivesRequests(type: connector.type, mode: connector.mode),
              let receiver = try await invoker.prepare(connector).instance as? any RequestReceiving
        else { throw Self.noReceiver }
        let found = (connector, receiver)
        receivers.insert((found, generation), for: id)
        return found
    }

    private static let noReceiver = JunctionError.notFound("No webhook here.")

    /// Queues a run of every agent linked to the event's connector, in one transaction (shared
    /// with concurrent events), and wakes the workers; a repeated idempotency key queues nothing
    /// and answers the earlier runs. Past the run queue limits the event is refused, storing
    /// nothing: `rate_limited` (its connector's queue) or `unavailable` (the server's), with `retryAfter`.
    public func accept(_ event: TriggerEvent) async throws -> AcceptedEvent {
        let outcome = await intake.submit(event)
        if case .failure(let error) = outcome { refusals.count(error) }
        let accepted = try outcome.get()
        if !accepted.repeated, !accepted.runs.isEmpty { workers.wake() }
        return accepted
    }

    /// `runs` once every one has ended, or `nil` if some are still going after `timeout`.
    public func results(of runs: [Run], within timeout: Duration) async throws -> [Run]? {
        let deadline = ContinuousClock.now + timeout
        while true {
            try Task.checkCancellation()
            let seen = workers.runsFinished.generation
            var current: [Run] = []
            for run in runs {
                current.append(try await store.run(tenantID: run.tenantID, id: run.id) ?? run)
            }
            if current.allSatisfy(\.status.isTerminal) { return current }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { return nil }
            // Runs finished by another server sharing the store fire no local signal: look again each second.
            await workers.runsFinished.wait(since: seen, upTo: min(remaining, .seconds(1)))
        }
    }
}
