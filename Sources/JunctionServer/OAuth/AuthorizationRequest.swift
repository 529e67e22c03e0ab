import Foundation
import JunctionCore
import JunctionRuntime

/// An OAuth authorization request (`GET /oauth/authorize`, repeated by the consent form's
/// POST), checked in the order RFC 6749 §4.1.2.1 requires: until the client and its redirect
/// URI are known good, a failure is shown to the person; after, it is sent back to the client.
struct AuthorizationRequest: Sendable {
    /// The parameters the consent form carries back.
    static let parameters = ["response_type", "client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method", "resource", "scope"]

    let client: OAuthClient
    let redirectURI: String
    let state: String?
    let codeChallenge: String
    /// The resource the tokens are for: the MCP endpoint.
    let resource: String
    /// The request's own parameters, for the form's hidden fields.
    let fields: [(String, String)]

    /// Why a request cannot go on.
    enum Failure: Error {
        /// Shown to the person: the client or redirect URI cannot be trusted with an answer.
        case shown(String)
        /// Sent to the client's redirect URI.
        case redirected(OAuthError, to: String, state: String?)
    }

    /// The request `fields` make for the MCP endpoint `resource`, checked against the clients `oauth` knows.
    static func read(_ fields: FormFields, oauth: OAuthAuthority, resource: String) async throws -> AuthorizationRequest {
        let unknown = Failure.shown("This application is not registered with Junction (unknown client_id).")
        guard let clientID = fields["client_id"] else { throw unknown }
        let found: OAuthClient?
        do {
            found = try await oauth.client(id: clientID)
        } catch let error as OAuthError {
            throw Failure.shown(error.description)
        }
        guard let client = found else { throw unknown }
        guard let redirectURI = fields["redirect_uri"], OAuthAuthority.redirect(redirectURI, isRegisteredFor: client) else {
            throw Failure.shown("The address to return to (redirect_uri) is not one \(client.name) registered.")
        }
        let state = fields["state"]
        func refuse(_ code: OAuthError.Code, _ description: String) -> Failure {
            .redirected(OAuthError(code, description), to: redirectURI, state: state)
        }
        guard fields["response_type"] == "code" else { throw refuse(.unsupportedResponseType, "Only response_type=code is offered.") }
        guard let challenge = fields["code_challenge"], (43...128).contains(challenge.utf8.count) else {
            throw refuse(.invalidRequest, "PKCE is required: send a code_challenge with code_challenge_method=S256.")
        }
        guard fields["code_challenge_method"] == "S256" else {
            throw refuse(.invalidRequest, "Only code_challenge_method=S256 is accepted.")
        }
        if let asked = fields["resource"], !Self.names(asked, resource) {
            throw refuse(.invalidTarget, "The resource must be this server's MCP endpoint, \(resource).")
        }
        let kept = parameters.compactMap { name in fields[name].map { (name, $0) } }
        return AuthorizationRequest(
            client: client, redirectURI: redirectURI, state: state, codeChallenge: challenge, resource: resource, fields: kept)
    }

    /// Whether `asked` names `resource`: the same origin (case aside) and path (a trailing
    /// slash aside), whatever query it has (`?tools=meta` is the same endpoint).
    static func names(_ asked: String, _ resource: String) -> Bool {
        guard var asked = URLComponents(string: asked), var ours = URLComponents(string: resource) else { return false }
        for components in [\URLComponents.query, \URLComponents.fragment] {
            asked[keyPath: components] = nil
            ours[keyPath: components] = nil
        }
        asked.scheme = asked.scheme?.lowercased()
        asked.host = asked.host?.lowercased()
        while asked.path.hasSuffix("/") { asked.path.removeLast() }
        return asked.string == ours.string
    }

    /// Where the person's browser goes next: the redirect URI with `answer` and `iss` (RFC 9207).
    static func redirect(to redirectURI: String, answer: [(String, String)], state: String?, issuer: String) -> String {
        var fields = answer
        if let state { fields.append(("state", state)) }
        fields.append(("iss", issuer))
        return redirectURI + (redirectURI.contains("?") ? "&" : "?") + FormFields.encode(fields)
    }
}
