import Foundation
import JunctionCore
import JunctionStorage
import Logging

/// A tenant's tools: every resource of every enabled connector, named for MCP and LLM
/// providers. Built from the tenant runtime cache, so listing is cheap and a call runs the one
/// invoke path (policy, retries, audit, envelope).
public struct ToolCatalog: Sendable {
    let store: any Store
    let invoker: Invoker

    public init(store: any Store, invoker: Invoker) {
        self.store = store
        self.invoker = invoker
    }

    /// The tools of a tenant's enabled connectors, or of one connector, in connector then
    /// resource order, that `access` (the caller's key's allow-lists) lets it call. A connector
    /// that cannot be prepared (its credential is gone, its MCP server is down) is left out of a
    /// tenant-wide listing and logged; asked for by name, its error is thrown.
    public func tools(tenantID: String, connector: Slug? = nil, access: KeyAccess = .unrestricted) async throws -> [ToolDefinition] {
        let all = try await everyTool(tenantID: tenantID, connector: connector)
        guard access.isRestricted else { return all }
        return all.filter { access.allows(connector: $0.connector.rawValue, resource: $0.resource.rawValue) }
    }

    private func everyTool(tenantID: String, connector: Slug?) async throws -> [ToolDefinition] {
        if let connector {
            guard let record = try await store.connector(tenantID: tenantID, name: connector) else {
                throw JunctionError(.notFound, "No connector named '\(connector)'.", field: "connector")
            }
            guard record.enabled else {
                throw JunctionError(.connectorDisabled, "Connector '\(connector)' is disabled.", field: "connector")
            }
            return try await tools(of: record)
        }
        var tools: [ToolDefinition] = []
        for record in try await store.connectors(ConnectorQuery(tenantID: tenantID, enabled: true)).sorted(by: { $0.name < $1.name }) {
            do {
                tools += try await self.tools(of: record)
            } catch {
                Self.logger.warning(
                    "Connector left out of the tool list",
                    metadata: [
                        "tenant.id": .string(tenantID), "connector.name": .string(record.name.rawValue),
                        "error": .string((error as? JunctionError)?.message ?? String(describing: error)),
                    ])
            }
        }
        return tools
    }

    /// The tool called `name`, or `nil`. A name of the plain `CONNECTOR__RESOURCE` form is
    /// resolved directly, and why its connector cannot serve it is thrown (`connector_disabled`,
    /// a failed discovery); a shortened (hashed) one is found by listing the tenant's tools.
    public func tool(tenantID: String, named name: String) async throws -> ToolDefinition? {
        if let (connector, resource) = Self.parts(of: name) {
            let prepared: PreparedConnector
            do {
                prepared = try await invoker.prepared(tenantID: tenantID, name: connector.rawValue)
            } catch let error as JunctionError where error.code == .notFound {
                return nil
            }
            guard let found = prepared.resources[resource] else { return nil }
            guard prepared.record.enabled else {
                throw JunctionError(.connectorDisabled, "Connector '\(connector)' is disabled.")
            }
            return ToolDefinition(connector: connector, connectorDescription: prepared.record.description ?? "", resource: found.resource)
        }
        return try await tools(tenantID: tenantID).first { $0.name == name }
    }

    /// Runs `tool` with `arguments` through the invoke path (a wrapped input unwrapped).
    public func call(
        _ tool: ToolDefinition, arguments: JSONValue, tenantID: String, requestID: String, actor: AuditActor,
        traceparent: TraceParent? = nil, runID: String? = nil
    ) async -> InvokeEnvelope {
        let data = tool.wrapsInput ? (arguments["input"] ?? .null) : arguments
        return await invoker.invoke(InvokeRequest(
            tenantID: tenantID, connector: tool.connector.rawValue, resource: tool.resource.rawValue, data: data,
            options: InvokeOptions(), requestID: requestID, idempotencyKey: nil, actor: actor, traceparent: traceparent,
            runID: runID))
    }

    private func tools(of record: ConnectorRecord) async throws -> [ToolDefinition] {
        let prepared = try await invoker.prepared(tenantID: record.tenantID, name: record.name.rawValue)
        return prepared.orderedResources.map {
            ToolDefinition(connector: record.name, connectorDescription: record.description ?? "", resource: $0)
        }
    }

    /// The connector and resource of a name made by `ToolName.make` without shortening.
    static func parts(of name: String) -> (Slug, Slug)? {
        let plain = name.hasPrefix("_") ? String(name.dropFirst()) : name
        guard let separator = plain.range(of: "__"),
              let connector = Slug(String(plain[..<separator.lowerBound])),
              let resource = Slug(String(plain[separator.upperBound...])),
              ToolName.make(connector: connector, resource: resource) == name
        else { return nil }
        return (connector, resource)
    }

    private static let logger = Logger(label: "junction.tools")
}
