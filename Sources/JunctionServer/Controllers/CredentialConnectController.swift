import Foundation
import Hummingbird
import JunctionCore
import JunctionRuntime

/// Connecting `oauth2` credentials: `POST /api/v1/credentials/{name}/connect` answers the
/// provider's authorization URL, and the provider sends the user back to `GET /oauth/callback`
/// (public: the single-use `state` is what it trusts), which stores the tokens and shows a
/// small page saying so.
struct CredentialConnectController: Sendable {
    let connect: OAuthConnectFlow
    let scope: TenantScope
    let body: JSONBodyReader
    let publicURL: String?

    /// The callback's path, to register with each provider's app.
    static let callbackPath = "/oauth/callback"

    /// The control plane's route.
    func register(on group: RouterGroup<JunctionRequestContext>) {
        group.post("credentials/{name}/connect", use: begin)
    }

    /// The providers' way back (no API key).
    func registerCallback(on router: Router<JunctionRequestContext>) {
        router.get("oauth/callback", use: callback)
    }

    @Sendable func begin(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let (tenantID, name) = try await scope.target(request, context, noun: "credential")
        let redirectURI = PublicURL.base(of: request, configured: publicURL) + Self.callbackPath
        let authorization = try await connect.begin(tenantID: tenantID, name: name, redirectURI: redirectURI, by: try context.actor())
        return JSONResponse.make(JSONValue.object([
            "authorization_url": .string(authorization.url), "state": .string(authorization.state),
            "redirect_uri": .string(redirectURI), "expires_at": .string(Timestamp.format(authorization.expiresAt)),
        ]))
    }

    @Sendable func callback(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        guard let state = query["state"].map(String.init), !state.isEmpty else {
            return HTMLPage.make(
                title: "Not connected", body: "<h1>Not connected</h1>\n<p>This address takes the answer of an OAuth provider, which names its <code>state</code>.</p>",
                status: .badRequest)
        }
        do {
            let credential = try await connect.complete(
                state: state, code: query["code"].map(String.init), error: query["error"].map(String.init),
                errorDescription: query["error_description"].map(String.init))
            let name = credential.name.rawValue.markupEscaped
            return HTMLPage.make(
                title: "Connected",
                body: """
                    <h1>Connected</h1>
                    <p>Credential <strong>\(name)</strong> is connected: Junction holds its tokens and refreshes them.</p>
                    <p class="note">You can close this window.</p>
                    """,
                status: .ok)
        } catch let error as JunctionError {
            // The user's own refusal and a stale link are the request's; a failed code exchange is the provider's.
            let status: HTTPResponse.Status = switch error.code {
            case .invalidInput, .notFound: .badRequest
            case .conflict: .conflict
            default: error.details?["step"] == "authorize" ? .forbidden : .badGateway
            }
            return HTMLPage.make(
                title: "Not connected", body: "<h1>Not connected</h1>\n<p>\(error.message.markupEscaped)</p>", status: status)
        }
    }
}
