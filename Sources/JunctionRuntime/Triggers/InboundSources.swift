import Foundation
import JunctionCore
import JunctionStorage
import Logging
import ServiceLifecycle

/// Hosts the inbound sources: for every enabled connector whose type is an `InboundSource`
/// (cron schedules; queue consumers), one task runs the source and turns each event it emits
/// into queued runs of the linked agents. Connectors are read again when this server announces
/// a change and every `reloadInterval` (changes made by other servers sharing the store); a
/// changed connector's source is started anew, a disabled or deleted one's is cancelled, and a
/// failed source is started again after a pause that doubles up to `maximumRestartDelay`.
public final class InboundSources: Service, Sendable {
    /// How the sources are hosted.
    public struct Configuration: Sendable {
        /// How often the connectors are read again when no change is announced. Default 5 s.
        public var reloadInterval: Duration = .seconds(5)
        /// The pause before a failed source is started again. Default 1 s.
        public var restartDelay: Duration = .seconds(1)
        /// The longest pause between restarts of a source that keeps failing. Default 60 s.
        public var maximumRestartDelay: Duration = .seconds(60)

        public init() {}
    }

    /// One connector's running source.
    private struct Hosted {
        var updatedAt: Date
        var task: Task<Void, Never>
    }

    private let store: any Store
    private let invoker: Invoker
    private let triggers: TriggerService
    private let changes: ChangeFeed
    private let configuration: Configuration
    /// The registered types that are inbound sources.
    private let sourceTypes: [ConnectorSpec]
    private let wake = WakeSignal()
    private let logger = Logger(label: "junction.inbound")

    public init(
        store: any Store, registry: ConnectorRegistry, invoker: Invoker, triggers: TriggerService, changes: ChangeFeed,
        configuration: Configuration = Configuration()
    ) {
        self.store = store
        self.invoker = invoker
        self.triggers = triggers
        self.changes = changes
        self.configuration = configuration
        sourceTypes = registry.specs.filter { registry.implementation(for: $0.type) is any InboundSource.Type }
    }

    public func run() async throws {
        guard !sourceTypes.isEmpty else { return }
        let listener = Task { [changes, wake] in
            for await _ in changes.subscribe() { wake.fire() }
        }
        defer { listener.cancel() }
        await cancelWhenGracefulShutdown {
            var running: [String: Hosted] = [:]
            while !Task.isCancelled {
                let seen = self.wake.generation
                running = await self.reconcile(running)
                await self.wake.wait(since: seen, upTo: self.configuration.reloadInterval)
            }
            for hosted in running.values { hosted.task.cancel() }
            for hosted in running.values { await hosted.task.value }
        }
    }

    /// Starts the sources of new and changed connectors and cancels those of connectors gone.
    private func reconcile(_ running: [String: Hosted]) async -> [String: Hosted] {
        var records: [ConnectorRecord] = []
        do {
            for spec in sourceTypes {
                records += try await store.connectors(ConnectorQuery(tenantID: nil, type: spec.type, enabled: true))
                    .filter { spec.receivesEvents(inMode: $0.mode) }
            }
        } catch {
            logger.error("Reading the inbound connectors failed", metadata: ["error": "\(error)"])
            return running
        }
        var next: [String: Hosted] = [:]
        for record in records {
            if let known = running[record.id], known.updatedAt == record.updatedAt {
                next[record.id] = known
                continue
            }
            running[record.id]?.task.cancel()
            next[record.id] = Hosted(updatedAt: record.updatedAt, task: Task { await self.host(record) })
        }
        for (id, hosted) in running where next[id] == nil { hosted.task.cancel() }
        return next
    }

    /// Runs `record`'s source until it is cancelled or returns, starting it again after failures.
    private func host(_ record: ConnectorRecord) async {
        let metadata: Logger.Metadata = [
            "tenant.id": "\(record.tenantID)", "connector.name": "\(record.name)", "connector.type": "\(record.type)",
        ]
        var delay = configuration.restartDelay
        while !Task.isCancelled {
            do {
                guard let source = try await invoker.prepare(record).instance as? any InboundSource else { return }
                try await source.run(emitting: events(of: record))
                return
            } catch {
                if Task.isCancelled { return }
                logger.error("An inbound source failed; starting it again", metadata: metadata.merging(
                    ["error": "\(error)", "restart_in_ms": "\(delay.wholeMilliseconds)"], uniquingKeysWith: { $1 }))
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, configuration.maximumRestartDelay)
        }
    }

    /// Where `record`'s source emits: each event queues a run per linked agent, durably.
    private func events(of record: ConnectorRecord) -> InboundEvents {
        let (triggers, store, logger) = (self.triggers, self.store, self.logger)
        return InboundEvents(
            connectorChangedAt: record.updatedAt,
            accept: { event in
                let accepted = try await triggers.accept(TriggerEvent(
                    tenantID: record.tenantID, connectorID: record.id, connector: record.name, kind: record.type,
                    input: event.input, idempotencyKey: event.idempotencyKey))
                if !accepted.repeated {
                    logger.debug("Inbound event", metadata: ["connector.name": "\(record.name)", "runs": "\(accepted.runs.count)"])
                }
                return accepted.repeated ? 0 : accepted.runs.count
            },
            latestEventTime: { try await store.latestEventTime(connectorID: record.id) })
    }
}
