import Foundation
import Synchronization

/// Announces that a tenant's connectors changed, to every subscriber (MCP sessions send
/// `notifications/tools/list_changed`). Publishing never blocks: each subscriber keeps only
/// the newest pending announcement per tenant.
public final class ChangeFeed: Sendable {
    private let subscribers = Mutex([UUID: AsyncStream<String?>.Continuation]())

    public init() {}

    /// A stream of changed tenant ids (`nil`: every tenant), ending when the caller stops iterating.
    public func subscribe() -> AsyncStream<String?> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<String?>.makeStream(bufferingPolicy: .bufferingNewest(16))
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    /// Announces a change of `tenantID`'s connectors (`nil`: every tenant's).
    public func publish(tenantID: String?) {
        let targets = subscribers.withLock { Array($0.values) }
        for continuation in targets { continuation.yield(tenantID) }
    }
}
