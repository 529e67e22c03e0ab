import Foundation
import Hummingbird
import JunctionConnectors
import JunctionCore
import JunctionRuntime
import JunctionStorage

/// `/api/v1/agents`: agent definitions, written as YAML or JSON, and their links to connectors.
struct AgentController: Sendable {
    let store: any Store
    let agents: AgentService
    let runs: RunService
    let scope: TenantScope
    let body: JSONBodyReader

    /// The media types a definition may be sent as (or none: the body decides).
    static let documentTypes = ["application/json", "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain"]

    func register(on group: RouterGroup<JunctionRequestContext>) {
        group.get("agents", use: list)
        group.post("agents", use: create)
        group.get("agents/{name}", use: get)
        group.put("agents/{name}", use: replace)
        group.delete("agents/{name}", use: delete)
        group.post("agents/{name}/links/{connector}", use: link)
        group.delete("agents/{name}/links/{connector}", use: unlink)
        group.post("agents/{name}/runs", use: start)
    }

    @Sendable func list(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        guard let tenantID = try await scope.forReading(try context.requirePrincipal(), requested: request.tenantParameter) else {
            // Every tenant's agents (the platform key in invpc mode).
            let all = try await store.agents(tenantID: nil)
            var links: [String: [AgentLink]] = [:]
            for tenantID in Set(all.map(\.tenantID)) { links[tenantID] = try await store.agentLinks(tenantID: tenantID, agent: nil) }
            return JSONResponse.make(JSONValue.object(["agents": .array(all.map { $0.representation(links: links[$0.tenantID] ?? []) })]))
        }
        let links = try await store.agentLinks(tenantID: tenantID, agent: nil)
        let all = try await store.agents(tenantID: tenantID)
        return JSONResponse.make(JSONValue.object(["agents": .array(all.map { $0.representation(links: links) })]))
    }

    @Sendable func create(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await scope.forWriting(try context.requirePrincipal(), requested: request.tenantParameter)
        let document = try await self.document(request)
        let saved = try await located(document) { try await agents.save(tenantID: tenantID, document: document.value, by: try context.actor()) }
        return JSONResponse.make(await withWarnings(saved.agent, links: []), status: .created)
    }

    @Sendable func get(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let (tenantID, name) = try await scope.target(request, context, noun: "agent")
        guard let agent = try await store.agent(tenantID: tenantID, name: name) else {
            throw JunctionError.notFound("No agent named '\(name)'.")
        }
        return JSONResponse.make(agent.representation(links: try await store.agentLinks(tenantID: tenantID, agent: name)))
    }

    @Sendable func replace(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await scope.forWriting(try context.requirePrincipal(), requested: request.tenantParameter)
        let text = try context.parameters.require("name")
        let name = try Slug(validating: text, field: "name")
        let document = try await self.document(request)
        let saved = try await located(document) {
            try await agents.save(tenantID: tenantID, document: document.value, as: name, by: try context.actor())
        }
        let links = try await store.agentLinks(tenantID: tenantID, agent: name)
        return JSONResponse.make(await withWarnings(saved.agent, links: links), status: saved.created ? .created : .ok)
    }

    /// A saved agent's representation, with `warnings` naming what it uses that does not exist yet.
    private func withWarnings(_ agent: Agent, links: [AgentLink]) async -> JSONValue {
        let representation = agent.representation(links: links)
        let missing = await agents.missing(in: agent.definition, tenantID: agent.tenantID)
        guard !missing.isEmpty, case .object(var members) = representation else { return representation }
        members["warnings"] = .array(missing.map(JSONValue.string))
        return .object(members)
    }

    @Sendable func delete(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let (tenantID, name) = try await scope.target(request, context, noun: "agent")
        try await agents.delete(tenantID: tenantID, name: name, by: try context.actor())
        return Response(status: .noContent)
    }

    @Sendable func link(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let (tenantID, agent, connector) = try await linkTarget(request, context)
        let created = try await agents.link(tenantID: tenantID, agent: agent, connector: connector, by: try context.actor())
        let answer: JSONValue = ["agent": .string(agent.rawValue), "connector": .string(connector.rawValue)]
        return JSONResponse.make(answer, status: created ? .created : .ok)
    }

    @Sendable func unlink(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let (tenantID, agent, connector) = try await linkTarget(request, context)
        try await agents.unlink(tenantID: tenantID, agent: agent, connector: connector, by: try context.actor())
        return Response(status: .noContent)
    }

    /// Queues a run of the agent with the body's `input` (any JSON; `null` when absent).
    @Sendable func start(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let (tenantID, name) = try await scope.target(request, context, noun: "agent")
        var reader = try FieldReader(try await body.read(request, allowEmpty: true))
        let input = reader.value("input") ?? .null
        try reader.finish()
        let run = try await runs.start(
            tenantID: tenantID, agent: name, input: input, trigger: Run.Trigger(kind: "api"), by: try context.actor())
        return JSONResponse.make(run.representation, status: .accepted)
    }

    private func linkTarget(_ request: Request, _ context: JunctionRequestContext) async throws -> (String, Slug, Slug) {
        let (tenantID, agent) = try await scope.target(request, context, noun: "agent")
        let text = try context.parameters.require("connector")
        guard let connector = Slug(text) else { throw JunctionError.notFound("No connector named '\(text.prefix(80))'.") }
        return (tenantID, agent, connector)
    }

    /// The body as a YAML or JSON document, with the lines of its values.
    private func document(_ request: Request) async throws -> DocumentText.Located {
        if let contentType = request.headers[.contentType]?.lowercased(),
           !Self.documentTypes.contains(where: { contentType.hasPrefix($0) }), !contentType.containsBytes(of: "+json")
        {
            throw JunctionError(.unsupportedMediaType, "Send the agent as YAML (application/yaml) or JSON (application/json).")
        }
        let bytes = try await body.bytes(request)
        guard bytes.readableBytes > 0 else { throw JunctionError.invalidInput("Request body is empty.") }
        return try DocumentText.parseLocated(Array(bytes.readableBytesView))
    }

    /// Runs `body`, adding the YAML line of a refused field to the error.
    private func located<T>(_ document: DocumentText.Located, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as JunctionError where error.code == .invalidInput {
            throw document.locating(error)
        }
    }
}

extension Agent {
    /// The API's view: who and what it is, its links, and its definition as written.
    func representation(links: [AgentLink]) -> JSONValue {
        [
            "id": .string(id),
            "tenant_id": .string(tenantID),
            "name": .string(name.rawValue),
            "type": .string(definition.kind.rawValue),
            "description": definition.description.map(JSONValue.string) ?? .null,
            "model": definition.model.map { .string($0.description) } ?? .null,
            "links": .array(links.filter { $0.agent == name }.map { link in
                ["connector": .string(link.connector.rawValue), "connector_type": .string(link.connectorType)]
            }),
            "definition": document,
            "created_at": .string(Timestamp.format(createdAt)),
            "updated_at": .string(Timestamp.format(updatedAt)),
        ]
    }
}
