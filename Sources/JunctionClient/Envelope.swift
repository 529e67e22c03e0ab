import JunctionCore

/// The answer of an action call as the server sends it: `success`, `data` (the output, or the
/// upstream's body on an upstream failure), `error` (an ``InvokeEnvelope/Failure`` with `code`,
/// `message`, `retryable`, `upstreamStatus`, `field`) and `metadata` (connector, resource,
/// tenant, upstream status, duration, attempts, mock, request id).
///
/// A failed action is an envelope with `success == false`, never a thrown error:
///
/// ```swift
/// let envelope = try await junction.connector("crm", "get-customer", ["id": "42"])
/// if envelope.success {
///     print(envelope.data?["name"]?.stringValue ?? "")
/// } else if let failure = envelope.error {
///     print(failure.code, failure.message, failure.retryable)
/// }
/// ```
public typealias Envelope = InvokeEnvelope
