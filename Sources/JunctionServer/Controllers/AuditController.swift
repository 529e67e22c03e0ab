import Foundation
import Hummingbird
import JunctionCore
import JunctionRuntime
import JunctionStorage
import NIOCore

/// `/api/v1/audit`: the audit log, newest first, paged with `before` and `limit`; its export as
/// JSON Lines (oldest first); and the check of its hash chain.
struct AuditController: Sendable {
    let store: any Store
    /// Flushed before each read, so that callers see their own action calls.
    let auditLog: AuditWriter
    let scope: TenantScope

    func register(on group: RouterGroup<JunctionRequestContext>) {
        group.get("audit", use: list)
        group.get("audit/export", use: export)
        group.get("audit/verify", use: verify)
    }

    @Sendable func list(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        var query = try await filteredQuery(request, context)
        let parameters = request.uri.queryParameters
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

    /// Every matching event, oldest first, one JSON object per line (`application/x-ndjson`),
    /// read from the store a thousand at a time as the client takes them.
    @Sendable func export(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        var query = try await filteredQuery(request, context)
        query.after = 0
        query.limit = 1000
        await auditLog.flush()
        let store = store
        let first = try await store.auditEvents(query)
        let pageQuery = query
        return Response(
            status: .ok, headers: [.contentType: "application/x-ndjson", .cacheControl: "no-store"],
            body: ResponseBody { writer in
                var page = first
                var query = pageQuery
                while !page.isEmpty {
                    var buffer = ByteBuffer()
                    for event in page {
                        buffer.writeBytes(try JSONCoding.encode(event))
                        buffer.writeInteger(UInt8(ascii: "\n"))
                    }
                    try await writer.write(buffer)
                    guard page.count == query.limit, let last = page.last?.sequence else { break }
                    query.after = last
                    page = try await store.auditEvents(query)
                }
                try await writer.finish(nil)
            })
    }

    /// Checks the tenant's chain (a platform key: `?tenant=`, or the platform's own events).
    @Sendable func verify(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let tenantID: String? =
            if principal.isPlatform && request.tenantParameter == nil { nil }
            else { try await scope.forWriting(principal, requested: request.tenantParameter) }
        await auditLog.flush()
        let result = try await store.verifyAuditChain(tenantID: tenantID)
        return JSONResponse.make(JSONValue.object([
            "tenant_id": tenantID.map(JSONValue.string) ?? .null, "valid": .bool(result.problem == nil),
            "events": .integer(result.events), "unchained": .integer(result.unchained),
            "head": result.head.map(JSONValue.string) ?? .null,
            "problem": result.problem.map { problem in
                ["sequence": problem.sequence.map { .integer(Int($0)) } ?? .null, "message": .string(problem.message)]
            } ?? .null,
        ]))
    }

    /// The tenant and filters shared by the listing and the export: `?action=`, `?actor=`,
    /// `?connector=` (the target), `?outcome=` (each comma separated), `?since=`, `?until=` (RFC 3339).
    private func filteredQuery(_ request: Request, _ context: JunctionRequestContext) async throws -> AuditQuery {
        let principal = try context.requirePrincipal()
        let parameters = request.uri.queryParameters
        var query = AuditQuery(tenantID: nil)
        if scope.mode == .saas && principal.isPlatform {
            // The operator sees what platform keys (and Junction itself) did, nothing tenants did.
            query.actorScopes = [.platform, .system]
        } else {
            query.tenantID = try await scope.forReading(principal, requested: request.tenantParameter)
        }
        let list = { (name: Substring) in Set((parameters[name].map(String.init) ?? "").split(separator: ",").map(String.init)) }
        query.actions = list("action")
        query.actors = list("actor")
        query.targets = list("connector")
        query.outcomes = list("outcome")
        for (name, keyPath) in [("since" as Substring, \AuditQuery.since), ("until", \AuditQuery.until)] {
            guard let text = parameters[name] else { continue }
            guard let date = Timestamp.parse(String(text)) else {
                throw JunctionError.invalidInput("Must be an RFC 3339 time such as 2026-12-01T00:00:00Z.", field: String(name))
            }
            query[keyPath: keyPath] = date
        }
        return query
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
