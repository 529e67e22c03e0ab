import Foundation

/// An optional ability of an inbound connector type whose events arise by themselves (a
/// schedule, a queue consumer) rather than arriving as requests: while a connector of the type
/// is enabled, the runtime runs `run(emitting:)` and starts a run of every linked agent for
/// each event it emits. A changed or disabled connector's source is cancelled (and, if still
/// enabled, started again with the new configuration).
public protocol InboundSource: Connector {
    /// Emits events until cancelled. Throwing reports a failure: the runtime logs it and starts
    /// the source again after a pause. Returning ends the source until the connector changes.
    func run(emitting events: InboundEvents) async throws
}

/// Where an inbound source sends its events, and what it may know of its connector's past.
public struct InboundEvents: Sendable {
    /// One event: its input for the runs, and a key that makes a repeat (after a crash, or
    /// from another server sharing the store) start nothing.
    public struct Event: Sendable {
        public var input: JSONValue
        public var idempotencyKey: String?

        public init(input: JSONValue, idempotencyKey: String? = nil) {
            self.input = input
            self.idempotencyKey = idempotencyKey
        }
    }

    /// When the connector was last changed (a source catching up looks no further back).
    public var connectorChangedAt: Date
    private let accept: @Sendable (Event) async throws -> Int
    private let latest: @Sendable () async throws -> Date?

    /// - Parameters:
    ///   - accept: queues the event's runs durably and answers how many it queued (0 for a repeat).
    ///   - latestEventTime: when the connector's latest stored event was accepted.
    public init(
        connectorChangedAt: Date, accept: @escaping @Sendable (Event) async throws -> Int,
        latestEventTime: @escaping @Sendable () async throws -> Date?
    ) {
        self.connectorChangedAt = connectorChangedAt
        self.accept = accept
        self.latest = latestEventTime
    }

    /// Queues one run per linked agent for `event`, durably before it returns; answers how
    /// many runs it queued (0 when the key was seen before).
    @discardableResult
    public func emit(_ event: Event) async throws -> Int {
        try await accept(event)
    }

    /// When the connector's latest event was accepted, by this server or another sharing the store.
    public func latestEventTime() async throws -> Date? {
        try await latest()
    }
}
