import HTTPTypes
import Hummingbird
import JunctionCore
import JunctionRuntime
import Logging

/// Requires `Authorization: Bearer <api key>` on every path whose first segment is one of
/// `protectedSegments` — matched route or not, so that unknown API paths answer 401 before 404 —
/// and records the caller in the context. Segments are compared as the router sees them
/// (empty segments skipped), so `//api/v1/…` is guarded too.
///
/// A key whose role is below what the route needs (`RoleRequirement`) is refused with 403.
///
/// `/mcp` also takes the access tokens of Junction's OAuth authorization server, each acting
/// for its grant's one tenant, and its 401 names its protected resource metadata (RFC 9728),
/// from which an MCP client finds where to authorize.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = JunctionRequestContext
    let keys: APIKeys
    let oauth: OAuthAuthority
    let protectedSegments: Set<Substring>
    let publicURL: String?

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let first = request.uri.path.split(separator: "/", maxSplits: 1).first, protectedSegments.contains(first) else {
            return try await next(request, context)
        }
        // The console's in-process calls come with their session's principal: only its role is checked.
        if let principal = context.principal {
            try Self.requireRole(of: principal, for: request)
            return try await next(request, context)
        }
        let isMCP = first == "mcp"
        let credential = Self.bearer(request.headers[.authorization])
        var context = context
        do {
            guard let credential else {
                throw JunctionError(.unauthorized, "Missing API key: send 'Authorization: Bearer <key>'.")
            }
            if OAuthAuthority.isAccessToken(credential) {
                guard isMCP else { throw JunctionError(.unauthorized, "OAuth access tokens are for /mcp only; use an API key.") }
                guard let (principal, grant) = try await oauth.authenticate(accessToken: credential) else {
                    throw JunctionError(.unauthorized, "The access token is unknown, expired or revoked: authorize again.")
                }
                context.principal = principal
                context.logger[metadataKey: "oauth.client"] = .string(grant.clientID)
            } else {
                guard let principal = try await keys.authenticate(credential) else {
                    throw JunctionError(.unauthorized, "Invalid API key.")
                }
                context.principal = principal
            }
        } catch let error as JunctionError where error.code == .unauthorized && isMCP {
            var response = ErrorBody.response(error)
            let metadata = OAuthController.resourceMetadataURL(issuer: PublicURL.base(of: request, configured: publicURL))
            let invalid = credential == nil ? "" : #", error="invalid_token""#
            response.headers[.wwwAuthenticate] = #"Bearer resource_metadata="\#(metadata)"\#(invalid)"#
            return response
        }
        context.logger[metadataKey: "api_key.id"] = .string(context.principal?.keyID ?? "")
        if let principal = context.principal { try Self.requireRole(of: principal, for: request) }
        return try await next(request, context)
    }

    /// `forbidden` naming the role needed when the principal's is below what the route needs.
    private static func requireRole(of principal: Principal, for request: Request) throws {
        let needed = RoleRequirement.role(for: request.method, path: request.uri.path)
        guard principal.role >= needed else {
            throw JunctionError(
                .forbidden, "This key's role is \(principal.role.rawValue); \(request.method) \(request.uri.path.prefix(100)) needs \(needed.rawValue).")
        }
    }

    /// The credential of an `Authorization: Bearer …` header.
    private static func bearer(_ header: String?) -> Substring? {
        let prefix = "Bearer "
        guard let header, header.count > prefix.count, header.prefix(prefix.count).lowercased() == prefix.lowercased() else { return nil }
        let credential = header.dropFirst(prefix.count).drop(while: { $0 == " " })
        return credential.isEmpty ? nil : credential
    }
}
