import Foundation
import HTTPTypes
import Hummingbird
import JunctionCore
import JunctionRuntime
import NIOCore

/// Junction as the OAuth 2.1 authorization server of its own MCP endpoint, for remote MCP
/// clients (Claude, ChatGPT, IDEs):
/// - `GET /.well-known/oauth-protected-resource[/mcp]`: RFC 9728 metadata of `/mcp`;
/// - `GET /.well-known/oauth-authorization-server`: RFC 8414 metadata;
/// - `POST /oauth/register`: RFC 7591 dynamic registration of public clients;
/// - `GET /oauth/authorize`: the consent page, `POST /oauth/authorize` its answer (a redirect
///   with `code`, `state` and RFC 9207 `iss`);
/// - `POST /oauth/token`: codes (PKCE S256) and refresh tokens exchanged for tokens.
struct OAuthController: Sendable {
    let oauth: OAuthAuthority
    let keys: APIKeys
    let scope: TenantScope
    let publicURL: String?
    let body: JSONBodyReader

    func register(on router: Router<JunctionRequestContext>) {
        router.get(".well-known/oauth-protected-resource", use: protectedResource)
        router.get(".well-known/oauth-protected-resource/mcp", use: protectedResource)
        router.get(".well-known/oauth-authorization-server", use: authorizationServer)
        router.post("oauth/register", use: registerClient)
        router.get("oauth/authorize", use: showConsent)
        router.post("oauth/authorize", use: decide)
        router.post("oauth/token", use: token)
    }

    /// The issuer: this server's public URL.
    private func issuer(_ request: Request) -> String {
        PublicURL.base(of: request, configured: publicURL)
    }

    /// The protected resource: the MCP endpoint.
    static func resource(issuer: String) -> String { issuer + "/mcp" }

    /// Where `/mcp`'s metadata is, as its 401 answers name it.
    static func resourceMetadataURL(issuer: String) -> String { issuer + "/.well-known/oauth-protected-resource/mcp" }

    @Sendable func protectedResource(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let issuer = issuer(request)
        return JSONResponse.make([
            "resource": .string(Self.resource(issuer: issuer)), "authorization_servers": [.string(issuer)],
            "scopes_supported": [.string(OAuthAuthority.scope)], "bearer_methods_supported": ["header"],
            "resource_name": "Junction MCP",
        ])
    }

    @Sendable func authorizationServer(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let issuer = issuer(request)
        return JSONResponse.make([
            "issuer": .string(issuer),
            "authorization_endpoint": .string(issuer + "/oauth/authorize"),
            "token_endpoint": .string(issuer + "/oauth/token"),
            "registration_endpoint": .string(issuer + "/oauth/register"),
            "scopes_supported": [.string(OAuthAuthority.scope)],
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_methods_supported": ["none"],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": true,
            "client_id_metadata_document_supported": .bool(oauth.acceptsClientMetadataDocuments),
        ])
    }

    @Sendable func registerClient(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        do {
            let client = try await oauth.register(try await body.read(request))
            return JSONResponse.make([
                "client_id": .string(client.id), "client_id_issued_at": .integer(Int(client.createdAt.timeIntervalSince1970)),
                "client_name": .string(client.name), "redirect_uris": .array(client.redirectURIs.map(JSONValue.string)),
                "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
                "token_endpoint_auth_method": "none", "scope": .string(OAuthAuthority.scope),
            ], status: .created)
        } catch let error as OAuthError {
            return Self.refusal(error)
        }
    }

    @Sendable func showConsent(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let fields: FormFields
        do {
            fields = try FormFields(Substring(request.uri.query ?? ""))
        } catch {
            return ConsentPage.failure(error.description)
        }
        return try await withAuthorizationRequest(fields, issuer: issuer(request)) { ConsentPage.form($0) }
    }

    /// The consent form's answer: denied, or allowed with a key that acts for one tenant.
    @Sendable func decide(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let fields: FormFields
        do {
            fields = try FormFields(Substring(String(buffer: try await body.bytes(request))))
        } catch let error as OAuthError {
            return ConsentPage.failure(error.description)
        }
        let issuer = issuer(request)
        return try await withAuthorizationRequest(fields, issuer: issuer) { authorization in
            guard fields["decision"] == "allow" else {
                return Self.redirect(AuthorizationRequest.redirect(
                    to: authorization.redirectURI, answer: [("error", "access_denied"), ("error_description", "The person declined.")],
                    state: authorization.state, issuer: issuer))
            }
            guard let key = fields["api_key"]?.trimmingCharacters(in: .whitespaces),
                  let principal = try await keys.authenticate(Substring(key))
            else {
                return ConsentPage.form(authorization, problem: "That API key is not valid.", status: .unauthorized)
            }
            let tenantID: String
            do {
                tenantID = try await scope.forWriting(principal, requested: fields["tenant"])
            } catch let error as JunctionError {
                return ConsentPage.form(authorization, problem: error.message, status: .badRequest)
            }
            let code = try await oauth.authorize(
                client: authorization.client, tenantID: tenantID, principal: principal, redirectURI: authorization.redirectURI,
                codeChallenge: authorization.codeChallenge, resource: authorization.resource)
            return Self.redirect(AuthorizationRequest.redirect(
                to: authorization.redirectURI, answer: [("code", code)], state: authorization.state, issuer: issuer))
        }
    }

    /// Runs `body` with the authorization request `fields` make, or answers why there is none.
    private func withAuthorizationRequest(
        _ fields: FormFields, issuer: String, _ body: (AuthorizationRequest) async throws -> Response
    ) async throws -> Response {
        do {
            return try await body(try await AuthorizationRequest.read(fields, oauth: oauth, resource: Self.resource(issuer: issuer)))
        } catch AuthorizationRequest.Failure.shown(let message) {
            return ConsentPage.failure(message)
        } catch AuthorizationRequest.Failure.redirected(let error, let redirectURI, let state) {
            return Self.redirect(AuthorizationRequest.redirect(
                to: redirectURI, answer: [("error", error.code.rawValue), ("error_description", error.description)], state: state,
                issuer: issuer))
        }
    }

    @Sendable func token(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        do {
            let fields = try FormFields(Substring(String(buffer: try await body.bytes(request))))
            let clientID = try fields.require("client_id")
            let issued: OAuthAuthority.IssuedTokens
            switch fields["grant_type"] {
            case "authorization_code":
                issued = try await oauth.exchange(
                    code: try fields.require("code"), clientID: clientID, redirectURI: try fields.require("redirect_uri"),
                    verifier: try fields.require("code_verifier"), resource: fields["resource"])
            case "refresh_token":
                issued = try await oauth.refresh(try fields.require("refresh_token"), clientID: clientID, resource: fields["resource"])
            case nil:
                throw OAuthError(.invalidRequest, "The parameter 'grant_type' is missing.")
            default:
                throw OAuthError(.unsupportedGrantType, "Only the authorization_code and refresh_token grants are offered.")
            }
            var response = JSONResponse.make(issued.json)
            response.headers[.cacheControl] = "no-store"
            return response
        } catch let error as OAuthError {
            return Self.refusal(error)
        }
    }

    /// An RFC 6749 error answer (400, or 401 for an unknown client), never cached.
    static func refusal(_ error: OAuthError) -> Response {
        var response = JSONResponse.make(error.json, status: error.code == .invalidClient ? .unauthorized : .badRequest)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    private static func redirect(_ location: String) -> Response {
        var headers = HTMLPage.headers
        headers[.location] = location
        headers[.contentType] = nil
        return Response(status: .found, headers: headers)
    }
}
