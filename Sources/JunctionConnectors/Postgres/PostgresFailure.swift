import JunctionCore
import PostgresNIO

/// Maps PostgresNIO's errors and the server's SQLSTATE codes to Junction's error codes. The
/// server's own message is kept (it never holds the password); the SQLSTATE is in `details`.
enum PostgresFailure {
    /// The `JunctionError` for `error` thrown reaching `context` (`PostgreSQL at host:port`)
    /// or running a statement there; `field` names the input at fault for statement errors
    /// (`data.sql`), and `safeToRepeat` says whether the statement may run again.
    static func map(_ error: any Error, context: String, field: String? = nil, safeToRepeat: Bool) -> JunctionError {
        if error is CancellationError { return JunctionError(.cancelled, "The call was cancelled.", cause: error) }
        guard let error = error as? PSQLError else {
            return SocketFailure.map(error, context: context, safeToRepeat: safeToRepeat)
                ?? JunctionError(.upstreamError, "The call to \(context) failed: \(error).", cause: error)
        }
        if let info = error.serverInfo { return server(info, context: context, field: field, safeToRepeat: safeToRepeat, cause: error) }
        if let underlying = error.underlying, var mapped = SocketFailure.map(underlying, context: context, safeToRepeat: safeToRepeat) {
            if mapped.code == .tlsError {
                mapped.message += " options.tls verify-full checks the certificate and the host name: tls_ca trusts a private CA; require or prefer skip the check."
            }
            return mapped
        }
        switch error.code {
        case .sslUnsupported:
            return JunctionError(
                .tlsError, "\(context) does not offer TLS, which options.tls requires (set it to disable or prefer to connect without).",
                cause: error)
        case .failedToAddSSLHandler, .receivedUnencryptedDataAfterSSLRequest:
            return JunctionError(.tlsError, "TLS with \(context) failed.", cause: error)
        case .unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError:
            return JunctionError(
                .authenticationFailed, "\(context) asked for a login the credential cannot give (a basic credential's username and password).",
                cause: error)
        case .serverClosedConnection, .uncleanShutdown:
            return JunctionError(
                .connectionReset, "\(context) closed the connection; the statement may have run.", retryable: safeToRepeat, cause: error)
        case .clientClosedConnection:
            return JunctionError(.cancelled, "The connection was closed before the statement finished.", cause: error)
        case .tooManyParameters:
            return JunctionError.invalidInput("A statement takes at most 65535 parameters.", field: field)
        default:
            return JunctionError(.upstreamError, "The call to \(context) failed (\(error.code)).", cause: error)
        }
    }

    /// An error the server reported.
    private static func server(
        _ info: PSQLError.ServerInfo, context: String, field: String?, safeToRepeat: Bool, cause: PSQLError
    ) -> JunctionError {
        let state = info[.sqlState] ?? ""
        var message = info[.message] ?? "error"
        if let detail = info[.detail] { message += " (\(detail))" }
        var details: [String: JSONValue] = ["sqlstate": .string(state)]
        for (key, name) in [(PSQLError.ServerInfo.Field.tableName, "table"), (.columnName, "column"), (.constraintName, "constraint")] {
            if let value = info[key] { details[name] = .string(value) }
        }
        if let hint = info[.hint] { details["hint"] = .string(hint) }
        func failure(_ code: ErrorCode, _ text: String, field: String? = nil, retryable: Bool = false) -> JunctionError {
            JunctionError(code, text, field: field, retryable: retryable, details: .object(details), cause: cause)
        }
        switch state {
        case "28P01", "28000":
            return failure(.authenticationFailed, "\(context) refused the login: \(message).")
        case "53300":
            return failure(.tooManyConnections, "\(context) has no connection to spare: \(message).", retryable: true)
        case "57014":
            return failure(.timeout, "The statement ran past its time at \(context) and was cancelled (statement_timeout).")
        case "25006":
            return failure(
                .invalidInput, "This call runs read-only (a read resource, or a read_only connector): \(message).", field: field)
        case "40001", "40P01":
            return failure(.upstreamError, "\(context): \(message).", retryable: true)
        case "23505", "23P01":
            return failure(.conflict, "\(context): \(message).")
        case "42501":
            return failure(.upstreamError, "The connector's database user may not do this: \(message).")
        case "3D000":
            return failure(.upstreamError, "\(context): \(message) (check the database in connection_url).")
        default:
            break
        }
        switch state.prefix(2) {
        case "08", "57":
            return failure(.connectionReset, "\(context): \(message).", retryable: safeToRepeat)
        case "22", "42", "23", "2B", "0A", "P0":
            // Bad data, syntax, unknown names, constraint violations: the statement or its input is at fault.
            return failure(.invalidInput, "\(context) refused the statement: \(message).", field: field)
        case "53":
            return failure(.upstreamError, "\(context) is out of resources: \(message).", retryable: true)
        default:
            return failure(.upstreamError, "\(context): \(message).")
        }
    }
}
