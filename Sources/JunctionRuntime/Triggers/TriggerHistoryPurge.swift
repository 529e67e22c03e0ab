import Foundation
import JunctionCore
import JunctionStorage
import Logging
import ServiceLifecycle

/// Keeps the trigger tables from growing without end: every hour it forgets idempotency keys
/// past their window (keeping each connector's latest, a cron connector's last tick) and
/// deliveries delivered long ago. Dead and pending deliveries stay.
public struct TriggerHistoryPurge: Service {
    /// What is kept.
    public struct Configuration: Sendable {
        /// How long idempotency keys are remembered. Default 24 hours.
        public var keyWindow: Duration = .seconds(24 * 3600)
        /// How long delivered deliveries stay listed. Default 7 days.
        public var deliveredRetention: Duration = .seconds(7 * 86_400)
        /// How often it runs. Default 1 hour.
        public var interval: Duration = .seconds(3600)

        public init() {}
    }

    private let store: any Store
    private let configuration: Configuration
    private let logger = Logger(label: "junction.triggers")

    public init(store: any Store, configuration: Configuration = Configuration()) {
        self.store = store
        self.configuration = configuration
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let now = Date()
                do {
                    try await store.purgeTriggerHistory(
                        keysBefore: now.addingTimeInterval(-configuration.keyWindow.timeInterval),
                        deliveredBefore: now.addingTimeInterval(-configuration.deliveredRetention.timeInterval))
                } catch {
                    logger.error("Purging old trigger history failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: configuration.interval)
            }
        }
    }
}
