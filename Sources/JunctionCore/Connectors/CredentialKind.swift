/// How a credential authenticates, and the fields each kind takes.
public enum CredentialKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A key sent in a header or query parameter.
    case apiKey = "api_key"
    /// `Authorization: Bearer <token>`.
    case bearer
    /// `Authorization: Basic <username:password>`.
    case basic
    /// OAuth 2.0 client-credentials grant: a token fetched from `token_url`.
    case oauth2ClientCredentials = "oauth2_client_credentials"
    /// OAuth 2.0 authorization code: a user connects it through an OAuth app (`connect`);
    /// Junction keeps its access and refresh tokens and refreshes them.
    case oauth2
    /// A map of custom headers sent as they are.
    case headers
    /// An SSH login by private key (SFTP).
    case sshKey = "ssh_key"

    /// The kinds an HTTP request can carry (every kind but `ssh_key`).
    public static let http: [CredentialKind] = allCases.filter { $0 != .sshKey }

    /// The fields of a credential of this kind (beside `name` and `kind`).
    public var fields: [FieldSpec] {
        switch self {
        case .apiKey:
            [
                FieldSpec("in", .string, default: "header", allowedValues: ["header", "query", "path"],
                          description: "Where the key is sent: a header, a query parameter, or a {key_name} placeholder in resource paths."),
                FieldSpec("key_name", .string, default: "X-API-Key",
                          description: "The header or query parameter name."),
                FieldSpec("value", .string, required: true, secret: true, description: "The API key."),
            ]
        case .bearer:
            [FieldSpec("token", .string, required: true, secret: true, description: "The bearer token.")]
        case .basic:
            [
                FieldSpec("username", .string, required: true, description: "The user name."),
                FieldSpec("password", .string, required: true, secret: true, description: "The password."),
            ]
        case .oauth2ClientCredentials:
            [
                FieldSpec("token_url", .string, required: true, description: "The token endpoint (https or http URL)."),
                FieldSpec("client_id", .string, required: true, description: "The OAuth client id."),
                FieldSpec("client_secret", .string, required: true, secret: true, description: "The OAuth client secret."),
                FieldSpec("scopes", .stringArray, default: [], description: "Scopes requested with each token."),
                FieldSpec("audience", .string, description: "An optional `audience` parameter some providers require."),
                FieldSpec("token_parameters", .stringMap, default: [:],
                          description: "Other fields of the token request some providers require (Box's box_subject_type and box_subject_id)."),
                FieldSpec("token_auth_method", .string, default: .string(OAuthClientAuthentication.basic.rawValue),
                          allowedValues: OAuthClientAuthentication.allCases.map(\.rawValue),
                          description: "How the client authenticates at the token endpoint: HTTP Basic, or client_id and client_secret in the form."),
            ]
        case .oauth2:
            [
                FieldSpec("app", .string, required: true,
                          description: "The tenant's OAuth app (client id and secret, endpoints) the user authorizes; see /api/v1/oauth/apps."),
                FieldSpec("scopes", .stringArray,
                          description: "Scopes to ask for instead of the app's."),
            ]
        case .headers:
            [FieldSpec("headers", .headers, required: true, secret: true,
                       description: "Header names and values, sent as they are.")]
        case .sshKey:
            [
                FieldSpec("username", .string, required: true, description: "The user name."),
                FieldSpec("private_key", .string, required: true, secret: true,
                          description: "The private key: OpenSSH format (ssh-keygen's default, without a passphrase) or PEM, Ed25519 or ECDSA."),
            ]
        }
    }
}
