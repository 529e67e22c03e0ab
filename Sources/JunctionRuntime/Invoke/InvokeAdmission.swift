import JunctionCore
import Metrics
import Synchronization

/// Bounds the action calls under way from outside (the invoke API, MCP `tools/call`), in all
/// and per tenant. A call past a bound is refused at once, with `Retry-After`, rather than
/// queued behind the others: under overload the calls taken stay fast, and one tenant cannot
/// take every slot. Runs' own calls are bounded by the run workers instead.
public final class InvokeAdmission: Sendable {
    /// The bounds.
    public struct Limits: Sendable, Hashable {
        /// Calls under way on this server at once (`max_invokes_in_flight`); past it, `unavailable`
        /// (HTTP 503). Default 1024.
        public var perServer = 1024
        /// Calls under way for one tenant at once (`max_invokes_per_tenant`); past it,
        /// `rate_limited` (HTTP 429). Default 256.
        public var perTenant = 256
        /// How long a refused caller is asked to wait. Default 1 s.
        public var retryAfter: Duration = .seconds(1)

        public init() {}

        /// No bounds (a local stdio client).
        public static var unlimited: Limits {
            var limits = Limits()
            limits.perServer = .max
            limits.perTenant = .max
            return limits
        }
    }

    private struct State {
        var total = 0
        var perTenant: [String: Int] = [:]
    }

    /// The bounds in effect.
    public let limits: Limits
    private let state = Mutex(State())
    private let serverRefusals: Counter
    private let tenantRefusals: Counter

    /// Counts refusals in `junction_invokes_refused_total{reason="server"|"tenant"}`.
    public init(limits: Limits = Limits(), metrics: any MetricsFactory = NOOPMetricsHandler.instance) {
        self.limits = limits
        serverRefusals = Counter(label: "junction_invokes_refused_total", dimensions: [("reason", "server")], factory: metrics)
        tenantRefusals = Counter(label: "junction_invokes_refused_total", dimensions: [("reason", "tenant")], factory: metrics)
    }

    /// Takes a slot for a call of `tenantID`, or throws the refusal; every slot taken must be
    /// given back with `leave(tenantID:)`.
    public func enter(tenantID: String) throws(JunctionError) {
        let refusal = state.withLock { state -> (code: ErrorCode, setting: String, limit: Int)? in
            if state.total >= limits.perServer { return (.unavailable, "max_invokes_in_flight", limits.perServer) }
            let tenant = state.perTenant[tenantID, default: 0]
            if tenant >= limits.perTenant { return (.rateLimited, "max_invokes_per_tenant", limits.perTenant) }
            state.total += 1
            state.perTenant[tenantID] = tenant + 1
            return nil
        }
        guard let refusal else { return }
        (refusal.code == .unavailable ? serverRefusals : tenantRefusals).increment()
        let whose = refusal.code == .unavailable ? "this server" : "this tenant"
        var error = JunctionError(
            refusal.code, "\(refusal.limit) calls are under way for \(whose), its limit (\(refusal.setting)): retry shortly.",
            retryable: true, details: ["limit": .string(refusal.setting)])
        error.retryAfter = limits.retryAfter
        throw error
    }

    /// Gives back the slot of a call of `tenantID`.
    public func leave(tenantID: String) {
        state.withLock { state in
            state.total -= 1
            let remaining = state.perTenant[tenantID, default: 1] - 1
            state.perTenant[tenantID] = remaining > 0 ? remaining : nil
        }
    }
}
