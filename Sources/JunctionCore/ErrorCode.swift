/// A stable, machine-readable error code such as `invalid_input`: the one vocabulary of API
/// error answers, invoke envelope failures, run failures and the Swift SDK.
///
/// It is encoded as its snake_case wire name. A name this build does not know (sent by a newer
/// server) is kept as it is, so a client never loses a code.
public struct ErrorCode: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The wire name, e.g. `not_found`.
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// The wire name, e.g. `not_found`.
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// The request or its input is malformed or fails validation; `field` names what.
    public static let invalidInput = ErrorCode(rawValue: "invalid_input")
    /// No valid API key (or webhook secret) was presented.
    public static let unauthorized = ErrorCode(rawValue: "unauthorized")
    /// The caller may not do this.
    public static let forbidden = ErrorCode(rawValue: "forbidden")
    /// The named thing does not exist, or the caller may not see it.
    public static let notFound = ErrorCode(rawValue: "not_found")
    /// The write collides with existing state (a taken name, dependents).
    public static let conflict = ErrorCode(rawValue: "conflict")
    /// The request body is over the limit.
    public static let payloadTooLarge = ErrorCode(rawValue: "payload_too_large")
    /// The request body's content type is not accepted.
    public static let unsupportedMediaType = ErrorCode(rawValue: "unsupported_media_type")
    /// The path does not take this method.
    public static let methodNotAllowed = ErrorCode(rawValue: "method_not_allowed")
    /// The request's body did not arrive in time (HTTP 408).
    public static let requestTimeout = ErrorCode(rawValue: "request_timeout")
    /// The upstream could not be reached (refused, unresolvable, denied by the network policy).
    public static let connectionRefused = ErrorCode(rawValue: "connection_refused")
    /// The upstream closed or reset the connection after the request was sent: it may have
    /// been carried out (retryable only when repeating it is safe).
    public static let connectionReset = ErrorCode(rawValue: "connection_reset")
    /// The upstream refused the credential (401/403), or the credential could not be used.
    public static let authenticationFailed = ErrorCode(rawValue: "authentication_failed")
    /// No answer arrived in time.
    public static let timeout = ErrorCode(rawValue: "timeout")
    /// The TLS handshake with the upstream failed.
    public static let tlsError = ErrorCode(rawValue: "tls_error")
    /// The upstream or the pool has no connection to spare.
    public static let tooManyConnections = ErrorCode(rawValue: "too_many_connections")
    /// The upstream's resources (an MCP server's tools) could not be listed.
    public static let schemaDiscoveryFailed = ErrorCode(rawValue: "schema_discovery_failed")
    /// The connector is disabled.
    public static let connectorDisabled = ErrorCode(rawValue: "connector_disabled")
    /// A policy forbids the call.
    public static let policyDenied = ErrorCode(rawValue: "policy_denied")
    /// The call waits for an approval.
    public static let approvalRequired = ErrorCode(rawValue: "approval_required")
    /// A rate limit was reached (Junction's or the upstream's 429).
    public static let rateLimited = ErrorCode(rawValue: "rate_limited")
    /// The upstream answered with a failure; `upstream_status` and the body say which.
    public static let upstreamError = ErrorCode(rawValue: "upstream_error")
    /// Junction cannot serve this now (shutting down, the store unavailable, an agent kind it cannot run).
    public static let unavailable = ErrorCode(rawValue: "unavailable")
    /// The call was cancelled before it finished (its caller went away, or the server is stopping).
    public static let cancelled = ErrorCode(rawValue: "cancelled")

    /// A failure inside Junction; the cause is in the server log.
    public static let `internal` = ErrorCode(rawValue: "internal")
    /// A run's output does not match the agent's `output_schema`, or is not JSON.
    public static let invalidOutput = ErrorCode(rawValue: "invalid_output")
    /// An `llm` run was still calling tools after `max_steps` model calls.
    public static let maxSteps = ErrorCode(rawValue: "max_steps")
    /// The model's answer was cut off at its token limit.
    public static let outputTruncated = ErrorCode(rawValue: "output_truncated")
    /// The model refused to answer.
    public static let refused = ErrorCode(rawValue: "refused")
    /// The run's workers stopped too many times before finishing it.
    public static let abandoned = ErrorCode(rawValue: "abandoned")
    /// (SDK and CLI) No answer arrived from the Junction server.
    public static let connectionFailed = ErrorCode(rawValue: "connection_failed")
    /// (SDK and CLI) The Junction server's answer could not be read.
    public static let invalidResponse = ErrorCode(rawValue: "invalid_response")

    /// Every code this build knows, in the order documented.
    public static let known: [ErrorCode] = [
        .invalidInput,
        .unauthorized,
        .forbidden,
        .notFound,
        .conflict,
        .payloadTooLarge,
        .unsupportedMediaType,
        .methodNotAllowed,
        .requestTimeout,
        .connectionRefused,
        .connectionReset,
        .authenticationFailed,
        .timeout,
        .tlsError,
        .tooManyConnections,
        .schemaDiscoveryFailed,
        .connectorDisabled,
        .policyDenied,
        .approvalRequired,
        .rateLimited,
        .upstreamError,
        .unavailable,
        .cancelled,
        .`internal`,
        .invalidOutput,
        .maxSteps,
        .outputTruncated,
        .refused,
        .abandoned,
        .connectionFailed,
        .invalidResponse,
    ]
}
