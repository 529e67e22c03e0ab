import Logging
import ServiceLifecycle

/// A service that does `work` every `interval` until graceful shutdown; a failure is logged
/// and tried again at the next turn.
public struct PeriodicWork: Service {
    let interval: Duration
    let description: String
    let work: @Sendable () async throws -> Void
    private let logger = Logger(label: "junction.runtime")

    /// - Parameter description: what `work` does, for the log of a failure ("Purging expired OAuth tokens").
    public init(every interval: Duration, _ description: String, work: @escaping @Sendable () async throws -> Void) {
        self.interval = interval
        self.description = description
        self.work = work
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await work()
                } catch {
                    logger.error("\(description) failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
