import Foundation
import JunctionConnectors
import JunctionCore
import JunctionStorage
import Logging
import ServiceLifecycle
import Synchronization

/// Delivers run results to outbound connectors (`OutboundDelivering`: an outbound webhook
/// POSTs it, signed): each queued delivery is handed to its connector, and a failure is retried
/// after the connector's growing pause (a webhook's span about a day) until its attempts are
/// spent, after which the delivery is dead (listed by the API, re-drivable). Deliveries are
/// claimed with a lease, so a crash only delays them.
public final class DeliveryWorker: Service, Sendable {
    /// How deliveries are worked.
    public struct Configuration: Sendable {
        /// Deliveries sent at once. Default 4.
        public var concurrency = 4
        /// How often idle senders look for due deliveries (retries, other servers' runs). Default 1 s.
        public var idlePoll: Duration = .seconds(1)
        /// How long a claimed delivery is held before another sender may try it: longer than the
        /// longest connector timeout (10 min), so a slow receiver is not sent it twice. Default 11 min.
        public var lease: Duration = .seconds(660)
        /// How long a delivery waits when it cannot be tried (its connector is disabled, the
        /// store failed), without counting an attempt. Default 1 min.
        public var postponement: Duration = .seconds(60)

        public init() {}
    }

    private let store: any Store
    private let invoker: Invoker
    private let wakeUps: WakeSignal
    private let configuration: Configuration
    private let logger = Logger(label: "junction.deliveries")

    /// - Parameters:
    ///   - invoker: prepares the connectors deliveries go to.
    ///   - wakeUps: fired when deliveries may have been queued (a run finished, one was re-driven).
    public init(store: any Store, invoker: Invoker, wakeUps: WakeSignal, configuration: Configuration = Configuration()) {
        self.store = store
        self.invoker = invoker
        self.wakeUps = wakeUps
        self.configuration = configuration
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for _ in 0..<self.configuration.concurrency {
                    group.addTask { await self.work() }
                }
            }
        }
    }

    private func work() async {
        while !Task.isCancelled {
            let seen = wakeUps.generation
            do {
                let now = Timestamp.now()
                if let delivery = try await store.claimDelivery(now: now, leaseUntil: now.addingTimeInterval(configuration.lease.timeInterval)) {
                    let attempt = await self.attempt(delivery)
                    // Cut short by shutdown: the lease runs out and the delivery is tried again.
                    if Task.isCancelled { return }
                    try await store.recordDelivery(delivery, attempt: attempt, at: Timestamp.now())
                    continue
                }
            } catch {
                if Task.isCancelled { return }
                logger.error("Working a delivery failed", metadata: ["error": "\(error)"])
            }
            await wakeUps.wait(since: seen, upTo: configuration.idlePoll)
        }
    }

    /// Sends one delivery and says how it went.
    func attempt(_ delivery: Delivery) async -> DeliveryAttempt {
        let later = Timestamp.now().addingTimeInterval(configuration.postponement.timeInterval)
        let connector: ConnectorRecord
        let destination: any OutboundDelivering
        do {
            guard let found = try await store.connector(id: delivery.connectorID) else {
                return .failed(error: "The connector no longer exists.", retryAt: nil)
            }
            guard found.enabled else { return .postponed(reason: "The connector is disabled.", until: later) }
            guard let delivering = try await invoker.prepare(found).instance as? any OutboundDelivering else {
                return .failed(error: "Connectors of type '\(found.type)' deliver no results.", retryAt: nil)
            }
            connector = found
            destination = delivering
        } catch {
            logger.error("A delivery's connector could not be read", metadata: ["delivery.id": "\(delivery.id)", "error": "\(error)"])
            return .postponed(reason: "The connector could not be read.", until: later)
        }
        return await send(delivery, to: destination, connector: connector)
    }

    /// Hands the delivery to its connector; a failure is retried after a growing pause until
    /// the attempts run out.
    private func send(_ delivery: Delivery, to destination: any OutboundDelivering, connector: ConnectorRecord) async -> DeliveryAttempt {
        do {
            let call = CallContext(
                requestID: delivery.id, deadline: .now + .milliseconds(connector.timeoutMilliseconds), idempotencyKey: delivery.id)
            try await destination.deliver(delivery.payload, call: call)
            return .delivered
        } catch {
            let message = (error as? JunctionError)?.message ?? String(describing: error)
            let attempts = delivery.attempts + 1
            guard attempts < destination.deliveryAttempts else {
                logger.warning("A delivery is dead after its last attempt", metadata: ["delivery.id": "\(delivery.id)", "error": "\(message)"])
                return .failed(error: message, retryAt: nil)
            }
            let pause = destination.retryDelay(afterAttempt: attempts)
            return .failed(error: message, retryAt: Timestamp.now().addingTimeInterval(pause.timeInterval))
        }
    }
}
