import JunctionCore
import JunctionStorage

/// Creates, replaces and deletes agents and their links to connectors, auditing each change.
public struct AgentService: Sendable {
    private let store: any Store
    private let invoker: Invoker?

    /// - Parameter invoker: resolves the connectors and resources a definition names, for
    ///   `missing(in:tenantID:)`.
    public init(store: any Store, invoker: Invoker? = nil) {
        self.store = store
        self.invoker = invoker
    }

    /// What `definition` names that does not exist yet — its credential, the connectors and
    /// resources of its tools and steps — one sentence each. The agent is saved all the same
    /// (they may be created next), but its runs would fail until they exist.
    public func missing(in definition: AgentDefinition, tenantID: String) async -> [String] {
        var missing: [String] = []
        if let credential = definition.credential, (try? await store.credential(tenantID: tenantID, name: credential)) == nil {
            missing.append("No credential '\(credential)' yet.")
        }
        let uses = definition.tools.map { ($0.connector, $0.resource) } + definition.steps.map { ($0.connector, Optional($0.resource)) }
        var seen: Set<String> = []
        for (connector, resource) in uses where seen.insert("\(connector)/\(resource?.rawValue ?? "")").inserted {
            guard let invoker else { break }
            do {
                let prepared = try await invoker.prepared(tenantID: tenantID, name: connector.rawValue)
                if let resource, prepared.resources[resource] == nil {
                    missing.append("Connector '\(connector)' has no resource '\(resource)' yet.")
                }
            } catch let error as JunctionError where error.code == .notFound {
                missing.append("No connector '\(connector)' yet.")
            } catch {
                missing.append("Connector '\(connector)' cannot be used now: \((error as? JunctionError)?.message ?? "\(error)")")
            }
        }
        return missing
    }

    /// Validates `document` and stores it: as a new agent (`conflict` when the name is taken),
    /// or, given `name`, as that agent, created or replaced. A document for `name` may leave
    /// out `name`; naming another agent is `invalid_input` on `name`.
    public func save(tenantID: String, document: JSONValue, as name: Slug? = nil, by actor: AuditActor) async throws -> (agent: Agent, created: Bool) {
        var document = document
        if let name, case .object(var members) = document {
            if let named = members["name"], named != .string(name.rawValue) {
                throw JunctionError.invalidInput(
                    "The document names '\(named.stringValue.map { String($0.prefix(80)) } ?? named.typeName)', the URL '\(name)'.", field: "name")
            }
            members["name"] = .string(name.rawValue)
            document = .object(members)
        }
        let definition = try AgentDefinition(json: document)
        // The label only: concurrent writers of one agent may see it as created by both.
        let existing = name == nil ? nil : try await store.agent(tenantID: tenantID, name: definition.name)
        let action = existing == nil ? "agent.create" : "agent.update"
        let audit = actor.event(
            action, tenantID: tenantID, targetType: "agent", target: definition.name.rawValue,
            details: ["type": .string(definition.kind.rawValue)])
        return try await store.saveAgent(
            Agent(tenantID: tenantID, definition: definition, document: document), replacing: name != nil, audit: audit)
    }

    /// Deletes an agent and its links.
    public func delete(tenantID: String, name: Slug, by actor: AuditActor) async throws {
        let audit = actor.event("agent.delete", tenantID: tenantID, targetType: "agent", target: name.rawValue)
        try await store.deleteAgent(tenantID: tenantID, name: name, audit: audit)
    }

    /// Links `agent` and `connector`; whether the link is new.
    public func link(tenantID: String, agent: Slug, connector: Slug, by actor: AuditActor) async throws -> Bool {
        let audit = actor.event(
            "agent.link", tenantID: tenantID, targetType: "agent", target: agent.rawValue, details: ["connector": .string(connector.rawValue)])
        return try await store.linkAgent(tenantID: tenantID, agent: agent, connector: connector, audit: audit)
    }

    /// Removes the link between `agent` and `connector`.
    public func unlink(tenantID: String, agent: Slug, connector: Slug, by actor: AuditActor) async throws {
        let audit = actor.event(
            "agent.unlink", tenantID: tenantID, targetType: "agent", target: agent.rawValue, details: ["connector": .string(connector.rawValue)])
        try await store.unlinkAgent(tenantID: tenantID, agent: agent, connector: connector, audit: audit)
    }
}
