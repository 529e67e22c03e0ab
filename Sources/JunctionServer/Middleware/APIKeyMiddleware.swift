import Hummingbird
import JunctionCore
import JunctionRuntime
import Logging

/// Requires `Authorization: Bearer <api key>` on every path whose first segment is one of
/// `protectedSegments` — matched route or not, so that unknown API paths answer 401 before 404 —
/// and records the caller in the context. Segments are compared as the router sees them
/// (empty segments skipped), so `//api/v1/…` is guarded too.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = JunctionRequestContext
    let keys: APIKeys
    let protectedSegments: Set<Substring>

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let first = request.uri.path.split(separator: "/", maxSplits: 1).first, protectedSegments.contains(first) else {
            return try await next(request, context)
        }
        guard let header = request.headers[.authorization] else {
            throw JunctionError(.unauthorized, "Missing API key: send 'Authorization: Bearer <key>'.")
        }
        let prefix = "Bearer "
        guard header.count > prefix.count, header.prefix(prefix.count).lowercased() == prefix.lowercased(),
              let principal = try await keys.authenticate(header.dropFirst(prefix.count).drop(while: { $0 == " " }))
        else {
            throw JunctionError(.unauthorized, "Invalid API key.")
        }
        var context = context
        context.principal = principal
        context.logger[metadataKey: "api_key.id"] = .string(principal.keyID)
        return try await next(request, context)
    }
}
