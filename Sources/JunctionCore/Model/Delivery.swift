import Foundation

/// One run result on its way to an outbound connector: queued when the run ends, retried with
/// backoff until the receiver accepts it or the attempts run out (then it is dead, until
/// re-driven).
public struct Delivery: Sendable, Hashable {
    /// Where a delivery is.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case pending
        case delivered
        case dead
    }

    /// The delivery's id (`dlv_…`).
    public var id: String
    public var tenantID: String
    /// The outbound connector's id and name.
    public var connectorID: String
    public var connector: Slug
    public var runID: String
    public var status: Status
    /// What is sent: `{"run_id","agent_name","status","output"}` (and `error` for a failed run).
    public var payload: JSONValue
    /// Attempts made so far.
    public var attempts: Int
    /// When the next attempt is due (pending deliveries).
    public var nextAttemptAt: Date?
    /// Why the last attempt failed.
    public var lastError: String?
    public var createdAt: Date
    public var deliveredAt: Date?

    public init(
        id: String = Identifier.make("dlv"), tenantID: String, connectorID: String, connector: Slug, runID: String,
        status: Status = .pending, payload: JSONValue, attempts: Int = 0, nextAttemptAt: Date? = nil, lastError: String? = nil,
        createdAt: Date = Timestamp.now(), deliveredAt: Date? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.connectorID = connectorID
        self.connector = connector
        self.runID = runID
        self.status = status
        self.payload = payload
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.createdAt = createdAt
        self.deliveredAt = deliveredAt
    }
}

/// How one delivery attempt went, as its worker reports it.
public enum DeliveryAttempt: Sendable {
    /// The receiver accepted it.
    case delivered
    /// It failed; tried again at `retryAt`, or dead when `nil`.
    case failed(error: String, retryAt: Date?)
    /// It could not be tried now (its connector is disabled, the store is busy): tried again at
    /// `until`, not counted as an attempt.
    case postponed(reason: String, until: Date)
}
