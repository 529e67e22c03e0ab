import Hummingbird
import JunctionCore
import JunctionRuntime
import JunctionStorage

/// `/api/v1/audit`: the audit log, newest first, paged with `before` and `limit`.
struct AuditController: Sendable {
    let store: any Store
    /// Flushed before each read, so that callers see their own action calls.
    let auditLog: AuditWriter
    let scope: TenantScope

    func register(on group: RouterGroup<JunctionRequestContext>) {
        group.get("audit", use: list)
    }

    @Sendable func list(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let parameters = request.uri.queryParameters
        var query = AuditQuery(tenantID: nil)
        if scope.mode == .saas && principal.isPlatform {
            // The operator sees what platform keys (and Junction itself) did, nothing tenants did.
            query.actorScopes = [.platform, .system]
        } else {
            query.tenantID = try await scope.forReading(principal, requested: request.tenantParameter)
        }
        if let limit = parameters["limit"] {
            guard let value = Int(limit), (1...1000).contains(value) else {
                throw JunctionError.invalidInput("Must be an integer from 1 to 1000.", field: "limit")
            }
            query.limit = value
        }
        if let before = parameters["before"] {
            guard let value = Int64(before) else { throw JunctionError.invalidInput("Must be an integer.", field: "before") }
            query.before = value
        }
        await auditLog.flush()
        let events = try await store.auditEvents(query)
        let next = events.count == query.limit ? events.last?.sequence : nil
        return JSONResponse.make(Page(events: events, nextBefore: next))
    }

    /// One page of events; `next_before` is set when older events may remain.
    struct Page: Encodable {
        var events: [AuditEvent]
        var nextBefore: Int64?

        enum CodingKeys: String, CodingKey {
            case events
            case nextBefore = "next_before"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(events, forKey: .events)
            try container.encode(nextBefore, forKey: .nextBefore)
        }
    }
}
