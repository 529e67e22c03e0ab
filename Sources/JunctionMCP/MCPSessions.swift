import Foundation
import JunctionCore
import JunctionRuntime
import Logging
import ServiceLifecycle

/// The long-lived state of Junction's Streamable HTTP MCP endpoint:
/// - **legacy sessions** (2025-11-25 and earlier): opened by `initialize`, bound to the API
///   key and tenant that opened it, with at most one GET event stream, closed after an idle
///   timeout, on `DELETE`, or at shutdown;
/// - **subscriptions** (2026-07-28 `subscriptions/listen`): event streams bound to the
///   request that opened them, ended by the client closing the stream, by a newer one taking
///   its place, or at shutdown with a completion result.
///
/// Both count against the same limits, hear of a tenant's connector changes from one
/// subscription to the change feed, and are kept alive by comment lines.
public actor MCPSessions: Service {
    /// Who opened a session or subscription: only they may use it.
    struct Owner: Hashable {
        let keyID: String
        let tenantID: String

        init(_ session: ToolSession) {
            keyID = session.actor.keyID
            tenantID = session.tenantID
        }
    }

    private struct Session {
        let owner: Owner
        /// The caller and tool mode the session was opened with.
        let toolSession: ToolSession
        let era: MCPEra
        /// When its last request ended (or began, while one is under way).
        var lastSeen: ContinuousClock.Instant
        /// Requests being answered: a session is never idle while it answers one.
        var inFlight = 0
        /// Its GET event stream, if one is open.
        var events: AsyncStream<[UInt8]>.Continuation?
        var eventsToken = 0
    }

    private struct Subscription {
        let owner: Owner
        /// The JSON-RPC id of the `subscriptions/listen` request, which tags every message.
        let requestID: JSONValue
        /// Whether it asked for `notifications/tools/list_changed`.
        let hearsToolChanges: Bool
        let opened: ContinuousClock.Instant
        let events: AsyncStream<[UInt8]>.Continuation
    }

    /// How sessions are kept.
    public struct Configuration: Sendable {
        /// How long a session lives without requests (`mcp_session_idle_ms`). Default 1 hour.
        public var idleTimeout: Duration = .seconds(3600)
        /// The most sessions and subscriptions kept (`mcp_max_sessions`); the session idle the
        /// longest (or the oldest subscription) is closed to admit a new one. Default 1000.
        public var maximumSessions = 1000
        /// The most sessions and subscriptions one tenant keeps (`mcp_max_sessions_per_tenant`);
        /// its own session idle the longest (or oldest subscription) is closed to admit a new
        /// one. Default 100.
        public var maximumSessionsPerTenant = 100
        /// How often an open event stream gets a comment line, so that proxies and clients
        /// do not take a quiet stream for a dead one. Default 20 seconds.
        public var keepAliveInterval: Duration = .seconds(20)

        public init() {}
    }

    private let changes: ChangeFeed
    private let configuration: Configuration
    private var sessions: [String: Session] = [:]
    private var subscriptions: [UUID: Subscription] = [:]
    private let logger = Logger(label: "junction.mcp")

    public init(changes: ChangeFeed, configuration: Configuration = Configuration()) {
        self.changes = changes
        self.configuration = configuration
    }

    /// The number of open legacy sessions.
    public var count: Int { sessions.count }

    /// The number of open subscriptions.
    public var subscriptionCount: Int { subscriptions.count }

    // MARK: Legacy sessions

    /// Opens a session for `session` speaking `era`; its id, or `nil` when a limit is reached
    /// and every session of that scope is answering a request.
    func open(_ session: ToolSession, era: MCPEra) -> String? {
        let owner = Owner(session)
        guard makeRoom(for: owner.tenantID) else { return nil }
        let id = Identifier.make("mcs")
        sessions[id] = Session(owner: owner, toolSession: session, era: era, lastSeen: .now)
        logger.debug("MCP session opened", metadata: ["mcp.session": .string(id), "tenant.id": .string(owner.tenantID)])
        return id
    }

    /// Counts a request in session `id` if `caller` owns it; what the session was opened with.
    func begin(_ id: String, for caller: ToolSession) -> (session: ToolSession, era: MCPEra)? {
        guard let known = sessions[id], known.owner == Owner(caller) else { return nil }
        sessions[id]?.inFlight += 1
        sessions[id]?.lastSeen = .now
        return (known.toolSession, known.era)
    }

    /// Ends a request counted by ``begin(_:for:)``.
    func end(_ id: String) {
        sessions[id]?.inFlight -= 1
        sessions[id]?.lastSeen = .now
    }

    /// What asking for session `id`'s GET event stream comes to.
    enum EventStreamOutcome {
        /// The stream, and how to end it.
        case stream(AsyncStream<[UInt8]>, end: @Sendable () -> Void)
        /// No such session for this caller.
        case unknown
        /// The session's stream is already open (a message goes on one stream only).
        case alreadyOpen
    }

    /// Opens session `id`'s event stream, which carries `notifications/tools/list_changed`.
    func openEventStream(_ id: String, for caller: ToolSession) -> EventStreamOutcome {
        guard let known = sessions[id], known.owner == Owner(caller) else { return .unknown }
        guard known.events == nil else { return .alreadyOpen }
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream(bufferingPolicy: .bufferingNewest(64))
        let token = known.eventsToken + 1
        continuation.onTermination = { _ in Task { await self.eventStreamEnded(id, token: token) } }
        sessions[id]?.events = continuation
        sessions[id]?.eventsToken = token
        return .stream(stream, end: { Task { await self.eventStreamEnded(id, token: token) } })
    }

    /// Lets go of session `id`'s event stream `token` (a newer one is left alone).
    private func eventStreamEnded(_ id: String, token: Int) {
        guard sessions[id]?.eventsToken == token, let events = sessions[id]?.events else { return }
        sessions[id]?.events = nil
        events.finish()
    }

    /// Ends session `id` if `caller` owns it; whether it did.
    func close(_ id: String, for caller: ToolSession) -> Bool {
        guard sessions[id]?.owner == Owner(caller) else { return false }
        close(id)
        return true
    }

    private func close(_ id: String) {
        guard let session = sessions.removeValue(forKey: id) else { return }
        session.events?.finish()
    }

    /// Closes sessions idle for longer than the idle timeout.
    public func closeIdleSessions() {
        let cutoff = ContinuousClock.now - configuration.idleTimeout
        for (id, session) in sessions where session.inFlight == 0 && session.lastSeen < cutoff {
            close(id)
        }
    }

    // MARK: Subscriptions

    /// Opens a subscription for `caller`'s `subscriptions/listen` request `requestID`, which
    /// gets `accepted` (the notification types Junction honours of those asked for); the
    /// stream starts with the acknowledgement. `nil` when a limit is reached and nothing can
    /// make way.
    func subscribe(_ caller: ToolSession, requestID: JSONValue, accepted: JSONValue) -> (stream: AsyncStream<[UInt8]>, end: @Sendable () -> Void)? {
        let owner = Owner(caller)
        guard makeRoom(for: owner.tenantID) else { return nil }
        let key = UUID()
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream(bufferingPolicy: .bufferingNewest(64))
        continuation.onTermination = { _ in Task { await self.subscriptionEnded(key) } }
        continuation.yield(Self.event(RPCWire.notification(
            "notifications/subscriptions/acknowledged",
            params: ["_meta": [ModernEnvelope.subscriptionIDKey: requestID], "notifications": accepted])))
        subscriptions[key] = Subscription(
            owner: owner, requestID: requestID, hearsToolChanges: accepted["toolsListChanged"] == true, opened: .now,
            events: continuation)
        return (stream, { Task { await self.endSubscription(key) } })
    }

    private func subscriptionEnded(_ key: UUID) {
        subscriptions[key] = nil
    }

    /// Ends a subscription gracefully: the completion result answering its request, then the
    /// end of its stream.
    private func endSubscription(_ key: UUID) {
        guard let subscription = subscriptions.removeValue(forKey: key) else { return }
        let completion = MCPToolServer.complete(["_meta": [ModernEnvelope.subscriptionIDKey: subscription.requestID]])
        subscription.events.yield(Self.event(RPCWire.result(id: subscription.requestID, completion)))
        subscription.events.finish()
    }

    // MARK: Limits

    /// Makes room for one more session or subscription of `tenantID`: past the tenant's limit
    /// its own session idle the longest (or oldest subscription) goes, past the server's the
    /// server's; `false` if a limit is reached with nothing that can go.
    private func makeRoom(for tenantID: String) -> Bool {
        let tenantCount = sessions.values.count { $0.owner.tenantID == tenantID } + subscriptions.values.count { $0.owner.tenantID == tenantID }
        if tenantCount >= configuration.maximumSessionsPerTenant {
            guard closeOldest(where: { $0.tenantID == tenantID }) else { return false }
        }
        if sessions.count + subscriptions.count >= configuration.maximumSessions {
            guard closeOldest(where: { _ in true }) else { return false }
        }
        return true
    }

    /// Closes the idle session or subscription of a matching owner that was used the longest
    /// ago; `false` if none can go (every session busy, no subscription).
    private func closeOldest(where match: (Owner) -> Bool) -> Bool {
        let idle = sessions.filter { match($0.value.owner) && $0.value.inFlight == 0 }.min { $0.value.lastSeen < $1.value.lastSeen }
        let listening = subscriptions.filter { match($0.value.owner) }.min { $0.value.opened < $1.value.opened }
        switch (idle, listening) {
        case (let session?, let subscription?):
            if session.value.lastSeen <= subscription.value.opened { close(session.key) } else { endSubscription(subscription.key) }
        case (let session?, nil):
            close(session.key)
        case (nil, let subscription?):
            endSubscription(subscription.key)
        case (nil, nil):
            return false
        }
        logger.debug("An MCP session or subscription closed for a new one")
        return true
    }

    // MARK: Events

    /// `message` as one server-sent event.
    static func event(_ message: [UInt8]) -> [UInt8] {
        var event = Array("event: message\ndata: ".utf8)
        event.reserveCapacity(message.count + 24)
        event += message
        event += "\n\n".utf8
        return event
    }

    private static let keepAlive = Array(": keep-alive\n\n".utf8)

    /// Tells every stream of `tenantID` (`nil`: of every tenant) that its tools changed.
    private func announceChange(of tenantID: String?) {
        let legacy = Self.event(RPCWire.notification("notifications/tools/list_changed"))
        for session in sessions.values where tenantID == nil || session.owner.tenantID == tenantID {
            session.events?.yield(legacy)
        }
        for subscription in subscriptions.values
        where subscription.hearsToolChanges && (tenantID == nil || subscription.owner.tenantID == tenantID) {
            subscription.events.yield(Self.event(RPCWire.notification(
                "notifications/tools/list_changed", params: ["_meta": [ModernEnvelope.subscriptionIDKey: subscription.requestID]])))
        }
    }

    private func keepStreamsAlive() {
        for session in sessions.values { session.events?.yield(Self.keepAlive) }
        for subscription in subscriptions.values { subscription.events.yield(Self.keepAlive) }
    }

    /// Until graceful shutdown: relays connector changes, keeps streams alive and closes idle
    /// sessions; then ends every subscription with its completion result and every session.
    public func run() async throws {
        let feed = changes.subscribe()
        let sweep = min(configuration.idleTimeout / 4, .seconds(60))
        let keepAlive = configuration.keepAliveInterval
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    for await tenantID in feed { await self.announceChange(of: tenantID) }
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: keepAlive)
                        await self.keepStreamsAlive()
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: sweep)
                        await self.closeIdleSessions()
                    }
                }
            }
        }
        for key in Array(subscriptions.keys) { endSubscription(key) }
        for id in Array(sessions.keys) { close(id) }
    }
}
