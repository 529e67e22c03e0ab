import HTTPTypes
import Hummingbird
import JunctionCore
import JunctionRuntime
import JunctionStorage

/// Action calls and the runtime around them: `POST /api/v1/invoke`,
/// `POST /api/v1/connectors/{name}/resources/{resource}/invoke`, resource listings, live tests,
/// and the tenant runtime cache's refresh and stats endpoints.
struct InvokeController: Sendable {
    let invoker: Invoker
    /// Bounds the calls under way; past it a call is refused with `Retry-After`.
    let admission: InvokeAdmission
    let cache: ConnectorCache
    let scope: TenantScope
    let body: JSONBodyReader
    /// For links to approvals a call waits for.
    let publicURL: String?

    func register(on group: RouterGroup<JunctionRequestContext>) {
        group.post("invoke", use: invoke)
        group.post("connectors/{name}/resources/{resource}/invoke", use: invokeResource)
        group.get("connectors/{name}/resources", use: resources)
        group.post("connectors/{name}/discover", use: discover)
        group.post("connectors/{name}/test", use: test)
        group.post("connectors/refresh", use: refresh)
        group.post("connectors/refresh/{tenant}", use: refresh)
        group.post("connectors/refresh/{tenant}/{connector}", use: refresh)
        group.get("connectors/cache/stats", use: stats)
    }

    @Sendable func invoke(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await scope.forWriting(try context.requirePrincipal(), requested: request.tenantParameter)
        return try await admitted(tenantID) {
            var reader = try FieldReader(try await body.read(request))
            let connector = try reader.requiredString("connector", maxLength: 200)
            let resource = try reader.requiredString("resource", maxLength: 200)
            let data = reader.value("data") ?? .object([:])
            let options = try InvokeOptions(json: reader.value("options"))
            try reader.finish()
            return try await answer(request, context, tenantID: tenantID, connector: connector, resource: resource, data: data, options: options)
        }
    }

    @Sendable func invokeResource(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await scope.forWriting(try context.requirePrincipal(), requested: request.tenantParameter)
        return try await admitted(tenantID) {
            var reader = try FieldReader(try await body.read(request, allowEmpty: true))
            let data = reader.value("data") ?? .object([:])
            let options = try InvokeOptions(json: reader.value("options"))
            try reader.finish()
            return try await answer(
                request, context, tenantID: tenantID, connector: try context.parameters.require("name"),
                resource: try context.parameters.require("resource"), data: data, options: options)
        }
    }

    /// Runs `work` in a slot of the tenant's calls, taken before the body is read: a call past
    /// the bounds costs no more than its refusal.
    private func admitted(_ tenantID: String, _ work: () async throws -> Response) async throws -> Response {
        try admission.enter(tenantID: tenantID)
        defer { admission.leave(tenantID: tenantID) }
        return try await work()
    }

    private func answer(
        _ request: Request, _ context: JunctionRequestContext, tenantID: String, connector: String, resource: String,
        data: JSONValue, options: InvokeOptions
    ) async throws -> Response {
        let envelope = ApprovalService.linking(
            await invoker.invoke(InvokeRequest(
                tenantID: tenantID, connector: connector, resource: resource, data: data, options: options,
                requestID: context.requestID, idempotencyKey: request.headers[.idempotencyKey], actor: try context.actor(),
                traceparent: request.headers[.traceparent].flatMap(TraceParent.init))),
            base: PublicURL.base(of: request, configured: publicURL))
        let status: HTTPResponse.Status = envelope.success
            ? .ok : (envelope.error?.code ?? .internal).httpStatus
        var response = JSONResponse.make(envelope, status: status)
        if let wait = envelope.error?.details?["retry_after_ms"]?.intValue {
            response.headers[.retryAfter] = String(max(1, (wait + 999) / 1000))
        }
        return response
    }

    @Sendable func resources(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let (tenantID, name) = try await scope.target(request, context, noun: "connector")
        let prepared = try await invoker.prepared(tenantID: tenantID, name: name.rawValue)
        // A key limited by allow-lists sees only what it may call.
        let access = try context.requirePrincipal().access
        let shown = prepared.orderedResources.filter { access.allows(connector: name.rawValue, resource: $0.slug.rawValue) }
        return JSONResponse.make(JSONValue.object([
            "connector": .string(name.rawValue),
            "resources": .array(shown.map(\.representation)),
        ]))
    }

    /// Builds the connector anew, so that its resources are discovered again (a database's
    /// tables, an MCP server's tools), and lists them as `resources` does.
    @Sendable func discover(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let (tenantID, name) = try await scope.target(request, context, noun: "connector")
        cache.invalidate(tenantID: tenantID, name: name.rawValue)
        return try await resources(request, context: context)
    }

    @Sendable func test(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let (tenantID, name) = try await scope.target(request, context, noun: "connector")
        let outcome = try await invoker.testConnection(
            tenantID: tenantID, name: name, requestID: context.requestID, by: try context.actor())
        let record = outcome.connector
        return JSONResponse.make(JSONValue.object([
            "connector_name": .string(record.name.rawValue),
            "success": .bool(outcome.failure == nil),
            "health_status": .string(record.healthStatus.rawValue),
            "last_health_check": record.lastHealthCheck.map { .string(Timestamp.format($0)) } ?? .null,
            "last_error": record.lastError.map(JSONValue.string) ?? .null,
            "duration_ms": .integer(outcome.duration.wholeMilliseconds),
            "error": outcome.failure.map { ["code": .string($0.code.description), "message": .string($0.message)] } ?? .null,
        ]))
    }

    /// Drops cache entries: everything the caller may see, one tenant's, or one connector.
    @Sendable func refresh(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let requestedTenant = context.parameters.get("tenant")
        let connector = context.parameters.get("connector")
        let dropped: Int
        if let requestedTenant {
            let tenantID = try await scope.forWriting(principal, requested: requestedTenant)
            dropped = cache.invalidate(tenantID: tenantID, name: connector)
        } else {
            dropped = cache.invalidate(tenantID: try await scope.forReading(principal, requested: nil))
        }
        return JSONResponse.make(JSONValue.object(["dropped": .integer(dropped)]))
    }

    @Sendable func stats(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await scope.forReading(try context.requirePrincipal(), requested: request.tenantParameter)
        let all = cache.stats()
        let visible = tenantID.map { id in all.filter { $0.key == id } } ?? all
        return JSONResponse.make(Stats(ttlSeconds: Int(cache.timeToLive.components.seconds), tenants: visible))
    }

    struct Stats: Encodable {
        var ttlSeconds: Int
        var tenants: [String: ConnectorCache.Stats]

        enum CodingKeys: String, CodingKey {
            case tenants
            case ttlSeconds = "ttl_seconds"
        }
    }
}

extension HTTPField.Name {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let traceparent = HTTPField.Name("traceparent")!
}
