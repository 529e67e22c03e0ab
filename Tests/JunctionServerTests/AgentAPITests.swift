import HTTPTypes
import JunctionCore
import JunctionServer
import JunctionTesting
import Testing

/// `/api/v1/agents`: definitions in YAML or JSON, errors naming the field and line, links.
struct AgentAPITests {
    static let yaml = """
        version: "1.0"
        name: support-triage
        type: llm
        model: openai/gpt-4o-mini
        system_prompt: |
          You sort support tickets.
        tools:
          - crm
          - billing__list-invoices
        max_steps: 6
        """

    static let yamlHeaders: HTTPFields = [.contentType: "application/yaml"]

    @Test func yamlDefinitionsAreCreatedReadReplacedAndDeleted() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let created = try await junction.request(.post, "/api/v1/agents", key: tenant.key, raw: Self.yaml, headers: Self.yamlHeaders)
            #expect(created.status == .created, "\(created.text)")
            #expect(created.json["name"] == "support-triage")
            #expect(created.json["type"] == "llm")
            #expect(created.json["model"] == "openai/gpt-4o-mini")
            #expect(created.json["definition"]?["tools"] == ["crm", "billing__list-invoices"])
            #expect(created.json["definition"]?["system_prompt"] == "You sort support tickets.\n")
            let id = try #require(created.json["id"]?.stringValue)

            let duplicate = try await junction.request(.post, "/api/v1/agents", key: tenant.key, raw: Self.yaml, headers: Self.yamlHeaders)
            #expect(duplicate.status == .conflict)
            #expect(duplicate.errorField == "name")

            // PUT replaces (the document may leave out the name) and keeps the id.
            let replaced = try await junction.request(.put, "/api/v1/agents/support-triage", key: tenant.key, json: [
                "type": "workflow", "steps": [["id": "look", "connector": "crm", "resource": "get-customer", "data": ["id": "{{input.id}}"]]],
            ])
            #expect(replaced.status == .ok, "\(replaced.text)")
            #expect(replaced.json["id"]?.stringValue == id)
            #expect(replaced.json["type"] == "workflow")
            #expect(replaced.json["model"] == .null)
            let fresh = try await junction.request(.put, "/api/v1/agents/digest", key: tenant.key, raw: "type: llm\nmodel: anthropic/claude-sonnet-4-5\n", headers: Self.yamlHeaders)
            #expect(fresh.status == .created)
            let mismatch = try await junction.request(.put, "/api/v1/agents/digest", key: tenant.key, raw: Self.yaml, headers: Self.yamlHeaders)
            #expect(mismatch.status == .badRequest)
            #expect(mismatch.errorField == "name")

            let list = try await junction.request(.get, "/api/v1/agents", key: tenant.key)
            #expect(list.json["agents"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["digest", "support-triage"])
            #expect(try await junction.request(.get, "/api/v1/agents/digest", key: tenant.key).json["model"] == "anthropic/claude-sonnet-4-5")

            // Another tenant sees none of it.
            let other = try await junction.createTenant("globex")
            #expect(try await junction.request(.get, "/api/v1/agents/digest", key: other.key).status == .notFound)
            #expect(try await junction.request(.get, "/api/v1/agents", key: other.key).json["agents"] == [])

            #expect(try await junction.request(.delete, "/api/v1/agents/digest", key: tenant.key).status == .noContent)
            #expect(try await junction.request(.delete, "/api/v1/agents/digest", key: tenant.key).status == .notFound)

            // Each change is audited.
            let audit = try await junction.request(.get, "/api/v1/audit?limit=20", key: tenant.key)
            let actions = (audit.json["events"]?.arrayValue ?? []).compactMap { $0["action"]?.stringValue }
            #expect(actions.filter { $0.hasPrefix("agent.") } == ["agent.delete", "agent.create", "agent.update", "agent.create"])
        }
    }

    @Test func whatADefinitionNamesButDoesNotExistYetIsWarnedAbout() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let yaml = Self.yaml + "\ncredential: openai-key\n"
            let created = try await junction.request(.post, "/api/v1/agents", key: tenant.key, raw: yaml, headers: Self.yamlHeaders)
            #expect(created.status == .created, "saved all the same: \(created.text)")
            let warnings = created.json["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(warnings.contains("No credential 'openai-key' yet."), "\(warnings)")
            #expect(warnings.contains("No connector 'crm' yet."), "\(warnings)")
            #expect(warnings.contains("No connector 'billing' yet."), "\(warnings)")

            _ = try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: [
                "name": "openai-key", "kind": "api_key", "value": "sk-test-0123456789",
            ])
            for name in ["crm", "billing"] {
                _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                    "connector_name": .string(name), "connector_type": "http", "connection_url": "http://127.0.0.1:1",
                    "options": ["resources": [["slug": "list-invoices-old"]]],
                ])
            }
            let replaced = try await junction.request(
                .put, "/api/v1/agents/support-triage", key: tenant.key, raw: yaml, headers: Self.yamlHeaders)
            #expect(replaced.json["warnings"] == ["Connector 'billing' has no resource 'list-invoices' yet."], "\(replaced.text)")
            let read = try await junction.request(.get, "/api/v1/agents/support-triage", key: tenant.key)
            #expect(read.json["warnings"] == nil, "warnings belong to the save's answer only")
        }
    }

    @Test func badDefinitionsNameTheFieldAndTheYAMLLine() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let yaml = """
                name: onboard
                type: workflow
                steps:
                  - id: lookup
                    connector: crm
                    resource: get-customer
                  - id: notify
                    connector: Slack!
                    resource: post-message
                """
            let bad = try await junction.request(.post, "/api/v1/agents", key: tenant.key, raw: yaml, headers: Self.yamlHeaders)
            #expect(bad.status == .badRequest)
            #expect(bad.errorCode == "invalid_input")
            #expect(bad.errorField == "steps[1].connector")
            #expect(bad.json["error"]?["details"]?["line"] == 8, "\(bad.text)")

            // A missing field points at the document (line 1), a present one at its own line.
            let cases: [(String, String, Int)] = [
                ("name: a\ntype: llm\n", "model", 1),
                ("name: a\ntype: llm\nmodel: openai/x\ncolour: red\n", "colour", 4),
                ("name: a\ntype: workflow\nsteps:\n  - id: s\n    connector: c\n    resource: r\n    data: {x: '{{steps.later.data.y}}'}\n", "steps[0].data", 7),
            ]
            for (document, field, line) in cases {
                let answer = try await junction.request(.post, "/api/v1/agents", key: tenant.key, raw: document, headers: Self.yamlHeaders)
                #expect(answer.status == .badRequest, "\(document)")
                #expect(answer.errorField == field, "\(answer.text)")
                #expect(answer.json["error"]?["details"]?["line"]?.intValue == line, "\(answer.text)")
            }
            let notYAML = try await junction.request(.post, "/api/v1/agents", key: tenant.key, raw: "name: [unclosed", headers: Self.yamlHeaders)
            #expect(notYAML.status == .badRequest)
            let xml = try await junction.request(.post, "/api/v1/agents", key: tenant.key, raw: "<agent/>", headers: [.contentType: "application/xml"])
            #expect(xml.status == .unsupportedMediaType)
            // Nothing was stored.
            #expect(try await junction.request(.get, "/api/v1/agents", key: tenant.key).json["agents"] == [])
        }
    }

    @Test func linksJoinAgentsAndConnectorsBothWays() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            for name in ["hook", "crm"] {
                let connector: JSONValue = ["connector_name": .string(name), "connector_type": "http", "connection_url": "https://api.example.com"]
                #expect(try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: connector).status == .created)
            }
            for name in ["triage", "digest"] {
                let agent: JSONValue = ["name": .string(name), "type": "llm", "model": "openai/gpt-4o-mini"]
                #expect(try await junction.request(.post, "/api/v1/agents", key: tenant.key, json: agent).status == .created)
            }
            #expect(try await junction.request(.post, "/api/v1/agents/triage/links/hook", key: tenant.key).status == .created)
            #expect(try await junction.request(.post, "/api/v1/agents/triage/links/hook", key: tenant.key).status == .ok, "linking twice is fine")
            #expect(try await junction.request(.post, "/api/v1/agents/triage/links/crm", key: tenant.key).status == .created)
            #expect(try await junction.request(.post, "/api/v1/agents/digest/links/hook", key: tenant.key).status == .created)

            let triage = try await junction.request(.get, "/api/v1/agents/triage", key: tenant.key)
            #expect(triage.json["links"] == [
                ["connector": "crm", "connector_type": "http"], ["connector": "hook", "connector_type": "http"],
            ])
            let missingConnector = try await junction.request(.post, "/api/v1/agents/triage/links/nothing", key: tenant.key)
            #expect(missingConnector.status == .notFound)
            #expect(missingConnector.json["error"]?["message"]?.stringValue?.contains("connector") == true)
            #expect(try await junction.request(.post, "/api/v1/agents/nobody/links/hook", key: tenant.key).status == .notFound)

            // A linked connector is protected; unlinking frees it.
            #expect(try await junction.request(.delete, "/api/v1/connectors/crm", key: tenant.key).status == .conflict)
            #expect(try await junction.request(.delete, "/api/v1/agents/triage/links/crm", key: tenant.key).status == .noContent)
            #expect(try await junction.request(.delete, "/api/v1/agents/triage/links/crm", key: tenant.key).status == .notFound)
            #expect(try await junction.request(.delete, "/api/v1/connectors/crm", key: tenant.key).status == .noContent)

            // Deleting an agent removes its links.
            #expect(try await junction.request(.delete, "/api/v1/agents/triage", key: tenant.key).status == .noContent)
            let blocked = try await junction.request(.delete, "/api/v1/connectors/hook", key: tenant.key)
            #expect(blocked.json["error"]?["details"]?["agents"] == ["digest"])
        }
    }

    @Test func thePlatformKeyNamesTheTenantAndSeesNothingInSaasMode() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let other = try await junction.createTenant("globex")
            let agent: JSONValue = ["name": "triage", "type": "llm", "model": "openai/gpt-4o-mini"]
            #expect(try await junction.request(.post, "/api/v1/agents", key: junction.adminKey, json: agent).status == .badRequest, "no tenant named")
            #expect(try await junction.request(.post, "/api/v1/agents?tenant=acme", key: junction.adminKey, json: agent).status == .created)
            #expect(try await junction.request(.post, "/api/v1/agents", key: other.key, json: agent).status == .created)
            #expect(try await junction.request(.get, "/api/v1/agents/triage", key: tenant.key).status == .ok)
            let all = try await junction.request(.get, "/api/v1/agents", key: junction.adminKey)
            #expect(all.json["agents"]?.arrayValue?.compactMap { $0["tenant_id"]?.stringValue }.sorted() == [tenant.id, other.id].sorted())
            let one = try await junction.request(.get, "/api/v1/agents?tenant=globex", key: junction.adminKey)
            #expect(one.json["agents"]?.arrayValue?.count == 1)
        }
        try await withJunction(mode: .saas) { junction in
            _ = try await junction.createTenant("acme")
            #expect(try await junction.request(.get, "/api/v1/agents?tenant=acme", key: junction.adminKey).status == .forbidden)
            #expect(try await junction.request(.get, "/api/v1/runs?tenant=acme", key: junction.adminKey).status == .forbidden)
        }
    }
}
