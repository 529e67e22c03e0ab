/// How many queued runs inbound events may leave waiting before further events are refused
/// (storing nothing), so that a sender faster than the workers is pushed back instead of
/// building a backlog of hours.
public struct RunQueueLimits: Sendable, Hashable {
    /// The most runs queued for one inbound connector's events (`run_queue_per_connector`):
    /// beyond it the connector's events are refused with `rate_limited` (HTTP 429). Default 10,000.
    public var perConnector: Int
    /// The most runs queued in the whole store (`run_queue_max`): beyond it every inbound event is
    /// refused with `unavailable` (HTTP 503). Default 100,000.
    public var total: Int
    /// How long a refused sender is asked to wait (`Retry-After`). Default 10 s.
    public var retryAfter: Duration

    public init(perConnector: Int = 10_000, total: Int = 100_000, retryAfter: Duration = .seconds(10)) {
        self.perConnector = perConnector
        self.total = total
        self.retryAfter = retryAfter
    }

    /// No limit.
    public static let unlimited = RunQueueLimits(perConnector: .max, total: .max)

    /// The refusal (its `details.limit` naming the setting) of an event that would add `adding`
    /// runs to queues holding `connectorQueued` runs of its connector (named `connector`) and
    /// `totalQueued` in all; `nil` if it fits.
    public func refusal(adding: Int, connector: Slug, connectorQueued: Int, totalQueued: Int) -> JunctionError? {
        var error: JunctionError
        if totalQueued > total - adding {
            error = JunctionError(
                .unavailable, "\(totalQueued) runs are waiting, this server's limit (run_queue_max \(total)): retry later.",
                retryable: true, details: ["limit": "run_queue_max", "queued": .integer(totalQueued)])
        } else if connectorQueued > perConnector - adding {
            error = JunctionError(
                .rateLimited,
                "Connector '\(connector)' has \(connectorQueued) runs waiting, its limit (run_queue_per_connector \(perConnector)): retry later.",
                retryable: true, details: ["limit": "run_queue_per_connector", "queued": .integer(connectorQueued)])
        } else {
            return nil
        }
        error.retryAfter = retryAfter
        return error
    }
}
