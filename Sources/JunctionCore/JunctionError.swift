/// An error any part of Junction reports: a stable code, a message fit for the caller, the
/// input field at fault where there is one, and an underlying cause for logs.
///
/// The HTTP status is chosen only at the API edge, from the code.
public struct JunctionError: Error, Sendable, CustomStringConvertible {
    /// The error's stable code (one vocabulary across Junction: see `ErrorCode`).
    public typealias Code = ErrorCode

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

    /// This error with every occurrence of `secrets` in its message and upstream body
    /// replaced by `[redacted]`.
    public func redacting(_ secrets: [String]) -> JunctionError {
        redactingReporting(secrets).error
    }

    /// `redacting(secrets)`, and whether anything was replaced.
    public func redactingReporting(_ secrets: [String]) -> (error: JunctionError, redacted: Bool) {
        guard !secrets.isEmpty else { return (self, false) }
        var redacted = self
        let message = JSONValue.string(message).redactingReporting(secrets)
        if case .string(let text) = message.value { redacted.message = text }
        let body = upstreamBody?.redactingReporting(secrets)
        redacted.upstreamBody = body?.value
        return (redacted, message.redacted || body?.redacted == true)
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
