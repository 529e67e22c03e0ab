import Hummingbird
import JunctionCore
import JunctionRuntime
import Logging

/// The per-request context: Hummingbird's core storage plus who is calling and the request id.
public struct JunctionRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated caller, set by `APIKeyMiddleware`.
    public var principal: Principal?
    /// The request id: the caller's `X-Request-Id` when sane, otherwise generated.
    public var requestID: String
    /// The client acting for the key, recorded in audit events (`console` for the web console).
    public var client: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.principal = nil
        self.requestID = ""
        self.client = nil
    }

    /// The caller, or `unauthorized` when the route was reached without authentication.
    func requirePrincipal() throws -> Principal {
        guard let principal else { throw JunctionError(.unauthorized, "Missing API key.") }
        return principal
    }

    /// The actor recorded in audit events for this request.
    func actor() throws -> AuditActor {
        let principal = try requirePrincipal()
        return AuditActor(
            keyID: principal.keyID, scope: principal.isPlatform ? .platform : .tenant, requestID: requestID, client: client,
            access: principal.access)
    }
}
