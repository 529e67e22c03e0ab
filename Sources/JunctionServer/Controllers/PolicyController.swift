import Hummingbird
import JunctionCore
import JunctionRuntime
import JunctionStorage

/// `/api/v1/policies`: the tenant's policy (rules, defaults, approvals, limits, audit of
/// arguments), every saved version, and what a given call would get.
struct PolicyController: Sendable {
    let store: any Store
    let policies: PolicyService
    let invoker: Invoker
    let scope: TenantScope
    let body: JSONBodyReader

    func register(on group: RouterGroup<JunctionRequestContext>) {
        group.get("policies", use: current)
        group.put("policies", use: save)
        group.get("policies/versions", use: versions)
        group.get("policies/versions/{version}", use: version)
        group.post("policies/evaluate", use: evaluate)
    }

    /// The current policy (version 0, everything allowed, while none was saved).
    @Sendable func current(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await scope.forWriting(try context.requirePrincipal(), requested: request.tenantParameter)
        guard let stored = try await store.policy(tenantID: tenantID, version: nil) else {
            return JSONResponse.make(JSONValue.object([
                "version": 0, "policy": Policy().json, "created_at": .null, "created_by": .null,
            ]))
        }
        return JSONResponse.make(stored.representation)
    }

    /// Saves the body as the next version; `?expected_version=N` refuses (409) if another save came first.
    @Sendable func save(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await scope.forWriting(try context.requirePrincipal(), requested: request.tenantParameter)
        var expected: Int?
        if let text = request.uri.queryParameters["expected_version"] {
            guard let number = Int(text), number >= 0 else {
                throw JunctionError.invalidInput("Must be a whole number.", field: "expected_version")
            }
            expected = number
        }
        let document = try await body.read(request)
        let saved = try await policies.save(tenantID: tenantID, document: document, expectedVersion: expected, by: try context.actor())
        return JSONResponse.make(saved.stored.representation)
    }

    /// Every saved version, newest first, without their documents.
    @Sendable func versions(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await scope.forWriting(try context.requirePrincipal(), requested: request.tenantParameter)
        let versions = try await store.policyVersions(tenantID: tenantID)
        return JSONResponse.make(JSONValue.object(["versions": .array(versions.map { stored in
            [
                "version": .integer(stored.version), "created_at": .string(Timestamp.format(stored.createdAt)),
                "created_by": .string(stored.createdBy),
                "rules": .integer(stored.document["rules"]?.arrayValue?.count ?? 0),
            ]
        })]))
    }

    @Sendable func version(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await scope.forWriting(try context.requirePrincipal(), requested: request.tenantParameter)
        let text = try context.parameters.require("version")
        guard let number = Int(text), let stored = try await store.policy(tenantID: tenantID, version: number) else {
            throw JunctionError.notFound("No policy version '\(text.prefix(20))'.")
        }
        return JSONResponse.make(stored.representation)
    }

    /// What a call would get: `{connector, resource, data, actor?, client?, policy?}`, where
    /// `actor` defaults to the caller's key and `policy` is a draft to try instead of the
    /// current one. Answers the effect, the deciding rule, why, and how each rule before it
    /// fared. Nothing is called, raised or counted.
    @Sendable func evaluate(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await scope.forWriting(try context.requirePrincipal(), requested: request.tenantParameter)
        var reader = try FieldReader(try await body.read(request))
        let connector = try reader.requiredString("connector", maxLength: 200)
        let resourceName = try reader.requiredString("resource", maxLength: 200)
        let data = reader.value("data") ?? .object([:])
        let actor = try reader.string("actor", maxLength: 200) ?? (try context.actor().keyID)
        let client = try reader.string("client", maxLength: 200)
        let draft = try reader.object("policy").map { draft throws(JunctionError) in try Policy(json: .object(draft)) }
        try reader.finish()
        let prepared = try await invoker.prepared(tenantID: tenantID, name: connector)
        guard let slug = Slug(resourceName), let resource = prepared.resources[slug] else {
            throw JunctionError(.notFound, "Connector '\(connector)' has no resource '\(resourceName.prefix(80))'.", field: "resource")
        }
        let current = try await policies.current(tenantID: tenantID)
        let policy = draft ?? current.policy
        let call = PolicyCall(
            connector: prepared.record.name.rawValue, resource: slug.rawValue, kind: resource.resource.kind, actor: actor,
            client: client, data: data, isStructured: StructuredInput.isStructured(data, schema: resource.resource.inputSchema))
        let (decision, trace) = policy.explain(call)
        return JSONResponse.make(JSONValue.object([
            "effect": .string(decision.effect.rawValue), "rule": decision.rule.map(JSONValue.string) ?? .null,
            "reason": .string(decision.reason), "kind": .string(resource.resource.kind.rawValue), "actor": .string(actor),
            "version": draft == nil ? .integer(current.version) : .null, "rules": .array(trace),
        ]))
    }
}

extension StoredPolicy {
    var representation: JSONValue {
        [
            "version": .integer(version), "policy": document, "created_at": .string(Timestamp.format(createdAt)),
            "created_by": .string(createdBy),
        ]
    }
}
