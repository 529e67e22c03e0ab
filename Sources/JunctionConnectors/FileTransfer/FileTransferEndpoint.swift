import Crypto
import Foundation
import JunctionCore

/// What the file-transfer types share around their sessions: the URL, the root, the pool's
/// key and the run of one call on a pooled session by its deadline.
enum FileTransferEndpoint {
    /// Host and port of `scheme://host[:port]`; `schemes` maps the schemes taken to their default ports.
    static func parse(_ text: String?, schemes: [String: Int]) throws(JunctionError) -> (String, Int) {
        let names = schemes.keys.sorted().map { "\($0)://host:\(schemes[$0]!)" }.joined(separator: " or ")
        guard let text, let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              let port = schemes[scheme], let host = components.host, !host.isEmpty
        else { throw .invalidInput("Expected \(names).", field: "connection_url") }
        guard components.user == nil, components.password == nil else {
            throw .invalidInput("Put the login in a credential, not in connection_url.", field: "connection_url")
        }
        guard components.path.isEmpty || components.path == "/", components.query == nil else {
            throw .invalidInput("connection_url takes a host and a port only: the directory is options.root.", field: "connection_url")
        }
        let unbracketed = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return (unbracketed, components.port ?? port)
    }

    /// An absolute root without `..` or control characters.
    static func checkRoot(_ root: String?) throws(JunctionError) {
        guard let root else { return }
        guard root.hasPrefix("/"), !root.split(separator: "/").contains(".."), !root.contains("\\"),
              !root.unicodeScalars.contains(where: { $0.value < 0x20 })
        else { throw .invalidInput("Expected an absolute directory such as /srv/files.", field: "options.root") }
    }

    /// The key of a connector's pool: its type, id, the settings its sessions depend on and a
    /// digest of the credential (a rotated password gets a new pool).
    static func poolKey(_ type: String, connectorID: String, parts: [String], credential: ResolvedCredential?) -> String {
        var hasher = SHA256()
        for part in parts + [credential?.id ?? ""] {
            hasher.update(data: Data(part.utf8))
            hasher.update(data: [0])
        }
        for (name, value) in (credential?.fields ?? [:]).sorted(by: { $0.key < $1.key }) {
            hasher.update(data: Data(name.utf8))
            hasher.update(data: value.jsonBytes)
        }
        return "\(type):\(connectorID):" + HexDigits.lowercase(hasher.finalize().prefix(12))
    }

    /// Runs `body` on a pooled session by `call.deadline`: a session that fails mid-call is
    /// not reused; a call cut off by the deadline is `timeout`.
    static func run<Session: RemoteFiles, T: Sendable>(
        pool: ConnectionPool<Session>, context: String, poolTimeout: Duration, call: CallContext,
        _ body: @escaping @Sendable (Session) async throws -> T
    ) async throws -> T {
        let start = ContinuousClock.now
        do {
            return try await withDeadline(call.deadline, lateError: {
                JunctionError(.timeout, "No answer from \(context) in time (\((call.deadline - start).wholeMilliseconds) ms).")
            }) {
                try await pool.withConnection(waitUntil: min(call.deadline, .now + poolTimeout)) { session in
                    do {
                        return try await withTaskCancellationHandler {
                            try await body(session)
                        } onCancel: {
                            // A request in flight cannot be abandoned on a live session: close it.
                            session.abort()
                        }
                    } catch let error as JunctionError where error.code != .connectionReset && error.code != .timeout {
                        // The server refused this operation; the session is fine.
                        throw error
                    } catch {
                        throw ConnectionPool<Session>.DiscardConnection(error)
                    }
                }
            }
        } catch is CancellationError {
            throw JunctionError(.cancelled, "The call was cancelled.")
        } catch {
            throw SocketFailure.map(error, context: context, safeToRepeat: false)
                ?? JunctionError(.upstreamError, "The call to \(context) failed: \(error).", cause: error)
        }
    }
}
