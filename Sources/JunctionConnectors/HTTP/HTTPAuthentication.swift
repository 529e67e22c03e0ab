import Foundation
import JunctionCore

/// Applies a credential to an outgoing request's headers and query.
///
/// Priority (DESIGN §3): headers given with the call > the call's credential override > the
/// connector's credential > none. A header set by the call is never overwritten here.
enum HTTPAuthentication {
    /// Adds what `credential` sends, skipping any header the call already set.
    /// - Parameter bearerToken: the OAuth2 access token, for `oauth2_client_credentials` and `oauth2`.
    static func apply(
        _ credential: ResolvedCredential,
        bearerToken: String?,
        headers: inout [(String, String)],
        query: inout [(String, String)],
        callHeaders: Set<String>
    ) {
        func set(_ name: String, _ value: String) {
            guard !callHeaders.contains(name.lowercased()) else { return }
            headers.removeAll { $0.0.lowercased() == name.lowercased() }
            headers.append((name, value))
        }
        let fields = credential.fields
        switch credential.kind {
        case .apiKey:
            let name = fields["key_name"]?.stringValue ?? "X-API-Key"
            let value = fields["value"]?.stringValue ?? ""
            switch fields["in"]?.stringValue {
            case "query":
                query.removeAll { $0.0 == name }
                query.append((name, value))
            case "path":
                break  // Filled into the path by the connector.
            default:
                set(name, value)
            }
        case .bearer:
            set("Authorization", "Bearer \(fields["token"]?.stringValue ?? "")")
        case .basic:
            let pair = "\(fields["username"]?.stringValue ?? ""):\(fields["password"]?.stringValue ?? "")"
            set("Authorization", "Basic \(Data(pair.utf8).base64EncodedString())")
        case .oauth2ClientCredentials, .oauth2:
            if let bearerToken { set("Authorization", "Bearer \(bearerToken)") }
        case .headers:
            for (name, value) in (fields["headers"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                if let text = value.stringValue { set(name, text) }
            }
        case .sshKey:
            break  // Not an HTTP kind: the http types do not take it.
        }
    }
}
