import CoreMetrics
import JunctionCore

/// Counts and times action calls through swift-metrics, on an injected factory so that each
/// server (and each test) has its own registry.
///
/// - `junction_invoke_total{connector_type, outcome}`: calls by outcome (`ok` or an error code)
/// - `junction_invoke_duration_seconds{connector_type}`: call durations
/// - `junction_invoke_attempts_total{connector_type}`: upstream attempts, retries included
public struct InvokeMetrics: Sendable {
    private let factory: any MetricsFactory

    public init(factory: any MetricsFactory) {
        self.factory = factory
    }

    /// Records one finished call.
    public func record(connectorType: String, envelope: InvokeEnvelope, duration: Duration) {
        let type = [("connector_type", connectorType)]
        Counter(label: "junction_invoke_total", dimensions: type + [("outcome", envelope.error?.code ?? "ok")], factory: factory)
            .increment()
        Counter(label: "junction_invoke_attempts_total", dimensions: type, factory: factory)
            .increment(by: envelope.metadata.attempts)
        Timer(label: "junction_invoke_duration_seconds", dimensions: type, preferredDisplayUnit: .seconds, factory: factory)
            .recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
