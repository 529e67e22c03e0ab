#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JunctionCore
import NIOCore
import NIOPosix
import NIOSSL

/// Maps the failures of a TCP or TLS connection, whatever protocol runs over it, to
/// Junction's error codes; each family maps its own protocol's errors first.
enum SocketFailure {
    /// The `JunctionError` for a socket or TLS failure reaching `context` (a name for
    /// messages), or nil for any other error. A host that does not resolve and a refused
    /// connection never reached the upstream: retryable. A connection reset once a request may
    /// have been sent is `connection_reset`, retryable only when `safeToRepeat`.
    static func map(_ error: any Error, context: String, safeToRepeat: Bool) -> JunctionError? {
        switch error {
        case let error as JunctionError:
            return error
        case is NIOConnectionError:
            let message = String(describing: error).hasPrefix("DNS error")
                ? "The host of \(context) does not resolve (DNS)."
                : "Connection to \(context) was refused."
            return JunctionError(.connectionRefused, message, retryable: true, cause: error)
        case let error as IOError where error.errnoCode == ECONNREFUSED:
            return JunctionError(.connectionRefused, "Connection to \(context) was refused.", retryable: true, cause: error)
        case let error as IOError where error.errnoCode == ECONNRESET || error.errnoCode == EPIPE:
            return JunctionError(
                .connectionReset, "\(context) reset the connection; the request may have been received.",
                retryable: safeToRepeat, cause: error)
        case is NIOSSLError, is BoringSSLError, is NIOSSLExtraError:
            return JunctionError(.tlsError, "TLS with \(context) failed: \(error).", cause: error)
        case let error as ChannelError:
            if case .connectTimeout = error {
                return JunctionError(.timeout, "Connecting to \(context) timed out.", retryable: true, cause: error)
            }
            return JunctionError(.upstreamError, "The connection to \(context) failed: \(error).", retryable: true, cause: error)
        default:
            return nil
        }
    }
}
