/// An error any part of Junction reports: a stable code, a message fit for the caller, the
/// input field at fault where there is one, and an underlying cause for logs.
///
/// The HTTP status is chosen only at the API edge, from the code.
public struct JunctionError: Error, Sendable, CustomStringConvertible {
    /// A stable, machine-readable error code such as `invalid_input`.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case invalidInput = "invalid_input"
            case unauthorized
            case forbidden
            case notFound = "not_found"
            case conflict
            case payloadTooLarge = "payload_too_large"
            case unsupportedMediaType = "unsupported_media_type"
            case methodNotAllowed = "method_not_allowed"
            case connectionRefused = "connection_refused"
            case authenticationFailed = "authentication_failed"
            case timeout
            case tlsError = "tls_error"
            case tooManyConnections = "too_many_connections"
            case schemaDiscoveryFailed = "schema_discovery_failed"
            case connectorDisabled = "connector_disabled"
            case policyDenied = "policy_denied"
            case approvalRequired = "approval_required"
            case rateLimited = "rate_limited"
            case upstreamError = "upstream_error"
            case unavailable
            case `internal`
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The code with this wire name, or `internal` for an unknown one.
        public static func named(_ name: String) -> Code {
            Code(Base(rawValue: name) ?? .internal)
        }

        /// The snake_case wire form, e.g. `not_found`.
        public var description: String { base.rawValue }

        public static let invalidInput = Code(.invalidInput)
        public static let unauthorized = Code(.unauthorized)
        public static let forbidden = Code(.forbidden)
        public static let notFound = Code(.notFound)
        public static let conflict = Code(.conflict)
        public static let payloadTooLarge = Code(.payloadTooLarge)
        public static let unsupportedMediaType = Code(.unsupportedMediaType)
        public static let methodNotAllowed = Code(.methodNotAllowed)
        public static let connectionRefused = Code(.connectionRefused)
        public static let authenticationFailed = Code(.authenticationFailed)
        public static let timeout = Code(.timeout)
        public static let tlsError = Code(.tlsError)
        public static let tooManyConnections = Code(.tooManyConnections)
        public static let schemaDiscoveryFailed = Code(.schemaDiscoveryFailed)
        public static let connectorDisabled = Code(.connectorDisabled)
        public static let policyDenied = Code(.policyDenied)
        public static let approvalRequired = Code(.approvalRequired)
        public static let rateLimited = Code(.rateLimited)
        public static let upstreamError = Code(.upstreamError)
        public static let unavailable = Code(.unavailable)
        public static let `internal` = Code(.internal)
    }

    /// What went wrong, as a stable code.
    public let code: Code
    /// A message for the caller. Never contains a secret.
    public var message: String
    /// The input field at fault, as a dotted path (`options.headers`), if any.
    public var field: String?
    /// Whether repeating the same call may succeed.
    public var retryable: Bool
    /// Extra structured detail for the caller, such as the connectors that block a delete.
    public var details: JSONValue?
    /// The upstream's status (e.g. the HTTP status) when the failure came from the upstream.
    public var upstreamStatus: Int?
    /// The upstream's answer body, for `upstream_error` failures.
    public var upstreamBody: JSONValue?
    /// How long the upstream asked callers to wait before retrying (`Retry-After`).
    public var retryAfter: Duration?
    /// The underlying error, for logs only; never rendered to callers.
    public var cause: (any Error)?

    public init(
        _ code: Code,
        _ message: String,
        field: String? = nil,
        retryable: Bool = false,
        details: JSONValue? = nil,
        upstreamStatus: Int? = nil,
        upstreamBody: JSONValue? = nil,
        cause: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.field = field
        self.retryable = retryable
        self.details = details
        self.upstreamStatus = upstreamStatus
        self.upstreamBody = upstreamBody
        self.cause = cause
    }

    public var description: String {
        var text = "\(code): \(message)"
        if let field { text += " (field: \(field))" }
        return text
    }

    /// Bad input from the caller, optionally naming the field.
    public static func invalidInput(_ message: String, field: String? = nil) -> JunctionError {
        JunctionError(.invalidInput, message, field: field)
    }

    /// A named thing that does not exist (or that the caller may not see).
    public static func notFound(_ message: String) -> JunctionError {
        JunctionError(.notFound, message)
    }

    /// A write that collides with existing state.
    public static func conflict(_ message: String, field: String? = nil, details: JSONValue? = nil) -> JunctionError {
        JunctionError(.conflict, message, field: field, details: details)
    }

    /// A failure inside Junction; the message is generic, the cause goes to the log.
    public static func `internal`(_ message: String = "Internal error.", cause: (any Error)? = nil) -> JunctionError {
        JunctionError(.internal, message, cause: cause)
    }
}
