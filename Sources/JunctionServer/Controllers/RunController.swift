import Foundation
import Hummingbird
import JunctionCore
import JunctionRuntime
import JunctionStorage

/// `/api/v1/runs`: runs with their status, output, error, trace and token usage.
struct RunController: Sendable {
    let store: any Store
    let scope: TenantScope

    func register(on group: RouterGroup<JunctionRequestContext>) {
        group.get("runs", use: list)
        group.get("runs/{id}", use: get)
    }

    /// Newest first; `?agent=`, `?status=` (comma separated), `?connector=`, `?since=`/`?until=`
    /// (RFC 3339 times), `?after=` (a run id: the next page after it) and `?limit=` (1–500, default 100).
    @Sendable func list(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await scope.forReading(try context.requirePrincipal(), requested: request.tenantParameter)
        let parameters = request.uri.queryParameters
        var query = RunQuery(tenantID: tenantID)
        query.agent = try parameters["agent"].map { try Slug(validating: String($0), field: "agent") }
        query.connector = try parameters["connector"].map { try Slug(validating: String($0), field: "connector") }
        query.statuses = try ListParameters.statuses(parameters["status"])
        query.since = try Self.time(parameters["since"], field: "since")
        query.until = try Self.time(parameters["until"], field: "until")
        query.after = parameters["after"].map(String.init)
        query.limit = try ListParameters.limit(parameters["limit"], default: query.limit)
        let runs = try await store.runs(query)
        return JSONResponse.make(JSONValue.object(["runs": .array(runs.map(\.representation))]))
    }

    @Sendable func get(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await scope.forReading(try context.requirePrincipal(), requested: request.tenantParameter)
        let id = try context.parameters.require("id")
        guard let run = try await store.run(tenantID: tenantID, id: id) else {
            throw JunctionError.notFound("No run '\(id.prefix(80))'.")
        }
        return JSONResponse.make(run.representation)
    }

    private static func time(_ text: Substring?, field: String) throws -> Date? {
        guard let text else { return nil }
        guard let date = Timestamp.parse(String(text)) else {
            throw JunctionError.invalidInput("Must be an RFC 3339 time such as 2026-11-23T10:00:00Z.", field: field)
        }
        return date
    }
}

extension Run {
    /// The API's view of a run.
    var representation: JSONValue {
        [
            "id": .string(id),
            "tenant_id": .string(tenantID),
            "agent_name": .string(agent.rawValue),
            "status": .string(status.rawValue),
            "trigger": ["kind": .string(trigger.kind), "connector": trigger.connector.map { .string($0.rawValue) } ?? .null],
            "input": input,
            "output": output ?? .null,
            "error": failure.map { ["code": .string($0.code.rawValue), "message": .string($0.message)] } ?? .null,
            "trace": .array(trace),
            "usage": ["input_tokens": .integer(usage.inputTokens), "output_tokens": .integer(usage.outputTokens)],
            "attempts": .integer(attempts),
            "created_at": .string(Timestamp.format(createdAt)),
            "started_at": startedAt.map { .string(Timestamp.format($0)) } ?? .null,
            "finished_at": finishedAt.map { .string(Timestamp.format($0)) } ?? .null,
            "approval_id": approvalID.map(JSONValue.string) ?? .null,
        ]
    }
}
