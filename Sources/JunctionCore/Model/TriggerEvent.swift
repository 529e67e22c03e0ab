import Foundation

/// One event an inbound connector received (a webhook request, a cron tick): it starts a run of
/// every agent linked to the connector.
public struct TriggerEvent: Sendable, Hashable {
    public var tenantID: String
    /// The inbound connector's id and name.
    public var connectorID: String
    public var connector: Slug
    /// `webhook`, `cron`, …
    public var kind: String
    /// Every run's input.
    public var input: JSONValue
    /// A repeat of an earlier event with this key (after `keyNotBefore`) starts nothing and is
    /// answered with the earlier event's runs.
    public var idempotencyKey: String?
    /// Earlier events with the key older than this are forgotten.
    public var keyNotBefore: Date?

    public init(
        tenantID: String, connectorID: String, connector: Slug, kind: String, input: JSONValue, idempotencyKey: String? = nil,
        keyNotBefore: Date? = nil
    ) {
        self.tenantID = tenantID
        self.connectorID = connectorID
        self.connector = connector
        self.kind = kind
        self.input = input
        self.idempotencyKey = idempotencyKey
        self.keyNotBefore = keyNotBefore
    }
}

/// What accepting a trigger event did.
public struct AcceptedEvent: Sendable {
    /// The event's runs, one per linked agent (as they are now, for a repeat).
    public var runs: [Run]
    /// Whether the event repeated an earlier one's idempotency key (and started nothing).
    public var repeated: Bool

    public init(runs: [Run], repeated: Bool) {
        self.runs = runs
        self.repeated = repeated
    }
}
