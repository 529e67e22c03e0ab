import AsyncHTTPClient
import JunctionCore
import NIOCore
import NIOPosix
import NIOSSL

/// Maps transport failures and upstream answers to Junction's error codes.
enum HTTPFailure {
    /// The `JunctionError` for an error thrown while sending a request to `context` (a name for
    /// messages, e.g. the connector). A host that does not resolve and a refused connection
    /// never reached the upstream: retryable. A connection closed or reset once the request may
    /// have been sent is `connection_reset`, retryable only when `safeToRepeat` (an idempotent
    /// method, or an idempotency key); so is a timeout after sending, which is never retryable.
    static func map(_ error: any Error, context: String, safeToRepeat: Bool = true) -> JunctionError {
        if let failure = SocketFailure.map(error, context: context, safeToRepeat: safeToRepeat) { return failure }
        switch error {
        case let error as HTTPClientError:
            switch error {
            case .connectTimeout, .tlsHandshakeTimeout:
                return JunctionError(.timeout, "Connecting to \(context) timed out.", retryable: true, cause: error)
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                return JunctionError(.timeout, "\(context) did not answer in time.", cause: error)
            case .remoteConnectionClosed:
                return JunctionError(
                    .connectionReset, "\(context) closed the connection before answering; the request may have been received.",
                    retryable: safeToRepeat, cause: error)
            case .getConnectionFromPoolTimeout:
                return JunctionError(.tooManyConnections, "No connection to \(context) became free in time.", retryable: true, cause: error)
            default:
                return JunctionError(.upstreamError, "The request to \(context) failed: \(error).", cause: error)
            }
        default:
            return JunctionError(.upstreamError, "The request to \(context) failed: \(error).", cause: error)
        }
    }

    /// The timeout of a request whose whole answer did not arrive by its deadline (not
    /// retryable: the upstream may have carried it out).
    static func late(context: String) -> JunctionError {
        JunctionError(.timeout, "\(context) did not answer in time (its whole answer is awaited within the timeout).")
    }

    /// The `JunctionError` for an upstream answer with a non-2xx `status`.
    static func answer(status: Int, body: JSONValue, retryAfter: Duration?, context: String) -> JunctionError {
        switch status {
        case 401, 403:
            return JunctionError(
                .authenticationFailed, "\(context) refused the credentials (HTTP \(status)).",
                upstreamStatus: status, upstreamBody: body)
        case 429:
            var error = JunctionError(
                .rateLimited, "\(context) is rate limiting (HTTP 429).", retryable: true,
                upstreamStatus: status, upstreamBody: body)
            error.retryAfter = retryAfter
            return error
        case 502, 503, 504:
            var error = JunctionError(
                .upstreamError, "\(context) is unavailable (HTTP \(status)).", retryable: true,
                upstreamStatus: status, upstreamBody: body)
            error.retryAfter = retryAfter
            return error
        default:
            return JunctionError(
                .upstreamError, "\(context) answered HTTP \(status).", upstreamStatus: status, upstreamBody: body)
        }
    }
}
