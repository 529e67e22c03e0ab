import CoreMetrics
import JunctionCore
import Synchronization

/// Counts and times action calls through swift-metrics, on an injected factory so that each
/// server (and each test) has its own registry.
///
/// - `junction_invoke_total{connector_type, outcome}`: calls by outcome (`ok` or an error code)
/// - `junction_invoke_duration_seconds{connector_type}`: call durations
/// - `junction_invoke_attempts_total{connector_type}`: upstream attempts, retries included
/// - `junction_secret_redactions_total{connector_type}`: answers in which a secret the
///   upstream echoed back was replaced by `[redacted]`
/// - `junction_connector_invoke_total{tenant, connector, outcome}` and
///   `junction_connector_invoke_duration_seconds{tenant, connector}`: the same calls by tenant
///   id and connector name, for connectors that exist (a call naming none counts only by type,
///   as `unknown`, so made-up names add no series); their handles are kept with the prepared
///   connector, so a call looks nothing up
///
/// The metric handles of each connector type and outcome are made once and kept.
public final class InvokeMetrics: Sendable {
    private let factory: any MetricsFactory
    private let handles = Mutex<[String: TypeHandles]>([:])
    private let connectors = Mutex<[String: ConnectorCallMetrics]>([:])

    /// The handles of one connector type.
    private struct TypeHandles: Sendable {
        var calls: [String: Counter] = [:]
        let attempts: Counter
        let duration: Timer
        let redactions: Counter
    }

    public init(factory: any MetricsFactory) {
        self.factory = factory
    }

    /// The handles of one connector's calls (made once per connector, and kept).
    public func connector(tenantID: String, name: String) -> ConnectorCallMetrics {
        connectors.withLock { connectors in
            let key = "\(tenantID)/\(name)"
            if let known = connectors[key] { return known }
            let made = ConnectorCallMetrics(tenantID: tenantID, name: name, factory: factory)
            connectors[key] = made
            return made
        }
    }

    /// Records one finished call, and by connector when `connector` is known.
    public func record(connectorType: String, envelope: InvokeEnvelope, duration: Duration, connector: ConnectorCallMetrics? = nil) {
        let outcome = envelope.error?.code.rawValue ?? "ok"
        let (calls, attempts, timer) = handles.withLock { handles in
            if let type = handles[connectorType], let calls = type.calls[outcome] {
                return (calls, type.attempts, type.duration)
            }
            var type = handles[connectorType] ?? makeHandles(connectorType)
            let calls = Counter(
                label: "junction_invoke_total", dimensions: [("connector_type", connectorType), ("outcome", outcome)],
                factory: factory)
            type.calls[outcome] = calls
            handles[connectorType] = type
            return (calls, type.attempts, type.duration)
        }
        let nanoseconds = duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
        calls.increment()
        attempts.increment(by: envelope.metadata.attempts)
        timer.recordNanoseconds(nanoseconds)
        connector?.record(outcome: outcome, nanoseconds: nanoseconds)
    }

    /// Records an answer from which an echoed secret was redacted.
    public func recordRedaction(connectorType: String) {
        let counter = handles.withLock { handles in
            if let type = handles[connectorType] { return type.redactions }
            let type = makeHandles(connectorType)
            handles[connectorType] = type
            return type.redactions
        }
        counter.increment()
    }

    private func makeHandles(_ connectorType: String) -> TypeHandles {
        let type = [("connector_type", connectorType)]
        return TypeHandles(
            attempts: Counter(label: "junction_invoke_attempts_total", dimensions: type, factory: factory),
            duration: Timer(label: "junction_invoke_duration_seconds", dimensions: type, preferredDisplayUnit: .seconds, factory: factory),
            redactions: Counter(label: "junction_secret_redactions_total", dimensions: type, factory: factory))
    }
}

/// Calls and durations of one connector: `junction_connector_invoke_total{tenant, connector,
/// outcome}` and `junction_connector_invoke_duration_seconds{tenant, connector}`.
public final class ConnectorCallMetrics: Sendable {
    private let labels: [(String, String)]
    private let factory: any MetricsFactory
    private let succeeded: Counter
    private let duration: Timer
    /// Counters of failed calls by error code, made at the first failure of each.
    private let failed = Mutex<[String: Counter]>([:])

    init(tenantID: String, name: String, factory: any MetricsFactory) {
        labels = [("tenant", tenantID), ("connector", name)]
        self.factory = factory
        succeeded = Counter(label: "junction_connector_invoke_total", dimensions: labels + [("outcome", "ok")], factory: factory)
        duration = Timer(label: "junction_connector_invoke_duration_seconds", dimensions: labels, preferredDisplayUnit: .seconds, factory: factory)
    }

    func record(outcome: String, nanoseconds: Int64) {
        let counter = outcome == "ok" ? succeeded : failed.withLock { counters in
            if let known = counters[outcome] { return known }
            let made = Counter(label: "junction_connector_invoke_total", dimensions: labels + [("outcome", outcome)], factory: factory)
            counters[outcome] = made
            return made
        }
        counter.increment()
        duration.recordNanoseconds(nanoseconds)
    }
}
