import JunctionConnectors
import JunctionCore

/// What a live connectivity test found.
public struct ConnectionTestOutcome: Sendable {
    /// The connector with its health as stored after the test.
    public var connector: ConnectorRecord
    /// Why the test failed (`nil`: it passed).
    public var failure: JunctionError?
    /// How long the test took.
    public var duration: Duration
}

extension Invoker {
    /// Tests connector `name` live, as `POST …/test` does: the connector is built anew (an MCP
    /// server's tools are listed again), its type's `testConnection` runs within the connector's
    /// timeout, and the outcome is stored as its health. A connector that cannot even be built
    /// (its server down) fails its test; `not_found` and `invalid_input` (no such connector, a
    /// type without a live test) are thrown instead.
    public func testConnection(tenantID: String, name: Slug, requestID: String, by actor: AuditActor) async throws
        -> ConnectionTestOutcome
    {
        let start = ContinuousClock.now
        cache.invalidate(tenantID: tenantID, name: name.rawValue)
        var failure: JunctionError?
        do {
            let prepared = try await prepared(tenantID: tenantID, name: name.rawValue)
            guard let testable = prepared.instance as? any ConnectionTestable else {
                throw JunctionError.invalidInput("Connectors of type '\(prepared.record.type)' have no live test.")
            }
            let timeout = Duration.milliseconds(prepared.record.timeoutMilliseconds)
            let call = CallContext(requestID: requestID, deadline: .now + timeout)
            do {
                try await withDeadline(call.deadline, timeout: timeout) { try await testable.testConnection(call: call) }
            } catch {
                failure = (error as? JunctionError ?? .internal("The test failed inside Junction.", cause: error))
                    .redacting(prepared.secrets)
            }
        } catch let error as JunctionError where error.code != .notFound && error.code != .invalidInput {
            failure = error
        }
        let record = try await connectors.recordHealth(tenantID: tenantID, name: name, failure: failure, by: actor)
        return ConnectionTestOutcome(connector: record, failure: failure, duration: .now - start)
    }
}

/// Runs `operation`, cancelled with `timeout` once `deadline` passes (whatever the operation
/// does with the deadline it was given): one place that enforces a deadline around a
/// connector type's code.
func withDeadline<T: Sendable>(
    _ deadline: ContinuousClock.Instant, timeout: Duration, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    // Not retryable: the operation may have been carried out, its answer lost.
    try await JunctionConnectors.withDeadline(deadline, lateError: { JunctionError(.timeout, "No answer within \(timeout.wholeMilliseconds) ms.") }, operation)
}
