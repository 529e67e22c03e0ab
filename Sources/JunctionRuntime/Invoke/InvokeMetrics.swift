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
///
/// The metric handles of each connector type and outcome are made once and kept.
public final class InvokeMetrics: Sendable {
    private let factory: any MetricsFactory
    private let handles = Mutex<[String: TypeHandles]>([:])

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

    /// Records one finished call.
    public func record(connectorType: String, envelope: InvokeEnvelope, duration: Duration) {
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
        calls.increment()
        attempts.increment(by: envelope.metadata.attempts)
        timer.recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
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
