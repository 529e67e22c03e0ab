import Hummingbird
import JunctionCore
import JunctionRuntime
import JunctionStorage

/// `/api/v1/deliveries`: run results on their way to outbound connectors; dead ones can be
/// re-driven.
struct DeliveryController: Sendable {
    let store: any Store
    let scope: TenantScope
    /// Wakes the delivery senders.
    let wakeUps: WakeSignal

    func register(on group: RouterGroup<JunctionRequestContext>) {
        group.get("deliveries", use: list)
        group.post("deliveries/{id}/redrive", use: redrive)
    }

    /// Newest first; `?status=` (comma separated), `?connector=`, `?run_id=`, `?limit=` (1–500, default 100).
    @Sendable func list(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await scope.forReading(try context.requirePrincipal(), requested: request.tenantParameter)
        let parameters = request.uri.queryParameters
        var query = DeliveryQuery(tenantID: tenantID)
        query.statuses = try ListParameters.statuses(parameters["status"])
        query.connector = try parameters["connector"].map { try Slug(validating: String($0), field: "connector") }
        query.runID = parameters["run_id"].map(String.init)
        query.limit = try ListParameters.limit(parameters["limit"], default: query.limit)
        let deliveries = try await store.deliveries(query)
        return JSONResponse.make(JSONValue.object(["deliveries": .array(deliveries.map(\.representation))]))
    }

    /// Queues a dead delivery again with fresh attempts.
    @Sendable func redrive(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await scope.forWriting(try context.requirePrincipal(), requested: request.tenantParameter)
        let id = try context.parameters.require("id")
        let audit = try context.actor().event("delivery.redrive", tenantID: tenantID, targetType: "delivery", target: id)
        let delivery = try await store.redriveDelivery(tenantID: tenantID, id: id, now: Timestamp.now(), audit: audit)
        wakeUps.fire()
        return JSONResponse.make(delivery.representation)
    }
}

extension Delivery {
    var representation: JSONValue {
        [
            "id": .string(id), "tenant_id": .string(tenantID), "connector": .string(connector.rawValue), "run_id": .string(runID),
            "status": .string(status.rawValue), "payload": payload, "attempts": .integer(attempts),
            "next_attempt_at": nextAttemptAt.map { .string(Timestamp.format($0)) } ?? .null,
            "last_error": lastError.map(JSONValue.string) ?? .null, "created_at": .string(Timestamp.format(createdAt)),
            "delivered_at": deliveredAt.map { .string(Timestamp.format($0)) } ?? .null,
        ]
    }
}
